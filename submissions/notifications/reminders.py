"""Reminders before submission deadlines, sent by Celery beat exactly once.

N days before each submission deadline of an open round (`System.reminder_days`, default 7 and 2)
every organisation with a return for it not yet submitted gets one reminder (to its planning
leads), relative to its own extended date when it has an extension; each system's ICS leads get one
summary of the partners yet to submit. A reminder missed (no beat running that day) goes out at the
next run before the deadline, as the nearest one due: never two at once, never after the deadline.

Everyone due gets a `Reminder` row first (one INSERT, conflicts ignored), then each row is claimed
with one conditional UPDATE (`claimed_at` from empty to now) in the transaction that records its
notifications, so two beat or worker processes never send one twice (healthchecks' `sendreports`).
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from planning.models import Extension, Milestone, Organisation, Template
from planning.selectors import deadlines_for, memberships_for_round
from submissions.models import Notification, Reminder, Return

from . import recipients
from .services import notify

SUBMITTED = (Return.Status.SUBMITTED, Return.Status.ACCEPTED)
LONGEST_NOTICE = 60  # System.clean: reminder days are between 1 and 60


def _date(day):
    return f"{day.day} {day:%B %Y}"


def _days(n):
    return "today" if n == 0 else ("tomorrow" if n == 1 else f"in {n} days")


def reminder_window(deadline, days, today):
    """Which reminder (days before `deadline`) is due on `today`: the nearest whose day has come,
    if the deadline has not passed; None otherwise."""
    if today > deadline:
        return None
    come = [d for d in days if deadline - datetime.timedelta(days=d) <= today]
    return min(come) if come else None


@dataclass
class Outstanding:
    """One organisation's position on one deadline: the returns it has yet to submit."""

    organisation: Organisation
    systems: list = field(default_factory=list)
    deadline: datetime.date = None
    extension: Extension | None = None
    returns: list = field(default_factory=list)  # [(template name, status label)]


def outstanding_for(milestone, organisation_ids=None):
    """{organisation id: Outstanding} for every member organisation the deadline applies to that
    has a return for it not submitted (nor accepted): members of the milestone's system, or of any
    system for a national one, in its round, and only templates it completes of the milestone's
    kind. Five queries, whatever the number of organisations."""
    round_ = milestone.round
    memberships = memberships_for_round(financial_year=round_.financial_year).select_related(
        "organisation", "system"
    )
    if milestone.system_id:
        memberships = memberships.filter(system_id=milestone.system_id)
    if organisation_ids is not None:
        memberships = memberships.filter(organisation_id__in=organisation_ids)
    templates = Template.objects.filter(round=round_).order_by("order", "name")
    if milestone.template_kind:
        templates = templates.filter(kind=milestone.template_kind)
    templates = list(templates)
    result = {}
    for membership in memberships:
        position = result.get(membership.organisation_id)
        if position is None:
            position = result[membership.organisation_id] = Outstanding(membership.organisation)
        position.systems.append(membership.system)
    if not result or not templates:
        return {}
    statuses = {
        (organisation_id, template_id): status
        for organisation_id, template_id, status in Return.objects.filter(
            organisation_id__in=result, template__in=templates, stage=milestone.stage
        ).values_list("organisation_id", "template_id", "status")
    }
    deadlines = deadlines_for(milestone, list(result))
    labels = dict(Return.Status.choices)
    for organisation_id, position in list(result.items()):
        for template in templates:
            if not template.completed_by(position.organisation):
                continue
            status = statuses.get((organisation_id, template.pk))
            if status not in SUBMITTED:
                position.returns.append(
                    (template.name, labels[status].lower() if status else "not started")
                )
        if not position.returns:
            del result[organisation_id]
            continue
        position.deadline, position.extension = deadlines[organisation_id]
    return result


def deadlines_near(today):
    """Organisations' submission deadlines of open rounds that a reminder may be due for: not
    passed (for someone: an extension may run later) and at most LONGEST_NOTICE days away."""
    return (
        Milestone.objects.filter(
            round__is_open=True,
            kind=Milestone.Kind.SUBMISSION,
            level__in=[Milestone.Level.ORGANISATION, Milestone.Level.BOTH],
            date__lte=today + datetime.timedelta(days=LONGEST_NOTICE),
        )
        .exclude(stage="")
        .annotate(last=Coalesce("end_date", "date"))
        .filter(Q(last__gte=today) | Q(extensions__until__gte=today))
        .distinct()
        .select_related("round", "system")
    )


def reminders_due(today):
    """The Reminder rows (unsaved) due on `today`: one per organisation yet to submit whose
    reminder day has come, one summary per system with partners yet to submit."""
    due = []
    for milestone in deadlines_near(today):
        outstanding = outstanding_for(milestone)
        systems = {}
        for organisation_id, position in outstanding.items():
            days = {d for system in position.systems for d in (system.reminder_days or [])}
            before = reminder_window(position.deadline, days, today)
            if before is not None:
                due.append(
                    Reminder(
                        milestone=milestone, days_before=before, organisation_id=organisation_id
                    )
                )
            systems.update((system.pk, system) for system in position.systems)
        for system in systems.values():
            before = reminder_window(milestone.last_day, system.reminder_days or [], today)
            if before is not None:
                due.append(Reminder(milestone=milestone, days_before=before, system=system))
    return due


def reminders_send_due(*, today=None):
    """The beat task: record every reminder due today, then claim and send each one not yet
    claimed. Returns how many this call sent (another process may send the rest)."""
    today = today or timezone.localdate()
    Reminder.objects.bulk_create(reminders_due(today), ignore_conflicts=True)
    waiting = Reminder.objects.filter(
        claimed_at__isnull=True, milestone__round__is_open=True
    ).values_list("pk", flat=True)
    return sum(reminder_send(pk, today=today) for pk in list(waiting))


@transaction.atomic
def reminder_send(reminder_id, *, today):
    """Claim the reminder (one conditional UPDATE: only one process gets it), then record its
    notifications, in one transaction: a crash before the commit leaves it unclaimed. One whose
    organisation has submitted meanwhile, or whose deadline has passed, is claimed and not sent.
    Returns whether this call sent it."""
    now = timezone.now()
    if not Reminder.objects.filter(pk=reminder_id, claimed_at__isnull=True).update(claimed_at=now):
        return False
    reminder = Reminder.objects.select_related("milestone__round", "organisation", "system").get(
        pk=reminder_id
    )
    if reminder.organisation_id:
        made = _remind_organisation(reminder, today)
    else:
        made = _summarise_for_system(reminder, today)
    if not made:
        return False
    Reminder.objects.filter(pk=reminder_id).update(sent_at=now)
    return True


def _stage(milestone):
    return milestone.get_stage_display().lower()


def _remind_organisation(reminder, today):
    milestone, organisation = reminder.milestone, reminder.organisation
    position = outstanding_for(milestone, [organisation.pk]).get(organisation.pk)
    if position is None or position.deadline < today:
        return []
    extended = (
        f" (extended from {_date(milestone.last_day)})"
        if position.deadline != milestone.last_day
        else ""
    )
    waiting = "; ".join(f"{name} ({status})" for name, status in position.returns)
    round_ = milestone.round
    return notify(
        users=recipients.planning_leads_of(organisation),
        kind=Notification.Kind.REMINDER,
        subject=f"Reminder: {_stage(milestone)} returns due {_date(position.deadline)}",
        message=f"{organisation.name}'s {_stage(milestone)} returns for the {round_.name} "
        f"planning round are due by {_date(position.deadline)}{extended}, "
        f"{_days((position.deadline - today).days)}: {milestone.title}.\n"
        f"Not submitted yet: {waiting}.",
        link=reverse("submissions:list") + f"?year={round_.financial_year}",
    )


def _summarise_for_system(reminder, today):
    milestone, system = reminder.milestone, reminder.system
    if milestone.last_day < today:
        return []
    round_ = milestone.round
    member_ids = (
        memberships_for_round(financial_year=round_.financial_year)
        .filter(system=system)
        .values_list("organisation_id", flat=True)
    )
    outstanding = outstanding_for(milestone, list(member_ids))
    if not outstanding:
        return []
    lines = []
    for position in sorted(outstanding.values(), key=lambda p: p.organisation.name):
        extended = (
            f", extended to {_date(position.deadline)}"
            if position.deadline != milestone.last_day
            else ""
        )
        waiting = ", ".join(f"{name} ({status})" for name, status in position.returns)
        lines.append(f"- {position.organisation.name}{extended}: {waiting}")
    return notify(
        users=recipients.ics_leads_of(system),
        kind=Notification.Kind.REMINDER_SUMMARY,
        subject=f"Partners yet to submit: {system.name}, {_stage(milestone)} returns due "
        f"{_date(milestone.last_day)}",
        message=f"Partners of {system.name} with {_stage(milestone)} returns for the "
        f"{round_.name} round not yet submitted, due {_date(milestone.last_day)}, "
        f"{_days((milestone.last_day - today).days)} ({milestone.title}):\n" + "\n".join(lines),
        link=reverse("submissions:completeness", args=[system.code, round_.financial_year])
        + f"?stage={milestone.stage}",
    )
