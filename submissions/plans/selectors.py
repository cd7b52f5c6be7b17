"""Reads for system plans: completeness, plan versions and their figures, contributions, the
control total and alignment, and the inputs a build reads."""

import functools
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Context, Decimal

from django.contrib.auth import get_user_model
from django.db.models import DecimalField, F, OuterRef, Q, Subquery
from django.db.models import Value as V
from django.db.models.functions import Coalesce, NullIf, Round
from django.http import Http404
from django.utils import timezone

from planning.models import Membership, Organisation, Template
from planning.rows import Columns, fetch, table
from planning.selectors import (
    membership_in_round_sql,
    memberships_for_round,
    round_get,
    system_for_reviewer,
)
from submissions.models import (
    PlanApproval,
    PlanInput,
    PlanState,
    Return,
    Submission,
    SubmissionValue,
    SystemPlan,
)
from submissions.params import whole_number
from submissions.returns.evaluation import TemplateGrid, other_template_codes
from submissions.returns.selectors import (
    grid_for_template,
    template_of,
    template_state,
)


def plan_inputs(*, system, template, stage):
    """Every member organisation of `system` that completes the template, with the submission that
    counts for it: the latest one not withdrawn, kept while its return is being amended. A partner
    with no submission is missing. Work in progress is never an input."""
    found = inputs_by_plan(wanted={template: [system.pk]}, stage=stage)
    return found.get((template.pk, system.pk), [])


def systems_expecting(templates):
    """{template id: the ids of the systems with a member that completes it in its round} for
    templates of one round, in one query."""
    kinds = {kind for template in templates for kind in template.organisation_kinds}
    if not templates:
        return {}
    rows = set(
        memberships_for_round(financial_year=templates[0].round.financial_year)
        .filter(organisation__kind__in=kinds)
        .values_list("system_id", "organisation__kind")
    )
    return {
        template.pk: sorted(
            {system for system, kind in rows if kind in template.organisation_kinds}
        )
        for template in templates
    }


def inputs_by_plan(*, wanted, stage):
    """{(template id, system id): the plan's inputs (as `plan_inputs`)} for `wanted`, {template:
    [system ids]} of templates of one round, where the system has members completing the
    template: one query whatever the number of templates and systems, each membership with its
    returns of those templates and their current submissions."""
    kinds = sorted({kind for template in wanted for kind in template.organisation_kinds})
    systems = sorted({pk for ids in wanted.values() for pk in ids})
    if not (kinds and systems):  # nobody completes them (and SQL has no empty IN list)
        return {}
    year = next(iter(wanted)).round.financial_year
    templates = sorted(template.pk for template in wanted)
    parts, sql = _inputs_sql()
    sql = sql.format(
        templates=_placeholders(templates),
        systems=_placeholders(systems),
        kinds=_placeholders(kinds),
        in_round=membership_in_round_sql("m"),
    )
    params = [stage, *templates, *systems, *kinds, year, year]
    returns, memberships = {}, {}
    # Plain values, not models: a build of every plan of a round reads thousands of rows.
    for row in fetch(sql, params, *parts, values=True):
        membership, system_id, organisation_id, role, share, ods_code, name, kind = row[:8]
        ret_id, template_id = row[8:10]
        # A membership comes once for each of its returns: each is listed once, as it was read.
        memberships.setdefault(
            membership, (system_id, organisation_id, ods_code, name, kind, role, share)
        )
        if ret_id is not None:
            returns[(template_id, organisation_id)] = {
                "pk": ret_id,
                **dict(zip(_RETURN_KEYS, row[10:], strict=True)),
            }
    by_plan = {}
    for template, system_ids in wanted.items():
        kinds, systems = set(template.organisation_kinds), set(system_ids)
        for system_id, organisation_id, ods_code, name, kind, role, share in memberships.values():
            if system_id in systems and kind in kinds:
                ret = returns.get((template.pk, organisation_id), {})
                by_plan.setdefault((template.pk, system_id), []).append(
                    _input(ret, organisation_id, ods_code, name, role, share)
                )
    return by_plan


# What `_input` reads of a return, as `_inputs_sql` selects it after the return's id and template.
_RETURN_KEYS = (
    "status",
    "submission_id",
    "submission__number",
    "submission__return_version",
    "submission__submitted_at",
    "submission__content_hash",
    "submission__is_late",
    "submission__accepted_at",
)


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


@functools.cache
def _inputs_sql():
    """The parts and SQL of `inputs_by_plan`: the memberships of the wanted systems in the round,
    in organisation name order, each with its returns of the wanted templates at the stage (for
    none, one row of NULLs) and their submissions. Written out (`planning.rows`): as two ORM
    queries it was 2 ms of every plan page, against 0.6 ms for this one."""
    parts = (
        Columns(Membership, "m", only=("id", "system_id", "organisation_id", "role", "share")),
        Columns(Organisation, "o", only=("ods_code", "name", "kind")),
        Columns(Return, "r", only=("id", "template_id", "status", "submission_id")),
        Columns(
            Submission,
            "s",
            only=(
                "number",
                "return_version",
                "submitted_at",
                "content_hash",
                "is_late",
                "accepted_at",
            ),
        ),
    )
    sql = (
        f"SELECT {', '.join(part.sql for part in parts)} "  # noqa: S608 - fixed SQL
        f"FROM {table(Membership)} m "
        f"JOIN {table(Organisation)} o ON o.id = m.organisation_id "
        f"LEFT JOIN {table(Return)} r ON r.organisation_id = m.organisation_id "
        "AND r.stage = %s AND r.template_id IN ({templates}) "
        f"LEFT JOIN {table(Submission)} s ON s.id = r.submission_id "
        "WHERE m.system_id IN ({systems}) AND o.kind IN ({kinds}) AND {in_round} "
        "ORDER BY o.name, m.organisation_id, m.id"
    )
    return parts, sql


def _input(ret, organisation_id, ods_code, name, role, share):
    """One partner's input to a plan: its return's (`ret`, a row of `inputs_by_plan`)
    submission that counts, or none."""
    submitted = ret.get("submission_id") is not None
    return {
        "organisation_id": organisation_id,
        "ods_code": ods_code,
        "name": name,
        "role": role,
        "share": str(share),
        "return_id": ret.get("pk"),
        "status": ret.get("status", "not_started"),
        "submission_id": ret.get("submission_id"),
        "submission_number": ret.get("submission__number"),
        "return_version": ret.get("submission__return_version"),
        "submitted_at": ret["submission__submitted_at"].isoformat() if submitted else None,
        "content_hash": ret.get("submission__content_hash"),
        "is_late": bool(submitted and ret["submission__is_late"]),
        "accepted": bool(submitted and ret["submission__accepted_at"] is not None),
        # Sent back (or withdrawn) while an earlier submission stands in for it.
        "under_amendment": submitted and ret["status"] in Return.EDITABLE,
        "included": submitted,
    }


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


def approval_blockers(plan, current=None, newest=None):
    """Why the plan version cannot be approved now (empty when it can): a newer version, inputs
    changed since it was built (a new version is on its way), or nothing in it. `current` is
    `current_inputs(plan)` and `newest` the newest version's number, when the caller has them."""
    blockers = []
    if newest is not None:
        newer = newest > plan.version
    else:
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


def newest_versions(versions):
    """`versions` (SystemPlans) narrowed to the newest version of each plan (system, template and
    stage), in the same one query."""
    newest = SystemPlan.objects.filter(
        system=OuterRef("system"), template=OuterRef("template"), stage=OuterRef("stage")
    ).order_by("-version")
    return versions.filter(version=Subquery(newest.values("version")[:1]))


def latest_plan(*, system, template, stage):
    return (
        SystemPlan.objects.filter(system=system, template=template, stage=stage)
        .order_by("-version")
        .first()
    )


def plan_typed_values(plan):
    """{(line code, column code): Decimal} system totals of the typed cells, as the version
    stored them (`SystemPlan.totals`)."""
    return {
        (line, column): Decimal(value)
        for line, columns in plan.totals.items()
        for column, value in columns.items()
    }


# A partner's weighted figure: its submitted value times its share, to 6 places (as the build adds
# them up), rounded half away from zero on PostgreSQL and in doubles on SQLite (where it comes back
# with 15 significant digits, so it is given its 6 places again, as a stored total is).
WEIGHTED = DecimalField(max_digits=20, decimal_places=6)
SIX_PLACES = Decimal("0.000001")
SQLITE_DOUBLE = Context(prec=15)  # the digits Django reads a decimal from SQLite with


def six_places(value):
    """A weighted figure or total as the database gave it, to 6 places: a Decimal from PostgreSQL,
    a double from SQLite (read to 15 significant digits, as Django reads a stored decimal)."""
    if isinstance(value, float):
        value = SQLITE_DOUBLE.create_decimal_from_float(value)
    return Decimal(value).quantize(SIX_PLACES)


def plan_contributions(plan, *, line=None):
    """{organisation id: {(line code, column code): Decimal}}: each included partner's figures
    times the share the version recorded, read from its frozen submission in one query. Rates
    (cells in %) have no share-weighted figure and are left out; `line` narrows to its section."""
    rows = PlanInput.objects.filter(plan=plan)
    if line is not None:
        rows = rows.filter(submission__values__line__section=line.section)
    rows = rows.annotate(
        unit=Coalesce(
            NullIf("submission__values__column__unit", V("")), "submission__values__line__unit"
        ),
        weighted=Round(F("submission__values__value") * F("share"), 6, output_field=WEIGHTED),
    ).exclude(unit="%")
    result = {}
    for org_id, line_code, column_code, value in rows.values_list(
        "organisation_id",
        "submission__values__line__code",
        "submission__values__column__code",
        "weighted",
    ):
        if line_code is not None:  # a submission with no values at all
            result.setdefault(org_id, {})[(line_code, column_code)] = value.quantize(SIX_PLACES)
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


def plan_template(*, financial_year, code):
    """A plan's template with its round and its grid stamp (`grid_for_template`): one
    query. 404 for a narrative template, or none (a round that does not exist says so)."""
    template = template_of(financial_year=financial_year, code=code)
    if template is None:
        round_get(financial_year=financial_year)
    if template is None or template.kind == Template.Kind.NARRATIVE:
        raise Http404("No such plan.")
    return template


def plan_version(*, system, template, stage, version=None):
    """The newest version (or `version`, else 404), with who approved and built it, whether it
    has any approval, given or withdrawn (`has_approvals`), and the newest approved version's
    number (`approved_version`, see `approved_of`): the plan page asks for neither when there is
    none. One written-out query (`planning.rows`): as an ORM query Django took 1.2 ms to build
    it, three times what PostgreSQL takes to plan and run it."""
    if version is not None and not 0 <= version <= MAX_VERSION:
        raise Http404("No such plan version.")  # an integer column holds no such number
    sql, parts = _plan_version_sql(by_version=version is not None)
    params = [system.pk, template.pk, stage] + ([version] if version is not None else [])
    found = fetch(sql, params, *parts)
    if not found:
        if version is not None:
            raise Http404("No such plan version.")
        return None
    plan, approved_by, built_by, has_approvals, approved_version = found[0]
    plan.approved_by, plan.built_by = approved_by, built_by
    plan.has_approvals, plan.approved_version = bool(has_approvals), approved_version
    return plan


MAX_VERSION = 2**31 - 1


@functools.cache
def _plan_version_sql(*, by_version):
    User = get_user_model()
    parts = (Columns(SystemPlan, "p"), Columns(User, "ab"), Columns(User, "bb"))
    plans = table(SystemPlan)
    sql = (
        f"SELECT {', '.join(part.sql for part in parts)}, "  # noqa: S608 - fixed SQL
        f"EXISTS (SELECT 1 FROM {table(PlanApproval)} a WHERE a.plan_id = p.id), "
        f"(SELECT n.version FROM {plans} n WHERE n.system_id = p.system_id "
        "AND n.template_id = p.template_id AND n.stage = p.stage AND n.approved_at IS NOT NULL "
        "ORDER BY n.version DESC LIMIT 1) "
        f"FROM {plans} p "
        f"LEFT JOIN {table(User)} ab ON ab.id = p.approved_by_id "
        f"LEFT JOIN {table(User)} bb ON bb.id = p.built_by_id "
        "WHERE p.system_id = %s AND p.template_id = %s AND p.stage = %s "
        + ("AND p.version = %s " if by_version else "")
        + "ORDER BY p.version DESC LIMIT 1"
    )
    return sql, parts


def approved_of(plan):
    """The newest approved version of `plan`'s system, template and stage (as `approved_plan`),
    read with `plan` (`plan_version`): no query when it is none or `plan` itself."""
    if plan.approved_version is None:
        return None
    if plan.approved_version == plan.version:
        return plan
    return approved_plan(system=plan.system, template=plan.template, stage=plan.stage)


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
    previous = template_of(financial_year=template.round.financial_year - 1, code=template.code)
    if previous is None:
        return None, None
    plan = approved_plan(system=system, template=previous, stage=stage)
    if plan is not None:
        plan.template = previous  # read above
    return previous, plan


def plan_state(*, system, template, stage):
    """The plan's build state (None before anything asked for a build), in one written-out query
    (`planning.rows`): the plan page and its script ask for it every time."""
    sql, parts = _plan_state_sql()
    found = fetch(sql, [system.pk, template.pk, stage], *parts)
    return found[0][0] if found else None


@functools.cache
def _plan_state_sql():
    parts = (Columns(PlanState, "s"),)
    sql = (
        f"SELECT {parts[0].sql} FROM {table(PlanState)} s "  # noqa: S608 - fixed SQL
        "WHERE s.system_id = %s AND s.template_id = %s AND s.stage = %s ORDER BY s.id LIMIT 1"
    )
    return sql, parts


@dataclass
class PlanFigures:
    grid: TemplateGrid
    values: dict  # every cell, computed from the system totals
    # The other templates its measures read: {code: {"template", "plan" (None if none is built)}}
    others: dict = field(default_factory=dict)
    # The system control total of a finance plan (`system_control_total`), for its exports
    control_total: dict | None = None


def figures(plan, grid=None, others=None):
    """Every cell of a plan version, computed from its system totals: a total line adds up the
    summed parts, and a rate or measure line is computed from them (the system's A&E 4 hour rate
    is its summed patients seen within 4 hours over its summed attendances, never a sum of
    rates). A measure that refers to another template (QIPP as % of allocation) reads that
    template's newest plan of the same system, round and stage; blank when none is built.
    `others` is `other_plans(plan, grid)` when the caller has read it already."""
    grid = grid or grid_for_template(plan.template)
    others = other_plans(plan, grid) if others is None else others
    other_values = {
        code: grid_for_template(other["template"]).compute(plan_typed_values(other["plan"]))
        for code, other in others.items()
        if other["plan"] is not None
    }
    return PlanFigures(grid, grid.compute(plan_typed_values(plan), other_values), others)


def other_plans(plan, grid):
    """{template code: {"template", "plan"}} for the other templates the plan's formulas refer
    to: the template of the plan's round (None if the round has none) and its newest plan
    version of the plan's system and stage (None when none is built)."""
    codes = sorted(other_template_codes(grid))
    if not codes:
        return {}
    templates = {
        t.code: t for t in Template.objects.filter(round_id=plan.template.round_id, code__in=codes)
    }
    plans = SystemPlan.objects.filter(system_id=plan.system_id, stage=plan.stage).select_related(
        "template__round"
    )
    return {
        code: {
            "template": templates.get(code),
            "plan": plans.filter(template=templates[code]).order_by("-version").first()
            if code in templates
            else None,
        }
        for code in codes
    }


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


def control_total_cell(template):
    """The (line, column) holding an organisation's control total in a finance-kind template:
    its declared `control_total` ("cumulative_surplus.budget"), else None."""
    line, _, column = (template.control_total or "").partition(".")
    return (line, column) if line and column else None


def control_total(plan, grid):
    """For one finance plan: each included partner's share-weighted control total and their sum
    (the template's control total cell, else the surplus line's headline column). The system's
    control total across commissioners and providers is `system_control_total`."""
    cell = control_total_cell(plan.template)
    if cell is None:
        if "surplus" not in grid.lines_by_code():
            return None
        cell = ("surplus", headline(grid.section_of_line()["surplus"]))
    per_org = contributions_by_organisation(plan, grid)
    rows = [
        {"input": i, "value": per_org.get(i["organisation_id"], {}).get(cell)}
        for i in plan.included
    ]
    total = sum((r["value"] or Decimal(0) for r in rows), Decimal(0))
    return {"column": cell[1], "rows": rows, "total": total}


COMMISSIONER, PROVIDER = Membership.Role.COMMISSIONER.value, Membership.Role.PROVIDER.value


def control_total_role(template):
    """Whose control total a finance-kind template holds: providers' in the provider finance
    template, commissioners' in the CCG finance template."""
    return PROVIDER if template.kind == Template.Kind.PROVIDER_FINANCE else COMMISSIONER


def system_control_total(*, system, round_, stage, plans=None, approved_only=False):
    """The system control total: commissioners' plus providers' control totals, each partner's
    share-weighted. Every template of the round with a control total cell (the CCG finance plan's
    cumulative surplus, the provider finance plan's agreed control total) contributes its
    partners' figures from its newest plan version of the system and stage (the newest approved
    one with `approved_only`; the version in `plans`, {template id: SystemPlan}, when given).

    Returns {"total", "commissioners", "providers", "partners", "plans", "missing"}. A partner's
    role is the template it sends its control total on, whatever its membership role, and every
    included partner counts, not only a plan's population: an organisation that sends both
    counts in both parts. A part with no figure from anyone is blank (None), never 0; the total is
    the sum of the parts that have one, blank when neither has; "missing" lists the expected
    partners with no submitted figure. A fixed number of queries per finance template, whatever
    the number of partners."""
    chosen = plans or {}
    templates = Template.objects.filter(round=round_).exclude(control_total="")
    partners, used = [], []
    for template in templates.select_related("round").order_by("order", "code"):
        cell = control_total_cell(template)
        plan = chosen.get(template.pk)
        if plan is None:
            versions = SystemPlan.objects.filter(system=system, template=template, stage=stage)
            if approved_only:
                versions = versions.filter(approved_at__isnull=False)
            plan = versions.order_by("-version").first()
        used.append({"template": template, "role": control_total_role(template), "plan": plan})
        if plan is None:
            # Nothing built yet: the partners expected to send one, each with no figure.
            inputs = (
                [] if approved_only else plan_inputs(system=system, template=template, stage=stage)
            )
            own, weighted = {}, {}
        else:
            grid = grid_for_template(template)
            inputs = plan.inputs
            own = _submitted_cell(grid, cell, [i["submission_id"] for i in plan.included])
            weighted = {
                org_id: values.get(cell)
                for org_id, values in contributions_by_organisation(plan, grid).items()
            }
        for item in inputs:
            submitted = item["included"] and own.get(item["submission_id"]) is not None
            partners.append(
                {
                    "organisation": item["organisation_id"],
                    "role": control_total_role(template),
                    "share": Decimal(item["share"]),
                    "control_total": own.get(item["submission_id"]) if submitted else None,
                    "weighted": weighted.get(item["organisation_id"]) if submitted else None,
                    "template_code": template.code,
                    "template": template,
                    "plan": plan,
                    "status": item["status"],
                    "included": item["included"],
                }
            )
    organisations = Organisation.objects.in_bulk([p["organisation"] for p in partners])
    for partner in partners:
        partner["organisation"] = organisations[partner["organisation"]]
    partners.sort(key=lambda p: (p["role"] != COMMISSIONER, p["organisation"].name))
    commissioners = _sum_or_blank(p["weighted"] for p in partners if p["role"] == COMMISSIONER)
    providers = _sum_or_blank(p["weighted"] for p in partners if p["role"] == PROVIDER)
    return {
        "total": _sum_or_blank([commissioners, providers]),
        "commissioners": commissioners,
        "providers": providers,
        "partners": partners,
        "plans": used,
        "missing": [p for p in partners if p["control_total"] is None],
    }


def _sum_or_blank(values):
    """The sum of the values that are not blank; blank when every one is (a missing figure is
    not a figure of 0)."""
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _submitted_cell(grid, cell, submission_ids):
    """{submission id: the value of `cell` as its organisation submitted it, before its share},
    in one query for every submission."""
    typed = {}
    rows = SubmissionValue.objects.filter(submission_id__in=submission_ids).values_list(
        "submission_id", "line__code", "column__code", "value"
    )
    for submission_id, line, column, value in rows:
        typed.setdefault(submission_id, {})[(line, column)] = value
    return {pk: grid.compute(typed.get(pk, {})).get(cell) for pk in submission_ids}


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
    version = whole_number(version_text)
    return plan_version(system=system, template=template, stage=stage, version=version)


def plan_scope(*, user, code, year, template_code=None):
    """The system (404 unless the user may review it), the round and, when named, the template."""
    system = system_for_reviewer(user=user, code=code)
    if template_code is None:
        return system, round_get(financial_year=year), None
    template = plan_template(financial_year=year, code=template_code)
    return system, template.round, template


def exported_plan(*, user, code, year, template, stage, version_text):
    """The plan version an export's URL names (?version=N, else the newest) and its figures; 404
    when none is built."""
    system, _, template = plan_scope(user=user, code=code, year=year, template_code=template)
    plan = requested_plan(system=system, template=template, stage=stage, version_text=version_text)
    if plan is None:
        raise Http404("No plan has been built yet.")
    return plan, figures_with_control_total(plan)


def figures_with_control_total(plan):
    """The plan's figures and, for a finance plan, the system control total read with this
    version for its own template (`plan_control_total`)."""
    result = figures(plan)
    result.control_total = plan_control_total(plan)
    return result


def plan_control_total(plan):
    """For a finance plan, the system control total read with this version for its own template
    (the newest of the other finance templates); None for other plans."""
    if control_total_cell(plan.template) is None:
        return None
    return system_control_total(
        system=plan.system,
        round_=plan.template.round,
        stage=plan.stage,
        plans={plan.template_id: plan},
    )


def figures_state(plan, grid, others, previous=None, previous_others=None):
    """What a plan page's figures (its sections, their charts, the providers' plan beside it)
    are made from, as a hashable tuple that changes whenever any of them may: the version (its
    totals and partners' submissions never change), its template's grid and rules, the newest
    plans of the other templates its measures read (`others`, `other_plans`), last round's
    approved plan it is compared with (`previous`, and the plans its measures read,
    `previous_others`), the system's alignment threshold and the names its links are made of.
    None when a grid's state cannot be read (not PostgreSQL): then nothing may be kept."""
    parts = [template_state(plan.template), *_others_state(others)]
    if previous is not None:
        parts.append((previous.pk, template_state(previous.template)))
        parts.extend(_others_state(previous_others or {}))
    if None in parts[0]:
        return None
    system = plan.system
    return (
        plan.pk,
        plan.stage,
        plan.template.code,
        system.code,
        str(system.alignment_threshold),
        plan.template.round.financial_year,
        tuple(parts),
    )


def _others_state(others):
    for code, other in sorted(others.items()):
        template, plan = other["template"], other["plan"]
        yield (code, template and template_state(template), plan and plan.pk)


def newest_version(*, system, template, stage):
    """The newest version's number and build time (None before the first build), in one narrow
    query: the page's script asks every few seconds, and a version's inputs can be large."""
    return (
        SystemPlan.objects.filter(system=system, template=template, stage=stage)
        .order_by("-version")
        .values("version", "built_at")
        .first()
    )
