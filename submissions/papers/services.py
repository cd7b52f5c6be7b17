"""Writes for papers: save the cover and blocks, request a numbered render, and run it."""

import time

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from submissions import queue
from submissions.models import PaperRender

from .rendering import render_pdf


@transaction.atomic
def paper_save(*, paper, form):
    """Save a paper from its validated form."""
    paper = form.apply(form.save(commit=False))
    paper.save()
    return paper


def _new_render(paper, user):
    last = paper.renders.order_by("-number").values_list("number", flat=True).first() or 0
    return PaperRender.objects.create(paper=paper, number=last + 1, requested_by=user)


@transaction.atomic
def paper_render_request(*, user, paper):
    """Start a new numbered render; the PDF is made by a Celery task after this commits."""
    render = _new_render(paper, user)
    transaction.on_commit(lambda: queue.render_paper(render))
    return render


def paper_render_now(*, paper, user=None):
    """Render the paper's next version in this process (the `render_paper` command)."""
    return paper_render_run(_new_render(paper, user).pk)


def paper_render_run(render_id):
    """What the task does: render and store the PDF, or record why it failed."""
    render = PaperRender.objects.select_related(
        "paper__round", "paper__organisation", "paper__system"
    ).get(pk=render_id)
    if render.status == PaperRender.Status.READY:
        return render  # a redelivered task: already done
    started = time.perf_counter()
    generated_at = timezone.now()
    try:
        pdf, digest = render_pdf(render.paper, number=render.number, generated_at=generated_at)
    except Exception as error:  # shown on the page; the paper's earlier versions stay available
        render.status = PaperRender.Status.FAILED
        hint = ""
        if isinstance(error, OSError) and "pango" in str(error).lower():
            hint = " The server needs Pango for PDFs: apt-get install libpango-1.0-0 libpangoft2-1.0-0."
        render.error = f"{type(error).__name__}: {error}{hint}"[:2000]
        render.save(update_fields=["status", "error"])
        return render
    render.file.save(f"paper-{render.paper_id}-v{render.number}.pdf", ContentFile(pdf), save=False)
    render.status = PaperRender.Status.READY
    render.error = ""
    render.data_hash = digest
    render.generated_at = generated_at
    render.seconds = round(time.perf_counter() - started, 3)
    render.save()
    return render
