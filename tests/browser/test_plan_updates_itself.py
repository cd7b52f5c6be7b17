"""The ICS lead has the plan open while a partner submits: the real worker builds the new version
and the page says so by itself, then shows it in place, without being reloaded (Chromium)."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from planning.template_loader import load_all
from submissions.models import PlanState, SystemPlan
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def blmk():
    """BLMK with version 1 of its activity plan, built from Bedfordshire's return alone (the
    embedded queue builds it at once: the worker is not started yet)."""
    load_all()
    system = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    factories.membership(beds, system)
    factories.submitted_return(beds, "activity", {("gp_referrals", "fot"): "94,810"})
    assert SystemPlan.objects.get().version == 1
    return system


def test_the_plan_page_shows_the_new_version_when_the_queued_build_finishes(
    page, log_in, assert_accessible, blmk, celery_worker, settings
):
    settings.PLAN_BUILD_DELAY_SECONDS = 2
    log_in(factories.ics_lead(blmk, first_name="Penny"))
    hospital = factories.organisation("RC1", name="Bedford Hospital", kind="acute")
    factories.membership(hospital, blmk, role="provider", share="0.5")
    factories.submitted_return(hospital, "activity", {("gp_referrals", "fot"): "1,001"})

    # Hold the queued build (it waits on the plan's state) until the page is open and waiting.
    with transaction.atomic():
        PlanState.objects.select_for_update().get()
        page.goto("/systems/BLMK/rounds/2019/plans/activity/draft/")
        expect(page.get_by_test_id("plan-status")).to_contain_text("1, built")
        stale = page.get_by_test_id("stale")
        expect(stale).to_contain_text("A new version is being built, expected by ")
        # The script is asking, so the page no longer tells the reader to refresh it.
        expect(stale.get_by_text("Refresh the page to see it.")).to_be_hidden()
        page.evaluate("window.stillTheSamePage = true")
        assert_accessible(page)

    # The worker builds version 2; the page notices and says so in its live region.
    live = page.get_by_role("status")
    expect(live).to_contain_text("Version 2 is ready: show it", timeout=20_000)
    expect(stale).to_be_hidden()
    assert SystemPlan.objects.latest("version").version == 2
    assert_accessible(page)

    live.get_by_role("link", name="show it").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("2, built")
    expect(live).to_have_text("Showing version 2 of the plan.")
    expect(page.get_by_test_id("provenance")).to_contain_text("Bedford Hospital")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    assert page.evaluate("window.stillTheSamePage") is True, "the page was reloaded"
    assert page.url.endswith("/plans/activity/draft/")
    assert_accessible(page)
