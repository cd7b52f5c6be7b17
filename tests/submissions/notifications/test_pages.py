"""The notifications page and the email preference: each person sees only their own notifications
(another's is a 404), newest first with the unread marked; opening one reads it."""

import datetime
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from submissions.models import Notification, NotificationPreference
from submissions.notifications.context_processors import notifications as header

pytestmark = pytest.mark.django_db

LIST = "/notifications/"


@pytest.fixture
def mine(beds_lead, make_notification):
    older = make_notification(beds_lead, "Accepted: Finance", link="/returns/?year=2019")
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1), read_at=timezone.now()
    )
    newer = make_notification(
        beds_lead, "Sent back: Activity", link="/returns/2019/06F/activity/draft/"
    )
    return older, newer


def test_the_page_lists_my_notifications_newest_first_with_the_unread_marked(
    client, beds_lead, luton_lead, mine, make_notification
):
    make_notification(luton_lead, "Luton's own business")
    client.force_login(beds_lead)
    response = client.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Sent back: Activity") < page.index("Accepted: Finance")
    assert "Luton&#x27;s own business" not in page and "Luton's own business" not in page
    assert page.count('data-unread="true"') == 1 and "Mark all as read" in page


def test_opening_a_notification_reads_it_and_goes_to_its_page(client, beds_lead, mine):
    older, newer = mine
    client.force_login(beds_lead)
    response = client.get(reverse("submissions:notification", args=[newer.pk]))
    assert response.status_code == 302 and response.url == "/returns/2019/06F/activity/draft/"
    newer.refresh_from_db()
    assert newer.read_at is not None


def test_another_persons_notification_is_not_found(client, luton_lead, mine):
    older, newer = mine
    client.force_login(luton_lead)
    assert client.get(reverse("submissions:notification", args=[newer.pk])).status_code == 404
    newer.refresh_from_db()
    assert newer.read_at is None


def test_mark_all_read_is_a_post_and_reads_only_mine(
    client, beds_lead, luton_lead, mine, make_notification
):
    theirs = make_notification(luton_lead, "Luton's")
    client.force_login(beds_lead)
    assert client.get("/notifications/read/").status_code == 405
    response = client.post("/notifications/read/")
    assert response.status_code == 302 and response.url == LIST
    assert not Notification.objects.filter(user=beds_lead, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_header_counts_my_unread_notifications(beds_lead, mine, rf: RequestFactory):
    request = rf.get("/")
    request.user = beds_lead
    assert header(request)["unread_notifications"]() == 1


def test_choosing_a_daily_digest(client, beds_lead):
    client.force_login(beds_lead)
    form = client.get("/notifications/preferences/").content.decode()
    assert "nhsuk-radios" in form
    assert re.search(r'value="immediate"[^>]*checked', form)
    response = client.post("/notifications/preferences/", {"delivery": "daily"})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=beds_lead).delivery == "daily"
    assert "once a day" in client.get(LIST).content.decode()


def test_a_preference_that_is_not_an_option_is_refused(client, beds_lead):
    client.force_login(beds_lead)
    response = client.post("/notifications/preferences/", {"delivery": "hourly"})
    assert response.status_code == 422
    assert "nhsuk-error-summary" in response.content.decode()
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize(
    "url", [LIST, "/notifications/preferences/", "/notifications/1/", "/notifications/read/"]
)
def test_signing_in_is_needed(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/login/")
