"""Writes for planning: local milestones added and removed by ICS leads."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .models import Milestone


@transaction.atomic
def milestone_create_local(*, user, system, round, data):
    """Add a milestone for one system only. The system comes from the caller, never the form."""
    if not user.has_perm("planning.add_local_milestone", system):
        raise PermissionDenied("Only the system's ICS lead can add its local milestones.")
    if not round.is_open:
        raise ValidationError(
            f"The {round.name} round is closed; its timetable can no longer change."
        )
    milestone = Milestone(round=round, system=system, created_by=user, **data)
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def milestone_delete_local(*, user, milestone):
    if not user.has_perm("planning.delete_local_milestone", milestone):
        raise PermissionDenied("Only the system's ICS lead can remove its local milestones.")
    milestone.delete()
