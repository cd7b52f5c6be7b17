"""System plans: the share-weighted sum of the partners' submitted or accepted returns.

`build_plans` builds the plans of one template and stage for many systems (`build_system_plan`
for one; `build_round_plans` for every template of a round) in one transaction and a fixed number
of statements: every new version's totals in one grouped SELECT ... GROUP BY, so the work happens
in the database whatever the number of systems, partners or lines; then the new versions with
their totals, and what each is made of (each partner's submission and share, one row per partner:
the partners' weighted figures are read from their frozen submissions, never copied), each in one
COPY on PostgreSQL. Readers keep seeing the previous versions until the new ones commit.
The same inputs never make a new version.
Builds are requested through `submissions.queue` after a submission, acceptance or return.
The ICS lead approves a built version, or sends partners' returns back for amendment.
"""

import io
import json
from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from planning import audit
from planning.models import Column, Line, SecurityEvent, System, Template
from planning.rows import table
from submissions.models import (
    PlanApproval,
    PlanInput,
    PlanState,
    Return,
    SubmissionValue,
    SystemPlan,
)
from submissions.notifications import events as notifications
from submissions.returns.services import StaleDecision, return_send_back

from .rules import can
from .selectors import (
    approval_blockers,
    current_inputs,
    inputs_by_plan,
    newest_versions,
    population,
    settled,
    signature_of,
    six_places,
    stale_plan_keys,
    systems_expecting,
)

# The first key of the advisory lock a build of a plan holds (the second is its PlanState's id).
PLAN_BUILD_LOCK = 14_000
# The memory a build's transaction may sort and hash in (PostgreSQL's `work_mem`, 4 MB unless
# configured): a round's totals (about 50,000 weighted values at national scale) are added up in
# memory instead of sorted on disk, a third faster.
BUILD_WORK_MEM = "16MB"


class PlanRefused(Exception):
    """The plan cannot be changed as asked; the message says why, and `field` which form field
    it belongs to when it belongs to one."""

    def __init__(self, message, field=""):
        super().__init__(message)
        self.message = message
        self.field = field


def build_system_plan(*, system, template, stage, user=None, started=None):
    """Build one system's plan from its current inputs; returns (plan, created). `started`: when
    the build began, if before this call (the task's `build_from_ids`)."""
    return build_plans(
        template=template, stage=stage, system_ids=[system.pk], user=user, started=started
    )[system.pk]


@transaction.atomic
def build_plans(*, template, stage, system_ids=None, user=None, started=None):
    """Build the plans of the template and stage for the systems named (else every system with a
    partner that completes it): {system id: (plan, created)}, as `_build`."""
    if system_ids is None:
        system_ids = systems_expecting([template])[template.pk]
    return _build({template: system_ids}, stage=stage, user=user, started=started)[template.pk]


def _build(wanted, *, stage, user=None, started=None):
    """Build the plans of `wanted`, {template: [system ids]} of templates of one round, at the
    stage, in the caller's transaction and a fixed number of statements, whatever the number of
    templates and systems: {template id: {system id: (plan, created)}}. A plan whose inputs have
    not changed since its newest version keeps that version. Each new version records its
    partners' submissions and shares (`PlanInput`) and is written with its totals
    (`SystemPlan.totals`, one SELECT ... GROUP BY over every new version). Readers keep seeing the
    previous versions until the transaction commits."""
    started = started or timezone.now()
    results = {template.pk: {} for template in wanted}  # a template no one completes: none
    wanted = {template: sorted(ids) for template, ids in wanted.items() if ids}
    if not wanted:
        return results
    states = _plan_states(wanted, stage)
    _lock_builds(states)
    # Read after the lock: a build that held it has committed, so its inputs are never newer
    # than these and its version is the newest.
    found = inputs_by_plan(wanted=wanted, stage=stage)
    latest = _newest_versions(wanted, stage)
    new = []
    for template, system_ids in wanted.items():
        for system_id in system_ids:
            items = found.get((template.pk, system_id), [])
            signature = signature_of(items)
            newest = latest.get((template.pk, system_id))
            if newest is not None and newest.signature == signature:
                results[template.pk][system_id] = (newest, False)
                continue
            plan = SystemPlan(
                system_id=system_id,
                template=template,
                stage=stage,
                version=(newest.version + 1) if newest else 1,
                built_by=user,
                signature=signature,
                inputs=items,
            )
            new.append(plan)
            results[template.pk][system_id] = (plan, True)
    if new:
        _totals(new)
        _write_versions(new)
    # A request that arrived after this build started (its submission may have come after what
    # the build read) keeps the plan stale, with the build it queued; decided in this UPDATE, so a
    # request written meanwhile is never overwritten. The next build is due PLAN_BUILD_DELAY_SECONDS
    # after the latest one started (Greatest skips a null).
    PlanState.objects.filter(pk__in=states).update(
        is_stale=Case(When(requested_at__gt=started, then=True), default=False),
        last_error="",
        last_build_at=Greatest(F("last_build_at"), Value(started)),
    )
    return results


def _plan_states(wanted, stage):
    """The ids of the PlanStates of the plans being built, made where missing: two statements."""
    pairs = {(template.pk, pk) for template, system_ids in wanted.items() for pk in system_ids}
    _insert_missing_states(sorted(pairs), stage)
    states = PlanState.objects.filter(
        template__in=list(wanted), stage=stage, system_id__in={pk for _, pk in pairs}
    ).values_list("pk", "template_id", "system_id")
    return sorted(pk for pk, template_id, system_id in states if (template_id, system_id) in pairs)


def _insert_missing_states(pairs, stage):
    """A PlanState, with the model's defaults, for each (template id, system id) that has none, in
    one INSERT ... ON CONFLICT DO NOTHING (as `bulk_create(ignore_conflicts=True)` writes it, with
    each default prepared once rather than once a row: a round's first build makes hundreds)."""
    defaults = PlanState(stage=stage)
    fields = [
        f
        for f in PlanState._meta.concrete_fields
        if not f.primary_key and f.attname not in ("system_id", "template_id")
    ]
    fixed = [f.get_db_prep_save(getattr(defaults, f.attname), connection) for f in fields]
    row = "(" + ", ".join(["%s"] * (len(fields) + 2)) + ")"
    columns = ", ".join(["system_id", "template_id", *(f.column for f in fields)])
    with connection.cursor() as cursor:
        for batch in _chunks(pairs, ROWS_PER_STATEMENT // 2):
            cursor.execute(
                f"INSERT INTO {PlanState._meta.db_table} ({columns}) "  # noqa: S608 - the model's
                f"VALUES {', '.join([row] * len(batch))} ON CONFLICT DO NOTHING",
                [value for template_id, pk in batch for value in (pk, template_id, *fixed)],
            )


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lock_builds(state_ids):
    """One build of a plan at a time: a second waits here, then finds the inputs unchanged. An
    advisory lock per plan, taken in id order so two builds of many plans never deadlock, and not
    the state's row, so a submission's request never waits for a build. (SQLite has one writer at
    a time anyway.)

    The build's commit does not wait for the disk either (`synchronous_commit` off for this
    transaction only): a plan is derived data, all or nothing, and its state row commits with it,
    so a crash in the moment after a commit loses a whole build with its "current" mark, and the
    plan, stale again, is rebuilt by `rebuild_stale_plans`. Anything committed after it, such as
    an approval of the version, waits for the disk and so makes the build durable first. Its
    sums have `BUILD_WORK_MEM` to work in."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute("SELECT set_config('work_mem', %s, true)", [BUILD_WORK_MEM])
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, id::integer) "
            "FROM (SELECT unnest(%s::bigint[]) AS id ORDER BY 1) AS plans",
            [PLAN_BUILD_LOCK, state_ids],
        )


def _newest_versions(wanted, stage):
    """{(template id, system id): its newest plan version at the stage} for `wanted`, in one
    query."""
    plans = newest_versions(
        SystemPlan.objects.filter(
            template__in=list(wanted),
            stage=stage,
            system_id__in={pk for system_ids in wanted.values() for pk in system_ids},
        )
    )
    return {(plan.template_id, plan.system_id): plan for plan in plans}


# The fields of a `PlanInput` row as `_parts` makes it.
PART_FIELDS = ("plan", "organisation", "submission", "share", "counted")


def _parts(plan):
    """What a new version is made of, as `PlanInput` rows: (version, organisation, submission,
    share, counted) for each included partner; counted when its figures are added into the totals
    (`population`)."""
    counted = {i["organisation_id"] for i in population(plan.inputs)}
    for item in plan.inputs:
        if item["included"]:
            yield (
                plan.pk,
                item["organisation_id"],
                item["submission_id"],
                Decimal(item["share"]),
                item["organisation_id"] in counted,
            )


def _write_versions(plans):
    """Write the new versions, then their `PlanInput` rows. On PostgreSQL with COPY: a round's
    versions carry about 1.5 MB of inputs and totals, which PostgreSQL parses far faster as COPY
    data than as one INSERT statement of 3,500 parameters (25 against 33 ms, and 8 against 19 ms
    for the 1,700 `PlanInput` rows, at national scale). Elsewhere (SQLite) with `bulk_create` and
    one INSERT."""
    if connection.vendor != "postgresql":
        SystemPlan.objects.bulk_create(plans)
        _insert_parts(plans)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [SystemPlan._meta.db_table, len(plans)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    built_at = timezone.now()  # `auto_now_add`, as `bulk_create` would set it
    for plan, pk in zip(plans, ids, strict=True):
        plan.pk, plan.built_at = pk, built_at
        plan._state.adding, plan._state.db = False, connection.alias  # saved, as bulk_create says
    fields = SystemPlan._meta.concrete_fields
    _copy(SystemPlan, fields, ([_db_value(f, plan) for f in fields] for plan in plans))
    parts = [PlanInput._meta.get_field(name) for name in PART_FIELDS]
    _copy(PlanInput, parts, (row for plan in plans for row in _parts(plan)))


def _db_value(field, instance):
    """A field's value as the database stores it (a JSON field's as its text)."""
    value = field.get_prep_value(getattr(instance, field.attname))
    if isinstance(field, models.JSONField) and value is not None:
        return json.dumps(value, cls=field.encoder)
    return value


def _copy(model, fields, rows):
    """COPY `rows` (values in the order of `fields`) into `model`'s table, in PostgreSQL's text
    format. Run as Django runs a statement: through the connection's execute wrappers and, when
    queries are logged, into the log, so that counting statements counts it."""
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    sql = f"COPY {table(model)} ({columns}) FROM STDIN"
    data = io.StringIO("".join("\t".join(map(_copy_text, row)) + "\n" for row in rows))

    def copy(sql, params, many, context):
        with connection.wrap_database_errors:
            return context["cursor"].cursor.copy_expert(sql, data)

    with connection.cursor() as cursor:
        logged = cursor.debug_sql(sql) if connection.queries_logged else nullcontext()
        with logged:
            cursor._execute_with_wrappers(sql, None, False, executor=copy)


# COPY's text format: a value's backslashes, tabs and line breaks escaped; \N is NULL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value):
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str | int | Decimal):
        return str(value).translate(_COPY_ESCAPES)
    raise TypeError(f"No COPY text for {value!r}")


def _insert_parts(plans):
    """The `PlanInput` rows of the new versions, in one statement (as `bulk_create` writes them,
    without making a model instance of each)."""
    for batch in _batches(plans):
        rows = [row for plan in batch for row in _parts(plan)]
        if not rows:
            continue
        columns = ", ".join(PlanInput._meta.get_field(name).column for name in PART_FIELDS)
        sql = (
            f"INSERT INTO {PlanInput._meta.db_table} ({columns}) VALUES "  # noqa: S608 - the model's
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for row in rows for value in row])


# The partners' rows one statement carries, at most: 5 parameters each stays under SQLite's
# 32,766. A whole round's new versions take one statement (about 1,700 rows at national scale).
ROWS_PER_STATEMENT = 6000


def _batches(plans):
    """The new versions in groups of at most ROWS_PER_STATEMENT partners (a version is never
    split: its totals are added up in one statement)."""
    batch, rows = [], 0
    for plan in plans:
        size = len(plan.inputs)
        if batch and rows + size > ROWS_PER_STATEMENT:
            yield batch
            batch, rows = [], 0
        batch.append(plan)
        rows += size
    if batch:
        yield batch


# The system totals of new versions, in one grouped statement: for each (version, partner
# counted, the submission and share it counts at), the submission's values times the share, to 6
# places as `plan_contributions` reads them, summed by version, line and column. Rates (cells in %)
# are not added up across organisations: a system's growth % is derived from its totals instead,
# and a typed rate has no meaningful sum. `{parts}` is a VALUES list of (version, submission,
# share); the last parameter is the unit of rates.
TOTALS = """
    WITH p (version, submission_id, share) AS (VALUES {parts}),
    t AS (
        SELECT p.version, v.line_id, v.column_id, SUM(ROUND(v.value * p.share, 6)) AS total
        FROM p JOIN {value} v ON v.submission_id = p.submission_id
        GROUP BY p.version, v.line_id, v.column_id
    )
    SELECT t.version, l.code, c.code, t.total
    FROM t
    JOIN {line} l ON l.id = t.line_id
    JOIN {column} c ON c.id = t.column_id
    WHERE COALESCE(NULLIF(c.unit, ''), l.unit) <> %s
"""


def _totals(plans):
    """Fill in each new version's `totals` (`SystemPlan.totals`: {line code: {column code: the
    system total to 6 places, as text}}) from the submissions and shares it counts, in one
    statement for them all, before they are written: a version is written once, with its totals."""
    for plan in plans:
        plan.totals = {}
    for batch in _batches(plans):
        parts = [
            (n, item["submission_id"], Decimal(item["share"]))
            for n, plan in enumerate(batch)
            for item in population(plan.inputs)
            if item["included"]
        ]
        if not parts:
            continue
        sql = TOTALS.format(
            parts=", ".join(["(%s, %s, %s)"] * len(parts)),
            value=SubmissionValue._meta.db_table,
            line=Line._meta.db_table,
            column=Column._meta.db_table,
        )  # noqa: S608 - table names come from models, values are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for part in parts for value in part] + ["%"])
            for n, line, column, total in cursor.fetchall():
                batch[n].totals.setdefault(line, {})[column] = str(six_places(total))


@transaction.atomic
def build_round_plans(*, round_, stage, user=None):
    """Build every system's plan of every numeric template of the round and stage together
    (`_build`): one transaction and the same statements as one template's, so readers see the
    whole round's new versions at once. Returns {template code: {system id: (plan, created)}}."""
    templates = list(
        Template.objects.filter(round=round_)
        .exclude(kind=Template.Kind.NARRATIVE)
        .select_related("round")
        .order_by("order", "code")
    )
    expecting = systems_expecting(templates)
    built = _build({t: expecting[t.pk] for t in templates}, stage=stage, user=user)
    return {template.code: built[template.pk] for template in templates}


def build_from_ids(*, system_id, template_id, stage, user_id=None):
    """What the Celery task runs: clear the queued mark and note when this build started, then
    build. A build that fails leaves the plan stale (the periodic rebuild tries again) with the
    reason in `PlanState.last_error`."""
    states = PlanState.objects.filter(system_id=system_id, template_id=template_id, stage=stage)
    # From here a request queues a build of its own, due PLAN_BUILD_DELAY_SECONDS after this one.
    started = timezone.now()
    states.update(scheduled_until=None, last_build_at=started)
    try:
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        return build_system_plan(
            system=System.objects.get(pk=system_id),
            template=Template.objects.select_related("round").get(pk=template_id),
            stage=stage,
            user=user,
            started=started,
        )
    except Exception as error:
        states.update(last_error=f"The plan could not be built: {type(error).__name__}: {error}")
        raise


def rebuild_stale_plans():
    """Build every plan still marked stale and not queued, e.g. after the queue was down: the
    plans of each template and stage together (`build_plans`). When such a batch fails, its plans
    are tried one by one, so a plan whose build fails keeps its reason (`build_from_ids`) and stays
    stale, and the others are still built. Returns (how many were built, [(system, template,
    stage, error) that failed])."""
    batches = {}
    for system_id, template_id, stage in stale_plan_keys():
        batches.setdefault((template_id, stage), []).append(system_id)
    built, failed = 0, []
    for (template_id, stage), system_ids in batches.items():
        started = timezone.now()
        states = PlanState.objects.filter(
            template_id=template_id, stage=stage, system_id__in=system_ids
        )
        states.update(scheduled_until=None, last_build_at=started)
        try:
            template = Template.objects.select_related("round").get(pk=template_id)
            build_plans(template=template, stage=stage, system_ids=system_ids, started=started)
        except Exception:  # one plan must not stop the rest: find it
            for system_id in system_ids:
                try:
                    build_from_ids(system_id=system_id, template_id=template_id, stage=stage)
                except Exception as error:
                    failed.append((system_id, template_id, stage, error))
                else:
                    built += 1
        else:
            built += len(system_ids)
    return built, failed


@transaction.atomic
def plan_approve(*, user, plan, exceptions=(), note="", address=None):
    """Approve a built plan version: the newest, built from the partners' submissions as they
    stand now, with something in it. Every expected partner without an accepted submission must be
    named in `exceptions` (organisation ids) with a `note` saying why; both are kept with the
    approval. The version's inputs record exactly which submissions it covers. The approval is in
    the security log, with the client's `address` when a request made it."""
    plan = (
        SystemPlan.objects.select_for_update(of=("self",))
        .select_related("template__round", "system")
        .get(pk=plan.pk)
    )
    if not can(user, "submissions.approve_plan", plan):
        raise PermissionDenied("You cannot approve this plan.")
    # The version's inputs are these submissions once no blocker stands; their statuses are now's.
    now = current_inputs(plan)
    blockers = approval_blockers(plan, now)
    if blockers:
        raise PlanRefused(" ".join(blockers))
    unsettled = [i for i in now if not settled(i)]
    named = {int(pk) for pk in exceptions}
    unnamed = [i["name"] for i in unsettled if i["organisation_id"] not in named]
    if unnamed:
        raise PlanRefused(
            "Confirm that you approve without an accepted submission from: " + ", ".join(unnamed),
            field="exceptions",
        )
    note = (note or "").strip()
    if unsettled and not note:
        raise PlanRefused("Say why the plan is approved without them.", field="note")
    plan.approved_at, plan.approved_by = timezone.now(), user
    plan.approval_note = note if unsettled else ""
    plan.approval_exceptions = [
        {"ods_code": i["ods_code"], "name": i["name"], "status": _status_label(i)}
        for i in unsettled
    ]
    plan.save(update_fields=["approved_at", "approved_by", "approval_note", "approval_exceptions"])
    PlanApproval.objects.create(
        plan=plan,
        approved_at=plan.approved_at,
        approved_by=user,
        note=plan.approval_note,
        exceptions=plan.approval_exceptions,
    )
    audit.record(
        kind=SecurityEvent.Kind.PLAN_APPROVED,
        user=user,
        address=address,
        description=_audit_name(plan),
    )
    notifications.plan_approved(plan=plan)
    return plan


@transaction.atomic
def plan_withdraw_approval(*, user, plan, reason, address=None):
    """The ICS lead withdraws the approval of a plan version, saying why. The approval is kept in
    the plan's history, never edited; the version can be approved again later. The withdrawal is
    in the security log, with the client's `address` when a request made it."""
    reason = (reason or "").strip()
    if not reason:
        raise PlanRefused("Say why the approval is withdrawn", field="reason")
    plan = (
        SystemPlan.objects.select_for_update(of=("self",))
        .select_related("template__round", "system")
        .get(pk=plan.pk)
    )
    if not can(user, "submissions.withdraw_plan_approval", plan):
        raise PermissionDenied("You cannot withdraw this approval.")
    PlanApproval.objects.filter(plan=plan, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=user, withdrawn_reason=reason
    )
    plan.approved_at = plan.approved_by = None
    plan.approval_note, plan.approval_exceptions = "", []
    plan.save(update_fields=["approved_at", "approved_by", "approval_note", "approval_exceptions"])
    audit.record(
        kind=SecurityEvent.Kind.PLAN_APPROVAL_WITHDRAWN,
        user=user,
        address=address,
        description=_audit_name(plan),
    )
    return plan


def _audit_name(plan):
    """A plan version as the security log names it: "BLMK Activity plan, 2019/20 planning round,
    draft, version 3"."""
    return (
        f"{plan.system.code} {plan.template.name}, {plan.template.round}, "
        f"{plan.get_stage_display().lower()}, version {plan.version}"
    )


def _status_label(item):
    if not item["included"]:
        return "no submission" if item["status"] == "not_started" else "in progress, not submitted"
    if item["under_amendment"]:
        return "under amendment"
    return "submitted, not accepted"


@transaction.atomic
def plan_return_inputs(*, user, plan, organisation_ids, comment):
    """Send the named partners' submissions in a plan version back for amendment, with one
    comment. Each must still be the submission the version holds. Returns the returns sent back
    and those that were not, being no longer submitted (already sent back, or withdrawn); when
    none could be sent back, nothing happened and the lead is told why."""
    if not can(user, "submissions.return_plan_inputs", plan):
        raise PermissionDenied("You cannot return these returns.")
    chosen = {int(pk) for pk in organisation_ids}
    inputs = [i for i in plan.included if i["organisation_id"] in chosen]
    if not inputs:
        raise PlanRefused("Choose the organisations to return", field="organisation")
    if not (comment or "").strip():
        raise PlanRefused("Say why the returns need amending", field="comment")
    returned, not_returned = [], []
    for item in inputs:
        ret = Return.objects.select_related("template__round", "organisation").get(
            pk=item["return_id"]
        )
        if ret.status not in (Return.Status.SUBMITTED, Return.Status.ACCEPTED):
            not_returned.append(ret)
        else:
            try:
                returned.append(
                    return_send_back(
                        user=user,
                        ret=ret,
                        reason=comment,
                        submission_number=item.get("submission_number"),
                    )
                )
            except StaleDecision as stale:
                raise PlanRefused(f"{ret.organisation}: {stale.message}") from None
    if not returned:
        raise PlanRefused(f"Nothing was returned: {no_longer_submitted(not_returned)}.")
    return returned, not_returned


def no_longer_submitted(returns):
    """Names the returns a lead chose that were already sent back or withdrawn."""
    names = ", ".join(f"{r.organisation.name}'s {r.template.name} return" for r in returns)
    return f"{names} {'is' if len(returns) == 1 else 'are'} no longer submitted"
