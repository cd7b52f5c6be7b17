"""Notifications: what happened that a person should know, kept for their notifications page and
emailed to them (at once or in a daily digest), and the reminders sent before deadlines."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """One thing one person should know, with a link to the page about it. Never a figure: the
    subject and message name the return, plan or paper, not what it holds (data is sensitive and
    email is not the place for it). Claimed for email with one conditional UPDATE, so it is
    emailed once whatever the number of workers."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Return submitted"
        RETURNED = "returned", "Return sent back for amendment"
        ACCEPTED = "accepted", "Return accepted"
        PLAN_APPROVED = "plan_approved", "System plan approved"
        PAPER_READY = "paper_ready", "Paper ready"
        PAPER_FAILED = "paper_failed", "Paper could not be made"
        QUERY_RAISED = "query_raised", "Query raised"
        QUERY_ANSWERED = "query_answered", "Query answered"
        QUERY_RESOLVED = "query_resolved", "Query resolved"
        EXTENSION = "extension", "Deadline extended"
        REMINDER = "reminder", "Deadline reminder"
        REMINDER_SUMMARY = "reminder_summary", "Partners yet to submit"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    message = models.TextField(help_text="Plain text; no figures.")
    link = models.CharField(max_length=500, help_text="The page's path, e.g. /returns/…")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="Claimed for an email (at once or in a digest)."
    )
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_newest"),
            models.Index(
                fields=["created_at"],
                condition=Q(email_claimed_at__isnull=True),
                name="notification_unclaimed",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.subject}"


class NotificationPreference(models.Model):
    """How a person wants their notifications emailed. Without a row: at once."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", "Email me each notification as it happens"
        DAILY = "daily", "Email me once a day with everything new"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user}: {self.get_delivery_display()}"


class Reminder(models.Model):
    """One reminder of one submission deadline, `days_before` it: to an organisation that has not
    submitted (its planning leads), or the summary to a system's ICS leads. Made for everyone due
    at once, then each is claimed with one conditional UPDATE before it is sent, so it goes out
    exactly once even with two beat or worker processes."""

    milestone = models.ForeignKey(
        "planning.Milestone", on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField()
    organisation = models.ForeignKey(
        "planning.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation reminded; empty for a system's summary.",
    )
    system = models.ForeignKey(
        "planning.System",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The system whose ICS leads get the summary; empty for an organisation's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "days_before", "organisation"],
                condition=Q(organisation__isnull=False),
                name="reminder_once_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["milestone", "days_before", "system"],
                condition=Q(system__isnull=False),
                name="reminder_summary_once_per_system",
            ),
            models.CheckConstraint(
                condition=Q(organisation__isnull=True) ^ Q(system__isnull=True),
                name="reminder_to_an_organisation_or_a_system",
            ),
        ]

    def __str__(self):
        to = self.organisation_id and f"organisation {self.organisation_id}"
        return f"{self.days_before} days before {self.milestone_id} to {to or self.system_id}"
