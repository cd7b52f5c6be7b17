"""ICS partners (regions, systems, organisations, memberships), planning rounds, milestones and roles."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Region(models.Model):
    """An NHS England region."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class System(models.Model):
    """A partnership footprint that plans as one: an ICS, or an STP before it became one."""

    class Kind(models.TextChoices):
        ICS = "ics", "Integrated care system"
        STP = "stp", "Sustainability and transformation partnership"

    code = models.SlugField(
        max_length=20, unique=True, help_text="Short code used in URLs and exports, e.g. BLMK."
    )
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=3, choices=Kind.choices, default=Kind.ICS)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="systems")
    alignment_threshold = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=2,
        help_text="Gap between commissioner and provider activity plans, in %, above which a line "
        "is flagged.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Organisation(models.Model):
    """A statutory body with an ODS code."""

    class Kind(models.TextChoices):
        CCG = "ccg", "Clinical commissioning group"
        ACUTE = "acute", "Acute trust"
        COMMUNITY = "community", "Community trust"
        MENTAL_HEALTH = "mental_health", "Mental health trust"
        AMBULANCE = "ambulance", "Ambulance trust"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        OTHER = "other", "Other"

    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.ods_code = (self.ods_code or "").strip().upper()


class Round(models.Model):
    """One year's planning cycle, named for the financial year it plans (2019/20 plans April 2019 on)."""

    financial_year = models.PositiveSmallIntegerField(
        unique=True,
        help_text="The calendar year in which the financial year starts: 2019 for 2019/20.",
    )
    is_open = models.BooleanField(default=True, help_text="Closed rounds are kept for reference.")

    class Meta:
        ordering = ["-financial_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(financial_year__gte=2000) & Q(financial_year__lte=2100),
                name="round_financial_year_plausible",
            )
        ]

    def __str__(self):
        return f"{self.name} planning round"

    @property
    def name(self):
        return f"{self.financial_year}/{(self.financial_year + 1) % 100:02d}"

    @property
    def starts_on(self):
        return datetime.date(self.financial_year, 4, 1)

    @property
    def ends_on(self):
        return datetime.date(self.financial_year + 1, 3, 31)


class Membership(models.Model):
    """An organisation counted in a system with a role and a share, for a span of financial years.

    A change between rounds ends one membership and starts another, so earlier rounds keep the
    membership they were planned with.
    """

    class Role(models.TextChoices):
        COMMISSIONER = "commissioner", "Commissioner"
        PROVIDER = "provider", "Provider"
        LOCAL_AUTHORITY = "local_authority", "Local authority"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("1"),
        help_text="Fraction of the organisation counted in this system, more than 0 and at most 1.",
    )
    first_year = models.PositiveSmallIntegerField(
        help_text="First financial year of the membership: 2019 for 2019/20."
    )
    last_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Last financial year, or empty while it continues."
    )

    class Meta:
        ordering = ["system", "organisation__name", "first_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="membership_share_in_range"
            ),
            models.CheckConstraint(
                condition=Q(last_year__isnull=True) | Q(last_year__gte=models.F("first_year")),
                name="membership_years_in_order",
            ),
            models.UniqueConstraint(
                fields=["organisation", "system", "first_year"],
                name="membership_unique_start",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} in {self.system} ({self.share:.0%})"

    def clean(self):
        if self.share is not None and not (Decimal("0") < self.share <= Decimal("1")):
            raise ValidationError({"share": "Share must be more than 0 and at most 1 (1 is 100%)."})
        if self.last_year is not None and self.first_year and self.last_year < self.first_year:
            raise ValidationError({"last_year": "The last year cannot be before the first year."})
        if self.organisation_id and self.system_id and self.first_year:
            overlapping = Membership.objects.filter(
                organisation_id=self.organisation_id, system_id=self.system_id
            ).exclude(pk=self.pk)
            overlapping = overlapping.filter(
                Q(last_year__isnull=True) | Q(last_year__gte=self.first_year)
            )
            if self.last_year is not None:
                overlapping = overlapping.filter(first_year__lte=self.last_year)
            if overlapping.exists():
                raise ValidationError(
                    "This organisation already has a membership of this system for some of these "
                    "years. End that membership before starting a new one."
                )


class Milestone(models.Model):
    """A dated step of a round: national (no system) or local to one system."""

    class Kind(models.TextChoices):
        GUIDANCE = "guidance", "Guidance"
        SUBMISSION = "submission", "Submission deadline"
        CONTRACT = "contract", "Contract signature"
        MEETING = "meeting", "Meeting"
        OTHER = "other", "Other"

    class Level(models.TextChoices):
        ORGANISATION = "organisation", "Organisation"
        SYSTEM = "system", "System"
        BOTH = "both", "Organisation and system"

    class Stage(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINAL = "final", "Final"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="milestones")
    system = models.ForeignKey(
        System,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="milestones",
        help_text="Empty for a national milestone.",
    )
    date = models.DateField()
    end_date = models.DateField(
        null=True, blank=True, help_text="For a period, such as a fortnight of comments."
    )
    date_note = models.CharField(
        max_length=40,
        blank=True,
        help_text="How the source states the date when it is not exact, e.g. 'By', 'w/c', 'Mid-February'.",
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.BOTH)
    stage = models.CharField(
        max_length=10,
        choices=Stage.choices,
        blank=True,
        help_text="Draft or final, for submission deadlines only.",
    )
    template_kind = models.CharField(
        max_length=20,
        blank=True,
        help_text="For a submission deadline of one kind of return only, e.g. activity. "
        "Empty: every return of the stage.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", models.F("system").asc(nulls_first=True), "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage="") | Q(kind="submission"),
                name="milestone_stage_only_for_submissions",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")),
                name="milestone_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.date:%d %b %Y}: {self.title}"

    @property
    def is_national(self):
        return self.system_id is None

    @property
    def last_day(self):
        return self.end_date or self.date

    def clean(self):
        errors = {}
        if self.stage and self.kind != self.Kind.SUBMISSION:
            errors["stage"] = "Only a submission deadline has a draft or final stage."
        if self.end_date and self.date and self.end_date < self.date:
            errors["end_date"] = "The end date must be on or after the start date."
        if errors:
            raise ValidationError(errors)


class Role(models.Model):
    """A role a person holds: of an organisation, of a system, or across the service."""

    class Kind(models.TextChoices):
        PLANNING_LEAD = "planning_lead", "Planning lead"
        GOVERNING_BODY_MEMBER = "governing_body_member", "Governing body member"
        ICS_LEAD = "ics_lead", "ICS lead"
        ANALYST = "analyst", "Analyst"
        ADMINISTRATOR = "administrator", "Administrator"

    ORGANISATION_KINDS = (Kind.PLANNING_LEAD, Kind.GOVERNING_BODY_MEMBER)
    SYSTEM_KINDS = (Kind.ICS_LEAD,)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="planning_roles"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="roles"
    )
    system = models.ForeignKey(
        System, on_delete=models.CASCADE, null=True, blank=True, related_name="roles"
    )

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["planning_lead", "governing_body_member"])
                    & Q(organisation__isnull=False)
                    & Q(system__isnull=True)
                )
                | (Q(kind="ics_lead") & Q(system__isnull=False) & Q(organisation__isnull=True))
                | (
                    Q(kind__in=["analyst", "administrator"])
                    & Q(system__isnull=True)
                    & Q(organisation__isnull=True)
                ),
                name="role_scope_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "organisation"],
                condition=Q(organisation__isnull=False),
                name="role_unique_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "system"],
                condition=Q(system__isnull=False),
                name="role_unique_per_system",
            ),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(organisation__isnull=True) & Q(system__isnull=True),
                name="role_unique_service_wide",
            ),
        ]

    def __str__(self):
        scope = self.organisation or self.system
        label = self.get_kind_display()
        return f"{label} of {scope}" if scope else label

    def clean(self):
        if self.kind in self.ORGANISATION_KINDS:
            if not self.organisation_id or self.system_id:
                raise ValidationError(
                    {
                        "organisation": f"A {self.get_kind_display().lower()} needs an organisation and no system."
                    }
                )
        elif self.kind in self.SYSTEM_KINDS:
            if not self.system_id or self.organisation_id:
                raise ValidationError({"system": "An ICS lead needs a system and no organisation."})
        elif self.organisation_id or self.system_id:
            raise ValidationError(
                f"An {self.get_kind_display().lower()} works across the service: leave organisation and system empty."
            )


class Template(models.Model):
    """A planning return's shape for one round, loaded from a data file under templates_data/."""

    class Kind(models.TextChoices):
        FINANCE = "finance", "Finance"
        QIPP = "qipp", "QIPP"
        ACTIVITY = "activity", "Activity"
        WORKFORCE = "workforce", "Workforce"
        PERFORMANCE = "performance", "Performance trajectories"
        NARRATIVE = "narrative", "Narrative"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="templates")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    organisation_kinds = models.JSONField(
        default=list, help_text="Organisation kinds that complete this template."
    )
    rules = models.JSONField(default=list, blank=True, help_text="Checks, from the data file.")
    source = models.CharField(max_length=300, help_text="The data file this was loaded from.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="template_unique_per_round")
        ]

    def __str__(self):
        return f"{self.name} ({self.round.name})"

    def completed_by(self, organisation):
        return organisation.kind in self.organisation_kinds


class Section(models.Model):
    """A part of a template: a grid of lines by columns, or narrative questions."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="sections")
    code = models.SlugField(max_length=40)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_narrative = models.BooleanField(default=False)
    headline = models.SlugField(
        max_length=40, blank=True, help_text="The column a summary shows, e.g. plan or budget."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="section_unique_per_template")
        ]

    def __str__(self):
        return self.title


class Unit(models.TextChoices):
    THOUSANDS = "£000", "£000"
    COUNT = "count", "Count"
    PERCENT = "%", "%"
    WTE = "WTE", "WTE"
    TEXT = "text", "Text"


class Column(models.Model):
    """A column of a grid section: typed in, or derived from the same line's other columns."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="columns")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=200)
    unit = models.CharField(
        max_length=10, choices=Unit.choices, blank=True, help_text="Empty: the line's unit."
    )
    formula = models.CharField(
        max_length=500, blank=True, help_text="Empty for typed columns, e.g. 'budget - forecast'."
    )
    allow_negative = models.BooleanField(default=False)
    sums_lines = models.BooleanField(
        default=True,
        help_text="Total lines add up this column. Off for rates such as last year's growth %, "
        "which are typed on total lines too.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section", "order"]
        constraints = [
            models.UniqueConstraint(fields=["section", "code"], name="column_unique_per_section")
        ]

    def __str__(self):
        return self.label

    @property
    def is_derived(self):
        return bool(self.formula)


class Line(models.Model):
    """A line of a template: typed in, or a total of other lines in the same column."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="lines")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="lines")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    allow_negative = models.BooleanField(default=False)
    formula = models.CharField(
        max_length=500, blank=True, help_text="Empty for typed lines, e.g. 'gp_referrals + other'."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="line_unique_per_template")
        ]

    def __str__(self):
        return self.label

    @property
    def is_total(self):
        return bool(self.formula)
