"""The one place that puts work on the Celery queue, addressing tasks by name.

Services call these after their transaction commits; the tasks (`submissions/tasks.py`, the edge)
call services in turn, so naming tasks here instead of importing them keeps the imports one way.
A plan's `PlanState` is the queue's bookkeeping: a request marks the plan stale and claims the one
queued build, due at once if the plan is idle or PLAN_BUILD_DELAY_SECONDS after its last build
started (requests meanwhile coalesce into it: `next_build_at`); if the queue cannot be reached
the plan stays stale and the periodic `rebuild_stale_plans` task builds it later. Nothing here ever
raises because the queue is down: the submission or the paper that asked must stand whatever
happened to the queue.

Sending never waits on a result store (nothing here reads a task's result) and gives up at once
when the broker refuses (`CELERY_BROKER_TRANSPORT_OPTIONS`), so a request that queues work answers
in well under a second with Redis down. What could not be queued is picked up when the queue is
back: stale plans by `rebuild_stale_plans`, renders by `render_watchdog` (both every 30 s by beat,
and whenever a worker connects to the broker, at start or after an outage: `recover`).
"""

import datetime
import logging

from celery import current_app
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from planning.selectors import memberships_for_round
from submissions.models import PaperRender, PlanState

log = logging.getLogger(__name__)

# A queued build is claimed until its countdown plus this margin (PlanState.scheduled_until), so
# a build whose message was lost is claimed again by the next request after that.
CLAIM_MARGIN = datetime.timedelta(seconds=60)

BUILD_SYSTEM_PLAN = "submissions.tasks.build_system_plan_task"
RENDER_PAPER = "submissions.tasks.render_paper_task"
REBUILD_STALE_PLANS = "submissions.tasks.rebuild_stale_plans"
RENDER_WATCHDOG = "submissions.tasks.render_watchdog"
SEND_UNSENT_NOTIFICATIONS = "submissions.tasks.send_unsent_notifications"

PLAN_QUEUE_DOWN = (
    "The task queue could not be reached; the plan will be rebuilt when the queue is back."
)
RENDER_QUEUE_DOWN = (
    "The task queue could not be reached; the PDF will be made when the queue is back."
)


def _send(name, args, **options):
    """Queue the task called `name`. A registered task is applied through its own class, so the
    embedded default (tasks run eagerly, in-process) works; `SubmissionsConfig.ready` registers them.
    No result is asked for, so sending never touches (nor waits on) the result store."""
    return current_app.signature(name, args=args).apply_async(ignore_result=True, **options)


def plan_state(system_id, template_id, stage):
    state, _ = PlanState.objects.get_or_create(
        system_id=system_id, template_id=template_id, stage=stage
    )
    return state


def expected_build_at(state):
    """When the build a plan's state has claimed is due to start: its countdown's end."""
    return state.scheduled_until - CLAIM_MARGIN


def _fed_system_ids(ret):
    """The systems whose plans `ret` feeds: those its organisation is a member of in its round."""
    return (
        memberships_for_round(financial_year=ret.template.round.financial_year)
        .filter(organisation_id=ret.organisation_id)
        .values_list("system_id", flat=True)
    )


def request_plan_builds(*, ret):
    """After a return's status changes: mark each plan it feeds as stale and queue a build."""
    for system_id in _fed_system_ids(ret):
        request_plan_build(system_id=system_id, template_id=ret.template_id, stage=ret.stage)


def plans_waiting_for_the_queue(*, ret):
    """Whether a plan `ret` feeds could not be queued for a build because the queue was down (it
    will be built when the queue is back): the page that changed the return can say so."""
    return PlanState.objects.filter(
        system_id__in=_fed_system_ids(ret),
        template_id=ret.template_id,
        stage=ret.stage,
        is_stale=True,
        last_error=PLAN_QUEUE_DOWN,
    ).exists()


def next_build_at(state, now):
    """When a build requested `now` may start: at once if the plan has not been built in the last
    PLAN_BUILD_DELAY_SECONDS (it is idle), else that long after its last build started. So a lone
    submission is in its plan within a build's time, and a storm makes at most one build of a plan
    every PLAN_BUILD_DELAY_SECONDS, each reading every submission that arrived before it."""
    if state.last_build_at is None:
        return now
    return max(
        now, state.last_build_at + datetime.timedelta(seconds=settings.PLAN_BUILD_DELAY_SECONDS)
    )


def request_plan_build(*, system_id, template_id, stage):
    """Mark the plan stale and queue a build, due at `next_build_at`, unless one is already queued
    (it will read these inputs when it starts). Returns whether it queued one."""
    now = timezone.now()
    state = plan_state(system_id, template_id, stage)
    # A build running now started before this: it leaves the plan stale (`build_system_plan`), and
    # its task cleared the claim, so the claim below queues the build after it.
    PlanState.objects.filter(pk=state.pk).update(is_stale=True, requested_at=now)
    state.refresh_from_db(fields=["last_build_at"])
    due = next_build_at(state, now)
    claimed = (
        PlanState.objects.filter(pk=state.pk)
        .filter(Q(scheduled_until__isnull=True) | Q(scheduled_until__lt=now))
        .update(scheduled_until=due + CLAIM_MARGIN)
    )
    if not claimed:
        return False  # a queued build will read these inputs when it starts
    try:
        if due > now:
            _send(BUILD_SYSTEM_PLAN, (system_id, template_id, stage), eta=due)
        else:
            _send(BUILD_SYSTEM_PLAN, (system_id, template_id, stage))
    except Exception as error:  # the submission must stand whatever happened to the queue
        log.warning("Could not queue a system plan build: %s", error)
        PlanState.objects.filter(pk=state.pk).update(
            scheduled_until=None, last_error=PLAN_QUEUE_DOWN
        )
        return False
    return True


def render_paper(render):
    """Queue the PDF render. If the queue is down the render stays waiting, saying so, and the
    render watchdog queues it again when the queue is back. Returns whether it queued it."""
    try:
        _send(RENDER_PAPER, (render.pk,))
    except Exception as error:  # the paper must stand whatever happened to the queue
        log.warning("Could not queue a paper render: %s", error)
        PaperRender.objects.filter(pk=render.pk, status=PaperRender.Status.RENDERING).update(
            error=RENDER_QUEUE_DOWN
        )
        return False
    PaperRender.objects.filter(
        pk=render.pk, status=PaperRender.Status.RENDERING, error=RENDER_QUEUE_DOWN
    ).update(error="")
    return True


def recover():
    """Queue the rebuild of stale plans, the render watchdog and the emails still unsent now (a
    worker has just connected to the broker: whatever waited for the queue, or was lost with a
    killed worker, is picked up at once).
    Returns the names it queued; never raises."""
    queued = []
    for name in (REBUILD_STALE_PLANS, RENDER_WATCHDOG, SEND_UNSENT_NOTIFICATIONS):
        try:
            _send(name, ())
        except Exception as error:
            log.warning("Could not queue %s: %s", name, error)
        else:
            queued.append(name)
    return queued
