"""Sending partners' returns in a plan back for amendment."""

import pytest

from submissions.models import Return
from submissions.plans import selectors as plan_selectors
from submissions.plans import services as plan_services
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
    latest = plan_selectors.latest_plan(system=blmk.system, template=blmk.activity, stage="draft")
    assert latest.version == 2 and [i["ods_code"] for i in latest.included] == ["06F"]
