"""System plans: built versions with their totals, what they are made of, and the build queue's
state."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from planning.models import Organisation, Template

from .returns import Return


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
    totals = models.JSONField(
        default=dict,
        help_text="The system totals of the typed cells, written with the version: {line code: "
        "{column code: the total to 6 places, as text}}. Rates (%) have none.",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approval_note = models.TextField(
        blank=True,
        help_text="Why the plan was approved without some partners' accepted submissions.",
    )
    approval_exceptions = models.JSONField(
        default=list,
        blank=True,
        help_text="The partners approved without an accepted submission, named by the lead.",
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


class PlanApproval(models.Model):
    """One approval of a plan version, kept for ever: who approved it and why without whom, and, if
    the lead withdrew it, who, when and why. Never edited; a new approval is a new row."""

    plan = models.ForeignKey(SystemPlan, on_delete=models.CASCADE, related_name="approvals")
    approved_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    exceptions = models.JSONField(default=list, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "-approved_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""),
                name="plan_approval_withdrawal_has_reason",
            )
        ]

    def __str__(self):
        return f"{self.plan} approved {self.approved_at:%Y-%m-%d}"


class PlanInput(models.Model):
    """One partner's submission in a built plan version, and the share it counted at: what the
    version is made of, one row per partner. A partner's weighted figures are read from the
    submission's frozen values times this share when a page or export needs them
    (`plans.selectors.plan_contributions`), never copied per version."""

    # No index of its own: the unique constraint's index starts with the plan.
    plan = models.ForeignKey(
        SystemPlan, on_delete=models.CASCADE, related_name="parts", db_index=False
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.PROTECT, related_name="+"
    )
    share = models.DecimalField(max_digits=13, decimal_places=12)
    counted = models.BooleanField(
        help_text="Added into the system totals: one of the plan's population (its "
        "commissioners, when it has any; providers' figures are shown beside them)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "organisation"], name="plan_input_unique")
        ]

    def __str__(self):
        return f"{self.organisation_id} submission {self.submission_id} x {self.share}"


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
    last_build_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the last build started: the next starts PLAN_BUILD_DELAY_SECONDS later.",
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
