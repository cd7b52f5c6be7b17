"""Reads for notifications, always the person's own: another person's notification is a 404."""

from django.http import Http404

from submissions.models import Notification, NotificationPreference


def notifications_for(*, user):
    """The person's notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notification_for(*, user, pk):
    """The person's notification `pk`; 404 for anyone else's, as for one that does not exist."""
    try:
        return notifications_for(user=user).get(pk=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None


def unread_count(*, user):
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def delivery_of(*, user):
    """How the person takes their emails: at once unless they chose a daily digest."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference.delivery if preference else NotificationPreference.Delivery.IMMEDIATE
