"""Migrations: the models match them, and data saved under the released schema survives an upgrade."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from planning.models import Line, Membership
from submissions.models import Return, Value
from submissions.returns.selectors import submitted_values

# The schema of the last release: the newest migration of each app when it shipped. Move these on
# with each release, so this test always upgrades a database as real ones will be upgraded.
RELEASED = [("planning", "0001_initial"), ("submissions", "0001_initial")]


@pytest.mark.django_db
def test_the_models_need_no_migration_that_is_not_written():
    # Moving a model between modules must not change its table or fields.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_return_saved_under_the_released_schema_survives_migrating_to_the_current_one():
    executor = MigrationExecutor(connection)
    executor.migrate(RELEASED)
    old = executor.loader.project_state(RELEASED).apps
    region = old.get_model("planning", "Region").objects.create(name="East of England")
    system = old.get_model("planning", "System").objects.create(
        code="BLMK", name="BLMK ICS", region=region
    )
    beds = old.get_model("planning", "Organisation").objects.create(
        ods_code="06F", name="NHS Bedfordshire CCG", kind="ccg"
    )
    old.get_model("planning", "Membership").objects.create(
        organisation=beds, system=system, role="commissioner", share=Decimal("0.5"), first_year=2019
    )
    round_ = old.get_model("planning", "Round").objects.create(financial_year=2019)
    template = old.get_model("planning", "Template").objects.create(
        round=round_, code="activity", name="Activity", kind="activity"
    )
    section = old.get_model("planning", "Section").objects.create(
        template=template, code="referrals", title="Referrals", order=1
    )
    column = old.get_model("planning", "Column").objects.create(
        section=section, code="fot", label="Forecast outturn", order=1
    )
    line = old.get_model("planning", "Line").objects.create(
        template=template, section=section, code="gp_referrals", label="GP referrals", order=1
    )
    ret = old.get_model("submissions", "Return").objects.create(
        organisation=beds, template=template, stage="draft", status="submitted", version=3
    )
    old.get_model("submissions", "Value").objects.create(
        ret=ret, line=line, column=column, value=Decimal("94810")
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    saved = Return.objects.get()
    assert (saved.organisation.ods_code, saved.status, saved.version) == ("06F", "submitted", 3)
    assert Value.objects.get(ret=saved).value == Decimal("94810")
    assert Membership.objects.get().share == Decimal("0.5")
    # A return that stood submitted gets its first submission: a frozen copy of its values.
    assert saved.submission.number == 1 and saved.submission.return_version == 3
    assert submitted_values(saved.submission) == {("gp_referrals", "fot"): Decimal("94810")}


# The schema before plan versions stopped copying each partner's weighted cells (0007).
BEFORE_PLAN_INPUTS = [
    ("planning", "0004_template_control_totals_and_standards"),
    ("submissions", "0006_planstate_last_build_at"),
]
HALF, THIRD = Decimal("0.5"), Decimal("0.333333333333")


def plans_built_by_the_released_code(old):
    """BLMK's activity plan, versions 1 (the hospital at half) and 2 (at a third, approved), as
    the released build wrote them: inputs, a copy of each partner's weighted cells, totals."""
    model = old.get_model
    region = model("planning", "Region").objects.create(name="East of England")
    system = model("planning", "System").objects.create(code="BLMK", name="BLMK", region=region)
    round_ = model("planning", "Round").objects.create(financial_year=2019)
    template = model("planning", "Template").objects.create(
        round=round_,
        code="activity",
        name="Activity",
        kind="activity",
        organisation_kinds=["ccg", "acute"],
    )
    section = model("planning", "Section").objects.create(
        template=template, code="referrals", title="Referrals", order=1
    )
    fot, growth = (
        model("planning", "Column").objects.create(
            section=section, code=code, label=code, order=n, unit=unit
        )
        for n, (code, unit) in enumerate([("fot", ""), ("growth", "%")], start=1)
    )
    gp, other = (
        model("planning", "Line").objects.create(
            template=template, section=section, code=code, label=code, order=n
        )
        for n, code in enumerate(["gp_referrals", "other_referrals"], start=1)
    )
    user = model("auth", "User").objects.create(username="lead")
    submissions = {}
    for ods, kind, role, figures in [
        ("06F", "ccg", "commissioner", {gp: "94810", other: "1234.5678"}),
        ("RC1", "acute", "provider", {gp: "1001", other: "0.0001"}),
    ]:
        org = model("planning", "Organisation").objects.create(ods_code=ods, name=ods, kind=kind)
        model("planning", "Membership").objects.create(
            organisation=org, system=system, role=role, share=HALF, first_year=2019
        )
        ret = model("submissions", "Return").objects.create(
            organisation=org, template=template, stage="draft", status="submitted", version=2
        )
        submission = model("submissions", "Submission").objects.create(
            ret=ret, number=1, return_version=2, submitted_at="2019-12-01T12:00Z", content_hash=ods
        )
        for line, value in figures.items():
            model("submissions", "SubmissionValue").objects.create(
                submission=submission, line=line, column=fot, value=Decimal(value)
            )
        model("submissions", "SubmissionValue").objects.create(
            submission=submission, line=gp, column=growth, value=Decimal("3.5")
        )
        submissions[ods] = (
            org,
            role,
            submission,
            {line.pk: Decimal(v) for line, v in figures.items()},
        )
    stored = {}
    for version, hospital_share in [(1, HALF), (2, THIRD)]:
        shares = {"06F": Decimal(1), "RC1": hospital_share}
        plan = model("submissions", "SystemPlan").objects.create(
            system=system,
            template=template,
            stage="draft",
            version=version,
            signature=str(version),
            inputs=[
                {
                    "organisation_id": org.pk,
                    "ods_code": ods,
                    "role": role,
                    "share": str(shares[ods]),
                    "submission_id": submission.pk,
                    "included": True,
                }
                for ods, (org, role, submission, _) in submissions.items()
            ],
            approved_at="2019-12-02T12:00Z" if version == 2 else None,
            approved_by=user if version == 2 else None,
        )
        for ods, (org, _, _, figures) in submissions.items():
            for line_id, value in figures.items():
                weighted = (value * shares[ods]).quantize(Decimal("0.000001"))
                model("submissions", "PlanContribution").objects.create(
                    plan=plan, organisation=org, line_id=line_id, column=fot, value=weighted
                )
                stored.setdefault(plan.pk, {}).setdefault(org.pk, {})[(line_id, "fot")] = weighted
        for line_id, value in submissions["06F"][3].items():
            model("submissions", "PlanValue").objects.create(
                plan=plan, line_id=line_id, column=fot, value=value
            )
    return stored


@pytest.mark.django_db(transaction=True)
def test_every_plan_version_reads_the_same_figures_after_contributions_stop_being_copied():
    from submissions.models import PlanInput, SystemPlan
    from submissions.plans.selectors import plan_contributions, plan_typed_values

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_PLAN_INPUTS)
    stored = plans_built_by_the_released_code(
        executor.loader.project_state(BEFORE_PLAN_INPUTS).apps
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    lines = {line.pk: line.code for line in Line.objects.all()}
    for plan in SystemPlan.objects.order_by("version"):
        read = {
            org: {(lines[line], column): value for (line, column), value in cells.items()}
            for org, cells in stored[plan.pk].items()
        }
        assert plan_contributions(plan) == read, f"version {plan.version}"
        assert plan_typed_values(plan) == {
            ("gp_referrals", "fot"): Decimal("94810"),
            ("other_referrals", "fot"): Decimal("1234.5678"),
        }
    # One row per partner and version, at the share that version was built with.
    assert sorted(
        PlanInput.objects.values_list("plan__version", "organisation__ods_code", "share", "counted")
    ) == [
        (1, "06F", Decimal(1), True),
        (1, "RC1", HALF, False),
        (2, "06F", Decimal(1), True),
        (2, "RC1", THIRD, False),
    ]
    assert SystemPlan.objects.get(version=2).approved_by.username == "lead"

    # Going back writes the copies again, as they were.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_PLAN_INPUTS)
    old = executor.loader.project_state(BEFORE_PLAN_INPUTS).apps
    copies = {}
    for row in old.get_model("submissions", "PlanContribution").objects.all():
        cells = copies.setdefault(row.plan_id, {}).setdefault(row.organisation_id, {})
        cells[(row.line_id, row.column.code)] = row.value
    assert copies == stored
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_and_changes_nothing_when_a_version_would_read_differently():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_PLAN_INPUTS)
    old = executor.loader.project_state(BEFORE_PLAN_INPUTS).apps
    plans_built_by_the_released_code(old)
    old.get_model("submissions", "PlanContribution").objects.filter(plan__version=1).update(
        value=Decimal("1")  # no longer what the submission times the share gives
    )

    try:
        executor = MigrationExecutor(connection)
        with pytest.raises(RuntimeError, match=r"Plan versions \[\d+\] would not read the same"):
            executor.migrate(executor.loader.graph.leaf_nodes())

        executor = MigrationExecutor(connection)
        assert ("submissions", "0007_plan_inputs") not in executor.loader.applied_migrations
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM submissions_plancontribution")
            assert cursor.fetchone()[0] == 8  # every copy kept, the wrong one too
    finally:  # leave the current schema for the tests that follow
        old.get_model("submissions", "SystemPlan").objects.all().delete()
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


# The schema before plan versions kept their totals with them (0009).
BEFORE_PLAN_TOTALS = [
    ("planning", "0005_extensions_and_reminder_days"),
    ("submissions", "0008_notifications_queries_reminders"),
]


@pytest.mark.django_db(transaction=True)
def test_every_plan_version_reads_the_same_totals_after_they_move_onto_the_version():
    from submissions.models import SystemPlan
    from submissions.plans.selectors import plan_typed_values

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_PLAN_TOTALS)
    old = executor.loader.project_state(BEFORE_PLAN_TOTALS).apps
    model = old.get_model
    region = model("planning", "Region").objects.create(name="East of England")
    system = model("planning", "System").objects.create(code="BLMK", name="BLMK", region=region)
    round_ = model("planning", "Round").objects.create(financial_year=2019)
    template = model("planning", "Template").objects.create(
        round=round_, code="activity", name="Activity", kind="activity"
    )
    # Two sections with a column code each, so a column is found by its line's section.
    cells = {}
    for n, code in enumerate(["referrals", "beds"], start=1):
        section = model("planning", "Section").objects.create(
            template=template, code=code, title=code, order=n
        )
        column = model("planning", "Column").objects.create(
            section=section, code="fot", label="FOT", order=1
        )
        line = model("planning", "Line").objects.create(
            template=template, section=section, code=f"{code}_total", label=code, order=1
        )
        cells[(line.code, "fot")] = (line, column)
    stored = {
        1: {("referrals_total", "fot"): Decimal("94810.333333"), ("beds_total", "fot"): None},
        2: {("referrals_total", "fot"): Decimal("-0.000001"), ("beds_total", "fot"): Decimal(0)},
        3: {},  # no partner had submitted
    }
    for version, totals in stored.items():
        plan = model("submissions", "SystemPlan").objects.create(
            system=system, template=template, stage="draft", version=version, signature=version
        )
        for key, value in totals.items():
            if value is not None:
                line, column = cells[key]
                model("submissions", "PlanValue").objects.create(
                    plan=plan, line=line, column=column, value=value
                )
    expected = {
        version: {key: value for key, value in totals.items() if value is not None}
        for version, totals in stored.items()
    }

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    for plan in SystemPlan.objects.all():
        assert plan_typed_values(plan) == expected[plan.version], f"version {plan.version}"
    assert SystemPlan.objects.get(version=1).totals == {"referrals_total": {"fot": "94810.333333"}}

    # Going back writes the rows again, each in its own line's section.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_PLAN_TOTALS)
    old = executor.loader.project_state(BEFORE_PLAN_TOTALS).apps
    rows = old.get_model("submissions", "PlanValue").objects.all()
    assert {
        (row.plan.version, row.line.code, row.column.section.code, row.value) for row in rows
    } == {
        (1, "referrals_total", "referrals", Decimal("94810.333333")),
        (2, "referrals_total", "referrals", Decimal("-0.000001")),
        (2, "beds_total", "beds", Decimal(0)),
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
