"""Building a system plan: the share-weighted sum of the partners' returns, done in the database."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning.models import Membership, Organisation, Template
from submissions.demo import seed_figures
from submissions.models import PlanInput, Return, SystemPlan
from submissions.plans import selectors as plan_selectors
from submissions.plans import services as plan_services
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


def totals(plan):
    return plan_selectors.plan_typed_values(plan)


def test_plan_is_the_share_weighted_sum_of_the_commissioners_submissions(blmk):
    half = factories.organisation("99H", name="Half CCG")
    factories.membership(half, blmk.system, share="0.5")
    submitted(
        blmk.beds,
        "activity",
        {("gp_referrals", "fot"): "94,810", ("gp_referrals", "trend"): "6,998"},
    )
    submitted(half, "activity", {("gp_referrals", "fot"): "1,001", ("gp_referrals", "trend"): "-3"})
    submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "3,060"})
    Return.objects.create(
        organisation=blmk.luton, template=blmk.activity, stage="draft"
    )  # in progress

    plan, created = blmk.build()

    assert created and plan.version == 1
    values = totals(plan)
    assert values[("gp_referrals", "fot")] == Decimal("94810") + Decimal("1001") * Decimal("0.5")
    assert values[("gp_referrals", "trend")] == Decimal("6998") + Decimal("-3") * Decimal("0.5")
    assert {i["ods_code"]: i["included"] for i in plan.inputs} == {
        "06F": True,
        "99H": True,
        "RC1": True,
        "06P": False,
    }
    assert {i["ods_code"]: i["status"] for i in plan.missing} == {"06P": "draft"}
    # The provider's figures are weighted and kept beside the plan, not added into it.
    [hospital] = plan_selectors.plan_contributions(plan)[blmk.hospital.pk].values()
    assert hospital == Decimal("1530")


def test_commissioners_and_providers_activity_is_never_added_together(blmk):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1,000"})
    submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "3,060"})  # 1,530 at half

    plan, _ = blmk.build()

    assert totals(plan)[("gp_referrals", "fot")] == 1000  # not 2,530
    assert plan_selectors.providers_beside(plan)
    side = {r["line"].code: r for r in plan_selectors.alignment(plan=plan, threshold=Decimal(2))}
    referrals = side["gp_referrals"]
    assert (referrals["commissioners"], referrals["providers"], referrals["gap"]) == (
        1000,
        1530,
        530,
    )


def test_rates_are_not_added_up_across_organisations(blmk):
    submitted(
        blmk.beds,
        "activity",
        {("gp_referrals", "fot"): "100", ("gp_referrals", "last_year_growth"): "7.0"},
    )
    submitted(
        blmk.hospital,
        "activity",
        {("gp_referrals", "fot"): "100", ("gp_referrals", "last_year_growth"): "3.0"},
    )
    plan, _ = blmk.build()
    assert ("gp_referrals", "last_year_growth") not in totals(plan)


def test_the_build_is_one_grouped_query_and_a_constant_number_of_others(blmk):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1"})
    blmk.build()  # the first build also creates the plan's state row
    submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "2"})
    with CaptureQueriesContext(connection) as small:
        blmk.build()
    for n in range(4):
        org = factories.organisation(f"T{n}", kind=Organisation.Kind.ACUTE)
        factories.membership(org, blmk.system, role=Membership.Role.PROVIDER)
        submitted(org, "activity", seed_figures.activity_cells())
    with CaptureQueriesContext(connection) as large:
        plan, created = blmk.build()
    assert created and len(plan.included) == 6
    assert len(large) == len(small)
    grouped = [q["sql"] for q in large.captured_queries if "GROUP BY" in q["sql"].upper()]
    assert len(grouped) == 1 and "SUM(" in grouped[0].upper()


def test_the_same_inputs_never_make_a_new_version(blmk):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1"})
    first, _ = blmk.build()
    again, created = blmk.build()
    assert not created and again.pk == first.pk
    assert SystemPlan.objects.count() == 1


def test_a_build_that_fails_halfway_leaves_the_previous_plan_visible(blmk, monkeypatch):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})
    previous, _ = blmk.build()
    submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "50"})

    def fail(plan_ids):
        raise RuntimeError("worker lost mid-build")

    monkeypatch.setattr(plan_services, "_parts", fail)
    with pytest.raises(RuntimeError):
        blmk.build()

    latest = plan_selectors.latest_plan(system=blmk.system, template=blmk.activity, stage="draft")
    assert latest.pk == previous.pk
    assert totals(latest)[("gp_referrals", "fot")] == 100
    # No half plan: nothing of the failed version is left.
    assert not PlanInput.objects.exclude(plan=previous).exists()
    assert not SystemPlan.objects.exclude(pk=previous.pk).exists()


def test_build_system_plan_command_builds_every_template_and_is_idempotent(blmk):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1"})
    out = StringIO()
    call_command("build_system_plan", "--system", "blmk", "--round", "2019", stdout=out)
    assert "BLMK   activity     draft  version 1 built: 1 of 3 partners included" in out.getvalue()
    count = SystemPlan.objects.count()
    plan_templates = Template.objects.filter(round__financial_year=2019).exclude(
        kind=Template.Kind.NARRATIVE
    )
    assert count == 2 * plan_templates.count()  # draft and final
    call_command("build_system_plan", "--system", "BLMK", "--round", "2019", stdout=StringIO())
    assert SystemPlan.objects.count() == count


def test_build_system_plan_command_without_a_system_builds_every_systems_plans(blmk):
    other = factories.system("QHM", name="Other ICS")
    far = factories.organisation("99Z", name="Far CCG")
    factories.membership(far, other)
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1"})
    submitted(far, "activity", {("gp_referrals", "fot"): "7"})
    out = StringIO()
    call_command("build_system_plan", "--round", "2019", "--stage", "draft", stdout=out)

    assert "QHM    activity     draft  version 1 built: 1 of 1 partners included" in out.getvalue()
    assert "Every system's" in out.getvalue()
    far_plan = plan_selectors.latest_plan(system=other, template=blmk.activity, stage="draft")
    assert totals(far_plan)[("gp_referrals", "fot")] == 7
    assert set(SystemPlan.objects.values_list("stage", flat=True)) == {"draft"}
