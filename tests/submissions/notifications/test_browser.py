"""A planning lead reads a notification and chooses a daily digest, in Chromium; both pages pass
the axe-core scan."""

import pytest

from submissions.models import Notification, NotificationPreference

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_reading_notifications_and_choosing_a_digest(
    page, log_in, assert_accessible, beds_lead, make_notification
):
    make_notification(beds_lead, "Accepted: Activity plan (draft, 2019/20)", link="/returns/")
    log_in(beds_lead)
    page.goto("/notifications/")
    assert page.get_by_test_id("notification").count() == 1
    assert page.locator('[data-unread="true"]').count() == 1
    assert_accessible(page)

    page.get_by_role("link", name="Accepted: Activity plan (draft, 2019/20)").click()
    page.wait_for_url("**/returns/")
    assert not Notification.objects.filter(read_at=None).exists()

    page.goto("/notifications/preferences/")
    assert_accessible(page)
    page.get_by_label("Email me once a day with everything new").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/notifications/")
    assert page.get_by_text("You get these by email once a day").is_visible()
    assert NotificationPreference.objects.get(user=beds_lead).delivery == "daily"
