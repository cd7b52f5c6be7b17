"""Celery tasks: the edge of the app. Each takes ids, is idempotent, and calls one service.

Nothing imports this module but `SubmissionsConfig.ready`; services queue these tasks by name
through `submissions.queue`, so the names below are part of the queue's contract with workers
and beat (`config/settings.py`): rename one only with a release that drains the queue first.
No task but `ping` keeps its result: nothing reads them, and a result store that is down must
not slow down or stop the request that queued the work.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

from submissions.notifications import reminders
from submissions.notifications import services as notifications
from submissions.papers import services as papers
from submissions.plans import services as plans

log = logging.getLogger(__name__)


@shared_task(ignore_result=False)
def ping():
    """Round-trip check: proves a worker is consuming the queue (the test suite's worker tier)."""
    return "pong"


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def build_system_plan_task(system_id, template_id, stage, user_id=None):
    """Build one system plan. Acknowledged only when done, so a worker killed mid-build leaves
    the message to be redelivered; the build's transaction leaves no half plan behind."""
    plan, created = plans.build_from_ids(
        system_id=system_id, template_id=template_id, stage=stage, user_id=user_id
    )
    return {"plan": plan.pk, "version": plan.version, "created": created}


@shared_task(ignore_result=True)
def rebuild_stale_plans():
    """Periodic (Celery beat, every 30 s) and whenever a worker connects to the broker
    (`config.celery.RecoverWhenConnected`): build every plan still marked stale, e.g. after the queue was down or a worker was killed mid-build. Returns how many were
    built; a plan whose build failed says why on its page and is tried again next time."""
    built, failed = plans.rebuild_stale_plans()
    for system_id, template_id, stage, error in failed:
        log.error(
            "Could not build the %s plan of system %s, template %s: %r",
            stage,
            system_id,
            template_id,
            error,
        )
    return built


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def render_paper_task(render_id):
    """Render one numbered version of a paper to PDF (idempotent: a finished render is kept)."""
    render = papers.paper_render_run(render_id)
    return {"render": render.pk, "status": render.status}


@shared_task(ignore_result=True)
def render_watchdog():
    """Periodic (Celery beat, every 30 s) and whenever a worker connects to the broker: queue again
    the renders that waited for the queue or were lost with a worker; fail those waiting an hour."""
    queued, failed = papers.paper_renders_recover()
    return {"queued": queued, "failed": failed}


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_notification_email_task(notification_id):
    """Email one notification: claimed first, so a redelivered message never sends it twice."""
    return notifications.notification_email_send(notification_id)


@shared_task(ignore_result=True)
def send_unsent_notifications():
    """Periodic (Celery beat, every minute): email the notifications no task sent (the queue was
    down, the mail server refused, or the worker died), each claimed before it is sent."""
    return notifications.notifications_send_unsent()


@shared_task(ignore_result=True)
def send_notification_digests():
    """Periodic (Celery beat, hourly): from NOTIFICATION_DIGEST_HOUR, each daily digest not yet
    sent today."""
    return notifications.digests_send_due()


@shared_task(ignore_result=True)
def send_due_reminders():
    """Periodic (Celery beat, hourly): the reminders before submission deadlines due today, each
    claimed before it is sent, so two beat or worker processes never send one twice."""
    return reminders.reminders_send_due()
