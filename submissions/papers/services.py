"""Writes for papers: save the cover and blocks, request a numbered render, and run it."""

import datetime
import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from submissions import queue
from submissions.models import Paper, PaperRender
from submissions.notifications import events as notifications

from .rendering import render_pdf

log = logging.getLogger(__name__)

RENDER_STUCK_AFTER = datetime.timedelta(seconds=30)
"""A render that no worker has started this long after it was asked for is queued again by the
watchdog (its message was lost, or waits behind a worker that died). With the watchdog every 30 s,
such a render is picked up within a minute of a worker being back; a duplicate message is harmless,
since only one worker can start a render (`paper_render_run`) and a finished one is kept."""

RENDER_DEATH_MARGIN = datetime.timedelta(seconds=15)
"""Added to the longest a render task can run: a render started longer ago than that and still not
finished had its worker die under it."""

RENDER_GIVE_UP_AFTER = datetime.timedelta(hours=1)
"""A render still waiting this long is marked failed, so the page stops saying "Rendering"."""

RENDER_GAVE_UP = (
    "The PDF was not made within an hour of the request (the task queue or its worker was down). "
    "Render a new PDF."
)


@transaction.atomic
def paper_save(*, paper, form):
    """Save a paper from its validated form."""
    paper = form.apply(form.save(commit=False))
    paper.save()
    return paper


def _next_number(paper):
    """The next render number, with the paper's row locked until the caller's transaction ends,
    so two requests at once (a double click) take consecutive numbers instead of the same one."""
    Paper.objects.select_for_update(of=("self",)).only("pk").get(pk=paper.pk)
    last = paper.renders.order_by("-number").values_list("number", flat=True).first() or 0
    return last + 1


@transaction.atomic
def _new_render(paper, user):
    return PaperRender.objects.create(paper=paper, number=_next_number(paper), requested_by=user)


@transaction.atomic
def paper_render_request(*, user, paper):
    """Start a new numbered render; the PDF is made by a Celery task after this commits."""
    render = _new_render(paper, user)
    transaction.on_commit(lambda: queue.render_paper(render))
    return render


def paper_render_now(*, paper, user=None):
    """Render the paper's next version in this process (the `render_paper` command)."""
    return paper_render_run(_new_render(paper, user).pk)


def _failed(render, error, hint=""):
    """Record why the render failed: shown on the page; the paper's earlier versions stay."""
    render.status = PaperRender.Status.FAILED
    render.error = f"{type(error).__name__}: {error}{hint}"[:2000]
    render.save(update_fields=["status", "error"])
    notifications.paper_rendered(render=render)
    return render


def render_presumed_dead_after():
    """How long after it started a render still not finished is taken to have lost its worker:
    the task's hard time limit (CELERY_TASK_TIME_LIMIT) or, without one, the broker's visibility
    timeout (past which the queue itself hands the task to another worker), plus a margin. A
    render running for less than this is never started a second time."""
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or getattr(
        settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}
    ).get("visibility_timeout", 3600)
    return datetime.timedelta(seconds=limit) + RENDER_DEATH_MARGIN


def _claim(render_id, now):
    """Take the render for this worker, in one conditional UPDATE: only a render that is waiting
    (never started, or started by a worker that died) can be taken, so two workers given the same
    render (a redelivered message, the watchdog's second message) never both make it."""
    return PaperRender.objects.filter(
        Q(started_at__isnull=True) | Q(started_at__lt=now - render_presumed_dead_after()),
        pk=render_id,
        status=PaperRender.Status.RENDERING,
    ).update(started_at=now, error="")


def paper_render_run(render_id):
    """What the task does: take the render, then render and store the PDF or record why it failed.
    A render that is finished, failed, or being made by another worker is returned as it is."""
    claimed = _claim(render_id, timezone.now())
    render = PaperRender.objects.select_related(
        "paper__round", "paper__organisation", "paper__system"
    ).get(pk=render_id)
    if not claimed:
        return render
    started = time.perf_counter()
    generated_at = timezone.now()
    try:
        pdf, digest = render_pdf(render.paper, number=render.number, generated_at=generated_at)
    except Exception as error:
        hint = ""
        if isinstance(error, SoftTimeLimitExceeded):
            hint = " It took longer than a render may take: shorten the paper's text and try again."
        elif isinstance(error, OSError) and "pango" in str(error).lower():
            hint = " The server needs Pango for PDFs: apt-get install libpango-1.0-0 libpangoft2-1.0-0."
        return _failed(render, error, hint)
    try:
        name = f"paper-{render.paper_id}-v{render.number}.pdf"
        render.file.save(name, ContentFile(pdf), save=False)
    except Exception as error:  # e.g. the media folder is not writable
        log.exception("Could not store the PDF of render %s", render.pk)
        return _failed(render, error, " The PDF could not be saved: is the media folder writable?")
    render.status = PaperRender.Status.READY
    render.error = ""
    render.data_hash = digest
    render.generated_at = generated_at
    render.seconds = round(time.perf_counter() - started, 3)
    render.save()
    notifications.paper_rendered(render=render)
    return render


def paper_renders_recover(*, now=None):
    """The render watchdog (beat, and when a worker starts): queue again every render no worker is
    making, that is, one never started that waited because the queue was down or for longer than
    RENDER_STUCK_AFTER (its message lost), or one started so long ago that its worker must have
    died (`render_presumed_dead_after`); a render a worker is making is left to it. Mark failed
    those of them asked for longer than RENDER_GIVE_UP_AFTER ago. Returns (queued again, marked
    failed)."""
    now = now or timezone.now()
    waiting = PaperRender.objects.filter(status=PaperRender.Status.RENDERING)
    nobody_on_it = waiting.filter(
        Q(started_at__isnull=True) | Q(started_at__lt=now - render_presumed_dead_after())
    )
    failed = nobody_on_it.filter(requested_at__lt=now - RENDER_GIVE_UP_AFTER).update(
        status=PaperRender.Status.FAILED, error=RENDER_GAVE_UP
    )
    stuck = list(
        nobody_on_it.filter(
            Q(requested_at__lt=now - RENDER_STUCK_AFTER) | Q(error=queue.RENDER_QUEUE_DOWN)
        )
    )
    queued = 0
    for render in stuck:
        if queue.render_paper(render):
            queued += 1
        else:
            break  # the queue is still down: the next round tries them all again
    return queued, failed
