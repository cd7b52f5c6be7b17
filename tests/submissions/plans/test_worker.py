"""A real Celery worker, consuming from the throwaway Redis, builds the system plan."""

import time
from decimal import Decimal

import pytest

from submissions.models import PlanContribution
from submissions.plans.selectors import latest_plan, plan_typed_values
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_builds_the_system_plan_when_two_partners_submit(celery_worker, settings, blmk):
    settings.PLAN_BUILD_DELAY_SECONDS = 0

    factories.submitted_return(blmk.hospital, "activity", {("gp_referrals", "fot"): "1,001"})
    second = factories.submitted_return(blmk.beds, "activity", {("gp_referrals", "fot"): "94,810"})

    deadline = time.monotonic() + 30
    plan = None
    while time.monotonic() < deadline:
        plan = latest_plan(system=blmk.system, template=second.template, stage="draft")
        if plan is not None and len(plan.included) == 2:
            break
        time.sleep(0.2)
    assert plan is not None and len(plan.included) == 2, "the worker did not build the plan"
    assert plan_typed_values(plan)[("gp_referrals", "fot")] == Decimal("94810")  # commissioners
    hospital = PlanContribution.objects.get(plan=plan, organisation=blmk.hospital)
    assert hospital.value == Decimal("1001") * Decimal("0.5")  # weighted, beside the plan
