"""System plans: the share-weighted sum of the partners' submitted or accepted returns.

`build_system_plan` writes a new plan version in one transaction: each partner's weighted values
go in with one INSERT ... SELECT, and the system totals with one grouped INSERT ... SELECT ...
GROUP BY, so the work happens in the database whatever the number of partners or lines. Readers
keep seeing the previous plan until the new one commits. The same inputs never make a new version.
Builds are requested through `submissions.queue` after a submission, acceptance or return.
The ICS lead approves a built version, or sends partners' returns back for amendment.
"""

import hashlib
import json

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from planning.models import Column, Line, System, Template
from submissions import queue
from submissions.models import PlanContribution, PlanState, PlanValue, Return, SystemPlan, Value
from submissions.returns.services import return_send_back

from .rules import can
from .selectors import latest_plan, plan_inputs, stale_plan_keys


class PlanRefused(Exception):
    """The plan cannot be changed as asked; the message says why."""


def signature_of(inputs):
    included = [(i["return_id"], i["return_version"], i["share"]) for i in inputs if i["included"]]
    return hashlib.sha256(json.dumps(included).encode()).hexdigest()


@transaction.atomic
def build_system_plan(*, system, template, stage, user=None):
    """Build the plan from the current inputs; returns (plan, created)."""
    started = timezone.now()
    state = queue.plan_state(system.pk, template.pk, stage)
    # One build of a plan at a time: the second waits here, then finds the inputs unchanged.
    state = PlanState.objects.select_for_update().get(pk=state.pk)
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
        _insert_contributions(plan, [i["return_id"] for i in inputs if i["included"]])
        _insert_totals(plan)
        created = True
    # A request that arrived after this build started still needs a build of its own.
    requested_later = state.requested_at is not None and state.requested_at > started
    PlanState.objects.filter(pk=state.pk).update(is_stale=requested_later, last_error="")
    return plan, created


def _insert_contributions(plan, return_ids):
    """Each included return's typed values times its organisation's share, in one statement.

    Rates (cells in %) are not added up across organisations: a system's growth % is derived from
    its totals instead, and a typed rate has no meaningful sum."""
    if not return_ids:
        return
    year = plan.template.round.financial_year
    placeholders = ", ".join(["%s"] * len(return_ids))
    sql = f"""
        INSERT INTO {PlanContribution._meta.db_table} (plan_id, organisation_id, line_id, column_id, value)
        SELECT %s, r.organisation_id, v.line_id, v.column_id, v.value * m.share
        FROM {Value._meta.db_table} v
        JOIN {Return._meta.db_table} r ON r.id = v.ret_id
        JOIN {Line._meta.db_table} l ON l.id = v.line_id
        JOIN {Column._meta.db_table} c ON c.id = v.column_id
        JOIN planning_membership m ON m.organisation_id = r.organisation_id
            AND m.system_id = %s AND m.first_year <= %s
            AND (m.last_year IS NULL OR m.last_year >= %s)
        WHERE r.id IN ({placeholders})
          AND COALESCE(NULLIF(c.unit, ''), l.unit) <> '%%'
    """  # noqa: S608 - table names come from models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [plan.pk, plan.system_id, year, year, *return_ids])


def _insert_totals(plan):
    """The system totals: the one grouped query of the build."""
    sql = f"""
        INSERT INTO {PlanValue._meta.db_table} (plan_id, line_id, column_id, value)
        SELECT plan_id, line_id, column_id, SUM(value)
        FROM {PlanContribution._meta.db_table}
        WHERE plan_id = %s
        GROUP BY plan_id, line_id, column_id
    """  # noqa: S608 - table names come from models
    with connection.cursor() as cursor:
        cursor.execute(sql, [plan.pk])


def build_from_ids(*, system_id, template_id, stage, user_id=None):
    """What the Celery task runs: clear the queued mark, then build."""
    PlanState.objects.filter(system_id=system_id, template_id=template_id, stage=stage).update(
        scheduled_until=None
    )
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return build_system_plan(
        system=System.objects.get(pk=system_id),
        template=Template.objects.select_related("round").get(pk=template_id),
        stage=stage,
        user=user,
    )


def rebuild_stale_plans():
    """Build every plan still marked stale and not queued, e.g. after the queue was down."""
    keys = stale_plan_keys()
    for system_id, template_id, stage in keys:
        build_from_ids(system_id=system_id, template_id=template_id, stage=stage)
    return len(keys)


@transaction.atomic
def plan_approve(*, user, plan):
    """Approve a built plan. Its values were written once at build and are never changed; from
    now on its approval is fixed too. Only the newest version can be approved."""
    plan = SystemPlan.objects.select_for_update().select_related("template__round").get(pk=plan.pk)
    if not can(user, "submissions.approve_plan", plan):
        raise PermissionDenied("You cannot approve this plan.")
    newer = SystemPlan.objects.filter(
        system=plan.system, template=plan.template, stage=plan.stage, version__gt=plan.version
    ).exists()
    if newer:
        raise PlanRefused("A newer version of this plan has been built.")
    plan.approved_at, plan.approved_by = timezone.now(), user
    plan.save(update_fields=["approved_at", "approved_by"])
    return plan


@transaction.atomic
def plan_return_inputs(*, user, plan, organisation_ids, comment):
    """Send the named partners' returns in a plan back for amendment, with one comment."""
    if not can(user, "submissions.return_plan_inputs", plan):
        raise PermissionDenied("You cannot return these returns.")
    chosen = {int(pk) for pk in organisation_ids}
    inputs = [i for i in plan.included if i["organisation_id"] in chosen]
    if not inputs:
        raise PlanRefused("Choose the organisations to return")
    if not (comment or "").strip():
        raise PlanRefused("Say why the returns need amending")
    returned = []
    for item in inputs:
        ret = Return.objects.select_related("template__round", "organisation").get(
            pk=item["return_id"]
        )
        if ret.status in (Return.Status.SUBMITTED, Return.Status.ACCEPTED):
            returned.append(return_send_back(user=user, ret=ret, reason=comment))
    return returned
