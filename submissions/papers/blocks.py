"""The data blocks of a Governing Body paper, read afresh at each render: the timetable, tables of
the organisation's returns, each system's finance plan and control total, and returns outstanding."""

from decimal import Decimal

from planning.formulas import round_half_up
from planning.models import Template
from planning.selectors import memberships_for_round, milestones_for
from submissions.formatting import format_bracketed, format_value
from submissions.models import Paper, Return, SystemPlan
from submissions.plans.presenters import control_total_is_rounded
from submissions.plans.selectors import control_total, figures, system_control_total
from submissions.returns.selectors import (
    grid_for_template,
    latest_submission,
    submission_computed_values,
    submission_evaluation,
)

# A paper quotes a measure's percentage to two decimals ("4.32% of allocation"), as governing body
# papers do, and money in £000 whole numbers.
MEASURE_PLACES = 2
# The allocations as the 2019/20 guidance splits them, and their total (the finance template's).
ALLOCATION_LINES = {
    "core_programme",
    "delegated_allocation",
    "gp_extended_access",
    "other_ring_fenced",
    "running_cost_allowance",
    "non_recurrent",
    "total_income",
}
# NHS England's reasonableness level for gross QIPP: 4% of allocation.
REASONABLE_QIPP = Decimal("0.04")


def _table(organisation, round_, code, lines=None):
    """Rows of the organisation's latest submission of a template, formatted as the seed papers
    format them. A return being edited is never printed: its last submission is, marked."""
    template = Template.objects.filter(round=round_, code=code).first()
    if template is None or organisation is None:
        return None
    ret, submission = latest_submission(organisation=organisation, template=template)
    if submission is None:
        return {"missing": True, "template": template.name}
    grid = grid_for_template(template)
    # Measures that look at another template read its submission that counts, never its figures
    # still being worked on.
    values = submission_computed_values(submission, grid)
    section = grid.grid_sections[0]
    rows = []
    for line in section.lines:
        if lines and line.code not in lines:
            continue
        rows.append(
            {
                "label": line.label,
                "total": bool(line.formula),
                "cells": [
                    _cell(values.get((line.code, c.code)), c.unit or line.unit)
                    for c in section.columns
                ],
            }
        )
    return {
        **_source(template, ret, submission),
        "columns": [c.label for c in section.columns],
        "units": [c.unit or section.lines[0].unit for c in section.columns],
        "rows": rows,
    }


def _cell(value, unit):
    if value is None:
        return ""
    if unit == "%":
        return f"{format_value(value, '%')}%"
    return format_bracketed(value, unit)


def _percent(value):
    """'4.32%': a measure's percentage to two decimals, rounded half up."""
    return f"{round_half_up(value, MEASURE_PLACES):,.{MEASURE_PLACES}f}%"


def _money(value):
    return format_bracketed(value, "£000")


def _source(template, ret, submission):
    status = "Under amendment" if ret.is_under_amendment else ret.get_status_display()
    return {
        "template": template.name,
        "stage": ret.get_stage_display(),
        "status": status,
        "submission": submission.number,
        "submitted_at": submission.submitted_at,
    }


def _finance_measures(organisation, round_):
    """The measures every paper quotes, [{"code", "text"}], computed from the organisation's
    submitted finance plan (the submission that counts) and, for QIPP, its submitted QIPP plan:
    never typed, never from figures still being worked on. A measure whose figures are not there
    is left out; QIPP as % of allocation says when there is no QIPP plan submitted."""
    template = Template.objects.filter(round=round_, code="finance").first()
    if template is None or organisation is None:
        return []
    _ret, submission = latest_submission(organisation=organisation, template=template)
    if submission is None:
        return []
    evaluation = submission_evaluation(submission)
    lines = evaluation.grid.lines_by_code()
    sections = evaluation.grid.section_of_line()
    warned = {w.key for w in evaluation.warnings}

    def cell(line):
        """A line's figure: a measure's in its section's headline column, others' 2019/20 budget."""
        if line not in lines:
            return None
        column = _headline_column(sections[line])
        return evaluation.values.get((line, column.code if column else "budget"))

    measures = []

    def add(code, text):
        measures.append({"code": code, "text": text})

    allocation = cell("total_income")
    qipp = (evaluation.other_values.get("qipp") or {}).get(("total", "gross"))
    qipp_pct = cell("qipp_pct_allocation")
    if qipp is not None and qipp_pct is not None:
        text = f"QIPP {_money(qipp)}, {_percent(qipp_pct)} of allocation"
        if allocation is not None and round_half_up(qipp, 0) > round_half_up(
            REASONABLE_QIPP * allocation, 0
        ):
            text += ", above the 4% reasonableness level"
        add("qipp", text)
    elif "qipp_pct_allocation" in lines:
        name = evaluation.other_templates.get("qipp", "QIPP plan")
        add("qipp", f"QIPP as % of allocation: no {name} submitted yet")
    programme, mental_health = cell("programme_growth_pct"), cell("mental_health_growth_pct")
    if programme is not None:
        add("programme_growth", f"Programme allocation growth {_percent(programme)}")
    if mental_health is not None and programme is not None:
        met = "met" if "mental_health_investment_standard" not in warned else "not met"
        add(
            "mental_health_growth",
            f"Mental health spend growth {_percent(mental_health)} against programme allocation "
            f"growth {_percent(programme)}: the Mental Health Investment Standard is {met}",
        )
    running_costs, allowance = cell("running_costs"), cell("running_cost_allowance")
    difference = cell("running_costs_vs_allowance")
    if None not in (difference, running_costs, allowance):
        rounded = round_half_up(difference, 0)
        where = (
            "exactly the allowance"
            if rounded == 0
            else f"{_money(abs(rounded))} {'below' if rounded < 0 else 'above'} the allowance"
        )
        add(
            "running_costs",
            f"Running costs {_money(running_costs)} against an allowance of {_money(allowance)}: "
            f"{where}",
        )
    contingency, contingency_pct = cell("contingency"), cell("contingency_pct_allocation")
    if contingency is not None and contingency_pct is not None:
        add(
            "contingency",
            f"Contingency {_money(contingency)}, {_percent(contingency_pct)} of allocation",
        )
    return measures


def _performance(organisation, round_):
    """Each rate of the organisation's submitted performance trajectories that has a national
    standard (`Line.standard`), as the paper quotes it: "A&E 4 hours: 91.2% planned (Q4 2019/20)
    against the 95% standard", at the section's headline column."""
    template = Template.objects.filter(round=round_, kind=Template.Kind.PERFORMANCE).first()
    if template is None or organisation is None:
        return None
    ret, submission = latest_submission(organisation=organisation, template=template)
    if submission is None:
        return {"missing": True, "template": template.name}
    grid = grid_for_template(template)
    values = submission_computed_values(submission, grid)
    rows = []
    for s in grid.grid_sections:
        column = _headline_column(s)
        if column is None:
            continue
        for line in s.lines:
            standard = getattr(line, "standard", None)
            if standard is None:
                continue
            value = values.get((line.code, column.code))
            planned = (
                f"{format_value(value, '%')}% planned ({column.label})"
                if value is not None
                else f"no plan given ({column.label})"
            )
            standard = f"{Decimal(standard).normalize():f}"
            rows.append(
                {
                    "label": line.label,
                    "text": f"{line.label}: {planned} against the {standard}% standard",
                }
            )
    return {**_source(template, ret, submission), "rows": rows}


def _headline_column(grid_section):
    code = getattr(grid_section.section, "headline", "")
    columns = grid_section.columns
    chosen = next((c for c in columns if c.code == code), None)
    return chosen or (columns[-1] if columns else None)


def _timetable(paper):
    systems = _systems(paper)
    rows = []
    seen = set()
    for system in systems or [None]:
        for m in milestones_for(round=paper.round, system=system):
            if m.pk in seen:
                continue
            seen.add(m.pk)
            rows.append(
                {
                    "date": m.date,
                    "end_date": m.end_date,
                    "date_note": m.date_note,
                    "when": m.when,
                    "title": m.title,
                    "scope": m.system.code if m.system_id else "National",
                }
            )
    rows.sort(key=lambda r: (r["date"], r["title"]))
    return rows


def _systems(paper):
    if paper.system_id:
        return [paper.system]
    memberships = memberships_for_round(financial_year=paper.round.financial_year).filter(
        organisation=paper.organisation
    )
    return [m.system for m in memberships.select_related("system")]


def _system_plan(paper):
    """Each system's finance plan: control total, contributions and approval status. A system's
    paper (its ICS lead's) shows the latest version; an organisation's paper shows only an
    approved one, because its readers may not read the other partners' unapproved figures."""
    summaries = []
    finance = Template.objects.filter(round=paper.round, code="finance").first()
    if finance is None:
        return summaries
    for system in _systems(paper):
        plans = SystemPlan.objects.filter(system=system, template=finance)
        if not paper.system_id:
            plans = plans.filter(approved_at__isnull=False)
        plan = plans.select_related("approved_by").order_by("-stage", "-version").first()
        if plan is None:
            summaries.append({"system": system.name, "plan": None})
            continue
        grid = figures(plan).grid
        total = control_total(plan, grid)
        summaries.append(
            {
                "system": system.name,
                "plan": {
                    "version": plan.version,
                    "stage": plan.get_stage_display(),
                    "approved_by": (
                        plan.approved_by.get_full_name() or plan.approved_by.get_username()
                    )
                    if plan.approved_by
                    else "",
                    "approved_at": plan.approved_at,
                    "approval_note": plan.approval_note,
                    "approval_exceptions": plan.approval_exceptions,
                },
                "rows": [
                    {"name": r["input"]["name"], "value": format_bracketed(r["value"], "£000")}
                    for r in (total["rows"] if total else [])
                ],
                "total": format_bracketed(total["total"], "£000") if total else "",
                "rounded": control_total_is_rounded(total),
                "system_control_total": _system_control_total(paper, system, plan),
            }
        )
    return summaries


def _system_control_total(paper, system, plan):
    """The system control total, commissioners plus providers, each partner share-weighted, with
    its split, from the newest plan of each finance template of the system at the plan's stage (on
    an organisation's paper, the newest approved one: its readers may read approved plans only)."""
    result = system_control_total(
        system=system,
        round_=paper.round,
        stage=plan.stage,
        plans={plan.template_id: plan},
        approved_only=not paper.system_id,
    )
    parts = [
        ("commissioners", "Commissioners", result["commissioners"]),
        ("providers", "Providers", result["providers"]),
    ]
    shown = [f"{label.lower()} {_money(value)}" for _, label, value in parts if value is not None]
    text = (
        f"System control total {_money(result['total'])}: {' + '.join(shown)}"
        if result["total"] is not None
        else "System control total: no partner's control total yet"
    )
    return {
        "text": text,
        "total": _money(result["total"]),
        "commissioners": _money(result["commissioners"]),
        "providers": _money(result["providers"]),
        "partners": [
            {
                "name": p["organisation"].name,
                "role": "Provider" if p["role"] == "provider" else "Commissioner",
                "share": f"{round_half_up(p['share'] * 100, 1).normalize():f}%",
                "control_total": _money(p["control_total"]),
                "weighted": _money(p["weighted"]),
            }
            for p in result["partners"]
        ],
    }


def _outstanding(paper):
    """Returns of the round not yet submitted: every partner's for a system's paper, the
    organisation's own for an organisation's paper (its readers may not read the partners')."""
    rows = []
    for system in _systems(paper):
        members = (
            memberships_for_round(financial_year=paper.round.financial_year)
            .filter(system=system)
            .select_related("organisation")
        )
        if not paper.system_id:
            members = members.filter(organisation=paper.organisation)
        members = list(members)
        templates = list(Template.objects.filter(round=paper.round).order_by("order"))
        done = set(
            Return.objects.filter(
                template__round=paper.round,
                organisation__in=[m.organisation_id for m in members],
                status__in=[Return.Status.SUBMITTED, Return.Status.ACCEPTED],
            ).values_list("organisation_id", "template_id")
        )
        for m in members:
            for t in templates:
                if t.completed_by(m.organisation) and (m.organisation_id, t.pk) not in done:
                    rows.append(
                        {
                            "system": system.code,
                            "organisation": m.organisation.name,
                            "template": t.name,
                        }
                    )
    return rows


def paper_data(paper):
    """Everything the paper shows, as plain values: the cover and each chosen block."""
    org = paper.organisation
    blocks = set(paper.blocks)
    data = {
        "cover": {
            field: getattr(paper, field)
            for field in (*Paper.TEXT_FIELDS, "objectives", "implications", "sections")
        },
        "subject": str(paper.subject),
        "round": paper.round.name,
    }
    if Paper.Block.TIMETABLE in blocks:
        data["timetable"] = _timetable(paper)
    if Paper.Block.SUMMARY_OF_SPEND in blocks:
        data["summary_of_spend"] = _table(org, paper.round, "finance")
    if Paper.Block.ALLOCATIONS in blocks:
        data["allocations"] = _table(
            org,
            paper.round,
            "finance",
            lines=ALLOCATION_LINES,
        )
    if Paper.Block.QIPP in blocks:
        data["qipp"] = _table(org, paper.round, "qipp")
    # The measures every paper quotes, under the tables they come from: all of them under the
    # summary of spend, QIPP as % of allocation under the QIPP plan.
    if data.get("summary_of_spend") and not data["summary_of_spend"].get("missing"):
        data["summary_of_spend"]["measures"] = [
            m["text"] for m in _finance_measures(org, paper.round)
        ]
    if data.get("qipp") and not data["qipp"].get("missing"):
        data["qipp"]["measures"] = [
            m["text"] for m in _finance_measures(org, paper.round) if m["code"] == "qipp"
        ]
    if Paper.Block.PERFORMANCE in blocks:
        data["performance"] = _performance(org, paper.round)
    if Paper.Block.ACTIVITY in blocks:
        data["activity"] = _table(org, paper.round, "activity")
    if Paper.Block.SYSTEM_PLAN in blocks:
        data["system_plan"] = _system_plan(paper)
    if Paper.Block.OUTSTANDING in blocks:
        data["outstanding"] = _outstanding(paper)
    return data
