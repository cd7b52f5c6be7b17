"""Reads for queries on a figure, always scoped to the person asking: a query is reached through
its return, so another organisation's query is a 404, like its return."""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.urls import reverse

from planning.models import Membership, Role
from planning.rules import led_system_ids, organisation_ids
from planning.selectors import memberships_for_round
from submissions.models import Query, QueryMessage

UNRESOLVED = (Query.Status.OPEN, Query.Status.ANSWERED)

_NAMED = ("line", "column", "raised_by", "resolved_by", "submission")


def query_url(ret, pk, name="submissions:query"):
    """The page of one query of `ret` (or, with name="submissions:query_raise" and no pk, the
    page that raises one)."""
    round_ = ret.template.round
    args = [round_.financial_year, ret.organisation.ods_code, ret.template.code, ret.stage]
    return reverse(name, args=[*args, pk] if pk is not None else args)


def where(query):
    """'GP referrals, Plan' for a cell; 'GP referrals (the whole line)' for a line."""
    if query.column_id:
        return f"{query.line.label}, {query.column.label}"
    return f"{query.line.label} (the whole line)"


def query_for_reader(*, ret, pk):
    """One query of `ret`, a return the user may read (`returns.selectors.return_for_reader`),
    with its thread; 404 when the return has no such query."""
    if ret.pk is None:
        raise Http404("No such query.")
    query = Query.objects.filter(ret=ret, pk=pk).select_related(*_NAMED).first()
    if query is None:
        raise Http404("No such query.")
    query.ret = ret  # the row read above, with its organisation and template
    return query


def thread_of(query):
    """The query's messages, oldest first, with who wrote each."""
    return list(QueryMessage.objects.filter(query=query).select_related("author"))


def queries_of(ret):
    """Every query of a return, newest first, with where it points and who raised and resolved
    it: one query, whatever the number of cells (the grid's marks are made from it); none for a
    return never submitted, which cannot have any, nor for one read knowing it has none
    (`has_queries`, as `returns.selectors.return_for_reader` reads it)."""
    if ret.pk is None or ret.submitted_at is None or not getattr(ret, "has_queries", True):
        return []
    rows = list(Query.objects.filter(ret=ret).select_related(*_NAMED))
    for query in rows:
        query.ret = ret
    return rows


def threads_of(ret):
    """Every query of a return with its messages (`query.thread`), oldest first: for the history
    page and the workbook. Two queries (none for a return never submitted)."""
    if ret.pk is None or ret.submitted_at is None:
        return []
    messages = Prefetch(
        "messages", queryset=QueryMessage.objects.select_related("author"), to_attr="thread"
    )
    rows = list(
        Query.objects.filter(ret=ret)
        .select_related(*_NAMED)
        .prefetch_related(messages)
        .order_by("raised_at", "id")
    )
    for query in rows:
        query.ret = ret
    return rows


def open_on_plan_line(*, return_ids, line):
    """{(return id, column code or None): query} of the unresolved queries on one line of the
    partners' returns, for the plan's drill-down (one query)."""
    rows = (
        Query.objects.filter(ret_id__in=[pk for pk in return_ids if pk], line=line)
        .filter(status__in=UNRESOLVED)
        .select_related("column", "ret__organisation", "ret__template__round")
        .order_by("raised_at", "id")
    )
    marks = {}
    for query in rows:
        key = (query.ret_id, query.column.code if query.column_id else None)
        marks.setdefault(key, query)
    return marks


def _with_return(queryset):
    return queryset.select_related(
        "line", "column", "raised_by", "ret__organisation", "ret__template__round"
    )


def _in_led_systems(user):
    """Q: the query's return belongs to an organisation that is a member, in the return's round,
    of a system the user leads."""
    led = led_system_ids(user)
    if not led:
        return Q(pk__in=[])
    year = OuterRef("ret__template__round__financial_year")
    member = Membership.objects.filter(
        organisation_id=OuterRef("ret__organisation_id"), system_id__in=led, first_year__lte=year
    ).filter(Q(last_year__isnull=True) | Q(last_year__gte=year))
    return Q(Exists(member))


def open_queries_for(user):
    """The queries waiting for this user to act, oldest first: for a planning lead, the open
    queries on their organisations' returns (to answer); for an ICS lead, the answered queries
    on their systems' returns (to follow up or resolve); for anyone who raised a query, their
    own unresolved ones. Resolved queries never."""
    if not user.is_authenticated:
        return Query.objects.none()
    wanted = Q(
        status=Query.Status.OPEN,
        ret__organisation_id__in=organisation_ids(user, Role.Kind.PLANNING_LEAD),
    )
    wanted |= Q(status__in=UNRESOLVED, raised_by=user)
    wanted |= Q(status=Query.Status.ANSWERED) & _in_led_systems(user)
    return _with_return(Query.objects.filter(wanted)).order_by("raised_at", "id")


def system_queries(*, system, round_, unresolved=True):
    """The queries on the returns of a system's members in a round, oldest first (unresolved
    ones only, unless told otherwise). The system comes from `system_for_reviewer`."""
    members = memberships_for_round(financial_year=round_.financial_year).filter(system=system)
    rows = Query.objects.filter(
        ret__organisation_id__in=members.values("organisation_id"), ret__template__round=round_
    )
    if unresolved:
        rows = rows.filter(status__in=UNRESOLVED)
    return _with_return(rows).order_by("raised_at", "id")
