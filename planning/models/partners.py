"""ICS partners: regions, systems, organisations, their memberships of systems, and people's roles."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


def default_reminder_days():
    """A week and two days before each deadline."""
    return [7, 2]


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
    reminder_days = models.JSONField(
        default=default_reminder_days,
        blank=True,
        help_text="Days before each submission deadline on which partners that have not submitted "
        "get a reminder, e.g. [7, 2]; [] sends none.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        days = self.reminder_days
        if not isinstance(days, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 60 for d in days
        ):
            raise ValidationError(
                {"reminder_days": "Enter a list of whole days between 1 and 60, such as [7, 2]."}
            )


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
        max_digits=13,
        decimal_places=12,
        default=Decimal("1"),
        help_text="Fraction of the organisation counted in this system, more than 0 and at most 1: "
        "0.5, or a fraction such as 1/3 (kept to 12 decimal places, so three thirds make a whole "
        "to within a millionth of £1).",
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
