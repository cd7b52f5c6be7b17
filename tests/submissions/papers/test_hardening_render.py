"""Hardening renders: a PDF that cannot be stored fails with a reason instead of rendering for
ever, two requests at once take consecutive numbers, and the watchdog picks up renders that
waited for the queue or were lost with a worker."""

import datetime
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from submissions import queue
from submissions.models import PaperRender
from submissions.papers import services as papers
from tests import factories
from tests.services import TIERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_pdf(monkeypatch):
    """Renders take no time: these tests are about what happens around them."""
    monkeypatch.setattr(papers, "render_pdf", lambda paper, **kwargs: (b"%PDF-1.7 test", "0" * 64))


@pytest.fixture
def small_paper():
    return factories.paper(factories.bedfordshire(), blocks=["timetable"])


def asked_ago(render, **age):
    PaperRender.objects.filter(pk=render.pk).update(
        requested_at=timezone.now() - datetime.timedelta(**age)
    )


def test_a_render_whose_pdf_cannot_be_stored_fails_with_the_reason(
    small_paper, fast_pdf, settings, tmp_path
):
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = not_a_folder

    render = papers.paper_render_run(PaperRender.objects.create(paper=small_paper, number=1).pk)

    render.refresh_from_db()
    assert render.status == "failed"
    assert "media folder writable" in render.error and "Error" in render.error
    assert not render.file


def test_a_double_click_on_render_takes_consecutive_numbers(small_paper, fast_pdf):
    user = factories.planning_lead(small_paper.organisation)

    first = papers.paper_render_request(user=user, paper=small_paper)
    second = papers.paper_render_request(user=user, paper=small_paper)

    assert (first.number, second.number) == (1, 2)


@pytest.mark.skipif(not TIERS["postgres"], reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_render_requests_at_the_same_moment_take_consecutive_numbers(
    monkeypatch, django_capture_on_commit_callbacks
):
    paper = factories.paper(factories.bedfordshire(), blocks=["timetable"])
    user = factories.planning_lead(paper.organisation)
    monkeypatch.setattr(queue, "render_paper", lambda render: True)
    next_number = papers._next_number

    def slow_next_number(paper):
        number = next_number(paper)
        time.sleep(0.3)  # both requests would read the same last number without the lock
        return number

    monkeypatch.setattr(papers, "_next_number", slow_next_number)
    numbers, errors = [], []

    def request():
        try:
            numbers.append(papers.paper_render_request(user=user, paper=paper).number)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert not errors and sorted(numbers) == [1, 2]


def test_the_render_watchdog_renders_what_waited_for_the_queue_at_once(small_paper, fast_pdf):
    waited = PaperRender.objects.create(paper=small_paper, number=1, error=queue.RENDER_QUEUE_DOWN)

    assert papers.paper_renders_recover() == (1, 0)

    waited.refresh_from_db()
    assert waited.status == "ready" and waited.error == ""


def test_the_render_watchdog_queues_a_render_lost_with_its_worker_again(small_paper, fast_pdf):
    lost = PaperRender.objects.create(paper=small_paper, number=1)
    asked_ago(lost, seconds=90)
    just_asked = PaperRender.objects.create(paper=small_paper, number=2)

    assert papers.paper_renders_recover() == (1, 0)

    lost.refresh_from_db()
    just_asked.refresh_from_db()
    assert lost.status == "ready"
    assert just_asked.status == "rendering"  # still on its way: left alone


def test_the_render_watchdog_gives_up_on_a_render_waiting_for_an_hour(small_paper, fast_pdf):
    forgotten = PaperRender.objects.create(
        paper=small_paper, number=1, error=queue.RENDER_QUEUE_DOWN
    )
    asked_ago(forgotten, hours=1, minutes=1)

    assert papers.paper_renders_recover() == (0, 1)

    forgotten.refresh_from_db()
    assert forgotten.status == "failed" and "Render a new PDF" in forgotten.error


def test_the_render_watchdog_leaves_finished_and_failed_renders_alone(small_paper, monkeypatch):
    done = factories.rendered(small_paper)
    failed = PaperRender.objects.create(paper=small_paper, number=2, status="failed", error="x")
    for render in (done, failed):
        asked_ago(render, hours=2)
    monkeypatch.setattr(queue, "render_paper", lambda render: pytest.fail("queued again"))

    assert papers.paper_renders_recover() == (0, 0)

    assert set(PaperRender.objects.values_list("status", flat=True)) == {"ready", "failed"}
