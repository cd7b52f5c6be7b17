"""System plans: the share-weighted sum of the partners' submitted or accepted returns.

`build_system_plan` writes a new plan version in one transaction: each partner's weighted values
go in with one INSERT ... SELECT, and the system totals with one grouped INSERT ... SELECT ...
GROUP BY, so the work happens in the database whatever the number of partners or lines. Readers
keep seeing the previous plan until the new one commits. The same inputs never make a new version.
Builds are requested through `submissions.queue` after a submission, acceptance or return.
The ICS lead approves a built version, or sends partners' returns back for amendment.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from planning import audit
from planning.models import Column, Line, SecurityEvent, System, Template
from submissions import queue
from submissions.models import (
    PlanApproval,
    PlanContribution,
    PlanState,
    PlanValue,
    Return,
    Submission,
    SubmissionValue,
    SystemPlan,
)
from submissions.returns.services import StaleDecision, return_send_back

from .rules import can
from .selectors import (
    approval_blockers,
    current_inputs,
    latest_plan,
    plan_inputs,
    population,
    settled,
    signature_of,
    stale_plan_keys,
)

# The first key of the advisory lock a build of a plan holds (the second is its PlanState's id).
PLAN_BUILD_LOCK = 14_000


class PlanRefused(Exception):
    """The plan cannot be changed as asked; the message says why, and `field` which form field
    it belongs to when it belongs to one."""

    def __init__(self, message, field=""):
        super().__init__(message)
        self.message = message
        self.field = field


@transaction.atomic
def build_system_plan(*, system, template, stage, user=None, started=None):
    """Build the plan from the current inputs; returns (plan, created). `started`: when the
    build began, if before this call (the task's `build_from_ids`)."""
    started = started or timezone.now()
    state = queue.plan_state(system.pk, template.pk, stage)
    # One build of a plan at a time: the second waits here, then finds the inputs unchanged. An
    # advisory lock, not the state's row, so a submission's request never waits for a build.
    # (SQLite has one writer at a time anyway.)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PLAN_BUILD_LOCK, state.pk])
    inputs = plan_inputs(system=system, template=template, stage=stage)
    signature = signature_of(inputs)
    latest = latest_plan(system=system, template=template, stage=stage)
    if latest is not None and latest.signature == signature:
        plan, created = latest, False
    else:
        plan = SystemPlan.objects.create(
            system=system,
            template=template,
            stage=stage,
            version=(latest.version + 1) if latest else 1,
            built_by=user,
            signature=signature,
            inputs=inputs,
        )
        _insert_contributions(plan, [i["submission_id"] for i in inputs if i["included"]])
        _insert_totals(plan, [i["organisation_id"] for i in population(inputs)])
        created = True
    # A request that arrived after this build started (its submission may have come after what
    # the build read) keeps the plan stale, with the build it queued; decided in this UPDATE, so a
    # request written meanwhile is never overwritten. The next build is due PLAN_BUILD_DELAY_SECONDS
    # after the latest one started (Greatest skips a null).
    PlanState.objects.filter(pk=state.pk).update(
        is_stale=Case(When(requested_at__gt=started, then=True), default=False),
        last_error="",
        last_build_at=Greatest(F("last_build_at"), Value(started)),
    )
    return plan, created


def _insert_contributions(plan, submission_ids):
    """Each included submission's typed values times its organisation's share, in one statement.

    Rates (cells in %) are not added up across organisations: a system's growth % is derived from
    its totals instead, and a typed rate has no meaningful sum."""
    if not submission_ids:
        return
    year = plan.template.round.financial_year
    placeholders = ", ".join(["%s"] * len(submission_ids))
    sql = f"""
        INSERT INTO {PlanContribution._meta.db_table} (plan_id, organisation_id, line_id, column_id, value)
        SELECT %s, r.organisation_id, v.line_id, v.column_id, v.value * m.share
        FROM {SubmissionValue._meta.db_table} v
        JOIN {Submission._meta.db_table} s ON s.id = v.submission_id
        JOIN {Return._meta.db_table} r ON r.id = s.ret_id
        JOIN {Line._meta.db_table} l ON l.id = v.line_id
        JOIN {Column._meta.db_table} c ON c.id = v.column_id
        JOIN planning_membership m ON m.organisation_id = r.organisation_id
            AND m.system_id = %s AND m.first_year <= %s
            AND (m.last_year IS NULL OR m.last_year >= %s)
        WHERE s.id IN ({placeholders})
          AND COALESCE(NULLIF(c.unit, ''), l.unit) <> '%%'
    """  # noqa: S608 - table names come from models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [plan.pk, plan.system_id, year, year, *submission_ids])


def _insert_totals(plan, organisation_ids):
    """The system totals of the population's partners: the one grouped query of the build."""
    if not organisation_ids:
        return
    placeholders = ", ".join(["%s"] * len(organisation_ids))
    sql = f"""
        INSERT INTO {PlanValue._meta.db_table} (plan_id, line_id, column_id, value)
        SELECT plan_id, line_id, column_id, SUM(value)
        FROM {PlanContribution._meta.db_table}
        WHERE plan_id = %s AND organisation_id IN ({placeholders})
        GROUP BY plan_id, line_id, column_id
    """  # noqa: S608 - table names come from models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [plan.pk, *organisation_ids])


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
    """Build every plan still marked stale and not queued, e.g. after the queue was down. A plan
    whose build fails keeps its reason (`build_from_ids`) and stays stale, and the others are
    still built. Returns (how many were built, [(system, template, stage, error) that failed])."""
    built, failed = 0, []
    for system_id, template_id, stage in stale_plan_keys():
        try:
            build_from_ids(system_id=system_id, template_id=template_id, stage=stage)
        except Exception as error:  # one plan must not stop the rest
            failed.append((system_id, template_id, stage, error))
        else:
            built += 1
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
