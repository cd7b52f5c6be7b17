"""The paper's pages: a planning lead writes a paper and renders it; its page lists the versions."""

import pytest
from django.urls import reverse

from submissions.models import Paper
from tests import factories

pytestmark = pytest.mark.django_db


def test_planning_lead_writes_a_paper_and_renders_it(
    beds, client, django_capture_on_commit_callbacks, pdf_pages
):
    client.force_login(factories.planning_lead(beds))
    url = reverse("submissions:paper_new") + "?organisation=06F&year=2019"
    data = {
        "body": "Governing Body",
        "meeting_date": "2020-01-16",
        "agenda_item": "7",
        "held_in_public": "on",
        "title": "Operational planning 2019/20",
        "author": "R Kendall",
        "presented_by": "S Hunter",
        "responsible_director": "S Hunter",
        "purpose": "An overview of the plan.",
        "action_required": "note",
        "recommendation": "Note the report.",
        "objectives_text": "[x] Prevention at scale\nOne acute network",
        "narrative": "# Introduction\nGuidance was published.\n# Next steps\nFinal plans in April.",
        "blocks": ["summary_of_spend"],
        **{f"implication_{key}": "na" for key, _ in Paper.IMPLICATIONS},
    }
    missing = client.post(url, {**data, "title": ""})
    assert missing.status_code == 422 and "There is a problem" in missing.content.decode()
    assert "R Kendall" in missing.content.decode()  # nothing typed is lost

    response = client.post(url, data)
    paper = Paper.objects.get()
    assert response.status_code == 302
    assert paper.objectives == [
        {"text": "Prevention at scale", "evidenced": True},
        {"text": "One acute network", "evidenced": False},
    ]
    assert [s["heading"] for s in paper.sections] == ["Introduction", "Next steps"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("submissions:paper_render", args=[paper.pk]))
    render = paper.renders.get()
    assert render.status == "ready"  # Celery runs eagerly here; the worker tier runs it for real
    assert "659,649" in "\n".join(pdf_pages(render))


def test_paper_page_lists_each_version_and_offers_its_writer_render_and_edit(paper, client):
    render = factories.rendered(paper)
    download = reverse("submissions:paper_download", args=[paper.pk, render.number])

    client.force_login(factories.planning_lead(paper.organisation))
    page = client.get(reverse("submissions:paper", args=[paper.pk])).content.decode()

    assert paper.title in page and "NHS Bedfordshire CCG" in page
    assert download in page and render.data_hash[:16] in page
    assert "Render a new PDF" in page
    assert reverse("submissions:paper_edit", args=[paper.pk]) in page


def test_paper_page_says_when_no_pdf_has_been_rendered(paper, client):
    client.force_login(factories.planning_lead(paper.organisation))

    page = client.get(reverse("submissions:paper", args=[paper.pk])).content.decode()

    assert "No PDF has been rendered yet." in page
