"""Each email goes out exactly once: claimed before it is sent, kept when the queue or the mail
server is down and sent later by the periodic sweep, never sent twice by two senders."""

import datetime

import pytest
from django.utils import timezone

from submissions import queue
from submissions.models import Notification, NotificationPreference
from submissions.notifications import services
from tests.services import free_port

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(minutes=1)


def notify(users, subject="Your return was accepted"):
    return services.notify(
        users=users,
        kind=Notification.Kind.ACCEPTED,
        subject=subject,
        message="Accepted.",
        link="/returns/",
    )


def test_an_email_is_claimed_once_so_a_second_task_sends_nothing(beds_lead, mailbox):
    [notification] = notify([beds_lead])
    assert services.notification_email_send(notification.pk) is True
    assert services.notification_email_send(notification.pk) is False  # a redelivered message
    assert services.notifications_send_unsent(now=timezone.now() + LATER) == 0
    assert len(mailbox.received()) == 1


def test_with_the_queue_down_the_notification_is_kept_and_the_sweep_sends_it(
    beds_lead, mailbox, monkeypatch, django_capture_on_commit_callbacks
):
    def queue_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(queue, "_send", queue_down)
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify([beds_lead])
    notification.refresh_from_db()
    assert notification.email_claimed_at is None and mailbox.received() == []

    assert services.notifications_send_unsent() == 0  # left to its task for a while
    assert services.notifications_send_unsent(now=timezone.now() + LATER) == 1
    [message] = mailbox.received()
    assert message.recipients == ["bea@beds.example"]


def test_a_refused_send_records_why_and_is_tried_again_later(beds_lead, mailbox, settings):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    [notification] = notify([beds_lead])
    assert services.notification_email_send(notification.pk) is False
    notification.refresh_from_db()
    assert notification.emailed_at is None and "ConnectionRefusedError" in notification.email_error

    settings.EMAIL_PORT = mailbox.port
    soon = timezone.now() + LATER
    assert services.notifications_send_unsent(now=soon) == 0  # its claim still stands
    retry = timezone.now() + services.EMAIL_RETRY_AFTER + LATER
    assert services.notifications_send_unsent(now=retry) == 1
    assert services.notifications_send_unsent(now=retry + LATER) == 0
    notification.refresh_from_db()
    assert notification.emailed_at and notification.email_error == ""
    assert len(mailbox.received()) == 1


def test_people_without_an_address_or_taking_a_digest_are_not_emailed_at_once(
    beds_lead, luton_lead, ics_lead, mailbox, django_capture_on_commit_callbacks
):
    luton_lead.email = ""
    luton_lead.save()
    NotificationPreference.objects.create(user=ics_lead, delivery="daily")
    with django_capture_on_commit_callbacks(execute=True):
        notify([beds_lead, luton_lead, ics_lead])
    assert [m.recipients for m in mailbox.received()] == [["bea@beds.example"]]
    no_address = Notification.objects.get(user=luton_lead)
    assert no_address.email_error == services.NO_ADDRESS
    assert (
        services.notifications_send_unsent(now=timezone.now() + 2 * services.EMAIL_RETRY_AFTER) == 0
    )
    assert Notification.objects.get(user=ics_lead).email_claimed_at is None  # for the digest


def test_notifications_made_while_emails_are_held_are_never_emailed(
    beds_lead, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), services.emails_held():
        [notification] = notify([beds_lead])
    assert notification.email_error == services.HELD and mailbox.received() == []
    assert (
        services.notifications_send_unsent(now=timezone.now() + 2 * services.EMAIL_RETRY_AFTER) == 0
    )


def test_beat_sweeps_every_minute_and_sends_reminders_and_digests_hourly(settings):
    from celery.schedules import crontab

    from config.celery import app

    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["submissions.tasks.send_unsent_notifications"] == 60.0
    assert schedule["submissions.tasks.send_due_reminders"] == crontab(minute=5)
    assert schedule["submissions.tasks.send_notification_digests"] == crontab(minute=15)
    assert set(app.tasks) >= {*schedule, services.SEND_NOTIFICATION_EMAIL}
