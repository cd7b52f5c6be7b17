"""A real Celery worker, consuming from the throwaway Redis, renders a paper."""

import time

import pytest

from submissions.papers.services import paper_render_request
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_renders_a_paper(celery_worker):
    beds = factories.bedfordshire()
    lead = factories.planning_lead(beds)
    paper = factories.paper(beds, title="Operational planning", blocks=["timetable"])
    render = paper_render_request(user=lead, paper=paper)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        render.refresh_from_db()
        if render.status != "rendering":
            break
        time.sleep(0.2)
    assert render.status == "ready", render.error
    assert render.file.open("rb").read(4) == b"%PDF"
