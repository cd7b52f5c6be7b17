"""Queries on a figure: a question about one cell or one line of a submitted return, and its
thread of messages."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from planning.models import Column, Line

from .returns import Return, Submission


class Query(models.Model):
    """A question an ICS lead (or an analyst) raises about one figure (a cell) or one line of a
    submitted return; the planning lead answers and the lead resolves it. Raising one never takes
    the return out of the plan. The submission is the one the figure was asked about."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        RESOLVED = "resolved", "Resolved"

    ret = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="queries")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="queries")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    column = models.ForeignKey(
        Column,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the query is about the whole line.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name_plural = "queries"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="query_resolved_has_time",
            )
        ]

    def __str__(self):
        where = f"{self.line_id}.{self.column_id}" if self.column_id else f"line {self.line_id}"
        return f"Query on return {self.ret_id} {where} ({self.status})"

    @property
    def is_open(self):
        return self.status != self.Status.RESOLVED


class QueryMessage(models.Model):
    """One message in a query's thread: the question, an answer, a follow-up. Never edited."""

    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["written_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="query_message_text")]

    def __str__(self):
        return f"{self.author} on query {self.query_id}"
