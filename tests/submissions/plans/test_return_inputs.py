"""Sending partners' returns in a plan back for amendment."""

from decimal import Decimal

import pytest

from submissions.models import Return
from submissions.plans import selectors as plan_selectors
from submissions.plans import services as plan_services
from submissions.plans.presenters import export_document
from submissions.returns import services as return_services
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


def test_returning_inputs_from_the_plan_sends_named_partners_back_with_the_comment(
    blmk, lead, django_capture_on_commit_callbacks
):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})
    submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "50"})
    plan, _ = blmk.build()
    with django_capture_on_commit_callbacks(execute=True):
        plan_services.plan_return_inputs(
            user=lead,
            plan=plan,
            organisation_ids=[blmk.hospital.pk],
            comment="Activity does not match the contract",
        )
    hospital_return = Return.objects.get(organisation=blmk.hospital)
    assert hospital_return.status == "returned"
    assert hospital_return.returned_reason == "Activity does not match the contract"
    # A query about one figure does not wipe the partner out: its submission stays in the plan,
    # marked as under amendment, and the system totals do not move.
    latest = plan_selectors.latest_plan(system=blmk.system, template=blmk.activity, stage="draft")
    assert latest.version == 1 and [i["ods_code"] for i in latest.included] == ["RC1", "06F"]
    rebuilt, created = blmk.build()
    assert not created and rebuilt.pk == plan.pk
    assert plan_selectors.plan_typed_values(rebuilt)[("gp_referrals", "fot")] == 100
    assert plan_selectors.plan_contributions(plan)[blmk.hospital.pk] == {
        ("gp_referrals", "fot"): 25
    }
    now = {i["ods_code"]: i for i in plan_selectors.inputs_now(rebuilt)}
    assert now["RC1"]["under_amendment"] and not now["06F"]["under_amendment"]
    exported = export_document(rebuilt, plan_selectors.figures(rebuilt), now=now.values())
    marks = {i["ods_code"]: i["under_amendment"] for i in exported["inputs"]}
    assert marks == {"RC1": True, "06F": False, "06P": False}


def test_editing_a_returned_return_changes_no_plan_until_it_is_resubmitted(
    blmk, lead, django_capture_on_commit_callbacks
):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})
    hospital = submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "50"})
    plan, _ = blmk.build()
    plan_services.plan_return_inputs(
        user=lead, plan=plan, organisation_ids=[blmk.hospital.pk], comment="Check it"
    )
    hospital.refresh_from_db()
    lead_of_hospital = hospital.submitted_by
    edited = return_services.return_save(
        user=lead_of_hospital,
        ret=hospital,
        base_version=hospital.version,
        raw_cells={("gp_referrals", "fot"): "1"},
        raw_answers={},
        raw_explanations={},
    )
    assert not blmk.build()[1]  # no new version: work in progress is never an input
    return_services.return_submit(user=lead_of_hospital, ret=edited)
    newer, created = blmk.build()
    assert created
    [weighted] = plan_selectors.plan_contributions(newer)[blmk.hospital.pk].values()
    assert weighted == Decimal("0.5")
