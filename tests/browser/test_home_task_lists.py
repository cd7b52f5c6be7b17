"""Each role's home page is its task list, in headless Chromium, scanned with axe-core."""

import datetime
import re

import pytest
from django.utils.timezone import localdate
from playwright.sync_api import expect

from planning.models import Organisation, Round
from submissions.models import PaperRender, Return
from submissions.plans import services as plan_services
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_round():
    """The 2020/21 round as the open one, its draft deadline nine days from today (the live
    server's clock), with BLMK: Bedfordshire has submitted its activity plan, Luton has not started."""
    factories.templates()
    Round.objects.filter(financial_year=2019).update(is_open=False)
    round_ = Round.objects.get(financial_year=2020)
    due = localdate() + datetime.timedelta(days=9)
    factories.milestone(round_, due, "Draft plans", kind="submission", stage="draft")
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    luton = factories.luton(in_system=system)
    hospital = factories.organisation("RC1", name="Bedford Hospital", kind=Organisation.Kind.ACUTE)
    factories.membership(hospital, system, role="provider", share="0.5")
    return round_, system, beds, luton, due


def test_a_planning_lead_sees_their_returns_with_due_dates(
    page, log_in, assert_accessible, live_round
):
    round_, _, beds, _, due = live_round
    lead = factories.planning_lead(beds, first_name="Ada")
    submitted(beds, "activity", {("gp_referrals", "fot"): "94,810"}, financial_year=2020, lead=lead)
    log_in(lead)

    tasks = page.get_by_test_id("tasks-returns")
    expect(tasks).to_be_visible()
    finance = page.get_by_test_id("task-06F-finance-draft")
    expect(finance).to_contain_text("Not started")
    expect(finance).to_contain_text(f"{due.day} {due:%B %Y}")
    expect(finance).to_contain_text("in 9 days")
    expect(page.get_by_test_id("task-06F-activity-draft")).to_contain_text("Submitted")
    assert_accessible(page)
    finance.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finance plan")


def test_an_ics_lead_sees_what_waits_for_them(page, log_in, assert_accessible, live_round):
    round_, system, beds, _, _ = live_round
    submitted(beds, "activity", {("gp_referrals", "fot"): "94,810"}, financial_year=2020)
    plan_services.build_round_plans(round_=round_, stage="draft")
    log_in(factories.ics_lead(system))

    review = page.get_by_test_id("review-BLMK")
    expect(review.get_by_test_id("waiting-for-review")).to_contain_text(
        "NHS Bedfordshire CCG: Activity plan (draft)"
    )
    expect(review.get_by_test_id("partners-behind")).to_contain_text(
        "NHS Luton CCG: Activity plan (draft), not started"
    )
    expect(review.get_by_test_id("plans-to-approve")).to_contain_text(
        "Activity plan (draft), version 1"
    )
    assert_accessible(page)
    review.get_by_test_id("waiting-for-review").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r".*/returns/2020/06F/activity/draft/$"))


def test_a_governing_body_member_sees_papers_to_read(page, log_in, assert_accessible, live_round):
    round_, _, beds, _, _ = live_round
    paper = factories.paper(organisation=beds, financial_year=2020, title="Operating plan 2020/21")
    PaperRender.objects.create(paper=paper, number=1, status=PaperRender.Status.READY)
    log_in(factories.governing_body_member(beds))

    expect(page.get_by_test_id("papers-to-read")).to_contain_text("Operating plan 2020/21")
    assert_accessible(page)


def test_an_analyst_sees_completeness_across_the_country(
    page, log_in, assert_accessible, live_round
):
    round_, _, beds, _, _ = live_round
    submitted(beds, "activity", {("gp_referrals", "fot"): "94,810"}, financial_year=2020)
    expected = sum(
        2
        for org in Organisation.objects.all()
        for template in round_.templates.all()
        if template.completed_by(org)
    )
    log_in(factories.analyst())

    row = page.get_by_test_id("completeness-BLMK")
    expect(row).to_contain_text(f"1 of {expected}")
    assert Return.objects.count() == 1
    assert_accessible(page)
