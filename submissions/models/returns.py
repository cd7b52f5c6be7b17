"""Returns: one organisation's answer to one template at one stage, its values, answers, explanations
and history."""

import hashlib
import json

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from planning.models import Column, Line, Organisation, Template


class Return(models.Model):
    """One organisation's answer to one template in one round, at the draft or final stage."""

    class Stage(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINAL = "final", "Final"

    class Status(models.TextChoices):
        DRAFT = "draft", "In progress"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned for amendment"

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="returns")
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="returns")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(
        default=0, help_text="Goes up by one with every save; a stale save is refused."
    )
    is_late = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submission = models.ForeignKey(
        "Submission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The submission that counts: the latest one not withdrawn. Plans, exports and "
        "papers read it, and keep it while the return is being amended.",
    )

    class Meta:
        ordering = ["template__order", "organisation__name", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "template", "stage"], name="return_unique_per_stage"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(returned_reason=""),
                name="return_returned_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} {self.template.name} ({self.get_stage_display().lower()})"

    @property
    def round(self):
        return self.template.round

    @property
    def is_under_amendment(self):
        """Sent back (or withdrawn) while an earlier submission still stands in for it."""
        return self.status in self.EDITABLE and self.submission_id is not None


def content_hash(values, answers):
    """The hash of a return's content: {(line, column): Decimal} and {question: text}. The same
    figures and words give the same hash, however many decimal places they were stored with."""
    cells = sorted(
        [line, column, f"{value.normalize():f}"] for (line, column), value in values.items()
    )
    body = json.dumps({"values": cells, "answers": answers}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


class Submission(models.Model):
    """A return as its organisation submitted it: an immutable copy of its typed values and
    narrative answers, with who, when and the return version. Made only by `return_submit`, never
    changed afterwards except to record that it was accepted or withdrawn."""

    ret = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveIntegerField(
        help_text="1 for the return's first submission, and so on."
    )
    return_version = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    is_late = models.BooleanField(default=False)
    answers = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(
        max_length=64, help_text="Hash of the values and answers: equal content, equal hash."
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["ret", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["ret", "number"], name="submission_unique_number"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""),
                name="submission_withdrawal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.ret} submission {self.number}"

    @property
    def is_accepted(self):
        return self.accepted_at is not None

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


class SubmissionValue(models.Model):
    """A typed number as it was submitted."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="values")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    column = models.ForeignKey(Column, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=16, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "line", "column"], name="submission_value_unique_cell"
            )
        ]

    def __str__(self):
        return f"{self.line.code}.{self.column.code} = {self.value}"


class Value(models.Model):
    """A typed number in a return. Totals and derived columns are computed, never stored typed."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="values")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    column = models.ForeignKey(Column, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=16, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ret", "line", "column"], name="value_unique_cell"),
            models.CheckConstraint(
                condition=Q(value__gt=-(10**12)) & Q(value__lt=10**12), name="value_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.line.code}.{self.column.code} = {self.value}"


# The longest narrative answer and explanation of a warning, in characters: the page says so
# (a textarea's maxlength) and `returns/services.py` refuses a longer one with a message.
ANSWER_MAX_LENGTH = 10_000
EXPLANATION_MAX_LENGTH = 10_000


class NarrativeAnswer(models.Model):
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="answers")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(
        max_length=ANSWER_MAX_LENGTH, validators=[MaxLengthValidator(ANSWER_MAX_LENGTH)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ret", "line"], name="answer_unique_per_question")
        ]

    def __str__(self):
        return f"{self.line.code}: {self.text[:40]}"


class Explanation(models.Model):
    """Why a warning is acceptable: a return with warnings can be submitted once each is explained."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="explanations")
    key = models.CharField(
        max_length=120, help_text="The warning: rule code, and line for per-line rules."
    )
    text = models.TextField(
        max_length=EXPLANATION_MAX_LENGTH, validators=[MaxLengthValidator(EXPLANATION_MAX_LENGTH)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ret", "key"], name="explanation_unique_per_warning")
        ]

    def __str__(self):
        return f"{self.key}: {self.text[:40]}"


class Change(models.Model):
    """One recorded change to a return: a value, an answer, an explanation or the status."""

    class Kind(models.TextChoices):
        VALUE = "value", "Value"
        ANSWER = "answer", "Narrative answer"
        EXPLANATION = "explanation", "Explanation"
        STATUS = "status", "Status"

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField(help_text="The return version this change produced.")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    line = models.ForeignKey(
        Line, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    column = models.ForeignKey(
        Column, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=120, blank=True)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-version", "-id"]
        indexes = [models.Index(fields=["ret", "version"])]

    def __str__(self):
        return f"v{self.version} {self.get_kind_display()}: {self.old!r} -> {self.new!r}"
