"""Governing Body papers and their numbered PDF renders."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from planning.models import Organisation

# How long a paper's text may be, in characters: the form states it (maxlength and a message
# next to the field) and the model refuses more.
PAPER_TEXT_MAX_LENGTH = 5_000  # purpose, key risks, executive summary, recommendation
OBJECTIVE_MAX_LENGTH = 300  # one strategic objective
SECTION_HEADING_MAX_LENGTH = 300
SECTION_TEXT_MAX_LENGTH = 20_000  # one numbered section of the report
REPORT_MAX_LENGTH = 100_000  # the whole report, as typed


def validate_objectives(value):
    """Each objective's text at most OBJECTIVE_MAX_LENGTH characters."""
    for objective in value or []:
        if len(str(objective.get("text", ""))) > OBJECTIVE_MAX_LENGTH:
            raise ValidationError(
                f"Each objective can be at most {OBJECTIVE_MAX_LENGTH:,} characters.",
                code="max_length",
            )


def validate_sections(value):
    """Each section's heading and text within SECTION_HEADING_MAX_LENGTH and
    SECTION_TEXT_MAX_LENGTH characters."""
    for section in value or []:
        if len(str(section.get("heading", ""))) > SECTION_HEADING_MAX_LENGTH:
            raise ValidationError(
                f"A section heading can be at most {SECTION_HEADING_MAX_LENGTH:,} characters.",
                code="max_length",
            )
        if len(str(section.get("text", ""))) > SECTION_TEXT_MAX_LENGTH:
            raise ValidationError(
                f"A section can be at most {SECTION_TEXT_MAX_LENGTH:,} characters.",
                code="max_length",
            )


def _text(verbose_name=None, **options):
    """A paper's free-text field, at most PAPER_TEXT_MAX_LENGTH characters."""
    return models.TextField(
        verbose_name,
        max_length=PAPER_TEXT_MAX_LENGTH,
        validators=[MaxLengthValidator(PAPER_TEXT_MAX_LENGTH)],
        **options,
    )


class Paper(models.Model):
    """A Governing Body paper about planning, for an organisation or a system, with a standard
    cover sheet; chosen blocks of its body are generated from the data each time it is rendered."""

    class Action(models.TextChoices):
        NOTE = "note", "Note"
        APPROVE = "approve", "Approve"
        DISCUSS = "discuss", "Discuss"
        DECIDE = "decide", "Decide"

    class Block(models.TextChoices):
        TIMETABLE = "timetable", "Planning timetable (national and local)"
        SUMMARY_OF_SPEND = "summary_of_spend", "Summary of spend"
        ALLOCATIONS = "allocations", "Allocations"
        QIPP = "qipp", "QIPP plan"
        ACTIVITY = "activity", "Activity growth assumptions"
        PERFORMANCE = "performance", "Performance against the national standards"
        SYSTEM_PLAN = "system_plan", "System plan summary and control total"
        OUTSTANDING = "outstanding", "Returns outstanding"

    IMPLICATIONS = (
        (
            "financial",
            "Have any financial implications been signed off by the Chief Finance Officer?",
        ),
        (
            "quality",
            "Have any quality implications been signed off by the Director of Nursing & Quality?",
        ),
        (
            "privacy",
            "Have any privacy implications been signed off by the Head of Information Governance?",
        ),
        (
            "conflicts",
            "Have any conflicts of interest implications been signed off by the Corporate Office?",
        ),
        (
            "engagement",
            "Have any public engagement implications been signed off by the Head of Communications & Engagement?",
        ),
        ("equality", "Has an Equality Impact Assessment been carried out?"),
    )

    # The cover sheet's plain fields, in the order the form asks for them.
    TEXT_FIELDS = (
        "body",
        "meeting_date",
        "agenda_item",
        "held_in_public",
        "title",
        "author",
        "presented_by",
        "responsible_director",
        "purpose",
        "action_required",
        "action_detail",
        "approval_route",
        "further_assurance",
        "key_risks",
        "executive_summary",
        "recommendation",
    )

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="papers"
    )
    system = models.ForeignKey(
        "planning.System", on_delete=models.PROTECT, null=True, blank=True, related_name="papers"
    )
    round = models.ForeignKey("planning.Round", on_delete=models.PROTECT, related_name="papers")
    body = models.CharField("Meeting of", max_length=200, default="Governing Body")
    meeting_date = models.DateField()
    agenda_item = models.CharField(max_length=20)
    held_in_public = models.BooleanField(default=True)
    title = models.CharField("Report title", max_length=300)
    author = models.CharField(max_length=300)
    presented_by = models.CharField(max_length=300)
    responsible_director = models.CharField(max_length=300)
    purpose = _text("Purpose for presenting the report")
    action_required = models.CharField(max_length=10, choices=Action.choices, default=Action.NOTE)
    action_detail = models.CharField(max_length=300, blank=True)
    approval_route = models.CharField(max_length=300, blank=True)
    further_assurance = models.CharField(max_length=300, blank=True)
    objectives = models.JSONField(  # [{"text": ..., "evidenced": bool}]
        default=list, blank=True, validators=[validate_objectives]
    )
    implications = models.JSONField(default=dict, blank=True)  # {"financial": "yes"|"no"|"na"}
    key_risks = _text(blank=True)
    executive_summary = _text(blank=True)
    sections = models.JSONField(  # [{"heading": ..., "text": ...}]
        default=list, blank=True, validators=[validate_sections]
    )
    recommendation = _text()
    blocks = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-meeting_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(system__isnull=True))
                | (Q(organisation__isnull=True) & Q(system__isnull=False)),
                name="paper_for_organisation_or_system",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def subject(self):
        return self.organisation or self.system


class PaperRender(models.Model):
    """One rendering of a paper to PDF: numbered, kept, with the hash of the data that went in."""

    class Status(models.TextChoices):
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="renders")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RENDERING)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="papers/", blank=True)
    data_hash = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a worker took the render and began making the PDF; empty while it waits "
        "in the queue. Only one worker can take it (papers/services.py: paper_render_run).",
    )
    generated_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["paper", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="paper_render_number_unique")
        ]

    def __str__(self):
        return f"{self.paper} v{self.number} ({self.status})"
