"""Approving a plan: an approved version is frozen, and later builds make newer versions."""

import pytest
from django.core.exceptions import PermissionDenied

from submissions.plans import selectors as plan_selectors
from submissions.plans import services as plan_services
from submissions.returns import services
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


def test_a_resubmission_after_approval_leaves_the_approved_plan_untouched(blmk, lead):
    ret = submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "94,810"})
    approved, _ = blmk.build()
    plan_services.plan_approve(user=lead, plan=approved)

    services.return_send_back(user=lead, ret=ret, reason="Check GP referrals")
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
