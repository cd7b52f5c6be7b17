"""Return templates as data: sections, columns and lines of each template of a round."""

from django.db import models

from .rounds import Round


class Template(models.Model):
    """A planning return's shape for one round, loaded from a data file under templates_data/."""

    class Kind(models.TextChoices):
        FINANCE = "finance", "Finance"
        QIPP = "qipp", "QIPP"
        ACTIVITY = "activity", "Activity"
        WORKFORCE = "workforce", "Workforce"
        PERFORMANCE = "performance", "Performance trajectories"
        NARRATIVE = "narrative", "Narrative"
        PROVIDER_FINANCE = "provider_finance", "Provider finance"

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
    control_total = models.CharField(
        max_length=90,
        blank=True,
        help_text="The cell holding the organisation's control total (line.column), on finance "
        "templates; empty on the others.",
    )

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
    standard = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The national standard a rate is quoted against, e.g. 95 for A&E 4 hours.",
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
