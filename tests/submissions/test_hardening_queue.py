"""Hardening the queue: with Redis down a request that queues work answers within a second and
says what will happen; a plan whose build fails does not stop the others; what waited for the
queue is picked up each time a worker connects to the broker."""

import time

import pytest

from config.celery import RecoverWhenConnected
from config.celery import app as main_app
from submissions import queue, tasks
from submissions.models import PaperRender, PlanState, SystemPlan
from submissions.papers import services as papers
from submissions.plans import services as plans
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(sending, suite_redis):
    """The suite's Redis stopped (started again after the test), the app sending tasks for real
    (not running them in this thread)."""
    suite_redis.stop()
    yield
    suite_redis.start()


@pytest.fixture
def blmk():
    templates = factories.templates()
    system = factories.blmk()
    return system, templates, factories.bedfordshire(in_system=system)


@pytest.fixture
def fast_pdf(monkeypatch):
    """Renders take no time: the tests are about when they run, not what they draw."""
    monkeypatch.setattr(papers, "render_pdf", lambda paper, **kwargs: (b"%PDF-1.7 test", "0" * 64))


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


@pytest.mark.worker
def test_requesting_a_plan_build_with_redis_down_answers_within_a_second(blmk, redis_down):
    system, templates, beds = blmk

    queued, seconds = timed(
        lambda: queue.request_plan_build(
            system_id=system.pk, template_id=templates["activity"].pk, stage="draft"
        )
    )

    assert queued is False and seconds < 1, seconds
    state = PlanState.objects.get()
    assert state.is_stale and state.scheduled_until is None
    assert state.last_error == queue.PLAN_QUEUE_DOWN


@pytest.mark.worker
def test_requesting_a_render_with_redis_down_answers_within_a_second_and_waits_for_the_queue(
    redis_down, django_capture_on_commit_callbacks
):
    beds = factories.bedfordshire()
    paper = factories.paper(beds, blocks=["timetable"])

    with django_capture_on_commit_callbacks(execute=True):
        render, seconds = timed(
            lambda: papers.paper_render_request(user=factories.planning_lead(beds), paper=paper)
        )
    again, seconds_again = timed(lambda: queue.render_paper(render))

    assert seconds < 1 and seconds_again < 1, (seconds, seconds_again)
    assert again is False
    render.refresh_from_db()
    assert render.status == "rendering"
    assert "will be made when the queue is back" in render.error
    assert "must be restarted" not in render.error


@pytest.mark.worker
def test_the_render_watchdog_with_redis_still_down_leaves_renders_waiting(redis_down):
    paper = factories.paper(factories.bedfordshire(), blocks=["timetable"])
    render = PaperRender.objects.create(paper=paper, number=1, error=queue.RENDER_QUEUE_DOWN)

    (queued, failed), seconds = timed(papers.paper_renders_recover)

    assert (queued, failed) == (0, 0) and seconds < 1, seconds
    render.refresh_from_db()
    assert render.status == "rendering" and render.error == queue.RENDER_QUEUE_DOWN


@pytest.mark.worker
def test_the_recovery_with_redis_down_queues_nothing_and_does_not_fail(redis_down):
    queued, seconds = timed(queue.recover)

    assert queued == [] and seconds < 1, seconds


def test_tasks_other_than_ping_never_touch_the_result_store():
    for task in (
        tasks.build_system_plan_task,
        tasks.rebuild_stale_plans,
        tasks.render_paper_task,
        tasks.render_watchdog,
    ):
        assert task.ignore_result, task.name
    assert not tasks.ping.ignore_result


def test_a_plan_whose_build_fails_does_not_stop_the_rebuild_of_the_others(blmk, monkeypatch):
    system, templates, beds = blmk
    for code in ("activity", "finance", "qipp"):
        PlanState.objects.create(system=system, template=templates[code], stage="draft")
    build = plans.build_plans  # what the rebuild's batches and each plan's own build run

    def finance_breaks(*, template, **kwargs):
        if template.code == "finance":
            raise ValueError("a broken template")
        return build(template=template, **kwargs)

    monkeypatch.setattr(plans, "build_plans", finance_breaks)

    assert tasks.rebuild_stale_plans() == 2

    broken = PlanState.objects.get(template=templates["finance"])
    assert broken.is_stale and "ValueError: a broken template" in broken.last_error
    assert not PlanState.objects.filter(is_stale=True).exclude(pk=broken.pk).exists()
    assert set(SystemPlan.objects.values_list("template__code", flat=True)) == {"activity", "qipp"}


def test_a_build_that_fails_says_why_on_the_plan(blmk, monkeypatch):
    system, templates, beds = blmk
    PlanState.objects.create(system=system, template=templates["activity"], stage="draft")

    def broken(**kwargs):
        raise RuntimeError("no room")

    monkeypatch.setattr(plans, "build_system_plan", broken)
    with pytest.raises(RuntimeError):
        tasks.build_system_plan_task(system.pk, templates["activity"].pk, "draft")

    state = PlanState.objects.get()
    assert state.is_stale and state.scheduled_until is None
    assert state.last_error == "The plan could not be built: RuntimeError: no room"


def test_the_recovery_builds_stale_plans_and_renders_what_waited_for_the_queue(blmk, fast_pdf):
    system, templates, beds = blmk
    PlanState.objects.create(system=system, template=templates["activity"], stage="draft")
    paper = factories.paper(beds, blocks=["timetable"])
    waited = PaperRender.objects.create(paper=paper, number=1, error=queue.RENDER_QUEUE_DOWN)

    # What a worker queues when it connects (here the tasks run eagerly, in this thread).
    assert queue.recover() == [
        queue.REBUILD_STALE_PLANS,
        queue.RENDER_WATCHDOG,
        queue.SEND_UNSENT_NOTIFICATIONS,
    ]

    assert not PlanState.objects.get().is_stale and SystemPlan.objects.count() == 1
    waited.refresh_from_db()
    assert waited.status == "ready" and waited.error == ""


def test_a_worker_queues_the_recovery_each_time_its_consumer_connects(monkeypatch):
    # Celery starts a consumer's steps when the worker starts and again after each reconnection
    # (tests/faults/test_redis_down.py watches a real worker do it).
    assert RecoverWhenConnected in main_app.steps["consumer"]
    calls = []
    monkeypatch.setattr(queue, "recover", lambda: calls.append("recover") or [])

    RecoverWhenConnected(parent=None).start(consumer=None)

    assert calls == ["recover"]


def test_beat_rebuilds_stale_plans_and_watches_renders_every_30_seconds(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule[queue.REBUILD_STALE_PLANS] == 30.0 and schedule[queue.RENDER_WATCHDOG] == 30.0
    assert set(main_app.tasks) >= {queue.REBUILD_STALE_PLANS, queue.RENDER_WATCHDOG}


def test_broker_connections_are_bounded_and_a_lost_message_comes_back_in_minutes(settings):
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["socket_connect_timeout"] <= 1 and options["socket_timeout"] <= 10
    assert options["max_retries"] == 0 and settings.CELERY_TASK_PUBLISH_RETRY is False
    assert 60 < options["visibility_timeout"] <= 600
