"""Celery tasks: the edge of the app. Each takes ids, is idempotent, and calls one service.

Nothing imports this module but `SubmissionsConfig.ready`; services queue these tasks by name
through `submissions.queue`, so the names below are part of the queue's contract with workers
and beat (`config/settings.py`): rename one only with a release that drains the queue first.
"""

from celery import shared_task
from django.db import DatabaseError

from submissions.papers import services as papers
from submissions.plans import services as plans


@shared_task
def ping():
    """Round-trip check: proves a worker is consuming the queue (the test suite's worker tier)."""
    return "pong"


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def build_system_plan_task(system_id, template_id, stage, user_id=None):
    """Build one system plan. Acknowledged only when done, so a worker killed mid-build leaves
    the message to be redelivered; the build's transaction leaves no half plan behind."""
    plan, created = plans.build_from_ids(
        system_id=system_id, template_id=template_id, stage=stage, user_id=user_id
    )
    return {"plan": plan.pk, "version": plan.version, "created": created}


@shared_task
def rebuild_stale_plans():
    """Periodic (Celery beat): build every plan still marked stale, e.g. after the queue was down."""
    return plans.rebuild_stale_plans()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_paper_task(render_id):
    """Render one numbered version of a paper to PDF (idempotent: a finished render is kept)."""
    render = papers.paper_render_run(render_id)
    return {"render": render.pk, "status": render.status}
