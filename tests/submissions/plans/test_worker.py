"""A real Celery worker process, consuming from the throwaway Redis, builds the system plan."""

from decimal import Decimal

import pytest

from submissions.plans.selectors import latest_plan, plan_contributions, plan_typed_values
from tests import factories
from tests.services import poll

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_builds_the_system_plan_when_two_partners_submit(
    sending, workers, settings, blmk
):
    settings.PLAN_BUILD_DELAY_SECONDS = 0
    worker = workers()

    factories.submitted_return(blmk.hospital, "activity", {("gp_referrals", "fot"): "1,001"})
    second = factories.submitted_return(blmk.beds, "activity", {("gp_referrals", "fot"): "94,810"})

    def built_with_both():
        plan = latest_plan(system=blmk.system, template=second.template, stage="draft")
        return plan if plan is not None and len(plan.included) == 2 else None

    plan = poll(built_with_both, timeout=30, interval=0.2, message="the plan with both partners")
    # Built in the worker process, not in this one (tasks run here when left eager).
    worker.wait_for_log(r"build_system_plan_task\[\S+\] succeeded", timeout=5)
    assert plan_typed_values(plan)[("gp_referrals", "fot")] == Decimal("94810")  # commissioners
    [hospital] = plan_contributions(plan)[blmk.hospital.pk].values()
    assert hospital == Decimal("1001") * Decimal("0.5")  # weighted, beside the plan
