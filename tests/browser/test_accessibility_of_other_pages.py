"""The pages no journey test visits are scanned with axe-core too (Chromium)."""

import pytest

from planning.template_loader import load_all
from submissions.demo import seed_figures
from submissions.plans.services import build_system_plan
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def blmk():
    load_all()
    system = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    hospital = factories.organisation("RC1", name="Bedford Hospital", kind="acute")
    factories.membership(beds, system)
    factories.membership(hospital, system, role="provider", share="0.5")
    ret = factories.submitted_return(beds, "activity", seed_figures.activity_cells())
    factories.submitted_return(hospital, "activity", {("gp_referrals", "fot"): "1,001"})
    build_system_plan(system=system, template=ret.template, stage="draft")
    return system, beds


def test_planning_lead_pages(page, log_in, assert_accessible, blmk):
    _, beds = blmk
    log_in(factories.planning_lead(beds))
    for url in (
        "/returns/?year=2019",
        "/returns/2019/06F/activity/draft/history/",
        "/returns/2019/06F/activity/compare/",
        "/returns/2019/06F/narrative/draft/",
        "/papers/",
        "/papers/new/?organisation=06F&year=2019",
    ):
        assert page.goto(url).status == 200, url
        assert_accessible(page)
    page.get_by_role("button", name="Continue", exact=True).click()  # step 1 with its errors
    assert_accessible(page)


def test_ics_lead_pages(page, log_in, assert_accessible, blmk):
    system, beds = blmk
    factories.paper(system=system, title="System plan", agenda_item="4")
    log_in(factories.ics_lead(system))
    for url in (
        "/systems/BLMK/rounds/2019/alignment/",
        "/systems/BLMK/rounds/2019/plans/finance/draft/",
        "/returns/2019/06F/activity/draft/",
        "/papers/",
    ):
        assert page.goto(url).status == 200, url
        assert_accessible(page)
