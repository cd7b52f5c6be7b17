"""The ICS lead raises a query on a figure, the planning lead sees the cell marked and answers,
and the lead resolves it (Chromium)."""

import pytest
from playwright.sync_api import expect

from submissions.models import Query, Return
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RETURN = "/returns/2019/06F/activity/draft/"
CELL = "GP referrals (general and acute), CCG adjusted forecast outturn"


@pytest.fixture
def blmk():
    factories.templates()
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    lead = factories.planning_lead(beds, first_name="Bea")
    factories.submitted_return(beds, "activity", {("gp_referrals", "fot"): "94,810"}, lead=lead)
    return system, lead, factories.ics_lead(system, first_name="Ian")


def switch_to(page, log_in, user):
    page.context.clear_cookies()
    log_in(user)


def test_a_query_is_raised_answered_and_resolved(page, log_in, assert_accessible, blmk):
    system, beds_lead, ics_lead = blmk
    log_in(ics_lead)
    page.goto(RETURN)
    page.get_by_role("link", name="Raise a query on a figure").click()
    page.get_by_role("button", name="Raise query").click()  # nothing chosen, nothing asked
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter your question")
    assert_accessible(page)
    page.get_by_label("Which figure is the query about?").select_option(label=CELL)
    page.get_by_label("Your question").fill("Why did GP referrals rise by 7%?")
    page.get_by_role("button", name="Raise query").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Query raised")
    expect(page.get_by_test_id("query-status")).to_have_text("Open")
    assert_accessible(page)
    assert Return.objects.get().status == "submitted"  # raising it sent nothing back

    # The plan's drill-down marks Bedfordshire's figure.
    page.goto("/systems/BLMK/rounds/2019/plans/activity/draft/lines/gp_referrals/")
    row = page.get_by_test_id("contributions").locator('tr[data-ods="06F"]')
    expect(
        row.get_by_role("link", name=f"Open query on NHS Bedfordshire CCG: {CELL}")
    ).to_be_visible()

    switch_to(page, log_in, beds_lead)
    page.goto(RETURN)
    cell = page.locator("td", has=page.locator("#cell-gp_referrals-fot"))
    mark = cell.get_by_role("link", name=f"Open query on {CELL}")
    expect(mark).to_be_visible()
    assert_accessible(page)
    mark.click()
    expect(page.get_by_test_id("query-thread")).to_contain_text("Why did GP referrals rise by 7%?")
    page.get_by_label("Your answer").fill("Two new practices opened in Luton Road.")
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_test_id("query-status")).to_have_text("Answered")

    switch_to(page, log_in, ics_lead)
    page.goto("/systems/BLMK/rounds/2019/queries/")
    page.get_by_test_id("open-queries").get_by_role("link", name=CELL).click()
    expect(page.get_by_test_id("query-thread")).to_contain_text("Two new practices opened")
    page.get_by_role("button", name="Resolve query").click()
    expect(page.get_by_test_id("query-status")).to_have_text("Resolved")
    expect(page.get_by_test_id("query-thread")).to_contain_text("Resolved by Ian")
    assert Query.objects.get().status == "resolved"

    page.goto(RETURN)
    expect(page.get_by_test_id("query-mark")).to_have_count(0)
    expect(page.get_by_test_id("return-queries")).to_contain_text("Resolved")
    page.get_by_role("link", name="History of changes").click()
    expect(page.get_by_test_id("history-queries")).to_contain_text("Two new practices opened")
