"""Approving a plan: an approved version is frozen, and later builds make newer versions."""

import pytest
from django.core.exceptions import PermissionDenied

from submissions.models import Return
from submissions.plans import selectors as plan_selectors
from submissions.plans import services as plan_services
from submissions.returns import services
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


def test_a_resubmission_after_approval_leaves_the_approved_plan_untouched(blmk, lead):
    ret = submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "94,810"})
    approved, _ = blmk.build()
    factories.approve(approved, lead)

    services.return_send_back(user=lead, ret=ret, reason="Check GP referrals", submission_number=1)
    ret.refresh_from_db()
    beds_lead = factories.planning_lead(blmk.beds)
    ret = services.return_save(
        user=beds_lead,
        ret=ret,
        base_version=ret.version,
        raw_cells={("gp_referrals", "fot"): "99,000"},
        raw_answers={},
        raw_explanations={},
    )
    services.return_submit(user=beds_lead, ret=ret)
    newer, created = blmk.build()

    assert created and newer.version == approved.version + 1 and not newer.is_approved
    approved.refresh_from_db()
    assert approved.is_approved and approved.approved_by == lead
    assert plan_selectors.plan_typed_values(approved)[("gp_referrals", "fot")] == 94810
    assert plan_selectors.plan_typed_values(newer)[("gp_referrals", "fot")] == 99000
    with pytest.raises(PermissionDenied):
        plan_services.plan_approve(user=lead, plan=approved)  # approved once, for ever


def test_approval_is_refused_on_a_plan_whose_inputs_changed_since_it_was_built(blmk, lead):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})
    plan, _ = blmk.build()
    submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "50"})  # build still pending

    assert "have changed since version 1 was built" in plan_selectors.approval_blockers(plan)[0]
    with pytest.raises(plan_services.PlanRefused, match="changed since version 1"):
        factories.approve(plan, lead)
    plan.refresh_from_db()
    assert not plan.is_approved


def test_approval_is_refused_on_an_empty_plan(blmk, lead):
    Return.objects.create(organisation=blmk.beds, template=blmk.activity, stage="draft")
    plan, _ = blmk.build()
    assert plan.included == []
    with pytest.raises(plan_services.PlanRefused, match="nothing to approve"):
        factories.approve(plan, lead)


def test_an_incomplete_plan_is_approved_only_naming_the_missing_partners_with_a_reason(blmk, lead):
    beds = submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})
    services.return_accept(user=lead, ret=beds, submission_number=1)
    plan, _ = blmk.build()

    with pytest.raises(plan_services.PlanRefused, match="Bedford Hospital, NHS Luton CCG"):
        plan_services.plan_approve(user=lead, plan=plan)
    with pytest.raises(plan_services.PlanRefused, match="NHS Luton CCG"):
        plan_services.plan_approve(user=lead, plan=plan, exceptions=[blmk.hospital.pk], note="x")
    everyone = [blmk.hospital.pk, blmk.luton.pk]
    with pytest.raises(plan_services.PlanRefused, match="Say why"):
        plan_services.plan_approve(user=lead, plan=plan, exceptions=everyone, note=" ")

    plan_services.plan_approve(
        user=lead, plan=plan, exceptions=everyone, note="Providers plan in the final round"
    )
    plan.refresh_from_db()
    assert plan.is_approved and plan.approval_note == "Providers plan in the final round"
    assert [e["name"] for e in plan.approval_exceptions] == ["Bedford Hospital", "NHS Luton CCG"]
    assert {e["status"] for e in plan.approval_exceptions} == {"no submission"}


def test_accepting_an_included_return_makes_no_new_version_and_keeps_the_approval(blmk, lead):
    ret = submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})
    plan, _ = blmk.build()
    factories.approve(plan, lead)

    services.return_accept(user=lead, ret=ret, submission_number=1)
    again, created = blmk.build()

    assert not created and again.pk == plan.pk and again.is_approved


def test_the_confirmation_page_lists_partners_and_totals_and_keeps_what_was_typed(
    client, blmk, lead, plan_url
):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "94,810"})
    plan, _ = blmk.build()
    client.force_login(lead)
    url = plan_url("submissions:plan_approve")

    page = client.get(url, {"version": plan.version}).content.decode()
    assert "Approve version 1" in page and "94,810" in page
    assert "Submission 1 submitted, not yet accepted" in page and "Not submitted" in page

    refused = client.post(url, {"version": plan.version, "note": "Providers later"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "Confirm that you approve without" in body and "Providers later" in body
    plan.refresh_from_db()
    assert not plan.is_approved

    everyone = [blmk.beds.pk, blmk.hospital.pk, blmk.luton.pk]
    done = client.post(url, {"version": 1, "exception": everyone, "note": "Providers later"})
    assert done.status_code == 302
    shown = client.get(plan_url()).content.decode()
    assert "Approved without an accepted submission from" in shown and "Providers later" in shown


def test_the_lead_withdraws_an_approval_with_a_reason_kept_in_the_history(blmk, lead):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})
    plan, _ = blmk.build()
    factories.approve(plan, lead, note="First look")

    with pytest.raises(plan_services.PlanRefused, match="Say why"):
        plan_services.plan_withdraw_approval(user=lead, plan=plan, reason="")
    plan_services.plan_withdraw_approval(user=lead, plan=plan, reason="Luton has now submitted")

    plan.refresh_from_db()
    assert not plan.is_approved and plan.approval_note == ""
    withdrawn = plan.approvals.get()
    assert (withdrawn.note, withdrawn.withdrawn_by, withdrawn.withdrawn_reason) == (
        "First look",
        lead,
        "Luton has now submitted",
    )
    factories.approve(plan, lead, note="Second look")  # approved again: a new row, the old kept
    assert [a.note for a in plan.approvals.order_by("approved_at")] == ["First look", "Second look"]
    analyst = factories.analyst()
    with pytest.raises(PermissionDenied):
        plan_services.plan_withdraw_approval(user=analyst, plan=plan, reason="No")
