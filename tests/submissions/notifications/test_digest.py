"""A daily digest: one email a day to each person who chose it, with everything new since, each
notification claimed so it is in one digest only."""

import datetime
import zoneinfo

import pytest

from submissions.models import Notification, NotificationPreference
from submissions.notifications import services

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(day, hour):
    """`hour` o'clock in London, `day` days from today (the notifications are made today)."""
    date = datetime.date.today() + datetime.timedelta(days=day)
    return datetime.datetime(date.year, date.month, date.day, hour, tzinfo=LONDON)


def notify(user, subject):
    return services.notify(
        users=[user],
        kind=Notification.Kind.QUERY_RAISED,
        subject=subject,
        message=f"{subject}: open the return to answer it.",
        link="/returns/2019/06F/activity/draft/",
    )


@pytest.fixture
def digest_reader(beds_lead):
    NotificationPreference.objects.create(user=beds_lead, delivery="daily")
    return beds_lead


def test_a_digest_lists_everything_new_once_a_day_from_the_digest_hour(
    digest_reader, luton_lead, mailbox, settings
):
    settings.NOTIFICATION_DIGEST_HOUR = 7
    notify(digest_reader, "Query raised on Activity")
    notify(digest_reader, "Query raised on Finance")
    notify(luton_lead, "Not in anyone's digest")  # takes emails at once: not a digest reader

    assert services.digests_send_due(now=at(2, 6)) == 0  # before the hour
    assert services.digests_send_due(now=at(2, 7)) == 1
    assert services.digests_send_due(now=at(2, 8)) == 0  # today's is sent
    [digest] = mailbox.received()
    assert digest.recipients == ["bea@beds.example"]
    assert "your daily summary, 2 notifications" in digest.subject
    assert "Query raised on Activity" in digest.text and "Query raised on Finance" in digest.text
    assert "http://127.0.0.1:8000/returns/2019/06F/activity/draft/" in digest.html
    assert "Not in anyone's digest" not in digest.text
    assert not Notification.objects.filter(user=digest_reader, emailed_at=None).exists()

    notify(digest_reader, "Query answered")
    assert services.digests_send_due(now=at(3, 7)) == 1
    latest = mailbox.received()[-1]
    assert "Query answered" in latest.text and "Query raised" not in latest.text


def test_a_digest_that_could_not_be_sent_is_tried_again_next_hour(digest_reader, mailbox, settings):
    from tests.services import free_port

    notify(digest_reader, "Query raised on Activity")
    settings.EMAIL_PORT = free_port()
    assert services.digests_send_due(now=at(2, 7)) == 0
    notification = Notification.objects.get(user=digest_reader)
    assert notification.email_claimed_at is None and "Refused" in notification.email_error
    settings.EMAIL_PORT = mailbox.port
    assert services.digests_send_due(now=at(2, 8)) == 1
    assert len(mailbox.received()) == 1


def test_a_notification_is_in_one_digest_even_with_two_senders(digest_reader, mailbox):
    notify(digest_reader, "Query raised on Activity")
    preference = NotificationPreference.objects.get(user=digest_reader)
    stale = NotificationPreference.objects.get(pk=preference.pk)  # what a second sender read
    assert services.digest_send(preference=preference, now=at(2, 7)) is True
    assert services.digest_send(preference=stale, now=at(2, 7)) is False
    assert len(mailbox.received()) == 1
