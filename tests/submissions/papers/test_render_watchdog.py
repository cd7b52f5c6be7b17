"""The render watchdog tells a render waiting in the queue from one a worker is making: it queues
again a render never started or started so long ago that its worker died, leaves a running one to
its worker, and only one worker can ever start a render."""

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
def pdfs_made(monkeypatch):
    """Renders take no time and are counted: [render number] for each PDF made."""
    made = []

    def render_pdf(paper, *, number, **kwargs):
        made.append(number)
        return b"%PDF-1.7 test", "0" * 64

    monkeypatch.setattr(papers, "render_pdf", render_pdf)
    return made


@pytest.fixture
def small_paper():
    return factories.paper(factories.bedfordshire(), blocks=["timetable"])


def waiting_render(paper, number, *, asked_ago, started_ago=None):
    render = PaperRender.objects.create(paper=paper, number=number)
    now = timezone.now()
    PaperRender.objects.filter(pk=render.pk).update(
        requested_at=now - asked_ago,
        started_at=None if started_ago is None else now - started_ago,
    )
    return render


def test_a_render_a_worker_started_within_the_margin_is_not_queued_again(small_paper, pdfs_made):
    running = waiting_render(
        small_paper,
        1,
        asked_ago=datetime.timedelta(minutes=2),
        started_ago=papers.render_presumed_dead_after() - datetime.timedelta(seconds=5),
    )

    assert papers.paper_renders_recover() == (0, 0)

    running.refresh_from_db()
    assert running.status == "rendering" and pdfs_made == []


def test_a_render_queued_and_never_started_is_queued_again(small_paper, pdfs_made):
    lost = waiting_render(small_paper, 1, asked_ago=datetime.timedelta(seconds=45))

    assert papers.paper_renders_recover() == (1, 0)

    lost.refresh_from_db()
    assert lost.status == "ready" and lost.started_at is not None and pdfs_made == [1]


def test_a_render_started_so_long_ago_that_its_worker_died_is_queued_again(small_paper, pdfs_made):
    dead_after = papers.render_presumed_dead_after()
    died = waiting_render(
        small_paper,
        1,
        asked_ago=dead_after + datetime.timedelta(minutes=1),
        started_ago=dead_after + datetime.timedelta(seconds=5),
    )

    assert papers.paper_renders_recover() == (1, 0)

    died.refresh_from_db()
    assert died.status == "ready" and pdfs_made == [1]


def test_the_margin_is_longer_than_a_render_task_may_run(settings):
    settings.CELERY_TASK_TIME_LIMIT = 600
    assert papers.render_presumed_dead_after() > datetime.timedelta(seconds=600)
    del settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert papers.render_presumed_dead_after() > datetime.timedelta(seconds=visibility)


def test_a_running_render_asked_for_over_an_hour_ago_is_not_given_up(small_paper, pdfs_made):
    running = waiting_render(
        small_paper,
        1,
        asked_ago=datetime.timedelta(hours=2),
        started_ago=datetime.timedelta(seconds=10),
    )

    assert papers.paper_renders_recover() == (0, 0)

    running.refresh_from_db()
    assert running.status == "rendering"


def test_a_second_message_for_a_render_being_made_makes_nothing(small_paper, pdfs_made):
    running = waiting_render(
        small_paper,
        1,
        asked_ago=datetime.timedelta(seconds=40),
        started_ago=datetime.timedelta(seconds=35),
    )

    again = papers.paper_render_run(running.pk)

    assert again.status == "rendering" and pdfs_made == []


def test_a_render_that_waited_for_the_queue_no_longer_says_so_once_started(
    small_paper, monkeypatch
):
    waited = PaperRender.objects.create(paper=small_paper, number=1, error=queue.RENDER_QUEUE_DOWN)
    seen = []

    def render_pdf(paper, **kwargs):
        seen.append(PaperRender.objects.values_list("error", "started_at").get(pk=waited.pk))
        return b"%PDF-1.7 test", "0" * 64

    monkeypatch.setattr(papers, "render_pdf", render_pdf)
    papers.paper_render_run(waited.pk)

    [(error, started_at)] = seen
    assert error == "" and started_at is not None


@pytest.mark.skipif(not TIERS["postgres"], reason="concurrent updates need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_render_at_once_make_it_once(monkeypatch):
    paper = factories.paper(factories.bedfordshire(), blocks=["timetable"])
    render = PaperRender.objects.create(paper=paper, number=1)
    made = []

    def slow_render_pdf(paper, *, number, **kwargs):
        made.append(number)
        time.sleep(0.5)  # the second worker arrives while the first is still making it
        return b"%PDF-1.7 test", "0" * 64

    monkeypatch.setattr(papers, "render_pdf", slow_render_pdf)
    start, results, errors = threading.Barrier(2), [], []

    def worker():
        try:
            start.wait(timeout=10)
            results.append(papers.paper_render_run(render.pk).status)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert not errors and made == [1]
    render.refresh_from_db()
    assert render.status == "ready"


def test_a_render_that_runs_past_the_soft_time_limit_fails_saying_so(small_paper, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    def too_slow(paper, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(papers, "render_pdf", too_slow)
    render = PaperRender.objects.create(paper=small_paper, number=1)

    papers.paper_render_run(render.pk)

    render.refresh_from_db()
    assert render.status == PaperRender.Status.FAILED
    assert "took longer than a render may take" in render.error


def test_a_render_whose_worker_died_is_picked_up_within_two_minutes_of_its_start(settings):
    assert papers.render_presumed_dead_after() <= datetime.timedelta(seconds=90)
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
