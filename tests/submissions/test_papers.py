"""Governing Body papers: the PDF's cover and figures, page layout, safety, hashes and access."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from planning.models import Round
from planning.template_loader import load_all
from submissions.demo import seed_figures
from submissions.models import Paper, PaperRender, Value
from submissions.papers import rendering
from submissions.papers import services as papers
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<img src="file:///etc/passwd"> <a href="file:///etc/shadow">x</a> '
    '<link rel="stylesheet" href="http://example.com/x.css"> '
    "<style>@import url(file:///etc/passwd); body { background: url(http://example.com/t.png) }</style>"
)


@pytest.fixture
def beds():
    load_all()
    system = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    factories.membership(beds, system)
    factories.submitted_return(beds, "finance", seed_figures.finance_cells())
    factories.submitted_return(beds, "qipp", seed_figures.qipp_cells())
    factories.submitted_return(beds, "activity", seed_figures.activity_cells())
    return beds


def make_paper(org, **fields):
    values = {
        "round": Round.objects.get(financial_year=2019),
        "meeting_date": datetime.date(2020, 1, 16),
        "agenda_item": "7",
        "title": "Long Term Plan Update & 2020/21 Commissioning Delivery Planning",
        "author": "Penny Emerson, Programme Director",
        "presented_by": "Geraint Davies, Director of System Commissioning",
        "responsible_director": "Geraint Davies",
        "purpose": "An overview of the planning framework and timeframes.",
        "action_detail": "the detailed context for the CCG's annual planning round",
        "approval_route": "Executive team",
        "recommendation": "The Board is asked to note the report.",
        "objectives": [
            {
                "text": "A financially sustainable and affordable healthcare system",
                "evidenced": True,
            },
            {"text": "Local people influence the services we commission", "evidenced": False},
        ],
        "implications": {"financial": "na", "equality": "no"},
        "sections": [{"heading": "Background", "text": "This year has been a foundation year."}],
        "blocks": [b for b, _ in Paper.Block.choices],
        **fields,
    }
    return Paper.objects.create(organisation=org, **values)


def rendered(paper):
    render = PaperRender.objects.create(paper=paper, number=paper.renders.count() + 1)
    render = papers.paper_render_run(render.pk)
    assert render.status == "ready", render.error
    return render


def pdf_pages(render):
    with render.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    # Words as they read, whatever the line breaks inside table cells.
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_pdf_has_the_cover_sheet_and_bedfordshires_figures(beds):
    render = rendered(make_paper(beds))
    pages = pdf_pages(render)
    cover, text = pages[0], "\n".join(pages)
    for field in (
        "Agenda item: 7",
        "Governing Body held in public",
        "Date of meeting: 16/1/2020",
        "Long Term Plan Update",
        "Penny Emerson, Programme Director",
        "Geraint Davies, Director of System Commissioning",
        "Executive team",
        "Note: the detailed context",
        "A financially sustainable and affordable healthcare system",
        "Has an Equality Impact Assessment been carried out?",
    ):
        assert field in cover, field
    assert "Page 1 of" in cover and f"Version {render.number}" in cover
    # Summary of spend, QIPP and activity as the seed formats them.
    for figure in (
        "659,649",
        "6,100",
        "(3,900)",
        "12.2%",
        "29,441",
        "2,302",
        "27,139",
        "163,952",
        "2.5%",
    ):
        assert figure in text, figure
    assert "The Board is asked to note the report." in text


def test_a_long_table_spans_pages_with_its_header_repeated(beds):
    round_ = Round.objects.get(financial_year=2019)
    for n in range(90):
        factories.milestone(
            round_, datetime.date(2019, 1, 1) + datetime.timedelta(days=n), f"Milestone number {n}"
        )
    pages = pdf_pages(rendered(make_paper(beds, blocks=["timetable"], sections=[])))
    with_timetable = [p for p in pages if "Milestone number" in p]
    assert len(with_timetable) >= 2
    assert all("National or local" in p for p in with_timetable)  # the header row on every page


def test_a_hostile_narrative_reads_no_file_and_touches_no_network(beds, monkeypatch):
    requested = []
    real = rendering._static_file

    def spy(url):
        requested.append(url)
        return real(url)

    monkeypatch.setattr(rendering, "_static_file", spy)
    paper = make_paper(
        beds, purpose=HOSTILE, sections=[{"heading": "Risks", "text": HOSTILE}], blocks=[]
    )
    text = "\n".join(pdf_pages(rendered(paper)))
    assert requested and all(url.startswith(rendering.STATIC_PREFIX) for url in requested)
    assert not any("passwd" in url or "example.com" in url for url in requested)
    assert "root:" not in text
    assert '<img src="file:///etc/passwd">' in text  # shown as the text it is


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://example.com/font.woff",
        "data:text/css,body{}",
        rendering.STATIC_PREFIX + "../../../../etc/passwd",
        rendering.STATIC_PREFIX + "css/../../config/settings.py",
    ],
)
def test_the_renderer_fetches_nothing_but_our_static_files(url):
    with pytest.raises(rendering.FetchRefused):
        rendering.safe_fetcher().fetch(url)


def test_the_renderer_serves_our_stylesheet_and_font():
    assert (
        b"@font-face"
        in rendering.safe_fetcher().fetch(rendering.STATIC_PREFIX + "css/paper.css").read()
    )


def test_the_hash_is_stable_for_the_same_data_and_changes_with_a_value(beds):
    paper = make_paper(beds)
    first, second = rendered(paper), rendered(paper)
    assert first.data_hash == second.data_hash and first.number == 1 and second.number == 2
    Value.objects.filter(
        ret__template__code="finance", line__code="acute", column__code="budget"
    ).update(value=359073)
    third = rendered(paper)
    assert third.data_hash != first.data_hash
    assert "659,650" in "\n".join(pdf_pages(third))
    assert Paper.objects.get().renders.count() == 3  # older versions are kept


def test_a_failed_render_says_why_and_keeps_earlier_versions(beds, monkeypatch, client):
    paper = make_paper(beds)
    good = rendered(paper)

    def broken(*args, **kwargs):
        raise OSError("cannot load library 'pango-1.0-0'")

    monkeypatch.setattr(papers, "render_pdf", broken)
    failed = papers.paper_render_run(PaperRender.objects.create(paper=paper, number=2).pk)
    assert failed.status == "failed" and "pango" in failed.error
    client.force_login(factories.governing_body_member(beds))
    page = client.get(reverse("submissions:paper", args=[paper.pk])).content.decode()
    assert "Failed" in page and "pango" in page
    download = client.get(reverse("submissions:paper_download", args=[paper.pk, good.number]))
    assert download.status_code == 200


def test_governing_body_member_downloads_and_other_organisations_cannot(beds, client):
    paper = make_paper(beds)
    render = rendered(paper)
    url = reverse("submissions:paper_download", args=[paper.pk, render.number])

    client.force_login(factories.governing_body_member(beds))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["X-Data-Hash"] == render.data_hash

    luton = factories.organisation("06P")
    for stranger in (
        factories.governing_body_member(luton),
        factories.planning_lead(luton),
        factories.analyst(),
    ):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
        assert client.get(reverse("submissions:paper", args=[paper.pk])).status_code == 404


def test_governing_body_members_read_but_do_not_write_or_render(beds, client):
    paper = make_paper(beds)
    client.force_login(factories.governing_body_member(beds))
    assert client.get(reverse("submissions:paper_edit", args=[paper.pk])).status_code == 403
    assert client.post(reverse("submissions:paper_render", args=[paper.pk])).status_code == 403
    assert not paper.renders.exists()


def test_planning_lead_writes_a_paper_and_renders_it(
    beds, client, django_capture_on_commit_callbacks
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


def test_render_paper_command(beds):
    from io import StringIO

    from django.core.management import call_command

    paper = make_paper(beds)
    out = StringIO()
    call_command("render_paper", str(paper.pk), stdout=out)
    assert "Version 1" in out.getvalue() and paper.renders.get().status == "ready"
