"""Reads for planning: partners, rounds and the timetable, always scoped to the person asking."""

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from .models import Membership, Milestone, Organisation, Role, Round, System
from .rules import is_administrator, is_analyst, led_system_ids, organisation_ids, roles_of


def sees_every_system(user):
    return is_administrator(user) or is_analyst(user)


def round_get(*, financial_year):
    try:
        return Round.objects.get(financial_year=financial_year)
    except Round.DoesNotExist:
        raise Http404("No such planning round.") from None


def round_current(*, today):
    """The open round whose planning is under way: the earliest open round not yet finished."""
    open_rounds = Round.objects.filter(is_open=True).order_by("financial_year")
    for round_ in open_rounds:
        if round_.ends_on >= today:
            return round_
    return open_rounds.last() or Round.objects.order_by("-financial_year").first()


def memberships_for_round(*, financial_year):
    return Membership.objects.filter(first_year__lte=financial_year).filter(
        Q(last_year__isnull=True) | Q(last_year__gte=financial_year)
    )


def led_organisation_ids(user, financial_year):
    """Organisations in the systems the user leads, for one round (cached on the user)."""
    cache = user.__dict__.setdefault("_led_organisations", {})
    if financial_year not in cache:
        cache[financial_year] = set(
            memberships_for_round(financial_year=financial_year)
            .filter(system_id__in=led_system_ids(user))
            .values_list("organisation_id", flat=True)
        )
    return cache[financial_year]


def system_members(*, system, financial_year):
    return (
        memberships_for_round(financial_year=financial_year)
        .filter(system=system)
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )


def systems_reviewable_by(*, user):
    """Systems whose ICS-lead pages the user may open: all for administrators and analysts."""
    if sees_every_system(user):
        return System.objects.select_related("region")
    return System.objects.filter(pk__in=led_system_ids(user)).select_related("region")


def system_for_reviewer(*, user, code):
    """The system with this code if the user may open its ICS-lead pages, else 404."""
    try:
        return systems_reviewable_by(user=user).get(code__iexact=code)
    except System.DoesNotExist:
        raise Http404("No such system.") from None


def user_organisations(*, user):
    ids = organisation_ids(user, Role.Kind.PLANNING_LEAD, Role.Kind.GOVERNING_BODY_MEMBER)
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def systems_for_user(*, user, financial_year):
    """Systems the user belongs to in a round: led ones, and those their organisations are members of."""
    if sees_every_system(user):
        return System.objects.select_related("region")
    org_ids = organisation_ids(user, Role.Kind.PLANNING_LEAD, Role.Kind.GOVERNING_BODY_MEMBER)
    member_system_ids = (
        memberships_for_round(financial_year=financial_year)
        .filter(organisation_id__in=org_ids)
        .values("system_id")
    )
    return System.objects.filter(
        Q(pk__in=led_system_ids(user)) | Q(pk__in=member_system_ids)
    ).select_related("region")


def timetable_system_for_user(*, user, round, code=None):
    """The system whose local milestones the timetable shows: the one asked for, if the user
    belongs to it (404 otherwise), else the user's first system, else none (national only)."""
    systems = systems_for_user(user=user, financial_year=round.financial_year)
    if code:
        try:
            return systems.get(code__iexact=code)
        except System.DoesNotExist:
            raise Http404("No such system.") from None
    if sees_every_system(user):
        return None
    return systems.order_by("name").first()


@dataclass(frozen=True)
class TimetableEntry:
    milestone: Milestone
    status: str  # "past", "next", "in_progress" or "future"
    days_left: int | None

    @property
    def is_past(self):
        return self.status == "past"

    @property
    def is_next(self):
        return self.status in ("next", "in_progress")


def milestones_for(*, round, system):
    """National milestones of the round and the local ones of one system, in date order."""
    local = Q(system=system) if system is not None else Q(pk__in=[])
    return (
        Milestone.objects.filter(round=round)
        .filter(Q(system__isnull=True) | local)
        .select_related("system")
        .order_by("date", "end_date", "system_id", "title")
    )


def timetable(*, round, system, today):
    """The round's timetable as the viewer sees it on `today`: past entries, the next one, the rest.

    A milestone is past once its last day is before today. The next milestone is the first one not
    past; a period that has started but not ended counts as in progress and is the next one.
    """
    entries = []
    next_found = False
    for milestone in milestones_for(round=round, system=system):
        if milestone.last_day < today:
            entries.append(TimetableEntry(milestone, "past", None))
            continue
        if milestone.date <= today:
            status = "in_progress"
            days_left = (milestone.last_day - today).days
        else:
            status = "future"
            days_left = (milestone.date - today).days
        if not next_found:
            next_found = True
            status = "next" if status == "future" else status
        elif status == "in_progress":
            status = "future"
        entries.append(TimetableEntry(milestone, status, days_left))
    return entries


def upcoming_milestones(*, user, today, limit=5):
    """The next few milestones in open rounds that concern the user, soonest first."""
    rounds = Round.objects.filter(is_open=True)
    upcoming = []
    for round_ in rounds:
        system = timetable_system_for_user(user=user, round=round_)
        upcoming.extend(
            milestones_for(round=round_, system=system).filter(
                Q(date__gte=today) | Q(end_date__gte=today)
            )[:limit]
        )
    upcoming.sort(key=lambda m: (m.date, m.title))
    return [TimetableEntry(m, "future", max((m.date - today).days, 0)) for m in upcoming[:limit]]


def local_milestone_for_user(*, user, pk):
    """A local milestone of a system the user may review, else 404."""
    systems = systems_reviewable_by(user=user)
    try:
        return Milestone.objects.select_related("round", "system").get(pk=pk, system__in=systems)
    except Milestone.DoesNotExist:
        raise Http404("No such milestone.") from None


def role_summary(*, user):
    """Short labels of the user's roles for the header, e.g. 'ICS lead, BLMK'."""
    labels = []
    for role in roles_of(user):
        if role.system_id:
            labels.append(f"{role.get_kind_display()}, {role.system.code}")
        elif role.organisation_id:
            labels.append(f"{role.get_kind_display()}, {role.organisation.name}")
        else:
            labels.append(role.get_kind_display())
    if not labels and user.is_superuser:
        labels.append("Administrator")
    return labels
