"""An ICS lead gives a partner more time for a deadline; the partner's planning lead sees the new
date and the reason on their timetable (headless Chromium, each page scanned with axe-core)."""

import pytest
from playwright.sync_api import expect

from planning.models import Extension
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def blmk():
    round_ = factories.planning_round(2019)
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    factories.luton(in_system=system)
    factories.milestone(
        round_,
        "2019-02-12",
        "Draft organisation operating plans",
        kind="submission",
        stage="draft",
        level="organisation",
    )
    return system, beds


def test_ics_lead_grants_an_extension_and_the_planning_lead_sees_it(
    page, log_in, assert_accessible, blmk
):
    system, beds = blmk
    log_in(factories.ics_lead(system))
    page.get_by_role("link", name="BLMK ICS").click()
    page.get_by_role("link", name="Deadline extensions granted to BLMK partners").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deadline extensions")
    assert_accessible(page)

    page.get_by_role("button", name="Grant an extension").click()
    page.get_by_label("Organisation").select_option(label="NHS Bedfordshire CCG")
    page.get_by_label("Submission deadline").select_option(index=1)
    page.get_by_label("Day").fill("20")
    page.get_by_label("Year").fill("2019")
    page.get_by_label("Reason").fill("Governing body meets on 19 February")
    page.get_by_role("button", name="Grant extension").click()
    # The month was left out: the message names it, by the date and in the summary, and what was
    # typed is kept.
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "The new last day must include a month"
    )
    expect(page.locator("#id_until-error")).to_contain_text("must include a month")
    expect(page.get_by_label("Day")).to_have_value("20")
    assert_accessible(page)

    page.get_by_label("Month").fill("2")
    page.get_by_role("button", name="Grant extension").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "NHS Bedfordshire CCG has until 20 February 2019"
    )
    expect(page.get_by_test_id("extensions")).to_contain_text("Governing body meets on 19 February")
    assert_accessible(page)
    assert Extension.objects.get().organisation == beds

    page.get_by_role("button", name="Log out").click()
    log_in(factories.planning_lead(beds, first_name="Bea"))
    page.get_by_role("link", name="2019/20 timetable").click()
    row = (
        page.get_by_test_id("timetable")
        .locator("tbody tr")
        .filter(has_text="Draft organisation operating plans")
    )
    expect(row).to_contain_text("12 February 2019, extended to 20 February 2019")
    expect(row).to_contain_text(
        "Extended to 20 February 2019 for NHS Bedfordshire CCG: Governing body meets on 19 February"
    )
    assert_accessible(page)
