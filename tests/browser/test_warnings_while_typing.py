"""A planning lead sees a rule's warning at its cell as they type, and why a calculated cell is
blank, without saving; the server, which checks again on every save, says the same (Chromium)."""

import re

import pytest
from playwright.sync_api import expect

from planning.template_loader import load_all
from submissions.models import Return
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTINGENCY = "Contingency, 2019/20 budget"
CONTINGENCY_WARNING = (
    "Contingency is below 0.5% of allocation, the minimum the planning guidance asks for."
)


@pytest.fixture
def beds():
    load_all()
    system = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    factories.membership(beds, system)
    return beds


@pytest.fixture
def beds_lead(beds):
    return factories.planning_lead(beds, first_name="Bea")


def test_a_contingency_below_the_minimum_warns_at_its_cell_while_typing_and_goes_when_fixed(
    page, log_in, assert_accessible, beds_lead
):
    log_in(beds_lead)
    page.goto("/returns/2019/06F/finance/draft/")
    contingency = page.get_by_label(CONTINGENCY)
    message = page.locator("#cell-contingency-budget-message")
    expect(message).to_have_count(0)  # an empty return has no warnings

    # 0.5% of 600,050 is 3,000.25, which is 3,000 in £000: 2,999 is below it.
    page.get_by_label("Core programme allocation, 2019/20 budget").fill("600,050")
    contingency.fill("2,999")
    expect(message).to_have_text(f"Warning: {CONTINGENCY_WARNING}")
    expect(message).to_have_class("app-warning-message")
    expect(contingency).to_have_attribute("aria-describedby", "cell-contingency-budget-message")
    expect(contingency).to_have_accessible_description(f"Warning: {CONTINGENCY_WARNING}")
    assert not Return.objects.exists()  # nothing was saved: the page worked it out
    assert_accessible(page)
    typed_warning = message.evaluate("element => element.outerHTML")

    # 3,000 meets it: the warning goes, and so does the description.
    contingency.fill("3,000")
    expect(message).to_have_count(0)
    expect(contingency).not_to_have_attribute("aria-describedby", re.compile(".*"))

    # The server, the judge on save, says the same thing in the same place with the same markup.
    contingency.fill("2,999")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your changes are saved")
    expect(message).to_have_text(f"Warning: {CONTINGENCY_WARNING}")
    assert message.evaluate("element => element.outerHTML") == typed_warning
    expect(page.locator("#warnings")).to_be_visible()

    # Fixing it takes the server's warning away as well, before the next save.
    page.get_by_label(CONTINGENCY).fill("3,000")
    expect(message).to_have_count(0)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your changes are saved")
    expect(message).to_have_count(0)
    expect(page.locator("#warnings")).to_have_count(0)


def test_a_blank_calculated_cell_says_why_and_the_hint_follows_the_figures(
    page, log_in, assert_accessible, beds_lead
):
    log_in(beds_lead)
    page.goto("/returns/2019/06F/finance/draft/")
    variance, variance_pct = (
        page.locator(f"#cell-acute-{c}") for c in ("variance", "variance_pct")
    )
    hint = page.locator("#cell-acute-variance-hint")
    expect(hint).to_have_count(0)  # a row nobody has started says nothing

    page.get_by_label("Acute services, 2019/20 budget").fill("359,072")
    expect(variance).to_have_text("")  # blank, not 359,072
    expect(hint).to_have_text("Blank: no 2018/19 forecast outturn yet")
    expect(variance).to_have_accessible_description("Blank: no 2018/19 forecast outturn yet")
    expect(page.locator("#cell-acute-variance_pct-hint")).to_have_text(
        "Blank: no 2018/19 forecast outturn yet"
    )
    assert_accessible(page)

    page.get_by_label("Acute services, 2018/19 forecast outturn").fill("348,772")
    expect(variance).to_have_text("10,300")
    expect(variance_pct).to_have_text("2.9")
    expect(hint).to_have_count(0)
    expect(variance).not_to_have_attribute("aria-describedby", re.compile(".*"))

    page.get_by_label("Acute services, 2019/20 budget").fill("0")
    expect(variance_pct).to_have_text("")
    expect(page.locator("#cell-acute-variance_pct-hint")).to_have_text(
        "Blank: nothing to compare with"
    )

    # Saved, the server renders the same hint, and grid.js keeps it right from there.
    page.get_by_label("Acute services, 2018/19 forecast outturn").fill("")
    page.get_by_label("Acute services, 2019/20 budget").fill("359,072")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your changes are saved")
    expect(hint).to_have_text("Blank: no 2018/19 forecast outturn yet")
    expect(variance).to_have_attribute("aria-describedby", "cell-acute-variance-hint")
    page.get_by_label("Acute services, 2018/19 forecast outturn").fill("348,772")
    expect(hint).to_have_count(0)
    expect(variance).to_have_text("10,300")


def test_an_error_rule_shows_as_an_error_and_a_rule_on_another_template_stays_the_servers(
    page, log_in, beds, beds_lead
):
    # QIPP's 4% of allocation needs the finance plan: the server checks it, the page leaves it be.
    factories.saved_return(beds, "finance", {("core_programme", "budget"): "600,050"})
    factories.saved_return(beds, "qipp", {("acute", "gross"): "24,003"})
    log_in(beds_lead)
    page.goto("/returns/2019/06F/qipp/draft/")
    allocation_warning = page.locator("#cell-total-gross-message")
    expect(allocation_warning).to_contain_text("Gross QIPP is above 4% of allocation")

    page.get_by_label("Acute services, Planned investment").fill("1,634")
    page.get_by_label("Acute services, RAG-assured value").fill("24,004")
    expect(page.locator("#cell-acute-assured-message")).to_have_text(
        "Warning: Acute services: The assured value is more than the planned gross savings."
    )
    expect(allocation_warning).to_contain_text("Gross QIPP is above 4% of allocation")
    page.get_by_label("Acute services, Planned gross savings").fill("24,002")
    expect(allocation_warning).to_contain_text("Gross QIPP is above 4% of allocation")  # on save

    # A rule whose severity is an error is shown as the server shows an error.
    page.goto("/returns/2019/06F/performance/draft/")
    q1 = page.locator("#cell-iapt_access-q1")
    q1.fill("100.1")
    message = page.locator("#cell-iapt_access-q1-message")
    expect(message).to_have_class("nhsuk-error-message")
    expect(message).to_contain_text("Error: ")
    expect(q1).to_have_attribute("aria-invalid", "true")
    q1.fill("100")
    expect(message).to_have_count(0)
    expect(q1).not_to_have_attribute("aria-invalid", "true")
