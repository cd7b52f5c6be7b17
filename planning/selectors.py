"""Reads for planning: partners, rounds, the timetable and its deadline extensions, always scoped
to the person asking."""

import functools
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from .models import Extension, Membership, Milestone, Organisation, Role, Round, System
from .rows import Columns, fetch, table
from .rules import is_administrator, is_analyst, led_system_ids, organisation_ids, roles_of


def sees_every_system(user):
    return is_administrator(user) or is_analyst(user)


def round_get(*, financial_year):
    try:
        return Round.objects.get(financial_year=financial_year)
    except Round.DoesNotExist:
        raise Http404("No such planning round.") from None


def round_current(*, today):
    """The open round whose planning is under way: the earliest open round not yet finished, else
    the last open round, else the latest round. One query: there is a round a year."""
    rounds = _rounds()
    open_rounds = [round_ for round_ in rounds if round_.is_open]
    for round_ in open_rounds:
        if round_.ends_on >= today:
            return round_
    return (open_rounds or rounds or [None])[-1]


def _rounds():
    """Every round, oldest first, in a written-out query (`planning.rows`): the header of every
    page asks for the current round."""
    sql, parts = _rounds_sql()
    return [round_ for (round_,) in fetch(sql, [], *parts)]


@functools.cache
def _rounds_sql():
    parts = (Columns(Round, "r"),)
    sql = f"SELECT {parts[0].sql} FROM {table(Round)} r ORDER BY r.financial_year"  # noqa: S608
    return sql, parts


def memberships_for_round(*, financial_year):
    return Membership.objects.filter(first_year__lte=financial_year).filter(
        Q(last_year__isnull=True) | Q(last_year__gte=financial_year)
    )


def membership_in_round_sql(alias):
    """`memberships_for_round`'s condition for written-out SQL, on the membership table's alias
    `alias`: two parameters, the financial year twice."""
    return f"{alias}.first_year <= %s AND ({alias}.last_year IS NULL OR {alias}.last_year >= %s)"


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
    """The system with this code if the user may open its ICS-lead pages, else 404. An ICS lead's
    own systems come with their roles (`roles_of`): no query."""
    if not sees_every_system(user):
        for role in roles_of(user):
            system = role.system if role.kind == Role.Kind.ICS_LEAD else None
            if system is not None and system.code.upper() == code.upper():
                return system
        raise Http404("No such system.")
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
    # The milestone's extensions the viewer may see (their own organisation's; every member's of
    # the system they review), and the viewer's own organisation's, whose date is theirs.
    extensions: tuple = ()
    own_extension: Extension | None = None

    @property
    def is_past(self):
        return self.status == "past"

    @property
    def is_next(self):
        return self.status in ("next", "in_progress")

    @property
    def last_day(self):
        return extended_last_day(self.milestone, self.own_extension)


def milestones_for(*, round, system):
    """National milestones of the round and the local ones of one system, in date order."""
    local = Q(system=system) if system is not None else Q(pk__in=[])
    return (
        Milestone.objects.filter(round=round)
        .filter(Q(system__isnull=True) | local)
        .select_related("system")
        .order_by("date", "end_date", "system_id", "title")
    )


def timetable(*, round, system, today, user=None):
    """The round's timetable as the viewer sees it on `today`: past entries, the next one, the rest.

    A milestone is past once its last day is before today. The next milestone is the first one not
    past; a period that has started but not ended counts as in progress and is the next one.
    Given the viewer, each entry carries the extensions they may see, and a deadline extended for
    the viewer's organisation counts (and sits in date order) by its extended date.
    """
    visible, own_ids = _visible_extensions(user=user, round=round, system=system)
    dated = _dated_entries(milestones_for(round=round, system=system), visible, own_ids)
    entries = []
    next_found = False
    for start, last, milestone, extensions, own in dated:
        if last < today:
            entries.append(TimetableEntry(milestone, "past", None, extensions, own))
            continue
        if start <= today:
            status = "in_progress"
            days_left = (last - today).days
        else:
            status = "future"
            days_left = (start - today).days
        if not next_found:
            next_found = True
            status = "next" if status == "future" else status
        elif status == "in_progress":
            status = "future"
        entries.append(TimetableEntry(milestone, status, days_left, extensions, own))
    return entries


def upcoming_milestones(*, user, today, limit=5):
    """The next few milestones in open rounds that concern the user, soonest first; a deadline
    extended for the user's organisation is upcoming until its extended date."""
    rounds = Round.objects.filter(is_open=True)
    upcoming = []
    for round_ in rounds:
        system = timetable_system_for_user(user=user, round=round_)
        visible, own_ids = _visible_extensions(user=user, round=round_, system=system)
        own = {pk: _own_extension(extensions, own_ids) for pk, extensions in visible.items()}
        still_open = [pk for pk, extension in own.items() if extension and extension.until >= today]
        milestones = milestones_for(round=round_, system=system).filter(
            Q(date__gte=today) | Q(end_date__gte=today) | Q(pk__in=still_open)
        )[:limit]
        upcoming.extend(_dated_entries(milestones, visible, own_ids))
    upcoming.sort(key=lambda dated: (dated[0], dated[2].title))
    return [
        TimetableEntry(milestone, "future", max((start - today).days, 0), extensions, own)
        for start, _, milestone, extensions, own in upcoming[:limit]
    ]


def _visible_extensions(*, user, round, system):
    """({milestone id: [Extension]}, the viewer's organisation ids): the round's extensions the
    viewer may see, in organisation order: their own organisations', and every member's of the
    system shown when they may review it (its ICS lead, analysts, administrators). One query."""
    if user is None or not user.is_authenticated:
        return {}, frozenset()
    own_ids = frozenset(
        organisation_ids(user, Role.Kind.PLANNING_LEAD, Role.Kind.GOVERNING_BODY_MEMBER)
    )
    seen = Q(organisation_id__in=own_ids)
    if system is not None and (sees_every_system(user) or system.pk in led_system_ids(user)):
        members = memberships_for_round(financial_year=round.financial_year).filter(system=system)
        seen |= Q(organisation_id__in=members.values("organisation_id"))
    elif not own_ids:
        return {}, own_ids
    visible = {}
    extensions = (
        Extension.objects.filter(seen, milestone__round=round)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    for extension in extensions:
        visible.setdefault(extension.milestone_id, []).append(extension)
    return visible, own_ids


def _own_extension(extensions, own_ids):
    """The extension whose date is the viewer's: when each of their organisations has one, the
    earliest (a person with two organisations is bound by the earlier date)."""
    own = [extension for extension in extensions if extension.organisation_id in own_ids]
    if not own_ids or len(own) < len(own_ids):
        return None
    return min(own, key=lambda extension: extension.until)


def _dated_entries(milestones, visible, own_ids):
    """[(start, last day, milestone, extensions, own extension)] in order of the viewer's dates.
    A single-day deadline extended for the viewer falls on its extended date; an extended period
    starts when it did and ends on the extended date."""
    dated = []
    for milestone in milestones:
        extensions = tuple(visible.get(milestone.pk, ()))
        own = _own_extension(extensions, own_ids)
        last = extended_last_day(milestone, own)
        start = milestone.date if milestone.end_date or own is None else last
        dated.append((start, last, milestone, extensions, own))
    dated.sort(key=lambda entry: entry[0])  # stable: the milestones' own order otherwise
    return dated


# Deadline extensions: one organisation's later last day for one submission milestone.


def extended_last_day(milestone, extension):
    """The milestone's last day for an organisation with `extension` (or None): the extended date,
    unless the milestone itself has since moved later."""
    if extension is None:
        return milestone.last_day
    return max(milestone.last_day, extension.until)


def deadline_for(milestone, organisation):
    """(last day, extension or None): when `organisation` must meet `milestone`, its extension
    taken into account. One query."""
    extension = (
        Extension.objects.filter(milestone=milestone, organisation=organisation)
        .select_related("granted_by")
        .first()
    )
    return extended_last_day(milestone, extension), extension


def deadlines_for(milestone, organisations):
    """{organisation id: (last day, extension or None)} for many organisations: one query."""
    ids = [getattr(organisation, "pk", organisation) for organisation in organisations]
    extensions = {
        extension.organisation_id: extension
        for extension in Extension.objects.filter(milestone=milestone, organisation_id__in=ids)
    }
    return {
        pk: (extended_last_day(milestone, extensions.get(pk)), extensions.get(pk)) for pk in ids
    }


@dataclass(frozen=True)
class Deadline:
    """A submission milestone as one organisation must meet it: the milestone's title and dates,
    with its last day moved by the organisation's extension, if it has one."""

    milestone: Milestone
    extension: Extension | None = None

    @property
    def last_day(self):
        return extended_last_day(self.milestone, self.extension)

    @property
    def is_extended(self):
        return self.last_day > self.milestone.last_day

    @property
    def original_last_day(self):
        return self.milestone.last_day

    @property
    def pk(self):
        return self.milestone.pk

    @property
    def title(self):
        return self.milestone.title

    @property
    def date(self):
        return self.milestone.date

    @property
    def end_date(self):
        return self.milestone.end_date

    @property
    def stage(self):
        return self.milestone.stage

    @property
    def system(self):
        return self.milestone.system

    def __str__(self):
        return str(self.milestone)


def extendable_milestones(*, round, system):
    """The submission deadlines for organisations that a system's ICS lead may extend: national
    ones and the system's own, in date order."""
    return (
        Milestone.objects.filter(
            round=round,
            kind=Milestone.Kind.SUBMISSION,
            level__in=[Milestone.Level.ORGANISATION, Milestone.Level.BOTH],
        )
        .filter(Q(system__isnull=True) | Q(system=system))
        .select_related("system")
        .order_by("date", "end_date", "title")
    )


def member_organisations(*, system, financial_year):
    """The organisations that are members of the system in a round, by name."""
    members = memberships_for_round(financial_year=financial_year).filter(system=system)
    return Organisation.objects.filter(pk__in=members.values("organisation_id")).order_by("name")


def extensions_for_system(*, system, round):
    """The extensions of the round's national and the system's own deadlines granted to its
    member organisations, by deadline then organisation."""
    members = memberships_for_round(financial_year=round.financial_year).filter(system=system)
    return (
        Extension.objects.filter(
            milestone__round=round, organisation_id__in=members.values("organisation_id")
        )
        .filter(Q(milestone__system__isnull=True) | Q(milestone__system=system))
        .select_related("milestone__system", "organisation", "granted_by")
        .order_by("milestone__date", "milestone__title", "organisation__name")
    )


def extension_existing(*, milestone, organisation):
    """The organisation's extension of the milestone, if it has one."""
    return Extension.objects.filter(milestone=milestone, organisation=organisation).first()


def extension_for_reviewer(*, user, pk):
    """An extension of an organisation in a system the user may review in its round, else 404."""
    extension = (
        Extension.objects.select_related(
            "milestone__round", "milestone__system", "organisation", "granted_by"
        )
        .filter(pk=pk)
        .first()
    )
    if extension is not None and not sees_every_system(user):
        year = extension.milestone.round.financial_year
        led = memberships_for_round(financial_year=year).filter(
            organisation_id=extension.organisation_id, system_id__in=led_system_ids(user)
        )
        if not led.exists():
            extension = None
    if extension is None:
        raise Http404("No such extension.")
    return extension


def extension_system(*, user, extension):
    """The system whose extensions page an extension belongs on, for this user: a local
    milestone's system, else the first system the user leads (or any, for those who see every
    system) that the organisation is a member of in the round."""
    if extension.milestone.system_id is not None:
        return extension.milestone.system
    year = extension.milestone.round.financial_year
    members = memberships_for_round(financial_year=year).filter(
        organisation_id=extension.organisation_id
    )
    if not sees_every_system(user):
        members = members.filter(system_id__in=led_system_ids(user))
    membership = members.select_related("system").order_by("system__name").first()
    return membership.system if membership else None


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
