"""Who may build, approve and send back the inputs of a system plan: the system's ICS lead."""

import rules

from planning.rules import is_administrator, led_system_ids


@rules.predicate
def leads_plan_system(user, plan):
    return plan.system_id in led_system_ids(user)


@rules.predicate
def plan_round_is_open(user, plan):
    return plan.template.round.is_open


@rules.predicate
def plan_not_approved(user, plan):
    return plan.approved_at is None


plans = rules.RuleSet()
plans.add_rule(
    "submissions.approve_plan", leads_plan_system & plan_round_is_open & plan_not_approved
)
plans.add_rule(
    "submissions.withdraw_plan_approval",
    leads_plan_system & plan_round_is_open & ~plan_not_approved,
)
plans.add_rule("submissions.return_plan_inputs", leads_plan_system & plan_round_is_open)
plans.add_rule("submissions.build_plan", leads_plan_system | is_administrator)


class SystemScope:
    """Lets the plan rules be asked about a system before any plan of it exists."""

    def __init__(self, system):
        self.system_id = system.pk


def can(user, permission, plan):
    return plans.test_rule(permission, user, plan)
