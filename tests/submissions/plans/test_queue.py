"""Queueing plan builds, on the suite's real Redis: a burst coalesces into one queued build; with
Redis stopped a submission is saved and its plan marked stale; once Redis is back the stale plan is
built and the next request queues its build at once."""

import datetime
import json
import threading

import pytest
import redis
from django.db import connection

from submissions import queue
from submissions.models import PlanState, SystemPlan
from submissions.plans import services as plan_services
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


def burst(blmk, n=50):
    for _ in range(n):
        queue.request_plan_build(
            system_id=blmk.system.pk, template_id=blmk.activity.pk, stage="draft"
        )


def test_a_burst_to_an_idle_plan_queues_one_build_to_run_at_once(blmk, broker, settings):
    settings.PLAN_BUILD_DELAY_SECONDS = 2

    burst(blmk)

    [build] = queued(broker)
    assert build["task"] == queue.BUILD_SYSTEM_PLAN
    assert build["eta"] is None  # not built lately: no wait
    assert PlanState.objects.get().is_stale


def test_a_burst_soon_after_a_build_queues_one_build_due_the_delay_after_it(blmk, broker, settings):
    settings.PLAN_BUILD_DELAY_SECONDS = 2
    plan_services.build_from_ids(
        system_id=blmk.system.pk, template_id=blmk.activity.pk, stage="draft"
    )
    last_build = PlanState.objects.get().last_build_at

    burst(blmk)

    [build] = queued(broker)
    assert build["task"] == queue.BUILD_SYSTEM_PLAN
    due = last_build + datetime.timedelta(seconds=2)
    assert datetime.datetime.fromisoformat(build["eta"]) == due
    state = PlanState.objects.get()
    assert state.is_stale and queue.expected_build_at(state) == due  # what the plan page says


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
    assert recovery == [
        queue.REBUILD_STALE_PLANS,
        queue.RENDER_WATCHDOG,
        queue.SEND_UNSENT_NOTIFICATIONS,  # the ICS lead's email about the submission waited too
    ]
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


@pytest.mark.django_db(transaction=True)
def test_a_submission_committed_while_a_build_runs_gets_a_build_of_its_own_after_it(
    blmk, broker, settings, monkeypatch
):
    settings.PLAN_BUILD_DELAY_SECONDS = 2
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "100"})
    broker.delete("celery")

    def luton_submits():
        try:
            submitted(blmk.luton, "activity", {("gp_referrals", "fot"): "200"})
        finally:
            connection.close()

    luton = threading.Thread(target=luton_submits)
    read_inputs = plan_services.inputs_by_plan

    def inputs_then_luton_submits(**kwargs):
        inputs = read_inputs(**kwargs)  # the build has read Bedfordshire's submission only
        luton.start()  # Luton's submission and its request commit while the build runs
        luton.join(timeout=10)
        assert not luton.is_alive(), "Luton's submission waited for the build"
        return inputs

    monkeypatch.setattr(plan_services, "inputs_by_plan", inputs_then_luton_submits)
    plan, _ = plan_services.build_from_ids(
        system_id=blmk.system.pk, template_id=blmk.activity.pk, stage="draft"
    )
    monkeypatch.undo()

    assert [i["ods_code"] for i in plan.included] == ["06F"]
    state = PlanState.objects.get()
    assert state.is_stale and state.scheduled_until is not None  # not lost: built next
    [build] = queued(broker)
    due = state.last_build_at + datetime.timedelta(seconds=2)
    assert datetime.datetime.fromisoformat(build["eta"]) == due
    assert build["task"] == queue.BUILD_SYSTEM_PLAN

    plan, _ = plan_services.build_from_ids(  # what that message runs
        system_id=blmk.system.pk, template_id=blmk.activity.pk, stage="draft"
    )
    assert sorted(i["ods_code"] for i in plan.included) == ["06F", "06P"]
    assert not PlanState.objects.get().is_stale
