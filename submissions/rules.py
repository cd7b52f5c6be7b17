"""Who may read, edit, submit and review a return, declared once as predicates.

Views, services and templates ask `can(user, "submissions.edit_return", ret)`, which tests these
rules directly so that an administrator's Django superuser flag does not turn into the right to
type into an organisation's return.
"""

import rules

from planning.models import Role
from planning.rules import is_administrator, is_analyst, led_system_ids, organisation_ids
from planning.selectors import memberships_for_round

from .models import Return


def _led_organisation_ids(user, financial_year):
    """Organisations in the systems the user leads, for one round (cached on the user)."""
    cache = user.__dict__.setdefault("_led_organisations", {})
    if financial_year not in cache:
        cache[financial_year] = set(
            memberships_for_round(financial_year=financial_year)
            .filter(system_id__in=led_system_ids(user))
            .values_list("organisation_id", flat=True)
        )
    return cache[financial_year]


@rules.predicate
def is_planning_lead_of_return(user, ret):
    return ret.organisation_id in organisation_ids(user, Role.Kind.PLANNING_LEAD)


@rules.predicate
def is_ics_lead_of_return(user, ret):
    if not led_system_ids(user):
        return False
    return ret.organisation_id in _led_organisation_ids(user, ret.template.round.financial_year)


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
    }


@rules.predicate
def leads_plan_system(user, plan):
    return plan.system_id in led_system_ids(user)


@rules.predicate
def plan_round_is_open(user, plan):
    return plan.template.round.is_open


@rules.predicate
def plan_not_approved(user, plan):
    return plan.approved_at is None


returns.add_rule(
    "submissions.approve_plan", leads_plan_system & plan_round_is_open & plan_not_approved
)
returns.add_rule("submissions.return_plan_inputs", leads_plan_system & plan_round_is_open)
returns.add_rule("submissions.build_plan", leads_plan_system | is_administrator)


@rules.predicate
def writes_paper(user, paper):
    if paper.system_id:
        return paper.system_id in led_system_ids(user)
    return paper.organisation_id in organisation_ids(user, Role.Kind.PLANNING_LEAD)


@rules.predicate
def reads_paper(user, paper):
    if paper.system_id:
        return paper.system_id in led_system_ids(user)
    return paper.organisation_id in organisation_ids(
        user, Role.Kind.PLANNING_LEAD, Role.Kind.GOVERNING_BODY_MEMBER
    )


returns.add_rule("submissions.view_paper", is_administrator | reads_paper)
returns.add_rule("submissions.edit_paper", is_administrator | writes_paper)
