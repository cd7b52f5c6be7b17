"""The emails of notifications: one notification, or a person's daily digest. Plain text and HTML
from templates/emails/, each with the full address of the page; never a figure (the subject and
message name the return, plan or paper, not what it holds)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def absolute_url(link):
    """The page's full address: SITE_URL (DJANGO_SITE_URL) and the stored path."""
    return settings.SITE_URL.rstrip("/") + link


def _greeting_name(user):
    return user.get_full_name() or user.username


def _context(user):
    return {
        "name": _greeting_name(user),
        "service_name": settings.SERVICE_NAME,
        "notifications_url": absolute_url(reverse("submissions:notifications")),
        "preferences_url": absolute_url(reverse("submissions:notification_preferences")),
    }


def _email(user, subject, template, context):
    message = EmailMultiAlternatives(
        subject=f"{subject}"[:200],
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def notification_email(notification):
    """The email of one notification, to its person."""
    user = notification.user
    context = {**_context(user), "notification": notification}
    context["url"] = absolute_url(notification.link)
    return _email(user, notification.subject, "notification", context)


def digest_email(user, notifications):
    """One email listing `notifications` (oldest first), each with its page's address."""
    items = [(n, absolute_url(n.link)) for n in notifications]
    context = {**_context(user), "items": items}
    count = len(items)
    subject = f"{settings.SERVICE_NAME}: your daily summary, {count} " + (
        "notification" if count == 1 else "notifications"
    )
    return _email(user, subject, "digest", context)
