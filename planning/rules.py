"""Who may see or change what in planning, declared once as predicates for views and templates."""

import functools

import rules
from django.db.models import Q

from .models import Membership, Organisation, Region, Role, System
from .rows import Columns, fetch, table


def roles_of(user):
    """The user's roles with their organisation and system (and its region), loaded once per
    request-scoped user: every signed-in page asks."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_planning_roles", None)
    if cached is None:
        cached = _read_roles(user.pk)
        user._planning_roles = cached
    return cached


@functools.cache
def _roles_sql():
    """What `Role.objects.filter(user=...).select_related("organisation", "system__region")`
    asks, written out (`planning.rows`: 0.25 ms, not 0.8)."""
    parts = (
        Columns(Role, "r"),
        Columns(Organisation, "o"),
        Columns(System, "s"),
        Columns(Region, "g"),
    )
    sql = (
        f"SELECT {', '.join(part.sql for part in parts)} "  # noqa: S608 - fixed SQL
        f"FROM {table(Role)} r "
        f"LEFT JOIN {table(Organisation)} o ON o.id = r.organisation_id "
        f"LEFT JOIN {table(System)} s ON s.id = r.system_id "
        f"LEFT JOIN {table(Region)} g ON g.id = s.region_id "
        "WHERE r.user_id = %s ORDER BY r.kind, r.id"
    )
    return sql, parts


def _read_roles(user_id):
    sql, parts = _roles_sql()
    roles = []
    for role, organisation, system, region in fetch(sql, [user_id], *parts):
        role.organisation, role.system = organisation, system
        if system is not None:
            system.region = region
        roles.append(role)
    return roles


def _holds(user, kind):
    return any(role.kind == kind for role in roles_of(user))


def led_system_ids(user):
    return {role.system_id for role in roles_of(user) if role.kind == Role.Kind.ICS_LEAD}


def organisation_ids(user, *kinds):
    return {role.organisation_id for role in roles_of(user) if role.kind in kinds}


@rules.predicate
def is_administrator(user):
    return user.is_superuser or _holds(user, Role.Kind.ADMINISTRATOR)


@rules.predicate
def is_analyst(user):
    return _holds(user, Role.Kind.ANALYST)


@rules.predicate
def is_ics_lead_of(user, system):
    return system is not None and system.pk in led_system_ids(user)


@rules.predicate
def is_planning_lead_of(user, organisation):
    return organisation is not None and organisation.pk in organisation_ids(
        user, Role.Kind.PLANNING_LEAD
    )


@rules.predicate
def is_governing_body_member_of(user, organisation):
    return organisation is not None and organisation.pk in organisation_ids(
        user, Role.Kind.GOVERNING_BODY_MEMBER
    )


@rules.predicate
def leads_milestone_system(user, milestone):
    return milestone is not None and milestone.system_id in led_system_ids(user)


@rules.predicate
def is_local_milestone(user, milestone):
    return milestone is not None and milestone.system_id is not None


@rules.predicate
def round_is_open(user, obj):
    round_ = getattr(obj, "round", None)
    return round_ is None or round_.is_open


def extension_system_ids(extension):
    """The systems whose ICS lead may grant or withdraw this (possibly unsaved) extension: those
    the organisation is a member of in the milestone's round; for a local milestone, its own
    system only, and only if the organisation is a member of it."""
    milestone = extension.milestone
    year = milestone.round.financial_year
    memberships = Membership.objects.filter(
        organisation_id=extension.organisation_id, first_year__lte=year
    ).filter(Q(last_year__isnull=True) | Q(last_year__gte=year))
    if milestone.system_id is not None:
        memberships = memberships.filter(system_id=milestone.system_id)
    return set(memberships.values_list("system_id", flat=True))


@rules.predicate
def leads_extension_system(user, extension):
    led = led_system_ids(user)
    return extension is not None and bool(led) and bool(led & extension_system_ids(extension))


@rules.predicate
def extension_round_is_open(user, extension):
    return extension is not None and extension.milestone.round.is_open


# Pages meant for a system's ICS lead: partners, local milestones.
rules.add_perm("planning.review_system", is_administrator | is_analyst | is_ics_lead_of)
rules.add_perm("planning.add_local_milestone", is_administrator | is_ics_lead_of)
rules.add_perm(
    "planning.delete_local_milestone",
    is_local_milestone & round_is_open & (is_administrator | leads_milestone_system),
)
rules.add_perm("planning.administer", is_administrator)
# Deadline extensions: granted and withdrawn by the ICS lead of a system the organisation belongs
# to in the round, and no one else (administrators and analysts see them but do not grant them).
rules.add_perm("planning.grant_extension", is_ics_lead_of)
rules.add_perm("planning.change_extension", leads_extension_system & extension_round_is_open)
