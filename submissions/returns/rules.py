"""Who may read, edit, submit and review a return, declared once as predicates.

Views, services and templates ask `can(user, "submissions.edit_return", ret)`, which tests these
rules directly so that an administrator's Django superuser flag does not turn into the right to
type into an organisation's return.
"""

import rules

from planning.models import Role
from planning.rules import is_administrator, is_analyst, led_system_ids, organisation_ids
from planning.selectors import led_organisation_ids
from submissions.models import Return


@rules.predicate
def is_planning_lead_of_return(user, ret):
    return ret.organisation_id in organisation_ids(user, Role.Kind.PLANNING_LEAD)


@rules.predicate
def is_ics_lead_of_return(user, ret):
    if not led_system_ids(user):
        return False
    return ret.organisation_id in led_organisation_ids(user, ret.template.round.financial_year)


@rules.predicate
def round_is_open(user, ret):
    return ret.template.round.is_open


@rules.predicate
def status_is_editable(user, ret):
    return ret.status in Return.EDITABLE


@rules.predicate
def status_is_submitted(user, ret):
    return ret.status == Return.Status.SUBMITTED


@rules.predicate
def status_can_be_sent_back(user, ret):
    return ret.status in (Return.Status.SUBMITTED, Return.Status.ACCEPTED)


returns = rules.RuleSet()
returns.add_rule(
    "submissions.view_return",
    is_administrator | is_analyst | is_planning_lead_of_return | is_ics_lead_of_return,
)
returns.add_rule(
    "submissions.edit_return", is_planning_lead_of_return & round_is_open & status_is_editable
)
returns.add_rule(
    "submissions.withdraw_return",
    is_planning_lead_of_return & round_is_open & status_is_submitted,
)
returns.add_rule(
    "submissions.accept_return", is_ics_lead_of_return & round_is_open & status_is_submitted
)
returns.add_rule(
    "submissions.send_back_return", is_ics_lead_of_return & round_is_open & status_can_be_sent_back
)


def can(user, permission, ret):
    return returns.test_rule(permission, user, ret)


def permissions_for(user, ret):
    """What the page needs to know to show or hide its buttons."""
    return {
        "can_edit": can(user, "submissions.edit_return", ret),
        "can_accept": can(user, "submissions.accept_return", ret),
        "can_send_back": can(user, "submissions.send_back_return", ret),
        "can_withdraw": can(user, "submissions.withdraw_return", ret),
    }
