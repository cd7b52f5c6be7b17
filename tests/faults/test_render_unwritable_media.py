"""A worker that cannot store the PDF (the media folder is not writable): the render says
"Failed" with the reason on the paper's page, and rendering again works once the folder is fixed."""

import pytest
from django.urls import reverse

from submissions.models import PaperRender
from tests import factories
from tests.services import poll

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def finished(number):
    return PaperRender.objects.filter(number=number).exclude(status="rendering").first()


def test_a_render_the_worker_cannot_store_fails_with_the_reason_and_rendering_again_works(
    client, sending, workers, settings
):
    beds = factories.bedfordshire()
    paper = factories.paper(beds, title="Operational planning", blocks=["timetable"])
    client.force_login(factories.planning_lead(beds))
    media = settings.MEDIA_ROOT
    media.write_text("a file where the media folder should be")
    workers()
    render_url = reverse("submissions:paper_render", args=[paper.pk])
    paper_url = reverse("submissions:paper", args=[paper.pk])

    assert client.post(render_url).status_code == 302
    failed = poll(lambda: finished(1), timeout=60, interval=0.2, message="the first render ending")

    assert failed.status == "failed" and not failed.file
    assert "media folder writable" in failed.error
    page = client.get(paper_url).content.decode()
    assert "Failed" in page and "is the media folder writable?" in page

    media.unlink()
    media.mkdir()  # the operator fixes the folder; the worker keeps running
    assert client.post(render_url).status_code == 302
    again = poll(lambda: finished(2), timeout=60, interval=0.2, message="the second render ending")

    assert again.status == "ready", again.error
    assert again.file.open("rb").read(4) == b"%PDF"
