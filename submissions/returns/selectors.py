"""Reads for returns, always scoped to the person asking: an organisation they may not read is a 404.
Also the fetching half of a return's evaluation: the grid and values that `evaluation` works on."""

import functools
import hashlib
import json
import threading
from dataclasses import dataclass, field, replace

from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models.expressions import RawSQL
from django.dispatch import receiver
from django.http import Http404
from django.utils.dateparse import parse_date

from planning.models import (
    Column,
    Extension,
    Line,
    Membership,
    Milestone,
    Organisation,
    Role,
    Round,
    Template,
)
from planning.rows import Columns, fetch, table
from planning.rules import led_system_ids, organisation_ids
from planning.selectors import (
    Deadline,
    led_organisation_ids,
    membership_in_round_sql,
    memberships_for_round,
    round_get,
    sees_every_system,
)
from submissions.models import (
    Change,
    Explanation,
    NarrativeAnswer,
    Query,
    Return,
    Submission,
    SubmissionValue,
    Value,
)

from .evaluation import TemplateGrid, evaluate, other_template_codes
from .rules import can


def organisations_readable_by(*, user, financial_year):
    if sees_every_system(user):
        return Organisation.objects.all()
    ids = organisation_ids(user, Role.Kind.PLANNING_LEAD)
    if led_system_ids(user):  # else no query to build: a planning lead leads no system
        ids |= led_organisation_ids(user, financial_year)
    return Organisation.objects.filter(pk__in=ids)


def return_for_reader(*, user, financial_year, ods_code, template_code, stage):
    """The return (saved, or new and unsaved) if the user may read it, else 404. A saved return is
    two queries: its row with its organisation, its current submission, its template with its
    round and its grid stamp (`grid_for_template`) and whether it has any query (`has_queries`,
    so that a page of a return with none needs no query for them); then the people the page names
    (`_name_people`), unless they are all the reader. An unsaved one takes three. Every page of a
    return starts here: each query saved here is saved on all of them."""
    ret = _saved_return(financial_year, ods_code, template_code, stage)
    if ret is None:
        ret = _unsaved_return(financial_year, ods_code, template_code, stage)
    if not ret.template.completed_by(ret.organisation) or not can(
        user, "submissions.view_return", ret
    ):
        raise Http404("No such return.")
    _name_people(ret, user)
    return ret


@functools.cache
def _saved_return_sql(vendor):
    """The query of `_saved_return` and its parts. Written out (`planning.rows`): as an ORM query
    (`select_related` of four tables and two annotations) Django took 1.3 ms to build it, twice
    what PostgreSQL takes to plan and run it. The people are not joined: with them PostgreSQL
    takes longer to plan it (1.7 ms) than to run two queries."""
    parts = (
        Columns(Return, "r"),
        Columns(Organisation, "o"),
        Columns(Template, "t"),
        Columns(Round, "rd"),
        Columns(Submission, "s"),
    )
    sql = (
        f"SELECT {', '.join(part.sql for part in parts)}, "  # noqa: S608 - fixed SQL
        f"EXISTS (SELECT 1 FROM {table(Query)} q WHERE q.ret_id = r.id){_stamp_sql(vendor)} "
        f"FROM {table(Return)} r "
        f"JOIN {table(Organisation)} o ON o.id = r.organisation_id "
        f"JOIN {table(Template)} t ON t.id = r.template_id "
        f"JOIN {table(Round)} rd ON rd.id = t.round_id "
        f"LEFT JOIN {table(Submission)} s ON s.id = r.submission_id "
        "WHERE UPPER(o.ods_code) = UPPER(%s) AND rd.financial_year = %s AND t.code = %s "
        "AND r.stage = %s "
        "ORDER BY r.id LIMIT 1"  # one row at most; by id, so that no join is needed to sort it
    )
    return sql, parts


def _saved_return(financial_year, ods_code, template_code, stage):
    """The saved return of that organisation (its ODS code in any case), round, template and
    stage, read in one query with its organisation, template and round, current submission,
    `has_queries` and its template's grid stamp; None if there is none."""
    sql, parts = _saved_return_sql(connection.vendor)
    found = fetch(sql, [ods_code, financial_year, template_code, stage], *parts)
    if not found:
        return None
    ret, organisation, template, round_, submission, has_queries, *stamp = found[0]
    _with_round_and_stamp(template, round_, stamp)
    ret.organisation, ret.template, ret.submission = organisation, template, submission
    ret.has_queries = bool(has_queries)
    return ret


@functools.cache
def _template_sql(vendor):
    parts = (Columns(Template, "t"), Columns(Round, "rd"))
    sql = (
        f"SELECT {', '.join(part.sql for part in parts)}{_stamp_sql(vendor)} "  # noqa: S608
        f"FROM {table(Template)} t JOIN {table(Round)} rd ON rd.id = t.round_id "
        "WHERE rd.financial_year = %s AND t.code = %s"
    )
    return sql, parts


def template_of(*, financial_year, code):
    """The round's template `code` with its round and its grid stamp (`grid_for_template`), in
    one written-out query (`planning.rows`); None if there is none."""
    sql, parts = _template_sql(connection.vendor)
    found = fetch(sql, [financial_year, code], *parts)
    if not found:
        return None
    template, round_, *stamp = found[0]
    return _with_round_and_stamp(template, round_, stamp)


def _stamp_sql(vendor):
    """The last column of a written-out template query: its grid stamp (PostgreSQL only)."""
    return ", t.grid_stamp" if vendor == "postgresql" else ""


def _with_round_and_stamp(template, round_, stamp):
    """`template` with its round and, when read (`_stamp_sql`: [stamp], else []), its grid
    stamp, for `grid_for_template`."""
    template.round = round_
    if stamp:
        template.grid_stamp = stamp[0]
    return template


def _name_people(ret, reader):
    """Who last changed the return, decided on it and made its current submission: one query,
    none when they are all the reader."""
    submission = ret.submission if ret.submission_id else None
    named = {ret.updated_by_id, ret.decided_by_id, submission and submission.submitted_by_id}
    people = {reader.pk: reader}
    if named - {None, reader.pk}:
        people.update(get_user_model().objects.in_bulk(named - {None, reader.pk}))
    ret.updated_by = people.get(ret.updated_by_id)
    ret.decided_by = people.get(ret.decided_by_id)
    if submission is not None:
        submission.submitted_by = people.get(submission.submitted_by_id)


def _unsaved_return(financial_year, ods_code, template_code, stage):
    """A return nobody has saved yet, of an organisation and template that exist, else 404."""
    organisation = Organisation.objects.filter(ods_code__iexact=ods_code).order_by("pk").first()
    template = template_of(financial_year=financial_year, code=template_code)
    if template is None:
        round_get(financial_year=financial_year)  # a round that does not exist says so
    if organisation is None or template is None or stage not in Return.Stage.values:
        raise Http404("No such return.")
    return Return(organisation=organisation, template=template, stage=stage)


def typed_values(ret):
    """{(line code, column code): Decimal} of a saved return; empty for a new one. Written out
    (`planning.rows`): the return page reads them after every save."""
    if ret.pk is None:
        return {}
    sql, parts = _typed_values_sql()
    return {
        (line, column): value for value, line, column in fetch(sql, [ret.pk], *parts, values=True)
    }


@functools.cache
def _typed_values_sql():
    parts = (Columns(Value, "v", only=("value",)),)
    sql = (
        f"SELECT {parts[0].sql}, l.code, c.code FROM {table(Value)} v "  # noqa: S608
        f"JOIN {table(Line)} l ON l.id = v.line_id "
        f"JOIN {table(Column)} c ON c.id = v.column_id "
        "WHERE v.ret_id = %s"
    )
    return sql, parts


def submitted_values(submission):
    """{(line code, column code): Decimal} of a submission: the figures as they were submitted."""
    rows = SubmissionValue.objects.filter(submission=submission).values_list(
        "line__code", "column__code", "value"
    )
    return {(line, column): value for line, column, value in rows}


def submissions_of(ret):
    """Every submission of a return, newest first, with who submitted, accepted or withdrew it."""
    if ret.pk is None:
        return Submission.objects.none()
    return ret.submissions.select_related("submitted_by", "accepted_by", "withdrawn_by")


def submission_of(ret, number):
    """One submission of the return, by its number, else 404."""
    submission = submissions_of(ret).filter(number=number).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


def latest_submission(*, organisation, template):
    """The submission that counts for an organisation's template: the final return's if it has
    one, else the draft's, else None. Never work in progress."""
    returns = {
        r.stage: r
        for r in Return.objects.filter(
            organisation=organisation, template=template, submission__isnull=False
        ).select_related("submission")
    }
    ret = returns.get(Return.Stage.FINAL) or returns.get(Return.Stage.DRAFT)
    return (ret, ret.submission) if ret else (None, None)


def answers(ret):
    if ret.pk is None:
        return {}
    return dict(NarrativeAnswer.objects.filter(ret=ret).values_list("line__code", "text"))


def explanations(ret):
    """{warning key: text} of a saved return (written out, as `typed_values`)."""
    if ret.pk is None:
        return {}
    sql, parts = _explanations_sql()
    return dict(fetch(sql, [ret.pk], *parts, values=True))


@functools.cache
def _explanations_sql():
    parts = (Columns(Explanation, "e", only=("key", "text")),)
    sql = f"SELECT {parts[0].sql} FROM {table(Explanation)} e WHERE e.ret_id = %s"  # noqa: S608
    return sql, parts


# Process-local: {template pk: (stamp, grid)}. Built grids (their formulas parsed) are kept
# between requests under the template's grid stamp: `planning_template.grid_stamp`, a UUID that
# triggers replace whenever a row of the template's sections, columns or lines is inserted,
# updated or deleted, in any process (planning/migrations/0006_template_grid_stamp.py). Read on
# every call outside a request, once per template in a request, so a grid is never stale.
_GRIDS = {}
_GRIDS_KEPT = 500
# The stamp as a column of a template query, or of rows joined to their template (fixed SQL).
_STAMP_COLUMN = {"grid_stamp": RawSQL("planning_template.grid_stamp", ())}
# The stamp of the template whose rows a query reads, read by that same query: its snapshot.
_STAMP_OF = "(SELECT t.grid_stamp FROM planning_template t WHERE t.id = %s)"


def grid_for_template(template):
    """The template's shape, for `evaluation`: its sections, columns and lines. Built in two
    queries the first time, then while the template's rows are unchanged one query per request
    (none for a template read `with_grid_stamp`)."""
    caching = connection.vendor == "postgresql" and template.pk is not None
    kept = _GRIDS.get(template.pk) if caching else None
    if kept is not None and _grid_stamp(template) == kept[0]:
        return replace(kept[1], template=template)  # the caller's template row: its rules
    lines = _with_stamp(
        Line.objects.filter(template=template).select_related("section").order_by("order"),
        template,
        caching,
    )
    columns = _with_stamp(
        Column.objects.filter(section__template=template)
        .select_related("section")
        .order_by("order"),
        template,
        caching,
    )
    # Every section has lines (a grid section may also have columns): no third query for them.
    sections = {row.section_id: row.section for row in [*lines, *columns]}
    grid = TemplateGrid.build(
        template, sorted(sections.values(), key=lambda s: (s.order, s.pk)), columns, lines
    )
    # Kept only when both queries saw the same stamp: no change to the grid committed between.
    stamps = {row.grid_stamp for row in [*lines, *columns]} if caching else set()
    if len(stamps) == 1:
        if len(_GRIDS) >= _GRIDS_KEPT:
            _GRIDS.clear()
        _GRIDS[template.pk] = (stamps.pop(), grid)
    return grid


def _with_stamp(queryset, template, caching):
    """The rows of `queryset`, each with its template's grid stamp as it saw it when caching."""
    if not caching:
        return list(queryset)
    return list(queryset.annotate(grid_stamp=RawSQL(_STAMP_OF, (template.pk,))))  # noqa: S611


def _grid_stamp(template):
    """The template's grid stamp (PostgreSQL): a new one with every insert, update or delete of a
    row of its sections, columns or lines, even twice in one transaction, so a new template
    version, or a label edited without one, is seen at once. Read with the template's row when it
    was read `with_grid_stamp`, and at most once per template in a request (templates change
    only by the loader, a management command, never during a request)."""
    if hasattr(template, "grid_stamp"):
        return template.grid_stamp
    seen = getattr(_request, "stamps", None)
    if seen is not None and template.pk in seen:
        return seen[template.pk]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_STAMP_OF}", [template.pk])  # noqa: S608 - fixed SQL
        stamp = cursor.fetchone()[0]
    if seen is not None:
        seen[template.pk] = stamp
    return stamp


def with_grid_stamp(queryset):
    """`queryset` (of templates, or of rows joined to their template as `planning_template`) with
    the template's grid stamp on each row (on PostgreSQL), so that `grid_for_template` needs no
    query of its own to know that its cached grid is current."""
    if connection.vendor != "postgresql":
        return queryset
    return queryset.annotate(**_STAMP_COLUMN)


# Grid stamps already read in the current request, by template id; None outside a request, so
# that scripts, tasks and tests between requests always read the database.
_request = threading.local()


@receiver(request_started)
def _remember_stamps(**kwargs):
    _request.stamps = {}


@receiver(request_finished)
def _forget_stamps(**kwargs):
    _request.stamps = None


def evaluation_of(ret, *, grid=None, typed=None, others=None):
    """A return's totals, measures and messages: its saved values (or `typed`, when re-showing a
    form) and the saved values of the other templates of the same organisation, round and stage
    that its formulas and rules refer to (the QIPP plan's gross savings for QIPP as % of
    allocation): the figures its planner is working with now. `others` is `other_returns(ret,
    grid)` when the caller has read it already."""
    grid = grid or grid_for_template(ret.template)
    typed = typed_values(ret) if typed is None else typed
    others = other_templates(ret, grid, others=others)
    evaluation = evaluate(grid, typed, others.values)
    evaluation.other_templates = others.names
    return evaluation


def computed_values(ret, grid=None):
    """Every cell of a saved return, typed and computed (measures from the other templates' saved
    values)."""
    grid = grid or grid_for_template(ret.template)
    return grid.compute(typed_values(ret), other_templates(ret, grid).values)


def submission_evaluation(submission, *, grid=None):
    """A submission's totals and messages, from its frozen values and, for measures and rules
    that look at another template, that template's submission that counts (for comparing
    submissions)."""
    grid = grid or grid_for_template(submission.ret.template)
    others = other_templates(submission.ret, grid, submitted=True)
    evaluation = evaluate(grid, submitted_values(submission), others.values)
    evaluation.other_templates = others.names
    return evaluation


def submission_computed_values(submission, grid=None):
    """Every cell of a submission as readers read it (papers): its frozen values, and
    measures from the submissions that count of the other templates it refers to, never from
    figures still being worked on."""
    grid = grid or grid_for_template(submission.ret.template)
    others = other_templates(submission.ret, grid, submitted=True)
    return grid.compute(submitted_values(submission), others.values)


@dataclass
class OtherTemplates:
    values: dict = field(default_factory=dict)  # template code -> {(line, column): Decimal}
    names: dict = field(default_factory=dict)  # template code -> template name ("QIPP plan")


@dataclass
class OtherReturns:
    """The other templates a grid refers to and the returns of them its figures come from (of the
    same organisation, round and stage), each return with its template read with its grid
    stamp: what `other_templates` computes from, and what a cached page of the return
    depends on besides the return itself."""

    templates: dict = field(default_factory=dict)  # template code -> Template
    returns: list = field(default_factory=list)  # [Return]


def other_returns(ret, grid):
    """`OtherReturns` of `ret` for `grid`: two queries when the grid refers to another template,
    none otherwise."""
    codes = other_template_codes(grid)
    if not codes:
        return OtherReturns()
    round_id = ret.template.round_id
    templates = {
        t.code: t
        for t in with_grid_stamp(Template.objects.all()).filter(
            round_id=round_id, code__in=sorted(codes)
        )
    }
    if ret.organisation_id is None:
        return OtherReturns(templates=templates)
    returns = Return.objects.filter(
        organisation_id=ret.organisation_id,
        template__round_id=round_id,
        template__code__in=sorted(codes),
        stage=ret.stage,
    )
    returns = list(returns.select_related("submission").order_by())  # any order: no join to sort
    by_id = {t.pk: t for t in templates.values()}
    for other in returns:
        if other.template_id in by_id:
            other.template = by_id[other.template_id]  # read above, with its grid stamp
    return OtherReturns(templates=templates, returns=returns)


def other_templates(ret, grid, *, submitted=False, others=None):
    """The computed values of the other templates of `ret`'s organisation, round and stage that
    `grid` refers to: their saved values, or with `submitted` their submissions that count (a
    template with no return, or no submission, gives nothing: its cells are blank). A fixed
    number of queries per other template, whatever its size. `others` is `other_returns(ret,
    grid)` when the caller has read it already."""
    others = other_returns(ret, grid) if others is None else others
    result = OtherTemplates(names={code: t.name for code, t in others.templates.items()})
    for other in others.returns:
        other_grid = grid_for_template(other.template)
        if submitted:
            if other.submission is None:
                continue
            typed = submitted_values(other.submission)
        else:
            typed = typed_values(other)
        # A template another refers to never refers to a third (the loader refuses it).
        result.values[other.template.code] = other_grid.compute(typed)
    return result


def figures_state(ret, grid, others):
    """What the figures a return's page shows depend on, as a hashable tuple that changes whenever
    any of them may: the return's saved version (every save, submission and decision makes a new
    one; `updated_at` keeps a reused id apart), its template's state (`template_state`) and the
    same for each other return it reads (`others`, `other_returns`). None when a grid's
    stamp cannot be read (not PostgreSQL): then nothing may be kept."""
    if connection.vendor != "postgresql" or ret.template.pk is None:
        return None
    parts = [_saved_state(ret, grid.template)]
    for code, template in sorted(others.templates.items()):
        parts.append((code, template.name, template_state(template)))
    parts += sorted(_saved_state(other, other.template) for other in others.returns)
    return tuple(parts)


def template_state(template):
    """What a template's grid and rules are made of, as a hashable tuple that changes whenever
    they may: its id and version, its grid stamp (`_grid_stamp`; None when it cannot be read,
    not on PostgreSQL) and a digest of its rules (the template row's own)."""
    readable = connection.vendor == "postgresql" and template.pk is not None
    stamp = _grid_stamp(template) if readable else None
    return (template.pk, template.version, stamp, _rules_digest(template))


def _saved_state(ret, template):
    updated = ret.updated_at.isoformat() if ret.updated_at else None
    return (
        (ret.pk, ret.organisation_id, ret.template_id, ret.stage, ret.version, ret.status, updated),
        template_state(template),
    )


def _rules_digest(template):
    text = json.dumps(template.rules, sort_keys=True, default=str)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def submission_deadline(*, ret):
    """The deadline a return is due by (a `Deadline`: the milestone's title and dates, its last
    day moved by the organisation's extension): the earliest, counting extensions, of the
    submission deadlines of its stage for organisations, national or local to one of its systems,
    that apply to its kind of template (a deadline for one kind, or for every kind). A system's
    earlier local deadline wins. One query, and one more for an extension."""
    year = ret.template.round.financial_year
    applies = list(
        Milestone.objects.raw(
            _DEADLINE_CANDIDATES,
            [
                ret.organisation_id,
                ret.template.round_id,
                Milestone.Kind.SUBMISSION,
                ret.stage,
                Milestone.Level.ORGANISATION,
                Milestone.Level.BOTH,
                ret.template.kind,
                ret.organisation_id,
                year,
                year,
            ],
        )
    )
    for milestone in applies:  # a raw query's own column is not converted: SQLite gives text
        if isinstance(milestone.extended_until, str):
            milestone.extended_until = parse_date(milestone.extended_until)
    return _earliest(applies, ret.organisation)


# The submission deadlines that may apply to a return, each with the organisation's extension,
# if any. In SQL, not the ORM, because every page of a return asks: the ORM took seven times as
# long to write this query (1.5 ms) as PostgreSQL takes to answer it. A system's milestone counts
# for the organisation's systems in the round's year (`planning.selectors.memberships_for_round`).
# In the milestones' own order (national before local on the same day), so that of two deadlines
# on the same day `_earliest` names the one it always named.
_DEADLINE_CANDIDATES = f"""
SELECT m.*, (
    SELECT e.until FROM {table(Extension)} e
    WHERE e.milestone_id = m.id AND e.organisation_id = %s LIMIT 1
) AS extended_until
FROM {table(Milestone)} m
WHERE m.round_id = %s AND m.kind = %s AND m.stage = %s AND m.level IN (%s, %s)
    AND m.template_kind IN ('', %s)
    AND (m.system_id IS NULL OR m.system_id IN (
        SELECT s.system_id FROM {table(Membership)} s
        WHERE s.organisation_id = %s AND {membership_in_round_sql("s")}
    ))
ORDER BY m.date, m.system_id IS NOT NULL, m.system_id, m.title
"""  # noqa: S608 - table names from the models, values as parameters


def _earliest(milestones, organisation):
    """The deadline whose last day, with the organisation's extension, comes first (a period ends
    on its end date)."""

    def last_day(milestone):
        return max(milestone.last_day, milestone.extended_until or milestone.last_day)

    milestone = min(milestones, key=lambda m: (last_day(m), m.date), default=None)
    if milestone is None:
        return None
    extension = None
    if milestone.extended_until is not None:
        extension = Extension.objects.select_related("granted_by").get(
            milestone=milestone, organisation=organisation
        )
        extension.milestone, extension.organisation = milestone, organisation
    return Deadline(milestone, extension)


def changes_since(ret, version):
    """What others saved after `version`, oldest first, for a refused stale save."""
    return list(
        Change.objects.filter(ret=ret, version__gt=version)
        .select_related("user", "line", "column")
        .order_by("version", "id")
    )


def history(ret):
    if ret.pk is None:
        return Change.objects.none()
    return Change.objects.filter(ret=ret).select_related("user", "line", "column")


def returns_for_organisations(*, organisations, round_):
    """{(organisation id, template id, stage): Return} for a list page, in one query."""
    rows = Return.objects.filter(organisation__in=organisations, template__round=round_)
    rows = rows.select_related("updated_by")  # the list says who last changed each
    return {(r.organisation_id, r.template_id, r.stage): r for r in rows}


def systems_of_organisations(*, organisation_ids, financial_year):
    """{organisation id: [System]}: the systems each organisation is a member of in a round, to
    filter a list by system, in one query."""
    found = {}
    memberships = memberships_for_round(financial_year=financial_year).filter(
        organisation_id__in=organisation_ids
    )
    for membership in memberships.select_related("system"):
        found.setdefault(membership.organisation_id, []).append(membership.system)
    return found


def returned_for_attention(*, user):
    """Returns sent back to the user's organisations, with the reason, for their home page."""
    return (
        Return.objects.filter(
            organisation_id__in=organisation_ids(user, Role.Kind.PLANNING_LEAD),
            status=Return.Status.RETURNED,
        )
        .select_related("organisation", "template__round", "decided_by")
        .order_by("-decided_at")
    )
