"""The ICS lead reviews partners' returns and approves the system plan (Chromium)."""

import pytest
from playwright.sync_api import expect

from submissions.models import SystemPlan
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def blmk():
    factories.templates()
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    hospital = factories.organisation("RC1", name="Bedford Hospital", kind="acute")
    factories.membership(hospital, system, role="provider", share="0.5")
    factories.submitted_return(beds, "activity", {("gp_referrals", "fot"): "94,810"})
    factories.submitted_return(hospital, "activity", {("gp_referrals", "fot"): "1,001"})
    return system


def test_ics_lead_opens_the_matrix_drills_into_a_line_and_approves(
    page, log_in, assert_accessible, blmk
):
    log_in(factories.ics_lead(blmk, first_name="Penny"))
    page.get_by_role("link", name="BLMK ICS").click()
    page.get_by_label("Planning round").select_option("2019")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Returns from partners and the system plans for 2019/20").click()
    matrix = page.get_by_test_id("completeness")
    expect(matrix.locator('tr[data-ods="06F"]')).to_contain_text("Submitted")
    assert_accessible(page)

    page.get_by_role("link", name="BLMK Activity plan (draft)").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("Awaiting approval")
    assert_accessible(page)

    page.get_by_role("link", name="GP referrals (general and acute)").click()
    contributions = page.get_by_test_id("contributions")
    expect(contributions.locator('tr[data-ods="RC1"]')).to_contain_text("50%")
    expect(contributions.locator('tr[data-ods="RC1"]')).to_contain_text(
        "501"
    )  # 1,001 x 50%, rounded
    # The system plan is the commissioners': the provider is shown beside it, not added in.
    expect(contributions).to_contain_text("not in the system plan")
    expect(contributions.locator("tr.app-grid__row--total")).to_contain_text("94,810")
    assert_accessible(page)

    page.get_by_role("link", name="Back to the system plan").click()
    expect(page.get_by_test_id("providers-beside")).to_contain_text("501")
    # Each submission built a version; the second includes both partners.
    page.get_by_role("button", name="Approve version 2").click()
    expect(page.get_by_test_id("approval-partners")).to_contain_text(
        "Submission 1 submitted, not yet accepted"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Approve version 2").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Confirm that you approve without")
    page.get_by_label("NHS Bedfordshire CCG: submission 1 submitted, not yet accepted").check()
    page.get_by_label("Bedford Hospital: submission 1 submitted, not yet accepted").check()
    page.get_by_label("Why is the plan approved without them?").fill("Reviewed at the ICS board")
    page.get_by_role("button", name="Approve version 2").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("approved and frozen")
    expect(page.get_by_test_id("plan-status")).to_contain_text("Approved and frozen by Penny")
    expect(page.get_by_test_id("approval-exceptions")).to_contain_text("Reviewed at the ICS board")
    expect(page.get_by_role("button", name="Approve version 2")).to_have_count(0)
    assert SystemPlan.objects.get(version=2).is_approved
    assert_accessible(page)
