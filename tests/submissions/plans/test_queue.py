"""Queueing plan builds, on the suite's real Redis: a burst coalesces into one queued build; with
Redis stopped a submission is saved and its plan marked stale; once Redis is back the stale plan is
built and the next request queues its build at once."""

import datetime
import json

import pytest
import redis
from django.utils import timezone

from submissions import queue
from submissions.models import PlanState, SystemPlan
from submissions.tasks import rebuild_stale_plans
from tests.factories import submitted_return as submitted

pytestmark = [pytest.mark.worker, pytest.mark.django_db]


@pytest.fixture
def broker(sending, suite_redis):
    """The app sending to the suite's Redis, with nothing queued; a client to look at the queue."""
    client = redis.Redis.from_url(suite_redis.url)
    client.delete("celery")
    yield client
    if suite_redis.running:
        client.delete("celery")
    client.close()


def queued(broker):
    """The headers of the task messages waiting in Redis (Celery's default queue)."""
    return [json.loads(message)["headers"] for message in broker.lrange("celery", 0, -1)]


def test_a_burst_of_submissions_queues_one_build(blmk, broker, settings):
    settings.PLAN_BUILD_DELAY_SECONDS = 2
    sent = timezone.now()

    for _ in range(50):
        queue.request_plan_build(
            system_id=blmk.system.pk, template_id=blmk.activity.pk, stage="draft"
        )

    [build] = queued(broker)
    assert build["task"] == queue.BUILD_SYSTEM_PLAN
    delay = datetime.datetime.fromisoformat(build["eta"]) - sent
    assert datetime.timedelta(seconds=1) < delay < datetime.timedelta(seconds=3), delay
    assert PlanState.objects.get().is_stale


def test_redis_down_at_submit_saves_the_return_and_the_plan_is_built_when_it_is_back(
    blmk, broker, suite_redis, django_capture_on_commit_callbacks
):
    suite_redis.stop()
    with django_capture_on_commit_callbacks(execute=True):
        ret = submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})

    ret.refresh_from_db()
    assert ret.status == "submitted"
    state = PlanState.objects.get()
    assert state.is_stale and state.scheduled_until is None
    assert "could not be reached" in state.last_error
    assert queue.plans_waiting_for_the_queue(ret=ret)
    assert not SystemPlan.objects.exists()

    suite_redis.start()
    recovery = queue.recover()  # what a worker does when it connects to the broker
    assert recovery == [queue.REBUILD_STALE_PLANS, queue.RENDER_WATCHDOG]
    assert sorted(task["task"] for task in queued(broker)) == sorted(recovery)
    assert rebuild_stale_plans() == 1  # the task that message runs
    state.refresh_from_db()
    assert not state.is_stale and SystemPlan.objects.get().included[0]["ods_code"] == "06F"
    assert not queue.plans_waiting_for_the_queue(ret=ret)

    broker.delete("celery")
    assert queue.request_plan_build(  # the next submission queues its build at once
        system_id=blmk.system.pk, template_id=blmk.activity.pk, stage="draft"
    )
    assert [task["task"] for task in queued(broker)] == [queue.BUILD_SYSTEM_PLAN]
