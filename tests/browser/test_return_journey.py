"""A planning lead fills a return in the grid, as in a spreadsheet, and submits it (Chromium)."""

import pytest
from playwright.sync_api import expect

from planning.template_loader import load_all
from submissions.models import Return, Value
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Two rows of the Bedfordshire table as copied from Excel: every column, computed ones included.
BLOCK = (
    "94,810\t0\t0\t6,998\t-4,227\t0\t97,581\t2.9%\t7.0%\r\n"
    "65,085\t0\t0\t1,286\t0\t0\t66,371\t2.0%\t1.6%\r\n"
)


def paste(page, selector, text):
    page.locator(selector).focus()
    page.evaluate(
        """([selector, text]) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.querySelector(selector).dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        [selector, text],
    )


@pytest.fixture
def beds_lead():
    load_all()
    system = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    factories.membership(beds, system)
    return factories.planning_lead(beds, first_name="Bea")


def test_planning_lead_types_pastes_saves_and_submits_the_activity_return(
    page, log_in, assert_accessible, beds_lead
):
    log_in(beds_lead)
    page.goto("/returns/2019/06F/activity/draft/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activity plan: draft")
    assert_accessible(page)

    # Totals update as you type, before anything is saved.
    page.get_by_label("GP referrals (general and acute), CCG adjusted forecast outturn").fill("100")
    page.get_by_label("Other referrals (general and acute), CCG adjusted forecast outturn").fill(
        "50"
    )
    expect(page.locator("#cell-total_referrals-fot")).to_have_text("150")

    # Arrow down moves to the same column of the next row that can be typed in.
    page.locator("#cell-gp_referrals-fot").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#cell-other_referrals-fot")).to_be_focused()

    # A block copied from Excel lands in one go; computed columns in it are skipped.
    paste(page, "#cell-gp_referrals-fot", BLOCK)
    expect(page.locator("#cell-gp_referrals-trend")).to_have_value("6,998")
    expect(page.locator("#cell-other_referrals-last_year_growth")).to_have_value("1.6")
    expect(page.locator("#cell-total_referrals-fot")).to_have_text("159,895")
    expect(page.locator("#cell-total_referrals-plan")).to_have_text("163,952")
    expect(page.locator("#cell-total_referrals-growth")).to_have_text("2.5")

    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your changes are saved")
    expect(page.locator("#cell-total_referrals-plan")).to_have_text("163,952")
    ret = Return.objects.get()
    assert (
        Value.objects.filter(ret=ret, line__code="gp_referrals", column__code="fot").get().value
        == 94810
    )

    page.get_by_role("button", name="Save and submit").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Activity plan submitted")
    expect(page.get_by_test_id("return-status")).to_contain_text("Submitted")
    assert not page.locator("input.app-cell").count()  # a submitted return is read-only
    assert_accessible(page)


def test_an_invalid_cell_is_explained_next_to_it_and_in_the_summary(
    page, log_in, assert_accessible, beds_lead
):
    log_in(beds_lead)
    page.goto("/returns/2019/06F/qipp/draft/")
    page.get_by_label("Acute services, Planned gross savings").fill("18,57B")
    page.get_by_role("button", name="Save draft").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("'18,57B' is not a number")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Acute services, Planned gross savings")).to_be_focused()
    expect(page.get_by_label("Acute services, Planned gross savings")).to_have_value("18,57B")
    assert_accessible(page)
