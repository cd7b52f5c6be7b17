"""Returns (one organisation's answer to one template at one stage), their values and their history."""

from django.conf import settings
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


class NarrativeAnswer(models.Model):
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="answers")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()

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
    text = models.TextField()

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


class SystemPlan(models.Model):
    """One built version of a system's plan for a template and stage: the share-weighted sum of its
    partners' submitted or accepted returns. Built in one transaction and never changed after,
    except to record its approval; a new build is a new version."""

    system = models.ForeignKey("planning.System", on_delete=models.PROTECT, related_name="plans")
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="plans")
    stage = models.CharField(max_length=10, choices=Return.Stage.choices)
    version = models.PositiveIntegerField()
    built_at = models.DateTimeField(auto_now_add=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signature = models.CharField(
        max_length=64, help_text="Hash of the inputs: the same inputs never make a new version."
    )
    inputs = models.JSONField(
        default=list, help_text="Each member organisation: its return, version, share and status."
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["system", "template", "stage", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "template", "stage", "version"], name="plan_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(approved_by__isnull=False),
                name="plan_approval_has_approver",
            ),
        ]

    def __str__(self):
        return f"{self.system.code} {self.template.name} ({self.stage}) v{self.version}"

    @property
    def is_approved(self):
        return self.approved_at is not None

    @property
    def included(self):
        return [i for i in self.inputs if i["included"]]

    @property
    def missing(self):
        return [i for i in self.inputs if not i["included"]]


class PlanValue(models.Model):
    """A system total of one typed cell (line, column) in a built plan."""

    plan = models.ForeignKey(SystemPlan, on_delete=models.CASCADE, related_name="values")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    column = models.ForeignKey(Column, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=20, decimal_places=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "line", "column"], name="plan_value_unique")
        ]

    def __str__(self):
        return f"{self.line.code}.{self.column.code} = {self.value}"


class PlanContribution(models.Model):
    """One organisation's share-weighted value of one typed cell, as it went into a plan."""

    plan = models.ForeignKey(SystemPlan, on_delete=models.CASCADE, related_name="contributions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    column = models.ForeignKey(Column, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=20, decimal_places=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "organisation", "line", "column"], name="plan_contribution_unique"
            )
        ]

    def __str__(self):
        return f"{self.organisation_id} {self.line.code}.{self.column.code} = {self.value}"


class PlanState(models.Model):
    """Whether a system plan needs building, and whether a build is already on its way."""

    system = models.ForeignKey("planning.System", on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=10, choices=Return.Stage.choices)
    is_stale = models.BooleanField(default=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    scheduled_until = models.DateTimeField(
        null=True, blank=True, help_text="A build is queued to start by then; requests coalesce."
    )
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "template", "stage"], name="plan_state_unique"
            )
        ]

    def __str__(self):
        return f"{self.system_id}/{self.template_id}/{self.stage}: {'stale' if self.is_stale else 'current'}"


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
    purpose = models.TextField("Purpose for presenting the report")
    action_required = models.CharField(max_length=10, choices=Action.choices, default=Action.NOTE)
    action_detail = models.CharField(max_length=300, blank=True)
    approval_route = models.CharField(max_length=300, blank=True)
    further_assurance = models.CharField(max_length=300, blank=True)
    objectives = models.JSONField(default=list, blank=True)  # [{"text": ..., "evidenced": bool}]
    implications = models.JSONField(default=dict, blank=True)  # {"financial": "yes"|"no"|"na"}
    key_risks = models.TextField(blank=True)
    executive_summary = models.TextField(blank=True)
    sections = models.JSONField(default=list, blank=True)  # [{"heading": ..., "text": ...}]
    recommendation = models.TextField()
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
    generated_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["paper", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="paper_render_number_unique")
        ]

    def __str__(self):
        return f"{self.paper} v{self.number} ({self.status})"


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
