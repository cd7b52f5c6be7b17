"""The PDF of a paper: its cover and figures, long tables, a hostile narrative, what the renderer
may fetch, and the hash of the data that went in."""

import datetime
from decimal import Decimal

import pytest

from planning.models import System
from submissions.demo.returns import fill
from submissions.models import Paper, Return
from submissions.papers import rendering
from submissions.returns import services as return_services
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<img src="file:///etc/passwd"> <a href="file:///etc/shadow">x</a> '
    '<link rel="stylesheet" href="http://example.com/x.css"> '
    "<style>@import url(file:///etc/passwd); body { background: url(http://example.com/t.png) }</style>"
)

# The cover of Bedfordshire's January 2020 Governing Body paper on planning.
COVER = {
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
        {"text": "A financially sustainable and affordable healthcare system", "evidenced": True},
        {"text": "Local people influence the services we commission", "evidenced": False},
    ],
    "implications": {"financial": "na", "equality": "no"},
    "sections": [{"heading": "Background", "text": "This year has been a foundation year."}],
}


def test_pdf_has_the_cover_sheet_and_bedfordshires_figures(beds, pdf_pages):
    paper = factories.paper(organisation=beds, blocks=list(Paper.Block.values), **COVER)
    render = factories.rendered(paper)
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


def test_a_long_table_spans_pages_with_its_header_repeated(beds, pdf_pages):
    round_ = factories.planning_round(2019)
    for n in range(90):
        factories.milestone(
            round_, datetime.date(2019, 1, 1) + datetime.timedelta(days=n), f"Milestone number {n}"
        )
    paper = factories.paper(organisation=beds, blocks=["timetable"], sections=[])

    pages = pdf_pages(factories.rendered(paper))

    with_timetable = [p for p in pages if "Milestone number" in p]
    assert len(with_timetable) >= 2
    assert all("National or local" in p for p in with_timetable)  # the header row on every page


def test_a_hostile_narrative_reads_no_file_and_touches_no_network(beds, monkeypatch, pdf_pages):
    requested = []
    real = rendering._static_file

    def spy(url):
        requested.append(url)
        return real(url)

    monkeypatch.setattr(rendering, "_static_file", spy)
    paper = factories.paper(
        organisation=beds,
        purpose=HOSTILE,
        sections=[{"heading": "Risks", "text": HOSTILE}],
        blocks=[],
    )

    text = "\n".join(pdf_pages(factories.rendered(paper)))

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


def test_the_hash_is_stable_for_the_same_data_and_changes_with_a_value(paper, pdf_pages):
    first, second = factories.rendered(paper), factories.rendered(paper)
    assert first.data_hash == second.data_hash and first.number == 1 and second.number == 2

    finance = Return.objects.get(template__code="finance")
    ics_lead = factories.ics_lead(System.objects.get(code="BLMK"))
    return_services.return_send_back(
        user=ics_lead, ret=finance, reason="Acute", submission_number=1
    )
    finance.refresh_from_db()
    lead = finance.submitted_by
    finance = return_services.return_save(
        user=lead,
        ret=finance,
        base_version=finance.version,
        raw_cells={("acute", "budget"): "1"},
        raw_answers={},
        raw_explanations={},
    )
    amending = factories.rendered(paper)
    # Work in progress is never printed: the submitted figures are, marked as under amendment.
    assert amending.data_hash != first.data_hash  # the status line changed, not the figures
    text = "\n".join(pdf_pages(amending))
    assert "659,649" in text and "under amendment" in text
    return_services.return_save(
        user=lead,
        ret=finance,
        base_version=finance.version,
        raw_cells={("acute", "budget"): "377,651"},  # 1 more than before efficiencies
        raw_answers={},
        raw_explanations={},
    )
    finance.refresh_from_db()
    fill(user=lead, ret=finance, cells={}, explain=lambda warning: "Explained", submit=True)
    third = factories.rendered(paper)

    assert third.data_hash not in (first.data_hash, amending.data_hash)
    assert "659,650" in "\n".join(pdf_pages(third))
    assert Paper.objects.get().renders.count() == 4  # older versions are kept


def test_the_data_hash_ignores_key_order_and_changes_with_any_figure_or_word():
    data = {"title": "Plan", "figures": [Decimal("659649"), datetime.date(2019, 4, 1)]}
    same = {"figures": [Decimal("659649"), datetime.date(2019, 4, 1)], "title": "Plan"}

    assert rendering.data_hash(data) == rendering.data_hash(same)
    assert rendering.data_hash(data) != rendering.data_hash({**data, "title": "Plans"})
    assert rendering.data_hash(data) != rendering.data_hash(
        {**data, "figures": [Decimal("659650"), datetime.date(2019, 4, 1)]}
    )
