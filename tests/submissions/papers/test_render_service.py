"""Rendering a paper to a numbered PDF: a failure is recorded and earlier versions are kept, a
redelivered task does nothing twice, and the `render_paper` command."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from submissions.models import PaperRender
from submissions.papers import services as papers
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_failed_render_says_why_and_keeps_earlier_versions(paper, monkeypatch, client):
    good = factories.rendered(paper)

    def broken(*args, **kwargs):
        raise OSError("cannot load library 'pango-1.0-0'")

    monkeypatch.setattr(papers, "render_pdf", broken)
    failed = papers.paper_render_run(PaperRender.objects.create(paper=paper, number=2).pk)

    assert failed.status == "failed" and "pango" in failed.error
    client.force_login(factories.governing_body_member(paper.organisation))
    page = client.get(reverse("submissions:paper", args=[paper.pk])).content.decode()
    assert "Failed" in page and "pango" in page
    download = client.get(reverse("submissions:paper_download", args=[paper.pk, good.number]))
    assert download.status_code == 200


def test_a_redelivered_render_task_leaves_the_finished_version_as_it_was(paper, monkeypatch):
    render = factories.rendered(paper)

    def must_not_render(*args, **kwargs):
        raise AssertionError("rendered a finished version again")

    monkeypatch.setattr(papers, "render_pdf", must_not_render)
    again = papers.paper_render_run(render.pk)

    assert again.status == "ready" and again.data_hash == render.data_hash
    assert again.file.name == render.file.name and paper.renders.count() == 1


def test_render_paper_command(paper):
    out = io.StringIO()

    call_command("render_paper", str(paper.pk), stdout=out)

    assert "Version 1" in out.getvalue() and paper.renders.get().status == "ready"


def test_render_paper_command_says_when_there_is_no_such_paper(paper):
    with pytest.raises(CommandError, match="There is no paper"):
        call_command("render_paper", str(paper.pk + 1))
