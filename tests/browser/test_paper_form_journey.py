"""A planning lead writes a Governing Body paper in steps: errors that name the field, the NHS date
input, objectives and sections added as rows, check your answers with Change links, then saves it
(headless Chromium, each kind of page scanned with axe-core)."""

import datetime

import pytest
from playwright.sync_api import expect

from submissions.models import Paper
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def beds():
    factories.planning_round(2019)
    return factories.bedfordshire(in_system=factories.blmk())


def test_planning_lead_writes_a_paper_step_by_step(page, log_in, assert_accessible, beds):
    log_in(factories.planning_lead(beds))
    page.goto("/papers/new/?organisation=06F&year=2019")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meeting")
    expect(page.locator('input[type="date"]')).to_have_count(0)
    assert_accessible(page)

    # 1. Meeting: the month left out is named, by the date and in the summary; typing is kept.
    page.get_by_label("Day").fill("16")
    page.get_by_label("Year").fill("2020")
    page.get_by_label("Agenda item number").fill("7")
    page.get_by_role("button", name="Continue", exact=True).last.click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Meeting date must include a month")
    expect(page.locator("#id_meeting_date-error")).to_contain_text("must include a month")
    expect(page.get_by_label("Day")).to_have_value("16")
    assert_accessible(page)
    page.get_by_label("Month").fill("1")
    page.get_by_label("Month").press("Enter")  # Enter continues

    # 2. Report details: each missing field named, not "This field is required."
    expect(page.get_by_role("heading", level=1)).to_have_text("Report details")
    page.get_by_role("button", name="Continue", exact=True).last.click()
    expect(summary).to_contain_text("Enter the report title")
    expect(summary).to_contain_text("Enter who will present the report")
    expect(summary).not_to_contain_text("This field is required")
    summary.get_by_role("link", name="Enter the report title").click()
    expect(page.get_by_label("Report title")).to_be_focused()
    page.get_by_label("Report title").fill("Operational planning 2019/20")
    page.get_by_label("Report author").fill("R Kendall")
    page.get_by_label("Presented by").fill("S Hunter")
    page.get_by_label("Responsible director").fill("S Hunter")
    page.get_by_label("Purpose for presenting the report").fill("An overview of the plan.")
    page.get_by_label("Note", exact=True).check()
    page.get_by_role("button", name="Continue", exact=True).last.click()

    # 3. Objectives as rows, added without script; implications.
    expect(page.get_by_role("heading", level=1)).to_have_text("Objectives and implications")
    page.get_by_role("textbox", name="Objective 1").fill("Prevention at scale")
    page.get_by_label("This report provides evidence for objective 1").check()
    page.get_by_role("button", name="Add another objective").click()
    expect(page.get_by_role("textbox", name="Objective 1")).to_have_value("Prevention at scale")
    page.get_by_role("textbox", name="Objective 2").fill("One acute network")
    assert_accessible(page)
    page.get_by_role("button", name="Continue", exact=True).last.click()

    # 4. Sections as rows; Back keeps what was typed.
    page.get_by_label("Section 1 heading").fill("Introduction")
    page.get_by_label("Section 1 text").fill("Guidance was published.")
    page.get_by_role("button", name="Add another section").click()
    page.get_by_label("Section 2 heading").fill("Next steps")
    page.get_by_label("Section 2 text").fill("Final plans in April.")
    page.get_by_label("Recommendation").fill("Note the report.")
    page.get_by_role("button", name="Back to the previous step").click()
    expect(page.get_by_role("textbox", name="Objective 2")).to_have_value("One acute network")
    page.get_by_role("button", name="Continue", exact=True).last.click()
    expect(page.get_by_label("Section 2 text")).to_have_value("Final plans in April.")
    page.get_by_role("button", name="Continue", exact=True).last.click()

    # 5. Figures, then check your answers: nothing saved yet.
    page.get_by_label("Summary of spend").check()
    page.get_by_role("button", name="Continue", exact=True).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before saving the paper"
    )
    expect(page.get_by_test_id("answers-meeting")).to_contain_text("16 January 2020")
    expect(page.get_by_test_id("answers-objectives")).to_contain_text("Prevention at scale")
    assert_accessible(page)
    assert not Paper.objects.exists()

    page.get_by_role("link", name="Change report title").click()
    page.get_by_label("Report title").fill("Operational plan 2019/20")
    page.get_by_role("button", name="Continue", exact=True).last.click()  # back to check answers
    expect(page.get_by_test_id("answers-report")).to_contain_text("Operational plan 2019/20")
    page.get_by_role("button", name="Save paper").click()

    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("The paper is saved")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operational plan 2019/20")
    paper = Paper.objects.get()
    assert paper.meeting_date == datetime.date(2020, 1, 16)
    assert paper.objectives == [
        {"text": "Prevention at scale", "evidenced": True},
        {"text": "One acute network", "evidenced": False},
    ]
    assert [s["heading"] for s in paper.sections] == ["Introduction", "Next steps"]
    assert paper.blocks == ["summary_of_spend"]
