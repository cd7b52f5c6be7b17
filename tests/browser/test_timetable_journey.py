"""Whole journeys in headless Chromium, each page scanned with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dorset():
    round_ = factories.planning_round(2019)
    dorset = factories.system("DORSET", name="Dorset ICS")
    ccg = factories.organisation("11J", name="NHS Dorset CCG")
    factories.membership(ccg, dorset)
    factories.milestone(
        round_,
        "2019-02-12",
        "Draft organisational operating plans submission",
        kind="submission",
        stage="draft",
        level="organisation",
    )
    factories.milestone(
        round_,
        "2019-04-04",
        "Final 2019/20 organisation operating plan submission",
        kind="submission",
        stage="final",
        level="organisation",
    )
    factories.milestone(
        round_,
        "2019-02-07",
        "Draft ICS operational plan to OFRG for comments",
        system=dorset,
        kind="meeting",
        level="system",
    )
    return round_, dorset, ccg


def test_wrong_password_is_explained_and_the_login_page_is_accessible(
    page, assert_accessible, dorset
):
    lead = factories.planning_lead(dorset[2], username="dee")
    page.goto("/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(lead.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("dee")
    assert_accessible(page)


def test_planning_lead_logs_in_and_reads_the_timetable(page, log_in, assert_accessible, dorset):
    lead = factories.planning_lead(dorset[2], first_name="Dee")
    log_in(lead)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dee")
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Planning lead, NHS Dorset CCG")
    assert_accessible(page)

    page.get_by_role("link", name="2019/20 timetable").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2019/20 planning timetable")
    rows = page.get_by_test_id("timetable").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Draft ICS operational plan to OFRG")
    expect(rows.nth(1)).to_contain_text("Draft organisational operating plans")
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the timetable")).click()
    assert download.value.suggested_filename == "planning-timetable-2019-20-dorset.ics"


def test_ics_lead_adds_a_local_milestone_and_sees_it_on_the_timetable(
    page, log_in, assert_accessible, dorset
):
    _, system, _ = dorset
    log_in(factories.ics_lead(system))
    page.get_by_role("link", name="Dorset ICS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dorset ICS")
    assert_accessible(page)

    page.get_by_role("button", name="Add a local milestone").click()
    assert_accessible(page)
    page.get_by_label("Title").fill("Draft system operational plan to OFRG")
    page.get_by_role("button", name="Add milestone").click()
    # The date was left empty: the error sits by the field and in the summary, the title is kept.
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Draft system operational plan to OFRG")
    assert_accessible(page)

    page.get_by_label("Date", exact=True).fill("2019-03-07")
    page.get_by_label("Meeting").check()
    page.get_by_role("button", name="Add milestone").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Added")
    expect(page.get_by_test_id("local-milestones")).to_contain_text(
        "Draft system operational plan to OFRG"
    )

    page.get_by_role("link", name="See the whole timetable").click()
    expect(page.get_by_test_id("timetable")).to_contain_text(
        "Draft system operational plan to OFRG"
    )
