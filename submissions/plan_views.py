"""The ICS lead's pages: completeness matrix, system plan, line drill-down, alignment, exports."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from planning.selectors import round_get, system_for_reviewer

from . import aggregation, plan_selectors, services
from .formatting import format_value, neutralise
from .models import Return
from .rules import can


def _stage(request):
    stage = request.GET.get("stage", Return.Stage.DRAFT)
    return stage if stage in Return.Stage.values else Return.Stage.DRAFT


def _scope(request, code, year):
    return system_for_reviewer(user=request.user, code=code), round_get(financial_year=year)


def _requested_plan(request, system, template, stage):
    """The version named by ?version=N, else the newest (None when none is built)."""
    version = request.GET.get("version", "")
    return plan_selectors.plan_version(
        system=system,
        template=template,
        stage=stage,
        version=int(version) if version.isdigit() else None,
    )


def _plan_url(system, template, stage, name="submissions:plan", **extra):
    args = [system.code, template.round.financial_year, template.code, stage, *extra.values()]
    return reverse(name, args=args)


@login_required
def completeness(request, code, year):
    system, round_ = _scope(request, code, year)
    stage = _stage(request)
    templates, rows = plan_selectors.completeness(system=system, round_=round_, stage=stage)
    return render(
        request,
        "submissions/completeness.html",
        {"system": system, "round": round_, "stage": stage, "templates": templates, "rows": rows},
    )


@login_required
def plan_detail(request, code, year, template, stage):
    system, round_ = _scope(request, code, year)
    template = plan_selectors.plan_template(round_=round_, code=template)
    plan = _requested_plan(request, system, template, stage)
    context = {
        "system": system,
        "round": round_,
        "template": template,
        "stage": stage,
        "plan": plan,
        "state": plan_selectors.plan_state(system=system, template=template, stage=stage),
        "can_build": can(request.user, "submissions.build_plan", _PlanScope(system)),
    }
    if plan is not None:
        figures = plan_selectors.figures(plan)
        context.update(_plan_context(request, system, template, stage, plan, figures))
    return render(request, "submissions/plan_detail.html", context)


class _PlanScope:
    """Lets the plan rules be asked about a system before any plan of it exists."""

    def __init__(self, system):
        self.system_id = system.pk


def _plan_context(request, system, template, stage, plan, figures):
    grid = figures.grid
    approved = plan_selectors.approved_plan(system=system, template=template, stage=stage)
    changes = []
    if approved and approved.pk != plan.pk and approved.version < plan.version:
        changes = plan_selectors.differences(plan_selectors.figures(approved, grid), figures)
    _, previous = plan_selectors.previous_round_approved(
        system=system, template=template, stage=stage
    )
    previous_values = plan_selectors.figures(previous).values if previous else {}
    sections = []
    for s in grid.grid_sections:
        headline = plan_selectors.headline(s)
        rows = []
        for line in s.lines:
            now = figures.values.get((line.code, headline))
            before = previous_values.get((line.code, headline))
            change = None if now is None or not before else (now - before) / before * 100
            rows.append(
                {
                    "line": line,
                    "cells": [
                        format_value(figures.values.get((line.code, c.code)), c.unit or line.unit)
                        for c in s.columns
                    ],
                    "previous": format_value(before, line.unit) if previous else "",
                    "change": format_value(change, "%") if change is not None else "",
                    "headline": now,
                }
            )
        sections.append(
            {
                "section": s.section,
                "columns": s.columns,
                "rows": rows,
                "headline": next(c for c in s.columns if c.code == headline),
                "chart": _chart(rows),
            }
        )
    return {
        "sections": sections,
        "approved": approved,
        "changes": [
            {
                **c,
                "old": format_value(c["old"], c["unit"]),
                "new": format_value(c["new"], c["unit"]),
            }
            for c in changes
        ],
        "previous": previous,
        "control_total": plan_selectors.control_total(plan, grid),
        "can_approve": can(request.user, "submissions.approve_plan", plan),
        "can_return": can(request.user, "submissions.return_plan_inputs", plan),
    }


def _chart(rows, width=480):
    """Bars for the headline column, drawn on the server as SVG (the table holds the same data)."""
    values = [r["headline"] for r in rows if r["headline"] is not None]
    largest = max((abs(v) for v in values), default=0)
    bars = []
    for index, row in enumerate(rows):
        value = row["headline"] or 0
        length = float(abs(value) / largest * width) if largest else 0
        bars.append(
            {
                "y": index * 28,
                "length": round(length, 1),
                "label": row["line"].label,
                "value": format_value(row["headline"], row["line"].unit),
                "negative": value < 0,
            }
        )
    return {"bars": bars, "height": len(rows) * 28, "width": width}


@login_required
def plan_line(request, code, year, template, stage, line):
    """One line of a plan: every organisation's weighted contribution, with its share."""
    system, round_ = _scope(request, code, year)
    template = plan_selectors.plan_template(round_=round_, code=template)
    plan = plan_selectors.plan_version(system=system, template=template, stage=stage)
    if plan is None:
        return redirect(_plan_url(system, template, stage))
    figures = plan_selectors.figures(plan)
    section = figures.grid.section_of_line().get(line)
    if section is None or section.section.is_narrative:
        raise Http404("No such line.")
    the_line = figures.grid.lines_by_code()[line]
    per_org = plan_selectors.contributions_by_organisation(plan, figures.grid)
    rows = [
        {
            "input": item,
            "share_pct": format_value(float(item["share"]) * 100, "count"),
            "cells": [
                format_value(
                    per_org.get(item["organisation_id"], {}).get((line, c.code)),
                    c.unit or the_line.unit,
                )
                for c in section.columns
            ],
        }
        for item in plan.included
    ]
    total = [
        format_value(figures.values.get((line, c.code)), c.unit or the_line.unit)
        for c in section.columns
    ]
    return render(
        request,
        "submissions/plan_line.html",
        {
            "system": system,
            "round": round_,
            "template": template,
            "stage": stage,
            "plan": plan,
            "line": the_line,
            "columns": section.columns,
            "rows": rows,
            "total": total,
        },
    )


@login_required
@require_POST
def plan_build(request, code, year, template, stage):
    system, round_ = _scope(request, code, year)
    template = plan_selectors.plan_template(round_=round_, code=template)
    if not can(request.user, "submissions.build_plan", _PlanScope(system)):
        raise PermissionDenied
    plan, created = aggregation.build_system_plan(
        system=system, template=template, stage=stage, user=request.user
    )
    if created:
        messages.success(request, f"Built version {plan.version} of the plan.")
    else:
        messages.success(
            request, f"Nothing has changed since version {plan.version}: no new version was needed."
        )
    return redirect(_plan_url(system, template, stage))


@login_required
@require_POST
def plan_approve(request, code, year, template, stage):
    system, round_ = _scope(request, code, year)
    template = plan_selectors.plan_template(round_=round_, code=template)
    plan = plan_selectors.plan_version(
        system=system, template=template, stage=stage, version=int(request.POST.get("version", 0))
    )
    try:
        services.plan_approve(user=request.user, plan=plan)
    except services.ReturnInvalid as invalid:
        messages.error(request, invalid.messages[0].text)
    else:
        messages.success(request, f"Version {plan.version} is approved and frozen.")
    return redirect(_plan_url(system, template, stage))


@login_required
@require_POST
def plan_return_inputs(request, code, year, template, stage):
    system, round_ = _scope(request, code, year)
    template = plan_selectors.plan_template(round_=round_, code=template)
    plan = plan_selectors.plan_version(system=system, template=template, stage=stage)
    if plan is None:
        raise PermissionDenied
    try:
        returned = services.plan_return_inputs(
            user=request.user,
            plan=plan,
            organisation_ids=request.POST.getlist("organisation"),
            comment=request.POST.get("comment", ""),
        )
    except services.ReturnInvalid as invalid:
        messages.error(request, invalid.messages[0].text)
    else:
        names = ", ".join(r.organisation.name for r in returned)
        messages.success(request, f"Returned for amendment: {names}.")
    return redirect(_plan_url(system, template, stage))


@login_required
def plan_alignment(request, code, year):
    """Commissioners' against providers' activity plans for the same lines."""
    system, round_ = _scope(request, code, year)
    stage = _stage(request)
    template = plan_selectors.plan_template(round_=round_, code="activity")
    plan = plan_selectors.plan_version(system=system, template=template, stage=stage)
    rows = plan_selectors.alignment(plan=plan, threshold=system.alignment_threshold) if plan else []
    for row in rows:
        unit = row["line"].unit
        row["display"] = {
            "commissioners": format_value(row["commissioners"], unit),
            "providers": format_value(row["providers"], unit),
            "gap": format_value(row["gap"], unit),
            "gap_pct": format_value(row["gap_pct"], "%"),
        }
    return render(
        request,
        "submissions/plan_alignment.html",
        {
            "system": system,
            "round": round_,
            "stage": stage,
            "template": template,
            "plan": plan,
            "rows": rows,
            "flagged": sum(r["flagged"] for r in rows),
        },
    )


EXPORT_FIELDS = [
    "system",
    "round",
    "template",
    "stage",
    "plan_version",
    "approved_at",
    "section",
    "line_code",
    "line_label",
    "column_code",
    "column_label",
    "unit",
    "is_total_or_derived",
    "value",
]


def _export_rows(plan, figures):
    for s in figures.grid.grid_sections:
        for line in s.lines:
            for column in s.columns:
                value = figures.values.get((line.code, column.code))
                yield {
                    "system": plan.system.code,
                    "round": plan.template.round.name,
                    "template": plan.template.code,
                    "stage": plan.stage,
                    "plan_version": plan.version,
                    "approved_at": plan.approved_at.isoformat() if plan.approved_at else "",
                    "section": s.code,
                    "line_code": line.code,
                    "line_label": line.label,
                    "column_code": column.code,
                    "column_label": column.label,
                    "unit": column.unit or line.unit,
                    "is_total_or_derived": not figures.grid.is_input(line, column),
                    "value": "" if value is None else str(value),
                }


def _export_plan(request, code, year, template, stage):
    system, round_ = _scope(request, code, year)
    template = plan_selectors.plan_template(round_=round_, code=template)
    plan = _requested_plan(request, system, template, stage)
    if plan is None:
        raise Http404("No plan has been built yet.")
    return plan, plan_selectors.figures(plan)


@login_required
def plan_export_csv(request, code, year, template, stage):
    plan, figures = _export_plan(request, code, year, template, stage)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{plan.system.code}-{plan.template.code}-{plan.template.round.financial_year}-{plan.stage}-v{plan.version}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.DictWriter(response, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in _export_rows(plan, figures):
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return response


@login_required
def plan_export_json(request, code, year, template, stage):
    plan, figures = _export_plan(request, code, year, template, stage)
    body = {
        "system": plan.system.code,
        "round": plan.template.round.name,
        "template": plan.template.code,
        "stage": plan.stage,
        "plan_version": plan.version,
        "built_at": plan.built_at.isoformat(),
        "approved_at": plan.approved_at.isoformat() if plan.approved_at else None,
        "approved_by": plan.approved_by.get_username() if plan.approved_by else None,
        "inputs": [
            {
                "ods_code": i["ods_code"],
                "organisation": i["name"],
                "role": i["role"],
                "share": i["share"],
                "status": i["status"],
                "is_late": i["is_late"],
                "included": i["included"],
                "return_version": i["return_version"],
            }
            for i in plan.inputs
        ],
        "cells": list(_export_rows(plan, figures)),
    }
    response = JsonResponse(body, json_dumps_params={"indent": 2})
    name = f"{plan.system.code}-{plan.template.code}-{plan.template.round.financial_year}-{plan.stage}-v{plan.version}"
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


@login_required
def plan_export_xlsx(request, code, year, template, stage):
    from .excel import plan_workbook

    plan, figures = _export_plan(request, code, year, template, stage)
    contributions = plan_selectors.contributions_by_organisation(plan, figures.grid)
    name = f"{plan.system.code}-{plan.template.code}-{plan.template.round.financial_year}-{plan.stage}-v{plan.version}"
    response = HttpResponse(
        plan_workbook(plan, figures, contributions),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
