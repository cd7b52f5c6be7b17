"""The ICS lead's pages: completeness matrix, system plan, line drill-down, alignment, exports."""

import csv
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.timezone import localdate
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from planning import audit
from planning.selectors import systems_reviewable_by
from submissions.formatting import neutralise
from submissions.kept import kept
from submissions.models import Return
from submissions.params import whole_number
from submissions.queries import selectors as query_selectors
from submissions.returns.deadlines import DueDates
from submissions.returns.filters import (
    ListFilters,
    filtered_matrix,
    page_of,
    query_string,
    summary,
)

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


MATRIX_PARTNERS_PER_PAGE = 25


@login_required
def completeness(request, code, year):
    """Partners by templates, filtered by the query string (`returns.filters.ListFilters`); the
    system filter opens another system's matrix, if the user may review it."""
    system, round_ = _scope(request, code, year)
    stage = _stage(request)
    templates, rows = selectors.completeness(system=system, round_=round_, stage=stage)
    systems = systems_reviewable_by(user=request.user).order_by("name")
    members = [row["membership"].organisation for row in rows]
    filters = ListFilters.from_query(
        request.GET,
        systems=[(s.code, s.name) for s in systems],
        organisations=[(o.ods_code, f"{o.name} ({o.ods_code})") for o in members],
        templates=[(t.code, t.name) for t in templates],
    )
    kept = [("stage", stage)]
    if filters.system and filters.system != system.code:
        items = [(name, value) for name, value in filters.query_items() if name != "system"]
        # Another system's partners are not this one's: its organisation filter does not carry.
        items = [(name, value) for name, value in items if name != "organisation"]
        url = reverse("submissions:completeness", args=[filters.system, round_.financial_year])
        return redirect(url + query_string(kept + items))
    filters.system = ""  # this system's matrix: shown as chosen, not a filter to clear
    filters.showing("system", system.code)
    due = DueDates(organisation_ids=[o.pk for o in members], round_=round_)
    columns, rows, cells = filtered_matrix(
        templates, rows, filters, due=due, stage=stage, today=localdate()
    )
    # The summary counts every partner the filters keep; the matrix shows a page of them.
    page = page_of(
        rows,
        request.GET.get("page"),
        per_page=MATRIX_PARTNERS_PER_PAGE,
        items=kept + filters.query_items(),
    )
    context = {"system": system, "round": round_, "stage": stage, "templates": templates}
    context |= {"columns": columns, "filters": filters, "summary": summary(cells), "kept": kept}
    context |= {"clear_url": query_string(kept), "one_system_at_a_time": True, "page": page}
    # The other stage's matrix keeps the filters (a page number does not carry over).
    context["stage_keeps"] = (
        "&" + query_string(filters.query_items())[1:] if filters.is_active else ""
    )
    return render(request, "submissions/completeness.html", {**context, "rows": page["rows"]})


@login_required
def plan_detail(request, code, year, template, stage):
    system, round_, template = _scope(request, code, year, template)
    version_text = request.GET.get("version", "")
    plan = selectors.requested_plan(
        system=system, template=template, stage=stage, version_text=version_text
    )
    if plan is not None:
        plan.system, plan.template = system, template  # the rows read above, with the round
    if whole_number(version_text) is not None:
        newest = selectors.newest_version(system=system, template=template, stage=stage)
    else:  # the page shows the newest version (requested_plan): no second query for it
        newest = plan and {"version": plan.version, "built_at": plan.built_at}
    state = selectors.plan_state(system=system, template=template, stage=stage)
    context = {
        "system": system,
        "round": round_,
        "template": template,
        "stage": stage,
        "plan": plan,
        "state": state,
        "freshness": presenters.freshness(newest, state),
        "can_build": can(request.user, "submissions.build_plan", SystemScope(system)),
    }
    if plan is not None:
        context.update(_plan_context(request.user, plan, newest and newest["version"]))
    return render(request, "submissions/plan_detail.html", context)


def _plan_context(user, plan, newest):
    """What the page shows of a built version; `newest` is the newest version's number."""
    grid = selectors.grid_for_template(plan.template)
    others = selectors.other_plans(plan, grid)
    figures = functools.cache(lambda: selectors.figures(plan, grid, others))
    approved = selectors.approved_of(plan)
    changes = []
    if approved is not None and approved.version < plan.version:
        changes = selectors.differences(selectors.figures(approved, grid), figures())
    may_approve = can(user, "submissions.approve_plan", plan)
    current = selectors.current_inputs(plan)
    control = selectors.plan_control_total(plan)
    return {
        "approval_blockers": (
            selectors.approval_blockers(plan, current, newest) if may_approve else []
        ),
        "approvals": (
            plan.approvals.select_related("approved_by", "withdrawn_by")
            if plan.has_approvals
            else []
        ),
        "can_withdraw_approval": can(user, "submissions.withdraw_plan_approval", plan),
        "provenance": presenters.provenance(plan, selectors.inputs_now(plan, current)),
        "figures_html": _figures_html(plan, grid, others, figures),
        "approved": approved,
        "changes": presenters.formatted_changes(changes),
        "control_total": presenters.system_control_total(control) if control else None,
        "other_plans": presenters.other_plans(others),
        "can_approve": may_approve,
        "can_return": can(user, "submissions.return_plan_inputs", plan),
    }


# Part of the kept figures' key: change it whenever the markup kept changes.
FIGURES_CACHE_FORMAT = 1


def _figures_html(plan, grid, others, figures):
    """A plan page's figures (its sections, their charts and the providers' plan beside them), as
    rendered, kept (`submissions.kept`) under what they are made of (`selectors.figures_state`): a
    version's totals and partners never change, so only a new version, a changed template, another
    plan its measures read, last round's approved plan or the system's alignment threshold make
    them differ."""
    _, previous = selectors.previous_round_approved(
        system=plan.system, template=plan.template, stage=plan.stage
    )
    previous_grid = previous_others = None
    if previous is not None:
        previous_grid = selectors.grid_for_template(previous.template)
        previous_others = selectors.other_plans(previous, previous_grid)
    state = selectors.figures_state(plan, grid, others, previous, previous_others)

    def make():
        previous_values = None
        if previous is not None:
            previous_values = selectors.figures(previous, previous_grid, previous_others).values
        providers = []
        if selectors.providers_beside(plan):
            rows = selectors.alignment(plan=plan, threshold=plan.system.alignment_threshold)
            providers = presenters.alignment_rows(rows)
        return render_to_string(
            "submissions/plans/_plan_figures.html",
            {
                "plan": plan,
                "system": plan.system,
                "round": plan.template.round,
                "template": plan.template,
                "stage": plan.stage,
                "previous": previous,
                "sections": presenters.plan_sections(figures(), previous_values),
                "providers": providers,
            },
        )

    return kept("plan-figures", state and (FIGURES_CACHE_FORMAT, state), make)


@login_required
@require_GET
@never_cache
def plan_status(request, code, year, template, stage):
    """For the plan page's script (`static/js/plan-status.js`): the newest version, and whether a
    new one is on its way and when. Scoped like the plan page: another system's lead gets a 404."""
    system, _, template = _scope(request, code, year, template)
    state = selectors.plan_state(system=system, template=template, stage=stage)
    newest = selectors.newest_version(system=system, template=template, stage=stage)
    return JsonResponse(presenters.freshness(newest, state))


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
        "rows": presenters.line_rows(
            plan,
            section,
            the_line,
            per_org,
            queries=query_selectors.open_on_plan_line(
                return_ids=[i["return_id"] for i in plan.included], line=the_line
            ),
        ),
        "total": presenters.line_total(figures, section, the_line),
        "providers_beside": selectors.providers_beside(plan),
        "rounded": presenters.line_is_rounded(plan, section, the_line, per_org, figures),
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
@require_http_methods(["GET", "POST"])
def plan_approve(request, code, year, template, stage):
    """The confirmation page for approving one plan version: its totals, each partner's
    submission, and who must be named, with a reason, for approving without them."""
    system, round_, template = _scope(request, code, year, template)
    version = request.POST.get("version") or request.GET.get("version", "")
    plan = selectors.plan_version(
        system=system, template=template, stage=stage, version=whole_number(version) or -1
    )
    if not can(request.user, "submissions.approve_plan", plan):
        raise PermissionDenied
    refused = None
    if request.method == "POST":
        try:
            services.plan_approve(
                user=request.user,
                plan=plan,
                # Only ids: an empty or non-numeric "exception" names no organisation.
                exceptions=[
                    pk for pk in request.POST.getlist("exception") if whole_number(pk) is not None
                ],
                note=request.POST.get("note", ""),
                address=audit.address_of(request),
            )
        except services.PlanRefused as error:
            refused = error
        else:
            messages.success(request, f"Version {plan.version} is approved and frozen.")
            return redirect(plan_url(system, template, stage))
    current = selectors.current_inputs(plan)
    partners = presenters.approval_partners(
        selectors.inputs_now(plan, current), checked=request.POST.getlist("exception")
    )
    context = {
        "system": system,
        "round": round_,
        "template": template,
        "stage": stage,
        "plan": plan,
        "blockers": selectors.approval_blockers(plan, current),
        "partners": partners,
        "unsettled": [p for p in partners if not p["settled"]],
        "sections": presenters.plan_sections(selectors.figures(plan)),
        "refused": refused,
        "posted": request.POST,
    }
    return render(request, "submissions/plan_approve.html", context, status=422 if refused else 200)


@login_required
@require_POST
def plan_withdraw_approval(request, code, year, template, stage):
    """The ICS lead withdraws the approval of the version the page showed, saying why."""
    system, round_, template = _scope(request, code, year, template)
    plan = selectors.plan_version(
        system=system,
        template=template,
        stage=stage,
        version=whole_number(request.POST.get("version")) or -1,
    )
    try:
        services.plan_withdraw_approval(
            user=request.user,
            plan=plan,
            reason=request.POST.get("reason"),
            address=audit.address_of(request),
        )
    except services.PlanRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"The approval of version {plan.version} is withdrawn.")
    return redirect(plan_url(system, template, stage) + f"?version={plan.version}")


@login_required
@require_POST
def plan_return_inputs(request, code, year, template, stage):
    system, round_, template = _scope(request, code, year, template)
    plan = selectors.plan_version(system=system, template=template, stage=stage)
    if plan is None:
        raise PermissionDenied
    try:
        returned, not_returned = services.plan_return_inputs(
            user=request.user,
            plan=plan,
            # Only ids: "abc" (or a huge number) names no organisation, and is left out.
            organisation_ids=[
                pk for pk in request.POST.getlist("organisation") if whole_number(pk) is not None
            ],
            comment=request.POST.get("comment", ""),
        )
    except services.PlanRefused as refused:
        messages.error(request, refused.message)
    else:
        names = ", ".join(r.organisation.name for r in returned)
        messages.success(request, f"Returned for amendment: {names}.")
        if not_returned:
            messages.info(request, f"Not returned: {services.no_longer_submitted(not_returned)}.")
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
    for row in presenters.csv_rows(plan, figures):
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return response


@login_required
def plan_export_json(request, **url):
    version = request.GET.get("version", "")
    plan, figures = selectors.exported_plan(user=request.user, version_text=version, **url)
    body = presenters.export_document(plan, figures, now=selectors.inputs_now(plan))
    response = JsonResponse(body, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{presenters.export_name(plan)}.json"'
    return response


# How fresh the plan is: what the plan page says, and what its script asks every few seconds.
