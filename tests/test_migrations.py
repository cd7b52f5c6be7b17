"""Migrations: the models match them, and data saved under the released schema survives an upgrade."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from planning.models import Membership
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
