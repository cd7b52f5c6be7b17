"""Writes for notifications: record them, email each exactly once (at once, or in a daily digest),
mark them read, and keep each person's choice of delivery.

Every email is claimed before it is sent, with one conditional UPDATE of `email_claimed_at` (the
claim healthchecks' `sendreports` makes), so the queued task, the periodic sweep and the digest
never send one twice, whatever the number of workers. A send that failed keeps its claim and its
error (`email_error`) and is claimed again EMAIL_RETRY_AFTER later by the sweep; one never sent
within EMAIL_GIVE_UP_AFTER is left, with its error, on the person's notifications page.
"""

import contextlib
import datetime
import logging
import threading

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from submissions import queue
from submissions.models import Notification, NotificationPreference

from . import emails

log = logging.getLogger(__name__)

SEND_NOTIFICATION_EMAIL = "submissions.tasks.send_notification_email_task"

EMAIL_SWEEP_AFTER = datetime.timedelta(seconds=30)
"""The sweep leaves a new notification this long to its queued task before sending it itself."""

EMAIL_RETRY_AFTER = datetime.timedelta(minutes=10)
"""A claim this old with no email sent (the send failed, or its worker died) is taken again."""

EMAIL_GIVE_UP_AFTER = datetime.timedelta(days=2)
"""A notification not emailed within this is no longer tried: it stays on the page."""

NO_ADDRESS = "Not emailed: the person has no email address."
HELD = "Not emailed: recorded while emails were held (e.g. loading the demo)."
NOT_RETRIED = (NO_ADDRESS, HELD)

_state = threading.local()


@contextlib.contextmanager
def emails_held():
    """Inside this, notifications are recorded but never emailed (loading demo data, a bulk
    import): each is marked as claimed, saying why it was not sent."""
    previous = getattr(_state, "held", False)
    _state.held = True
    try:
        yield
    finally:
        _state.held = previous


def _distinct_active(users):
    seen, people = set(), []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        people.append(user)
    return people


def notify(*, users, kind, subject, message, link):
    """Record one Notification per user (iterable of User; duplicates and inactive users dropped)
    and, after the current transaction commits, queue the email of each user who takes them at
    once. `subject`/`message`: plain text naming the return/plan/paper, NEVER a figure.
    `link`: the page's path (e.g. reverse(...)). Returns the notifications made."""
    if not link.startswith("/") or link.startswith("//"):
        raise ValueError(f"A notification's link is a path on this site, not {link!r}")
    subject = " ".join(subject.split())  # one line: an email header cannot hold a line break
    people = _distinct_active(users)
    if not people:
        return []
    now = timezone.now()
    held = getattr(_state, "held", False)
    made = []
    for user in people:
        notification = Notification(
            user=user, kind=kind, subject=subject[:200], message=message, link=link
        )
        if held or not user.email:
            notification.email_claimed_at = now
            notification.email_error = HELD if held else NO_ADDRESS
        made.append(notification)
    Notification.objects.bulk_create(made)
    daily = set(
        NotificationPreference.objects.filter(
            user__in=people, delivery=NotificationPreference.Delivery.DAILY
        ).values_list("user_id", flat=True)
    )
    at_once = [n.pk for n in made if n.email_claimed_at is None and n.user_id not in daily]
    if at_once:
        transaction.on_commit(lambda: queue_emails(at_once))
    return made


def queue_emails(notification_ids):
    """Queue one email task per notification. Never raises: if the queue cannot be reached the
    notifications stay unclaimed and the periodic sweep (`notifications_send_unsent`) sends them."""
    for pk in notification_ids:
        try:
            queue._send(SEND_NOTIFICATION_EMAIL, (pk,))
        except Exception as error:  # what made the notification must stand whatever the queue did
            log.warning("Could not queue a notification email (the sweep sends it): %s", error)
            return False
    return True


def _claimable(now):
    """Notifications whose email may be claimed now: never emailed, not given up, and either
    unclaimed or claimed so long ago that the send must have failed or lost its worker."""
    return Notification.objects.filter(
        emailed_at__isnull=True, created_at__gte=now - EMAIL_GIVE_UP_AFTER
    ).filter(
        Q(email_claimed_at__isnull=True)
        | (Q(email_claimed_at__lt=now - EMAIL_RETRY_AFTER) & ~Q(email_error__in=NOT_RETRIED))
    )


def _error_text(error):
    return f"{type(error).__name__}: {error}"[:2000]


def notification_email_send(notification_id, *, now=None):
    """What the task does: claim the notification's email with one conditional UPDATE, and only
    then send it; record the error if the send fails (tried again later). Returns whether this
    call sent it."""
    now = now or timezone.now()
    if not _claimable(now).filter(pk=notification_id).update(email_claimed_at=now):
        return False  # sent, being sent, or given up
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if not notification.user.email:
        Notification.objects.filter(pk=notification_id).update(email_error=NO_ADDRESS)
        return False
    try:
        emails.notification_email(notification).send()
    except Exception as error:  # the SMTP server refused or was unreachable: retried later
        log.warning("Could not email notification %s: %r", notification_id, error)
        Notification.objects.filter(pk=notification_id).update(email_error=_error_text(error))
        return False
    Notification.objects.filter(pk=notification_id).update(
        emailed_at=timezone.now(), email_error=""
    )
    return True


def notifications_send_unsent(*, now=None, limit=200):
    """The periodic sweep: email the notifications of people who take them at once that no task
    sent (the queue was down, the send failed or its worker died). Returns how many it sent."""
    now = now or timezone.now()
    daily = NotificationPreference.objects.filter(
        delivery=NotificationPreference.Delivery.DAILY
    ).values("user_id")
    waiting = (
        _claimable(now)
        .filter(created_at__lt=now - EMAIL_SWEEP_AFTER)
        .exclude(user_id__in=daily)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(notification_email_send(pk, now=now) for pk in list(waiting))


def _start_of_day(now):
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def digests_send_due(*, now=None):
    """The daily digest (beat, hourly): from NOTIFICATION_DIGEST_HOUR each day, one email to each
    person who asked for a digest and has not had today's, listing what is new since. Returns how
    many digests were sent."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < settings.NOTIFICATION_DIGEST_HOUR:
        return 0
    due = NotificationPreference.objects.filter(
        delivery=NotificationPreference.Delivery.DAILY
    ).filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lt=_start_of_day(now)))
    return sum(digest_send(preference=p, now=now) for p in due.select_related("user"))


def digest_send(*, preference, now):
    """Send one person's digest: claim today's digest (a conditional UPDATE of `last_digest_at`),
    then claim every notification of theirs not yet claimed (another conditional UPDATE), then
    send. A failed send gives both claims back, so the next hour tries again."""
    previous = preference.last_digest_at
    mine = NotificationPreference.objects.filter(pk=preference.pk)
    mine = mine.filter(last_digest_at=previous) if previous else mine.filter(last_digest_at=None)
    if not mine.update(last_digest_at=now):
        return False  # another sender took it
    user = preference.user
    unclaimed = Notification.objects.filter(user=user, emailed_at__isnull=True)
    unclaimed.filter(email_claimed_at__isnull=True, created_at__lte=now).update(
        email_claimed_at=now
    )
    items = list(unclaimed.filter(email_claimed_at=now).order_by("created_at", "pk"))
    if not items:
        return False
    if not user.email:
        unclaimed.filter(email_claimed_at=now).update(email_error=NO_ADDRESS)
        return False
    try:
        emails.digest_email(user, items).send()
    except Exception as error:
        log.warning("Could not email the digest of user %s: %r", user.pk, error)
        unclaimed.filter(email_claimed_at=now).update(
            email_claimed_at=None, email_error=_error_text(error)
        )
        NotificationPreference.objects.filter(pk=preference.pk, last_digest_at=now).update(
            last_digest_at=previous
        )
        return False
    Notification.objects.filter(pk__in=[n.pk for n in items]).update(
        emailed_at=timezone.now(), email_error=""
    )
    return True


def notification_open(*, user, notification):
    """The person opened the notification: it is read."""
    if notification.user_id != user.pk:
        raise ValueError("A notification is opened by its own person only")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user):
    """Every notification of the person's is read. Returns how many were unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(*, user, delivery):
    """The person's choice: each notification emailed at once, or a daily digest."""
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    if preference.delivery != delivery:
        preference.delivery = delivery
        preference.save(update_fields=["delivery"])
    return preference
