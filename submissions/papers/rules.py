"""Who may read and write a Governing Body paper: its organisation's planning lead writes it and its
governing body members read it; a system's paper belongs to the system's ICS lead."""

import rules

from planning.models import Role
from planning.rules import is_administrator, led_system_ids, organisation_ids


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


papers = rules.RuleSet()
papers.add_rule("submissions.view_paper", is_administrator | reads_paper)
papers.add_rule("submissions.edit_paper", is_administrator | writes_paper)


def can(user, permission, paper):
    return papers.test_rule(permission, user, paper)
