"""A plan version keeps its totals with it (`SystemPlan.totals`, {line code: {column code: total}})
instead of one `PlanValue` row per cell: a build writes each version once, with its totals, and a
page reads them with the version.

Every existing version gets its totals from its rows, exactly (the same 6 places, as text), and
before the rows are dropped the migration reads every version's totals back and compares them with
the rows; if any differs, it stops and changes nothing. The reverse writes the rows back from the
totals. The plan's own index on `planinput` goes too: the unique constraint's index starts with
the plan."""

from collections import defaultdict
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models


def _rows(apps):
    """{plan id: {(line code, column code): Decimal}} from the `PlanValue` rows."""
    rows = defaultdict(dict)
    values = apps.get_model("submissions", "PlanValue").objects.values_list(
        "plan_id", "line__code", "column__code", "value"
    )
    for plan_id, line, column, value in values.iterator(chunk_size=5000):
        rows[plan_id][(line, column)] = value
    return rows


def _read(totals):
    return {
        (line, column): Decimal(value)
        for line, columns in totals.items()
        for column, value in columns.items()
    }


def totals_from_rows(apps, schema_editor):
    SystemPlan = apps.get_model("submissions", "SystemPlan")
    rows = _rows(apps)
    for plan_id, cells in rows.items():
        totals = defaultdict(dict)
        for (line, column), value in cells.items():
            totals[line][column] = str(value)
        SystemPlan.objects.filter(pk=plan_id).update(totals=dict(totals))
    differing = [
        plan.pk
        for plan in SystemPlan.objects.only("pk", "totals").iterator(chunk_size=500)
        if _read(plan.totals) != rows.get(plan.pk, {})
    ]
    if differing:
        raise RuntimeError(
            f"Plan versions {sorted(differing)[:20]} would not read the same totals as their "
            "rows hold: nothing was migrated. Report this before upgrading."
        )


def rows_from_totals(apps, schema_editor):
    SystemPlan = apps.get_model("submissions", "SystemPlan")
    PlanValue = apps.get_model("submissions", "PlanValue")
    lines = {
        (line.template_id, line.code): line
        for line in apps.get_model("planning", "Line").objects.all()
    }
    columns = {
        (column.section_id, column.code): column.pk
        for column in apps.get_model("planning", "Column").objects.all()
    }
    rows = []
    for plan in SystemPlan.objects.only("pk", "template_id", "totals").iterator(chunk_size=500):
        for (code, column), value in _read(plan.totals).items():
            line = lines[(plan.template_id, code)]
            rows.append(
                PlanValue(
                    plan_id=plan.pk,
                    line_id=line.pk,
                    column_id=columns[(line.section_id, column)],
                    value=value,
                )
            )
    PlanValue.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0005_extensions_and_reminder_days"),
        ("submissions", "0008_notifications_queries_reminders"),
    ]

    operations = [
        migrations.AddField(
            model_name="systemplan",
            name="totals",
            field=models.JSONField(
                default=dict,
                help_text="The system totals of the typed cells, written with the version: "
                "{line code: {column code: the total to 6 places, as text}}. Rates (%) have none.",
            ),
        ),
        migrations.RunPython(totals_from_rows, rows_from_totals),
        migrations.DeleteModel(name="PlanValue"),
        migrations.AlterField(
            model_name="planinput",
            name="plan",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="parts",
                to="submissions.systemplan",
            ),
        ),
    ]
