"""Who may raise, answer, follow up and resolve a query on a figure, declared once as predicates.

The ICS lead of the return's system (or an analyst) raises a query on a submitted return, follows
it up and resolves it; the organisation's planning lead answers it. Every write needs the round
open and the query not yet resolved. Reading a query is reading its return."""

import rules

from planning.rules import is_analyst
from submissions.returns.rules import (
    is_ics_lead_of_return,
    is_planning_lead_of_return,
)


@rules.predicate
def return_has_submission(user, ret):
    return ret.pk is not None and ret.submission_id is not None


@rules.predicate
def return_round_is_open(user, ret):
    return ret.template.round.is_open


@rules.predicate
def leads_query_system(user, query):
    return is_ics_lead_of_return(user, query.ret)


@rules.predicate
def is_planning_lead_of_query(user, query):
    return is_planning_lead_of_return(user, query.ret)


@rules.predicate
def query_round_is_open(user, query):
    return query.ret.template.round.is_open


@rules.predicate
def query_is_unresolved(user, query):
    return query.status != query.Status.RESOLVED


queries = rules.RuleSet()
queries.add_rule(
    "submissions.raise_query",
    (is_ics_lead_of_return | is_analyst) & return_round_is_open & return_has_submission,
)
queries.add_rule(
    "submissions.answer_query",
    is_planning_lead_of_query & query_round_is_open & query_is_unresolved,
)
queries.add_rule(
    "submissions.follow_up_query",
    (leads_query_system | is_analyst) & query_round_is_open & query_is_unresolved,
)
queries.add_rule(
    "submissions.resolve_query",
    (leads_query_system | is_analyst) & query_round_is_open & query_is_unresolved,
)


def can(user, permission, obj):
    """`submissions.raise_query` is asked of a return; the others of a query."""
    return queries.test_rule(permission, user, obj)


def permissions_for(user, query):
    """What the query's page needs to know to show or hide its forms."""
    return {
        "can_answer": can(user, "submissions.answer_query", query),
        "can_follow_up": can(user, "submissions.follow_up_query", query),
        "can_resolve": can(user, "submissions.resolve_query", query),
    }
