"""Who hears of what: the people holding a role of an organisation or a system, active only."""

from django.contrib.auth import get_user_model

from planning.models import Role
from planning.selectors import memberships_for_round


def _holding(kind, **scope):
    """Active users holding a role of `kind` in `scope` (organisation or system filters)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, planning_roles__kind=kind, **scope)
        .distinct()
        .order_by("pk")
    )


def planning_leads_of(organisation):
    """The organisation's planning leads."""
    return _holding(Role.Kind.PLANNING_LEAD, planning_roles__organisation=organisation)


def ics_leads_of(system):
    """The system's ICS leads."""
    return _holding(Role.Kind.ICS_LEAD, planning_roles__system=system)


def ics_leads_for_organisation(organisation, financial_year):
    """The ICS leads of every system the organisation is a member of in that round."""
    systems = (
        memberships_for_round(financial_year=financial_year)
        .filter(organisation=organisation)
        .values("system_id")
    )
    return _holding(Role.Kind.ICS_LEAD, planning_roles__system__in=systems)


def partners_of(system, financial_year):
    """The planning leads of every organisation that is a member of the system in that round."""
    organisations = (
        memberships_for_round(financial_year=financial_year)
        .filter(system=system)
        .values("organisation_id")
    )
    return _holding(Role.Kind.PLANNING_LEAD, planning_roles__organisation__in=organisations)
