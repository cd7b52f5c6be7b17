"""Writes for planning: local milestones added and removed by ICS leads, and the deadline
extensions they grant their member organisations."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from .models import Extension, Milestone


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


# Sent inside the granting or withdrawing transaction, once the extension is saved or deleted, for
# the notifications to tell the organisation's planning leads (planning never imports submissions:
# their receiver lives there). Arguments: extension, user, subject, message, link; granted also
# gives `replaced`, the date the extension had before, or None.
extension_granted = Signal()
extension_withdrawn = Signal()


@transaction.atomic
def extension_grant(*, user, milestone, organisation, until, reason):
    """Give one organisation until `until` for one submission deadline of an open round, or move
    the extension it has. Returns (extension, the date it replaced or None)."""
    reason = (reason or "").strip()
    candidate = Extension(milestone=milestone, organisation=organisation)
    if not user.has_perm("planning.change_extension", candidate):
        raise PermissionDenied(
            "Only the ICS lead of a system the organisation belongs to can extend its deadlines."
        )
    errors = {}
    if milestone.kind != Milestone.Kind.SUBMISSION or milestone.level == Milestone.Level.SYSTEM:
        errors["milestone"] = "Choose a submission deadline for organisations."
    if until is not None:
        first, last = milestone.round.milestone_dates
        if until <= milestone.last_day:
            errors["until"] = (
                f"The new last day must be after {_day(milestone.last_day)}, "
                f"the last day of “{milestone.title}”"
            )
        elif until > last:
            errors["until"] = (
                f"The new last day must be on or before {_day(last)}, near the "
                f"{milestone.round.name} round"
            )
    else:
        errors["until"] = "Enter the new last day"
    if not reason:
        errors["reason"] = "Enter the reason for the extension"
    if errors:
        raise ValidationError(errors)
    extension = (
        Extension.objects.select_for_update()
        .filter(milestone=milestone, organisation=organisation)
        .first()
    )
    replaced = extension.until if extension else None
    if extension is None:
        try:
            with transaction.atomic():  # a grant made at the same moment wins the insert
                extension = Extension.objects.create(
                    milestone=milestone,
                    organisation=organisation,
                    until=until,
                    reason=reason,
                    granted_by=user,
                )
        except IntegrityError:
            extension = Extension.objects.select_for_update().get(
                milestone=milestone, organisation=organisation
            )
            replaced = extension.until
    if replaced is not None:
        extension.until, extension.reason = until, reason
        extension.granted_by, extension.granted_at = user, timezone.now()
        extension.save(update_fields=["until", "reason", "granted_by", "granted_at"])
    extension_granted.send(
        sender=Extension,
        extension=extension,
        user=user,
        replaced=replaced,
        subject=f"{organisation.name}: {milestone.title} extended to {_day(until)}",
        message=(
            f"{user.get_full_name() or user.get_username()} has given {organisation.name} until "
            f"{_day(until)} for “{milestone.title}” (due {_day(milestone.last_day)}).\n"
            f"Reason: {reason}"
        ),
        link=_timetable_link(milestone),
    )
    return extension, replaced


@transaction.atomic
def extension_withdraw(*, user, extension):
    """Take an extension back: the organisation's deadline is the milestone's own again."""
    extension = (
        Extension.objects.select_for_update()
        .select_related("milestone__round", "organisation")
        .filter(pk=extension.pk)
        .first()
    )
    if extension is None:
        return None  # already withdrawn
    if not user.has_perm("planning.change_extension", extension):
        raise PermissionDenied(
            "Only the ICS lead of a system the organisation belongs to can withdraw its extension."
        )
    milestone, organisation = extension.milestone, extension.organisation
    extension.delete()
    extension_withdrawn.send(
        sender=Extension,
        extension=extension,
        user=user,
        subject=f"{organisation.name}: extension of {milestone.title} withdrawn",
        message=(
            f"{user.get_full_name() or user.get_username()} has withdrawn the extension of "
            f"“{milestone.title}” for {organisation.name}: it is due on "
            f"{_day(milestone.last_day)} again."
        ),
        link=_timetable_link(milestone),
    )
    return extension


def _day(date):
    return f"{date.day} {date:%B %Y}"  # 4 December 2019, without a platform's %-d


def _timetable_link(milestone):
    return reverse("planning:timetable", args=[milestone.round.financial_year])
