"""The returns list's filters without JavaScript, and the completeness matrix on a phone, in
headless Chromium, scanned with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from planning.models import Organisation
from submissions.models import Return
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_ics_lead_filters_the_returns_without_javascript_and_reads_the_matrix_on_a_phone(
    browser, live_server, page, log_in, assert_accessible
):
    factories.templates()
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    factories.luton(in_system=system)
    hospital = factories.organisation("RC1", name="Bedford Hospital", kind=Organisation.Kind.ACUTE)
    factories.membership(hospital, system, role="provider", share="0.5")
    Return.objects.create(
        organisation=beds, template=factories.template("qipp"), stage="draft", status="submitted"
    )
    lead = factories.ics_lead(system)

    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    plain = context.new_page()
    try:
        plain.goto("/login/")
        plain.get_by_label("Username").fill(lead.username)
        plain.get_by_label("Password").fill(factories.PASSWORD)
        plain.get_by_role("button", name="Log in").click()
        plain.wait_for_url("**/")
        plain.goto("/returns/?year=2019")
        summary = plain.get_by_test_id("list-summary")
        expect(summary).to_contain_text(re.compile(r"^1 of \d+ returns submitted, 0 late$"))

        plain.get_by_label("Template").select_option(label="QIPP plan")
        plain.get_by_label("Submitted", exact=True).check()
        plain.get_by_role("button", name="Apply filters").click()
        expect(plain).to_have_url(re.compile(r"year=2019&.*template=qipp&status=submitted"))
        expect(summary).to_have_text("1 of 1 return submitted, 0 late (filtered)")
        expect(plain.get_by_test_id("returns-06F")).to_be_visible()
        expect(plain.get_by_test_id("returns-06P")).to_have_count(0)
        expect(plain.get_by_label("Template")).to_have_value("qipp")
        expect(plain.get_by_label("Submitted", exact=True)).to_be_checked()

        plain.get_by_role("link", name="Clear filters").click()
        expect(plain.get_by_test_id("returns-06P")).to_be_visible()
        expect(plain.get_by_label("Submitted", exact=True)).not_to_be_checked()
    finally:
        context.close()

    log_in(lead)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/returns/?year=2019")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.goto("/systems/BLMK/rounds/2019/returns/?status=not_started")
    expect(page.get_by_test_id("list-summary")).to_contain_text("0 of ")
    box = page.get_by_role("region", name="Completeness of returns")
    expect(box).to_be_visible()
    widths = page.evaluate(
        """() => ({page: document.documentElement.scrollWidth, view: window.innerWidth,
                   box: document.querySelector('.app-grid-scroll').scrollWidth})"""
    )
    assert widths["page"] <= widths["view"] == 390, widths
    assert widths["box"] > 390, widths  # the wide table scrolls in its own box, not the page
    assert_accessible(page)
