"""The security audit log: sign-ins, lock-outs, role changes and plan approvals, with who and where."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SecurityEvent(models.Model):
    """One security event. Written by `planning.audit`, read by administrators in the admin, never
    edited. The username is kept as text, so the row still says who after the user is deleted, and
    a failed sign-in says which username was tried. No password is ever stored."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        SIGNED_OUT = "signed_out", "Signed out"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        ROLE_GRANTED = "role_granted", "Role granted"
        ROLE_CHANGED = "role_changed", "Role changed"
        ROLE_REMOVED = "role_removed", "Role removed"
        PLAN_APPROVED = "plan_approved", "Plan approved"
        PLAN_APPROVAL_WITHDRAWN = "plan_approval_withdrawn", "Plan approval withdrawn"

    USERNAME_LENGTH = 150
    DESCRIPTION_LENGTH = 300

    at = models.DateTimeField("when", default=timezone.now, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who acted, while their account exists.",
    )
    username = models.CharField(
        max_length=USERNAME_LENGTH,
        blank=True,
        help_text="Who acted, or the username tried in a failed sign-in.",
    )
    address = models.GenericIPAddressField(
        null=True, blank=True, help_text="The client's address, as the sign-in lock-out sees it."
    )
    description = models.CharField(max_length=DESCRIPTION_LENGTH, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "security event"

    def __str__(self):
        return f"{self.get_kind_display()}: {self.username or 'unknown'}"
