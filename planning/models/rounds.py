"""Planning rounds and their national and local milestones (the timetable)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .partners import System


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

    @property
    def milestone_dates(self):
        """(first, last): the days a milestone of this round may fall on, from the January two
        years before its financial year starts to the December three years after, so a typo
        (9999-12-31, 2109) is refused rather than breaking the timetable and its calendar file."""
        return (
            datetime.date(self.financial_year - MILESTONE_YEARS_BEFORE, 1, 1),
            datetime.date(self.financial_year + MILESTONE_YEARS_AFTER, 12, 31),
        )


MILESTONE_YEARS_BEFORE = 2
MILESTONE_YEARS_AFTER = 3


def milestone_date_errors(round_, date, end_date):
    """{field: message} for a milestone's dates outside `round_.milestone_dates`."""
    first, last = round_.milestone_dates
    errors = {}
    for field, value in (("date", date), ("end_date", end_date)):
        if value and not first <= value <= last:
            errors[field] = (
                f"Enter a date between {first.day} {first:%B %Y} and {last.day} {last:%B %Y}, "
                f"near the {round_.name} round"
            )
    return errors


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

    @property
    def when(self):
        """The date as people read it: "12 February 2019", "By 12 February 2019", "w/c 4 March
        2019", "1 April 2019 to 14 April 2019"; a note that names the month stands for the date
        ("Mid-February 2020", not "Mid-February 14 February 2020")."""
        day = f"{self.date.day} {self.date:%B %Y}"
        if self.date_note and f"{self.date:%B}".lower() in self.date_note.lower():
            day = f"{self.date_note} {self.date:%Y}"
        elif self.date_note:
            day = f"{self.date_note} {day}"
        if self.end_date:
            day += f" to {self.end_date.day} {self.end_date:%B %Y}"
        return day

    def clean(self):
        errors = {}
        if self.stage and self.kind != self.Kind.SUBMISSION:
            errors["stage"] = "Only a submission deadline has a draft or final stage."
        if self.end_date and self.date and self.end_date < self.date:
            errors["end_date"] = "The end date must be on or after the start date."
        if self.round_id:
            for field, message in milestone_date_errors(
                self.round, self.date, self.end_date
            ).items():
                errors.setdefault(field, message)
        if errors:
            raise ValidationError(errors)


class Extension(models.Model):
    """More time for one organisation on one submission deadline, granted by its ICS lead with a
    reason: the organisation's submission on or before `until` is not late, and its timetable and
    home page show the new date. One per organisation and milestone; granting again moves it."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="extensions")
    organisation = models.ForeignKey(
        "planning.Organisation", on_delete=models.CASCADE, related_name="extensions"
    )
    until = models.DateField(help_text="The new last day for this organisation.")
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["milestone", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "organisation"], name="extension_one_per_organisation"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_has_reason"),
        ]

    def __str__(self):
        return f"{self.organisation} until {self.until:%d %b %Y}: {self.milestone.title}"
