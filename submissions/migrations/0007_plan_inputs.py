"""A plan version records what it is made of (each included partner's submission and share, one
row per partner) instead of a copy of every partner's weighted cells: those are read from the
frozen submissions times the share.

Every existing version gets its rows from the inputs it recorded when it was built, and before the
copies are dropped the migration checks, in one query each way, that reading them back gives every
stored contribution to within a millionth (the 6 places they were kept to); if any version would
read differently, it stops and changes nothing. Its totals and approvals are kept as they are. The
reverse writes the copies back from the submissions."""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000


def inputs_from_versions(apps, schema_editor):
    SystemPlan = apps.get_model("submissions", "SystemPlan")
    PlanInput = apps.get_model("submissions", "PlanInput")
    rows = []
    for plan in SystemPlan.objects.only("pk", "inputs").iterator(chunk_size=500):
        commissioners = [i for i in plan.inputs if i.get("role") == "commissioner"]
        counted = {i["organisation_id"] for i in (commissioners or plan.inputs)}
        rows.extend(
            PlanInput(
                plan_id=plan.pk,
                organisation_id=item["organisation_id"],
                submission_id=item["submission_id"],
                share=Decimal(item["share"]),
                counted=item["organisation_id"] in counted,
            )
            for item in plan.inputs
            if item.get("included")
        )
        if len(rows) >= BATCH:
            PlanInput.objects.bulk_create(rows)
            rows = []
    PlanInput.objects.bulk_create(rows)
    _check_contributions_read_back(apps, schema_editor)


def _tables(apps):
    def table(name):
        return apps.get_model(*name.split("."))._meta.db_table

    return {
        "contribution": table("submissions.PlanContribution"),
        "input": table("submissions.PlanInput"),
        "value": table("submissions.SubmissionValue"),
        "line": table("planning.Line"),
        "column": table("planning.Column"),
    }


# Each partner's weighted figures as `plans.selectors.plan_contributions` reads them; the one
# parameter is the unit of rates ("%"), which have none.
READ_BACK = """
    SELECT p.plan_id, p.organisation_id, v.line_id, v.column_id,
           ROUND(v.value * p.share, 6) AS value
    FROM {input} p
    JOIN {value} v ON v.submission_id = p.submission_id
    JOIN {line} l ON l.id = v.line_id
    JOIN {column} c ON c.id = v.column_id
    WHERE COALESCE(NULLIF(c.unit, ''), l.unit) <> %s
"""


def _check_contributions_read_back(apps, schema_editor):
    tables = _tables(apps)
    read_back = READ_BACK.format(**tables)
    differing = f"""
        SELECT s.plan_id FROM {tables["contribution"]} s
        LEFT JOIN ({read_back}) r ON r.plan_id = s.plan_id
            AND r.organisation_id = s.organisation_id
            AND r.line_id = s.line_id AND r.column_id = s.column_id
        WHERE r.value IS NULL OR ABS(r.value - s.value) > 0.000001
        UNION
        SELECT r.plan_id FROM ({read_back}) r
        LEFT JOIN {tables["contribution"]} s ON r.plan_id = s.plan_id
            AND r.organisation_id = s.organisation_id
            AND r.line_id = s.line_id AND r.column_id = s.column_id
        WHERE s.plan_id IS NULL
    """  # noqa: S608 - table names come from models
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(differing, ["%", "%"])
        plans = sorted({row[0] for row in cursor.fetchall()})
    if plans:
        raise RuntimeError(
            f"Plan versions {plans[:20]} would not read the same contributions from their "
            "submissions as they stored: nothing was migrated. Report this before upgrading."
        )


def contributions_from_inputs(apps, schema_editor):
    tables = _tables(apps)
    sql = f"""
        INSERT INTO {tables["contribution"]} (plan_id, organisation_id, line_id, column_id, value)
        {READ_BACK.format(**tables)}
    """  # noqa: S608 - table names come from models
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, ["%"])


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0004_template_control_totals_and_standards"),
        ("submissions", "0006_planstate_last_build_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="PlanInput",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("share", models.DecimalField(decimal_places=12, max_digits=13)),
                (
                    "counted",
                    models.BooleanField(
                        help_text="Added into the system totals: one of the plan's population "
                        "(its commissioners, when it has any; providers' figures are shown beside "
                        "them)."
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="planning.organisation",
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="parts",
                        to="submissions.systemplan",
                    ),
                ),
                (
                    "submission",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="submissions.submission",
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="planinput",
            constraint=models.UniqueConstraint(
                fields=("plan", "organisation"), name="plan_input_unique"
            ),
        ),
        migrations.RunPython(inputs_from_versions, contributions_from_inputs),
        migrations.DeleteModel(name="PlanContribution"),
    ]
