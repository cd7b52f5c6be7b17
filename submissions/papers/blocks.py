"""The data blocks of a Governing Body paper, read afresh at each render: the timetable, tables of
the organisation's returns, each system's finance plan and control total, and returns outstanding."""

from planning.models import Template
from planning.selectors import memberships_for_round, milestones_for
from submissions.formatting import format_bracketed, format_value
from submissions.models import Paper, Return, SystemPlan
from submissions.plans.presenters import control_total_is_rounded
from submissions.plans.selectors import control_total, figures
from submissions.returns.selectors import (
    grid_for_template,
    latest_submission,
    submitted_values,
)


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
    values = grid.compute(submitted_values(submission))
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
    status = "Under amendment" if ret.is_under_amendment else ret.get_status_display()
    return {
        "template": template.name,
        "stage": ret.get_stage_display(),
        "status": status,
        "submission": submission.number,
        "submitted_at": submission.submitted_at,
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
            }
        )
    return summaries


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
            lines={
                "core_programme",
                "delegated_allocation",
                "running_cost_allowance",
                "total_income",
            },
        )
    if Paper.Block.QIPP in blocks:
        data["qipp"] = _table(org, paper.round, "qipp")
    if Paper.Block.ACTIVITY in blocks:
        data["activity"] = _table(org, paper.round, "activity")
    if Paper.Block.SYSTEM_PLAN in blocks:
        data["system_plan"] = _system_plan(paper)
    if Paper.Block.OUTSTANDING in blocks:
        data["outstanding"] = _outstanding(paper)
    return data
