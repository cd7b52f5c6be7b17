"""The ICS lead's pages: completeness matrix, system plan, line drill-down, alignment, exports."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from submissions.formatting import neutralise
from submissions.models import Return

from . import presenters, selectors, services
from .presenters import plan_url
from .rules import SystemScope, can


def _stage(request):
    stage = request.GET.get("stage", Return.Stage.DRAFT)
    return stage if stage in Return.Stage.values else Return.Stage.DRAFT


def _scope(request, code, year, template=None):
    """The system (if the user may review it), the round and, when named, the plan's template."""
    scope = selectors.plan_scope(user=request.user, code=code, year=year, template_code=template)
    return scope if template else scope[:2]


@login_required
def completeness(request, code, year):
    system, round_ = _scope(request, code, year)
    stage = _stage(request)
    templates, rows = selectors.completeness(system=system, round_=round_, stage=stage)
    context = {"system": system, "round": round_, "stage": stage, "templates": templates}
    return render(request, "submissions/completeness.html", {**context, "rows": rows})


@login_required
def plan_detail(request, code, year, template, stage):
    system, round_, template = _scope(request, code, year, template)
    plan = selectors.requested_plan(
        system=system, template=template, stage=stage, version_text=request.GET.get("version", "")
    )
    context = {
        "system": system,
        "round": round_,
        "template": template,
        "stage": stage,
        "plan": plan,
        "state": selectors.plan_state(system=system, template=template, stage=stage),
        "can_build": can(request.user, "submissions.build_plan", SystemScope(system)),
    }
    if plan is not None:
        context.update(_plan_context(request.user, plan))
    return render(request, "submissions/plan_detail.html", context)


def _plan_context(user, plan):
    figures = selectors.figures(plan)
    approved, changes = selectors.since_approval(plan=plan, current=figures)
    previous, previous_values = selectors.previous_round_values(plan=plan)
    return {
        "sections": presenters.plan_sections(figures, previous_values),
        "approved": approved,
        "changes": presenters.formatted_changes(changes),
        "previous": previous,
        "control_total": selectors.control_total(plan, figures.grid),
        "can_approve": can(user, "submissions.approve_plan", plan),
        "can_return": can(user, "submissions.return_plan_inputs", plan),
    }


@login_required
def plan_line(request, code, year, template, stage, line):
    """One line of a plan: every organisation's weighted contribution, with its share."""
    system, round_, template = _scope(request, code, year, template)
    plan = selectors.plan_version(system=system, template=template, stage=stage)
    if plan is None:
        return redirect(plan_url(system, template, stage))
    figures = selectors.figures(plan)
    section = figures.grid.section_of_line().get(line)
    if section is None or section.section.is_narrative:
        raise Http404("No such line.")
    the_line = figures.grid.lines_by_code()[line]
    per_org = selectors.contributions_by_organisation(plan, figures.grid)
    context = {
        "system": system,
        "round": round_,
        "template": template,
        "stage": stage,
        "plan": plan,
        "line": the_line,
        "columns": section.columns,
        "rows": presenters.line_rows(plan, section, the_line, per_org),
        "total": presenters.line_total(figures, section, the_line),
    }
    return render(request, "submissions/plan_line.html", context)


@login_required
@require_POST
def plan_build(request, code, year, template, stage):
    system, round_, template = _scope(request, code, year, template)
    if not can(request.user, "submissions.build_plan", SystemScope(system)):
        raise PermissionDenied
    plan, created = services.build_system_plan(
        system=system, template=template, stage=stage, user=request.user
    )
    if created:
        messages.success(request, f"Built version {plan.version} of the plan.")
    else:
        messages.success(
            request, f"Nothing has changed since version {plan.version}: no new version was needed."
        )
    return redirect(plan_url(system, template, stage))


@login_required
@require_POST
def plan_approve(request, code, year, template, stage):
    system, round_, template = _scope(request, code, year, template)
    plan = selectors.plan_version(
        system=system, template=template, stage=stage, version=int(request.POST.get("version", 0))
    )
    try:
        services.plan_approve(user=request.user, plan=plan)
    except services.PlanRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Version {plan.version} is approved and frozen.")
    return redirect(plan_url(system, template, stage))


@login_required
@require_POST
def plan_return_inputs(request, code, year, template, stage):
    system, round_, template = _scope(request, code, year, template)
    plan = selectors.plan_version(system=system, template=template, stage=stage)
    if plan is None:
        raise PermissionDenied
    try:
        returned = services.plan_return_inputs(
            user=request.user,
            plan=plan,
            organisation_ids=request.POST.getlist("organisation"),
            comment=request.POST.get("comment", ""),
        )
    except services.PlanRefused as refused:
        messages.error(request, str(refused))
    else:
        names = ", ".join(r.organisation.name for r in returned)
        messages.success(request, f"Returned for amendment: {names}.")
    return redirect(plan_url(system, template, stage))


@login_required
def plan_alignment(request, code, year):
    """Commissioners' against providers' activity plans for the same lines."""
    system, round_, template = _scope(request, code, year, "activity")
    stage = _stage(request)
    plan = selectors.plan_version(system=system, template=template, stage=stage)
    rows = selectors.alignment(plan=plan, threshold=system.alignment_threshold) if plan else []
    context = {
        "system": system,
        "round": round_,
        "stage": stage,
        "template": template,
        "plan": plan,
        "rows": presenters.alignment_rows(rows),
        "flagged": sum(r["flagged"] for r in rows),
    }
    return render(request, "submissions/plan_alignment.html", context)


@login_required
def plan_export_csv(request, **url):
    version = request.GET.get("version", "")
    plan, figures = selectors.exported_plan(user=request.user, version_text=version, **url)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{presenters.export_name(plan)}.csv"'
    writer = csv.DictWriter(response, fieldnames=presenters.EXPORT_FIELDS)
    writer.writeheader()
    for row in presenters.export_rows(plan, figures):
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return response


@login_required
def plan_export_json(request, **url):
    version = request.GET.get("version", "")
    plan, figures = selectors.exported_plan(user=request.user, version_text=version, **url)
    body = presenters.export_document(plan, figures)
    response = JsonResponse(body, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{presenters.export_name(plan)}.json"'
    return response
