"""Uploaded workbooks waiting for the planning lead to confirm their changes."""

from django.conf import settings
from django.db import models

from .returns import Return


class Upload(models.Model):
    """A completed workbook read into a preview of its changes, waiting for the lead to confirm."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        APPLIED = "applied", "Applied"
        CANCELLED = "cancelled", "Cancelled"

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="uploads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    base_version = models.PositiveIntegerField()
    cells = models.JSONField(default=list)  # [[line, column, text], ...]
    answers = models.JSONField(default=dict)
    changes = models.JSONField(default=list)
    errors = models.JSONField(default=list)  # [{"text", "line", "column"}]
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"
