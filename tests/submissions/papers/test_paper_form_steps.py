"""The paper form in steps: field-named errors, the NHS date input, objectives and sections as rows
added and removed without JavaScript, a draft kept between steps and saved only from check your
answers."""

import datetime
import re

import pytest
from django.urls import reverse

from submissions.models import Paper
from tests import factories

pytestmark = pytest.mark.django_db

MEETING = {
    "step": "meeting",
    "body": "Governing Body",
    "meeting_date_0": "16",
    "meeting_date_1": "1",
    "meeting_date_2": "2020",
    "agenda_item": "7",
    "held_in_public": "on",
}
REPORT = {
    "step": "report",
    "title": "Operational planning 2019/20",
    "author": "R Kendall",
    "presented_by": "S Hunter",
    "responsible_director": "S Hunter",
    "purpose": "An overview of the plan.",
    "action_required": "note",
}
IMPLICATIONS = {f"implication_{key}": "na" for key, _ in Paper.IMPLICATIONS}
REQUIRED_MESSAGES = [
    "Enter the meeting date",
    "Enter the agenda item number",
    "Enter the report title",
    "Enter the report author",
    "Enter who will present the report",
    "Enter the responsible director",
    "Enter the purpose for presenting the report",
    "Enter the recommendation",
]


def new_url(step=""):
    url = reverse("submissions:paper_new") + "?organisation=06F&year=2019"
    return url + (f"&step={step}" if step else "")


def summary(response):
    """The error summary's items: (link, message)."""
    html = response.content.decode()
    body = html.split('class="nhsuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li><a href="([^"]*)">([^<]*)</a></li>', body)


@pytest.fixture
def lead(beds, client):
    client.force_login(factories.planning_lead(beds))
    return client


def test_saving_an_empty_paper_names_every_missing_field_and_links_to_its_step(lead):
    lead.get(new_url())
    response = lead.post(new_url("check"), {"step": "check"})

    assert response.status_code == 422
    items = summary(response)
    assert [message for _, message in items] == REQUIRED_MESSAGES
    assert "This field is required." not in response.content.decode()
    links = {message: link for link, message in items}
    assert links["Enter the meeting date"].endswith("step=meeting#id_meeting_date_0")
    assert links["Enter the report title"].endswith("step=report#id_title")
    assert links["Enter the recommendation"].endswith("step=sections#id_recommendation")
    assert not Paper.objects.exists()


def test_a_step_names_its_missing_fields_beside_each_field_and_in_the_summary(lead):
    response = lead.post(new_url(), {"step": "report", "action": "continue"})

    assert response.status_code == 422
    html = response.content.decode()
    assert [m for _, m in summary(response)] == [
        *REQUIRED_MESSAGES[2:7],
        "Select the action required",
    ]
    assert ("#id_title", "Enter the report title") in summary(response)
    assert re.search(r'id="id_title-error">.*Enter the report title', html)
    assert "nhsuk-input nhsuk-input--error" in html


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("16", "", "2020", "Meeting date must include a month"),
        ("", "", "2020", "Meeting date must include a day and a month"),
        ("30", "2", "2020", "Meeting date must be a real date"),
        ("16", "1", "20", "Meeting date&#x27;s year must have 4 numbers, for example 2019"),
        ("１6", "1", "2020", "Meeting date must be a real date, in numbers"),
    ],
)
def test_the_meeting_date_is_three_boxes_and_says_what_is_wrong_with_it(
    lead, day, month, year, message
):
    page = lead.get(new_url()).content.decode()
    for part in range(3):
        assert f'name="meeting_date_{part}"' in page
    assert 'type="date"' not in page

    response = lead.post(
        new_url(),
        {**MEETING, "meeting_date_0": day, "meeting_date_1": month, "meeting_date_2": year},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert ("#id_meeting_date_0", message.replace("&#x27;", "'")) in [
        (link, m.replace("&#x27;", "'")) for link, m in summary(response)
    ]
    assert (
        f'name="meeting_date_2" type="text" inputmode="numeric" maxlength="4" value="{year}"'
        in html
    )


def test_a_planning_lead_writes_a_paper_step_by_step_and_it_is_saved_only_from_check_answers(lead):
    assert lead.get(new_url()).status_code == 200
    assert lead.post(new_url(), MEETING)["Location"].endswith("step=report")
    assert lead.post(new_url("report"), REPORT)["Location"].endswith("step=objectives")

    objectives = {"step": "objectives", **IMPLICATIONS, "objective-0-text": "Prevention"}
    added = lead.post(
        new_url("objectives"),
        {**objectives, "objective-0-evidenced": "on", "action": "add-objective"},
    )
    assert added["Location"].endswith("step=objectives#id_objective-1-text")
    page = lead.get(added["Location"]).content.decode()
    assert 'value="Prevention"' in page and 'name="objective-1-text"' in page
    assert "Add another objective" in page and "Remove<span" in page
    two = {
        **objectives,
        "objective-0-evidenced": "on",
        "objective-1-text": "One acute network",
        "objective-2-text": "Dropped",
    }
    removed = lead.post(new_url("objectives"), {**two, "action": "remove-objective-2"})
    assert "Dropped" not in lead.get(removed["Location"]).content.decode()
    two.pop("objective-2-text")
    assert lead.post(new_url("objectives"), two)["Location"].endswith("step=sections")

    sections = {
        "step": "sections",
        "section-0-heading": "Introduction",
        "section-0-text": "Guidance was published.",
        "recommendation": "Note the report.",
    }
    added = lead.post(new_url("sections"), {**sections, "action": "add-section"})
    assert 'name="section-1-heading"' in lead.get(added["Location"]).content.decode()
    sections |= {"section-1-heading": "Next steps", "section-1-text": "Final plans in April."}
    assert lead.post(new_url("sections"), sections)["Location"].endswith("step=figures")
    check = lead.post(new_url("figures"), {"step": "figures", "blocks": ["summary_of_spend"]})
    assert check["Location"].endswith("step=check")

    page = lead.get(check["Location"]).content.decode()
    assert not Paper.objects.exists()
    assert "Check your answers before saving the paper" in page
    for shown in (
        "16 January 2020",
        "R Kendall",
        "Prevention (this report provides evidence)",
        "Next steps",
        "Summary of spend",
        "Note the report.",
    ):
        assert shown in page
    assert page.count(">Change<span") >= 20

    saved = lead.post(new_url("check"), {"step": "check"})
    assert saved.status_code == 302
    paper = Paper.objects.get()
    assert paper.meeting_date == datetime.date(2020, 1, 16) and paper.held_in_public
    assert paper.objectives == [
        {"text": "Prevention", "evidenced": True},
        {"text": "One acute network", "evidenced": False},
    ]
    assert paper.sections == [
        {"heading": "Introduction", "text": "Guidance was published."},
        {"heading": "Next steps", "text": "Final plans in April."},
    ]
    assert paper.blocks == ["summary_of_spend"]
    assert paper.implications == dict.fromkeys(dict(Paper.IMPLICATIONS), "na")


def test_going_back_keeps_what_was_typed_even_before_it_is_complete(lead):
    lead.get(new_url())
    lead.post(new_url(), MEETING)
    back = lead.post(new_url("report"), {"step": "report", "title": "Half done", "action": "back"})

    assert back["Location"].endswith("step=meeting")
    assert 'value="7"' in lead.get(back["Location"]).content.decode()
    assert 'value="Half done"' in lead.get(new_url("report")).content.decode()
    assert not Paper.objects.exists()


def test_editing_starts_from_the_papers_values_and_change_returns_to_check_answers(paper, client):
    paper.objectives = [{"text": "Prevention", "evidenced": True}]
    paper.sections = [{"heading": "Background", "text": "Guidance."}]
    paper.save()
    client.force_login(factories.planning_lead(paper.organisation))
    url = reverse("submissions:paper_edit", args=[paper.pk])

    check = client.get(url).content.decode()
    assert "Check your answers before saving the paper" in check
    assert "16 January 2019" in check and "Prevention" in check and "Background" in check
    assert f'href="{url}?step=report"' in check

    report = client.get(url + "?step=report").content.decode()
    assert 'value="Operational planning 2019/20"' in report
    objectives = client.get(url + "?step=objectives").content.decode()
    assert 'value="Prevention"' in objectives and "checked" in objectives

    data = {**REPORT, "title": "A new title"}
    assert client.post(url + "?step=report", data)["Location"].endswith("step=check")
    paper.refresh_from_db()
    assert paper.title == "Operational planning 2019/20"  # not saved until "Save paper"
    assert client.post(url + "?step=check", {"step": "check"}).status_code == 302
    paper.refresh_from_db()
    assert paper.title == "A new title"
    assert paper.objectives == [{"text": "Prevention", "evidenced": True}]
    assert paper.sections == [{"heading": "Background", "text": "Guidance."}]


def test_a_section_needs_a_heading_and_text_and_an_empty_row_is_left_out(lead):
    response = lead.post(
        new_url("sections"),
        {
            "step": "sections",
            "section-0-text": "Text with no heading",
            "section-1-heading": "Heading with no text",
            "section-2-heading": "",
            "recommendation": "Note",
        },
    )

    assert response.status_code == 422
    assert [m for _, m in summary(response)] == [
        "Enter a heading for section 1",
        "Enter the text of section 2",
    ]


def test_hostile_steps_and_rows_are_refused_without_a_500_or_an_echo(lead):
    huge = "z" * 120_000
    lead.get(new_url())
    for posted in (
        {"step": "report", "title": huge, "purpose": huge, "action_required": huge},
        {"step": "sections", "section-0-heading": huge, "section-0-text": huge},
        {"step": "objectives", "objective-0-text": huge, "implication_financial": huge},
        {"step": "objectives", "action": "remove-objective-99999999999"},
        {"step": "objectives", "action": "add-" + huge},
        {
            "step": "meeting",
            "meeting_date_0": huge,
            "meeting_date_1": "x",
            "meeting_date_2": "١٢٣٤",
        },
        {"step": huge},
        {"step": "check", **{f"objective-{n}-text": "o" for n in range(100)}},
    ):
        response = lead.post(new_url(), posted)
        assert response.status_code in (302, 422), posted.keys()
        assert huge not in response.content.decode()
        assert len(response.content) < 100_000
    assert not Paper.objects.exists()
    check = lead.get(new_url("check"))
    assert check.status_code == 200 and len(check.content) < 100_000
    assert (
        "Select one of the options shown."
        in lead.post(new_url(), {"step": "report", "action_required": huge}).content.decode()
    )


def test_only_the_papers_writers_may_post_its_steps(paper, client):
    url = reverse("submissions:paper_edit", args=[paper.pk])
    client.force_login(factories.governing_body_member(paper.organisation))
    assert client.post(url, {**REPORT, "title": "Changed"}).status_code == 403
    assert client.post(url, {"step": "check"}).status_code == 403
    client.force_login(factories.planning_lead(factories.luton()))
    assert client.post(url, {"step": "check"}).status_code == 404
    paper.refresh_from_db()
    assert paper.title == "Operational planning 2019/20"


def test_the_sections_together_are_held_to_the_reports_limit(lead):
    full = {f"section-{n}-heading": f"Part {n}" for n in range(6)}
    full |= {f"section-{n}-text": "s" * 20_000 for n in range(6)}

    response = lead.post(new_url(), {"step": "sections", "recommendation": "Note", **full})

    assert response.status_code == 422
    assert (
        "#id_section-5-text",
        "The sections can be at most 100,000 characters in all: "
        "shorten this section or an earlier one",
    ) in summary(response)
