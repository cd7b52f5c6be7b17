"""A real Celery worker process, consuming from the throwaway Redis, renders a paper."""

import pytest

from submissions.models import PaperRender
from submissions.papers.services import paper_render_request
from tests import factories
from tests.services import poll

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_renders_a_paper(sending, workers):
    beds = factories.bedfordshire()
    lead = factories.planning_lead(beds)
    paper = factories.paper(beds, title="Operational planning", blocks=["timetable"])
    worker = workers()

    render = paper_render_request(user=lead, paper=paper)

    done = poll(
        lambda: PaperRender.objects.exclude(status="rendering").filter(pk=render.pk).first(),
        timeout=60,
        interval=0.2,
        message="the render finishing",
    )
    # Rendered in the worker process, not in this one (tasks run here when left eager).
    worker.wait_for_log(r"render_paper_task\[\S+\] succeeded", timeout=5)
    assert done.status == "ready", done.error
    assert done.file.open("rb").read(4) == b"%PDF"
