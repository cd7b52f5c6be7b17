"""Queueing plan builds: a burst coalesces into one build; a broker that is down leaves the plan
stale for the periodic rebuild rather than losing the submission."""

import pytest
from kombu.exceptions import OperationalError

from submissions import queue
from submissions.models import PlanState, SystemPlan
from submissions.tasks import build_system_plan_task, rebuild_stale_plans
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


def test_a_burst_of_submissions_queues_one_build(blmk, monkeypatch, settings):
    queued = []
    monkeypatch.setattr(
        build_system_plan_task, "apply_async", lambda *a, **k: queued.append((a, k))
    )
    for _ in range(50):
        queue.request_plan_build(
            system_id=blmk.system.pk, template_id=blmk.activity.pk, stage="draft"
        )
    assert len(queued) == 1
    assert queued[0][1]["countdown"] == settings.PLAN_BUILD_DELAY_SECONDS
    assert PlanState.objects.get().is_stale


def test_broker_down_at_submit_saves_the_return_and_marks_the_plan_stale(
    blmk, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(build_system_plan_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        ret = submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})

    ret.refresh_from_db()
    assert ret.status == "submitted"
    state = PlanState.objects.get()
    assert state.is_stale and "could not be reached" in state.last_error
    assert not SystemPlan.objects.exists()

    assert rebuild_stale_plans() == 1  # what Celery beat runs every few minutes
    state.refresh_from_db()
    assert not state.is_stale and SystemPlan.objects.get().included[0]["ods_code"] == "06F"
