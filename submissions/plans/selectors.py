"""Reads for system plans: completeness, plan versions and their figures, contributions, the
control total and alignment, and the inputs a build reads."""

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from planning.models import Membership, Template
from planning.selectors import memberships_for_round, round_get, system_for_reviewer
from submissions.models import PlanContribution, PlanState, PlanValue, Return, SystemPlan
from submissions.returns.evaluation import TemplateGrid
from submissions.returns.selectors import grid_for_template


def plan_inputs(*, system, template, stage):
    """Every member organisation that completes the template, with the submission that counts for
    it: the latest one not withdrawn, kept while its return is being amended. A partner with no
    submission is missing. Work in progress is never an input."""
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
        ).select_related("submission")
    }
    inputs = []
    for membership in memberships:
        ret = returns.get(membership.organisation_id)
        snapshot = ret.submission if ret else None
        inputs.append(
            {
                "organisation_id": membership.organisation_id,
                "ods_code": membership.organisation.ods_code,
                "name": membership.organisation.name,
                "role": membership.role,
                "share": str(membership.share),
                "return_id": ret.pk if ret else None,
                "status": ret.status if ret else "not_started",
                "submission_id": snapshot.pk if snapshot else None,
                "submission_number": snapshot.number if snapshot else None,
                "return_version": snapshot.return_version if snapshot else None,
                "submitted_at": snapshot.submitted_at.isoformat() if snapshot else None,
                "content_hash": snapshot.content_hash if snapshot else None,
                "is_late": bool(snapshot and snapshot.is_late),
                "accepted": bool(snapshot and snapshot.is_accepted),
                "under_amendment": bool(ret and ret.is_under_amendment),
                "included": snapshot is not None,
            }
        )
    return inputs


def signature_of(inputs):
    """What a plan's figures depend on: each included partner's submitted content and share, not
    statuses or version counters, so accepting or sending back a return never makes a new version."""
    included = [
        (i["organisation_id"], i["content_hash"], i["share"]) for i in inputs if i["included"]
    ]
    return hashlib.sha256(json.dumps(included).encode()).hexdigest()


def population(inputs):
    """The partners whose figures make the system plan: the commissioners when the template is
    completed by commissioners and providers (both describe the same patients, so adding them
    would count them twice; the providers' plan is shown beside it, with the gap), else all."""
    commissioners = [i for i in inputs if i["role"] == Membership.Role.COMMISSIONER]
    return commissioners or list(inputs)


def providers_beside(plan):
    """Whether the plan has providers whose figures are shown beside the commissioners' plan
    rather than added into it."""
    roles = {i["role"] for i in plan.inputs}
    return Membership.Role.COMMISSIONER in roles and Membership.Role.PROVIDER in roles


def settled(item):
    """A partner whose accepted submission stands, not under amendment."""
    return item["included"] and item["accepted"] and not item["under_amendment"]


def current_inputs(plan):
    """The inputs a build of the plan would read now."""
    return plan_inputs(system=plan.system, template=plan.template, stage=plan.stage)


def inputs_now(plan, current=None):
    """The plan's partners as they stand now (statuses move on after a version is built), in the
    order of the version's inputs; a partner no longer expected is left out. `current` is
    `current_inputs(plan)` when the caller has it already."""
    now = {i["organisation_id"]: i for i in current or current_inputs(plan)}
    return [now[i["organisation_id"]] for i in plan.inputs if i["organisation_id"] in now]


def approval_blockers(plan, current=None):
    """Why the plan version cannot be approved now (empty when it can): a newer version, inputs
    changed since it was built (a new version is on its way), or nothing in it. `current` is
    `current_inputs(plan)` when the caller has it already."""
    blockers = []
    newer = SystemPlan.objects.filter(
        system=plan.system, template=plan.template, stage=plan.stage, version__gt=plan.version
    ).exists()
    if newer:
        blockers.append("A newer version of this plan has been built: approve that one.")
    elif signature_of(current or current_inputs(plan)) != plan.signature:
        blockers.append(
            f"Partners' submissions have changed since version {plan.version} was built: a new "
            "version is being built from them. Approve it when it is ready."
        )
    if not plan.included:
        blockers.append("No partner's submission is in this version: there is nothing to approve.")
    return blockers


def latest_plan(*, system, template, stage):
    return (
        SystemPlan.objects.filter(system=system, template=template, stage=stage)
        .order_by("-version")
        .first()
    )


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


def stale_plan_keys():
    now = timezone.now()
    return list(
        PlanState.objects.filter(is_stale=True)
        .filter(Q(scheduled_until__isnull=True) | Q(scheduled_until__lt=now))
        .values_list("system_id", "template_id", "stage")
    )


def completeness(*, system, round_, stage):
    """Partners by templates: each cell the partner's return (or None) where it completes it."""
    templates = list(Template.objects.filter(round=round_).order_by("order"))
    memberships = list(
        memberships_for_round(financial_year=round_.financial_year)
        .filter(system=system)
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    returns = {
        (r.organisation_id, r.template_id): r
        for r in Return.objects.filter(
            template__round=round_,
            stage=stage,
            organisation_id__in=[m.organisation_id for m in memberships],
        )
    }
    rows = []
    for membership in memberships:
        cells = []
        for template in templates:
            if not template.completed_by(membership.organisation):
                cells.append({"template": template, "applies": False})
                continue
            cells.append(
                {
                    "template": template,
                    "applies": True,
                    "ret": returns.get((membership.organisation_id, template.pk)),
                }
            )
        rows.append({"membership": membership, "cells": cells})
    return templates, rows


def plan_template(*, round_, code):
    template = Template.objects.filter(round=round_, code=code).select_related("round").first()
    if template is None or template.kind == Template.Kind.NARRATIVE:
        raise Http404("No such plan.")
    return template


def plan_version(*, system, template, stage, version=None):
    plans = SystemPlan.objects.filter(system=system, template=template, stage=stage)
    if version is None:
        return plans.select_related("approved_by", "built_by").order_by("-version").first()
    plan = plans.select_related("approved_by", "built_by").filter(version=version).first()
    if plan is None:
        raise Http404("No such plan version.")
    return plan


def approved_plan(*, system, template, stage):
    return (
        SystemPlan.objects.filter(
            system=system, template=template, stage=stage, approved_at__isnull=False
        )
        .select_related("approved_by")
        .order_by("-version")
        .first()
    )


def previous_round_approved(*, system, template, stage):
    """The previous round's approved plan of the same template, for comparison."""
    previous = Template.objects.filter(
        round__financial_year=template.round.financial_year - 1, code=template.code
    ).first()
    if previous is None:
        return None, None
    plan = approved_plan(system=system, template=previous, stage=stage)
    return previous, plan


def plan_state(*, system, template, stage):
    return PlanState.objects.filter(system=system, template=template, stage=stage).first()


@dataclass
class PlanFigures:
    grid: TemplateGrid
    values: dict  # every cell, computed from the system totals


def figures(plan, grid=None):
    grid = grid or grid_for_template(plan.template)
    return PlanFigures(grid, grid.compute(plan_typed_values(plan)))


def headline(section):
    """The column a summary shows for a section: its declared headline, else its first column."""
    codes = [c.code for c in section.columns]
    return section.section.headline if section.section.headline in codes else codes[0]


def differences(old, new):
    """Cells whose value differs between two computed plans of the same template."""
    changes = []
    for s in new.grid.grid_sections:
        for line in s.lines:
            for column in s.columns:
                key = (line.code, column.code)
                if old.values.get(key) != new.values.get(key):
                    changes.append(
                        {
                            "line": line,
                            "column": column,
                            "unit": column.unit or line.unit,
                            "old": old.values.get(key),
                            "new": new.values.get(key),
                        }
                    )
    return changes


def contributions_by_organisation(plan, grid):
    """{organisation id: computed values of its weighted contribution}, for drill-downs."""
    return {org_id: grid.compute(typed) for org_id, typed in plan_contributions(plan).items()}


def control_total(plan, grid):
    """For a finance plan: the system control total as the sum of its partners' surpluses."""
    lines = grid.lines_by_code()
    if "surplus" not in lines:
        return None
    section = grid.section_of_line()["surplus"]
    column = headline(section)
    per_org = contributions_by_organisation(plan, grid)
    rows = [
        {"input": i, "value": per_org.get(i["organisation_id"], {}).get(("surplus", column))}
        for i in plan.included
    ]
    total = sum((r["value"] or Decimal(0) for r in rows), Decimal(0))
    return {"column": column, "rows": rows, "total": total}


def alignment(*, plan, threshold):
    """Commissioners' against providers' activity for each line: gap, gap %, and a flag when the
    gap is more than `threshold` % of the commissioners' figure, or when one side planned nothing
    (zero or blank) and the other did."""
    grid = grid_for_template(plan.template)
    roles = {i["organisation_id"]: i["role"] for i in plan.included}
    by_role = {Membership.Role.COMMISSIONER: {}, Membership.Role.PROVIDER: {}}
    for org_id, typed in plan_contributions(plan).items():
        bucket = by_role.get(roles.get(org_id))
        if bucket is None:
            continue
        for key, value in typed.items():
            bucket[key] = bucket.get(key, Decimal(0)) + value
    commissioners = grid.compute(by_role[Membership.Role.COMMISSIONER])
    providers = grid.compute(by_role[Membership.Role.PROVIDER])
    rows = []
    for s in grid.grid_sections:
        column = headline(s)
        for line in s.lines:
            c = commissioners.get((line.code, column))
            p = providers.get((line.code, column))
            gap = (p or 0) - (c or 0) if (c or p) else None
            pct = None if gap is None or not c else gap / c * 100
            # One side planned nothing (zero or blank) while the other planned some: always a gap.
            one_sided = bool(c) != bool(p)
            rows.append(
                {
                    "line": line,
                    "column": column,
                    "commissioners": c,
                    "providers": p,
                    "gap": gap,
                    "gap_pct": pct,
                    "flagged": one_sided or (pct is not None and abs(pct) > threshold),
                }
            )
    return rows


def requested_plan(*, system, template, stage, version_text):
    """The version named by ?version=N, else the newest (None when none is built)."""
    version = int(version_text) if version_text.isdigit() else None
    return plan_version(system=system, template=template, stage=stage, version=version)


def since_approval(*, plan, current):
    """The plan's approved version, and the cells in which `plan` (whose figures are `current`)
    differs from it when `plan` is newer."""
    approved = approved_plan(system=plan.system, template=plan.template, stage=plan.stage)
    if approved is None or approved.version >= plan.version:
        return approved, []
    return approved, differences(figures(approved, current.grid), current)


def previous_round_values(*, plan):
    """Last round's approved plan of the same template and its figures ({} and None if none)."""
    _, previous = previous_round_approved(
        system=plan.system, template=plan.template, stage=plan.stage
    )
    return previous, (figures(previous).values if previous else None)


def plan_scope(*, user, code, year, template_code=None):
    """The system (404 unless the user may review it), the round and, when named, the template."""
    system = system_for_reviewer(user=user, code=code)
    round_ = round_get(financial_year=year)
    template = plan_template(round_=round_, code=template_code) if template_code else None
    return system, round_, template


def exported_plan(*, user, code, year, template, stage, version_text):
    """The plan version an export's URL names (?version=N, else the newest) and its figures; 404
    when none is built."""
    system, _, template = plan_scope(user=user, code=code, year=year, template_code=template)
    plan = requested_plan(system=system, template=template, stage=stage, version_text=version_text)
    if plan is None:
        raise Http404("No plan has been built yet.")
    return plan, figures(plan)


def newest_version(*, system, template, stage):
    """The newest version's number and build time (None before the first build), in one narrow
    query: the page's script asks every few seconds, and a version's inputs can be large."""
    return (
        SystemPlan.objects.filter(system=system, template=template, stage=stage)
        .order_by("-version")
        .values("version", "built_at")
        .first()
    )
