"""System plans: the share-weighted sum of the partners' submitted or accepted returns.

`build_system_plan` writes a new plan version in one transaction: each partner's weighted values
go in with one INSERT ... SELECT, and the system totals with one grouped INSERT ... SELECT ...
GROUP BY, so the work happens in the database whatever the number of partners or lines. Readers
keep seeing the previous plan until the new one commits. The same inputs never make a new version.

`request_plan_builds` is called after a submission, acceptance or return: it marks the plans
stale and queues one build per plan, coalescing bursts; if the queue cannot be reached the plans
stay stale and the periodic `rebuild_stale_plans` task builds them later.
"""

import datetime
import hashlib
import json
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from planning.models import Column, Line, System
from planning.selectors import memberships_for_round

from .models import PlanContribution, PlanState, PlanValue, Return, SystemPlan, Value

log = logging.getLogger(__name__)

INCLUDED = (Return.Status.SUBMITTED, Return.Status.ACCEPTED)


def plan_inputs(*, system, template, stage):
    """Every member organisation that completes the template, with its return's state."""
    year = template.round.financial_year
    memberships = (
        memberships_for_round(financial_year=year)
        .filter(system=system, organisation__kind__in=template.organisation_kinds)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    returns = {
        r.organisation_id: r
        for r in Return.objects.filter(
            template=template,
            stage=stage,
            organisation_id__in=[m.organisation_id for m in memberships],
        )
    }
    inputs = []
    for membership in memberships:
        ret = returns.get(membership.organisation_id)
        inputs.append(
            {
                "organisation_id": membership.organisation_id,
                "ods_code": membership.organisation.ods_code,
                "name": membership.organisation.name,
                "role": membership.role,
                "share": str(membership.share),
                "return_id": ret.pk if ret else None,
                "return_version": ret.version if ret else None,
                "status": ret.status if ret else "not_started",
                "is_late": bool(ret and ret.is_late),
                "included": bool(ret and ret.status in INCLUDED),
            }
        )
    return inputs


def signature_of(inputs):
    included = [(i["return_id"], i["return_version"], i["share"]) for i in inputs if i["included"]]
    return hashlib.sha256(json.dumps(included).encode()).hexdigest()


def _state(system_id, template_id, stage):
    state, _ = PlanState.objects.get_or_create(
        system_id=system_id, template_id=template_id, stage=stage
    )
    return state


def latest_plan(*, system, template, stage):
    return (
        SystemPlan.objects.filter(system=system, template=template, stage=stage)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def build_system_plan(*, system, template, stage, user=None):
    """Build the plan from the current inputs; returns (plan, created)."""
    started = timezone.now()
    state = _state(system.pk, template.pk, stage)
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


def plan_typed_values(plan):
    """{(line code, column code): Decimal} system totals of the typed cells."""
    rows = PlanValue.objects.filter(plan=plan).values_list("line__code", "column__code", "value")
    return {(line, column): value for line, column, value in rows}


def plan_contributions(plan, *, line=None):
    """{organisation id: {(line code, column code): Decimal}} as the plan recorded them."""
    rows = PlanContribution.objects.filter(plan=plan)
    if line is not None:
        rows = rows.filter(line__section=line.section)
    result = {}
    for org_id, line_code, column_code, value in rows.values_list(
        "organisation_id", "line__code", "column__code", "value"
    ):
        result.setdefault(org_id, {})[(line_code, column_code)] = value
    return result


# Requesting builds -------------------------------------------------------------------------------


def request_plan_builds(*, ret):
    """After a return's status changes: mark each plan it feeds as stale and queue a build."""
    year = ret.template.round.financial_year
    system_ids = (
        memberships_for_round(financial_year=year)
        .filter(organisation_id=ret.organisation_id)
        .values_list("system_id", flat=True)
    )
    for system_id in system_ids:
        request_build(system_id=system_id, template_id=ret.template_id, stage=ret.stage)


def request_build(*, system_id, template_id, stage):
    """Mark the plan stale and queue a build unless one is already queued. Never raises: if the
    task queue is down the plan stays stale for the periodic rebuild. Returns whether it queued."""
    from .tasks import build_system_plan_task

    now = timezone.now()
    delay = settings.PLAN_BUILD_DELAY_SECONDS
    state = _state(system_id, template_id, stage)
    PlanState.objects.filter(pk=state.pk).update(is_stale=True, requested_at=now)
    claimed = (
        PlanState.objects.filter(pk=state.pk)
        .filter(Q(scheduled_until__isnull=True) | Q(scheduled_until__lt=now))
        .update(scheduled_until=now + datetime.timedelta(seconds=delay + 60))
    )
    if not claimed:
        return False  # a queued build will read these inputs when it runs
    try:
        build_system_plan_task.apply_async((system_id, template_id, stage), countdown=delay)
    except Exception as error:  # the submission must stand whatever happened to the queue
        log.warning("Could not queue a system plan build: %s", error)
        PlanState.objects.filter(pk=state.pk).update(
            scheduled_until=None,
            last_error="The task queue could not be reached; the plan will be rebuilt shortly.",
        )
        return False
    return True


def build_from_ids(*, system_id, template_id, stage, user_id=None):
    """What the Celery task runs: clear the queued mark, then build."""
    from django.contrib.auth import get_user_model

    from planning.models import Template

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


def stale_plan_keys():
    now = timezone.now()
    return list(
        PlanState.objects.filter(is_stale=True)
        .filter(Q(scheduled_until__isnull=True) | Q(scheduled_until__lt=now))
        .values_list("system_id", "template_id", "stage")
    )
