"""Writes for queries on a figure: raise, answer, follow up, resolve. Each is one transaction that
adds a message to the thread (nothing is ever edited) and tells the people who act next.

Raising a query changes nothing of the return: not its status, not its submission, so the plans
that include it keep it and no plan is rebuilt."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from planning.models import Column, Line
from submissions.models import Notification, Query, QueryMessage, Return
from submissions.notifications import recipients
from submissions.notifications.services import notify

from .rules import can
from .selectors import query_url, where

QUERY_TEXT_MAX_LENGTH = 5_000
"""The most a question or an answer may hold: a paragraph or a few, never a pasted workbook."""


def _text(text, *, required=True):
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({"text": "Enter your message"})
    if len(text) > QUERY_TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": f"A message can be at most {QUERY_TEXT_MAX_LENGTH:,} characters."}
        )
    return text


def _require(user, permission, obj, message):
    if not can(user, permission, obj):
        raise PermissionDenied(message)


def _figure(ret, line_code, column_code):
    """The line (and column, unless the query is on the whole line) of the return's template
    that a query points at; a ValidationError for one that is not in the return's grid."""
    line = (
        Line.objects.filter(template=ret.template, code=line_code, section__is_narrative=False)
        .select_related("section")
        .first()
    )
    if line is None:
        raise ValidationError({"cell": "Choose a figure of this return"})
    if not column_code:
        return line, None
    column = Column.objects.filter(section_id=line.section_id, code=column_code).first()
    if column is None:
        raise ValidationError({"cell": "Choose a figure of this return"})
    return line, column


def _person(user):
    return user.get_full_name() or user.get_username()


def _return_name(ret):
    """e.g. "the draft Activity plan of NHS Bedfordshire CCG for 2019/20"."""
    return (
        f"the {ret.get_stage_display().lower()} {ret.template.name} of {ret.organisation.name} "
        f"for {ret.template.round.name}"
    )


def _subject(what, ret):
    return (
        f"{what}: {ret.organisation.name}, {ret.template.name} "
        f"({ret.get_stage_display().lower()}, {ret.template.round.name})"
    )


@transaction.atomic
def query_raise(*, user, ret, line_code, column_code, text):
    """The ICS lead (or an analyst) asks about one figure, or one line, of the return's current
    submission. The return itself is not touched."""
    text = _text(text)
    if ret.pk is None:
        raise PermissionDenied("You cannot raise a query on this return.")
    # A fresh read: the submission that counts now, not the one a page loaded earlier showed.
    ret = Return.objects.select_related("organisation", "template__round", "submission").get(
        pk=ret.pk
    )
    _require(user, "submissions.raise_query", ret, "You cannot raise a query on this return.")
    line, column = _figure(ret, line_code, column_code)
    query = Query.objects.create(
        ret=ret, submission=ret.submission, line=line, column=column, raised_by=user
    )
    QueryMessage.objects.create(query=query, author=user, text=text)
    query.ret = ret
    notify(
        users=recipients.planning_leads_of(ret.organisation),
        kind=Notification.Kind.QUERY_RAISED,
        subject=_subject("Query raised", ret),
        message=f"{_person(user)} raised a query on {where(query)} in submission "
        f"{ret.submission.number} of {_return_name(ret)}. Answer it on the query's page.",
        link=query_url(ret, query.pk),
    )
    return query


def _locked(query):
    """The query's row, locked for this transaction (not its return's, nor anything joined)."""
    locked = (
        Query.objects.select_for_update(of=("self",))
        .select_related("line", "column", "ret__organisation", "ret__template__round")
        .get(pk=query.pk)
    )
    return locked


def _reply(*, user, query, text, permission, refusal, status):
    """A message on the locked query's thread, by someone allowed to write it, and the status it
    leaves the query in. Returns the locked query."""
    text = _text(text)
    query = _locked(query)
    _require(user, permission, query, refusal)
    QueryMessage.objects.create(query=query, author=user, text=text)
    query.status = status
    query.save(update_fields=["status"])
    return query


@transaction.atomic
def query_answer(*, user, query, text):
    """The organisation's planning lead answers: the query waits for the ICS lead again."""
    query = _reply(
        user=user,
        query=query,
        text=text,
        permission="submissions.answer_query",
        refusal="You cannot answer this query.",
        status=Query.Status.ANSWERED,
    )
    ret = query.ret
    leads = recipients.ics_leads_for_organisation(
        ret.organisation, ret.template.round.financial_year
    )
    notify(
        users=[*leads, query.raised_by],
        kind=Notification.Kind.QUERY_ANSWERED,
        subject=_subject("Query answered", ret),
        message=f"{_person(user)} answered the query on {where(query)} of {_return_name(ret)}. "
        "Read the answer, then resolve the query or follow it up.",
        link=query_url(ret, query.pk),
    )
    return query


@transaction.atomic
def query_follow_up(*, user, query, text):
    """The ICS lead (or analyst) asks more: the query is open again, for the planning lead."""
    query = _reply(
        user=user,
        query=query,
        text=text,
        permission="submissions.follow_up_query",
        refusal="You cannot follow up this query.",
        status=Query.Status.OPEN,
    )
    ret = query.ret
    notify(
        users=recipients.planning_leads_of(ret.organisation),
        kind=Notification.Kind.QUERY_RAISED,
        subject=_subject("Query followed up", ret),
        message=f"{_person(user)} followed up the query on {where(query)} of "
        f"{_return_name(ret)}. Answer it on the query's page.",
        link=query_url(ret, query.pk),
    )
    return query


@transaction.atomic
def query_resolve(*, user, query, text=""):
    """The ICS lead (or analyst) closes the query, with a closing note if they wrote one."""
    text = _text(text, required=False)
    query = _locked(query)
    _require(user, "submissions.resolve_query", query, "You cannot resolve this query.")
    if text:
        QueryMessage.objects.create(query=query, author=user, text=text)
    query.status = Query.Status.RESOLVED
    query.resolved_by, query.resolved_at = user, timezone.now()
    query.save(update_fields=["status", "resolved_by", "resolved_at"])
    ret = query.ret
    notify(
        users=recipients.planning_leads_of(ret.organisation),
        kind=Notification.Kind.QUERY_RESOLVED,
        subject=_subject("Query resolved", ret),
        message=f"{_person(user)} resolved the query on {where(query)} of {_return_name(ret)}.",
        link=query_url(ret, query.pk),
    )
    return query
