"""Return pages: the list of returns, the data entry page, its history, the comparison and the review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localdate
from django.views.decorators.http import require_http_methods, require_POST

from planning.models import Round, Template
from planning.selectors import round_current, round_get

from . import selectors, services
from .checks import parse_cell
from .formatting import format_value
from .models import Return
from .rules import permissions_for


def return_for(request, year, ods, template, stage):
    """The return a URL names, if the signed-in user may read it (404 otherwise)."""
    return selectors.return_for_reader(
        user=request.user, financial_year=year, ods_code=ods, template_code=template, stage=stage
    )


def _return_url(ret, name="submissions:return"):
    return reverse(
        name,
        args=[
            ret.template.round.financial_year,
            ret.organisation.ods_code,
            ret.template.code,
            ret.stage,
        ],
    )


@login_required
def return_list(request):
    """Every return the user can read in a round, organisation by organisation."""
    year = request.GET.get("year", "")
    round_ = (
        round_get(financial_year=int(year)) if year.isdigit() else round_current(today=localdate())
    )
    organisations = []
    if round_:
        organisations = list(
            selectors.organisations_readable_by(
                user=request.user, financial_year=round_.financial_year
            ).order_by("name")
        )
    templates = list(Template.objects.filter(round=round_).order_by("order")) if round_ else []
    existing = (
        selectors.returns_for_organisations(organisations=organisations, round_=round_)
        if round_
        else {}
    )
    rows = []
    for organisation in organisations:
        cells = []
        for template in templates:
            if not template.completed_by(organisation):
                continue
            for stage in Return.Stage:
                ret = existing.get((organisation.pk, template.pk, stage.value))
                cells.append({"template": template, "stage": stage, "ret": ret})
        if cells:
            rows.append({"organisation": organisation, "cells": cells})
    return render(
        request,
        "submissions/return_list.html",
        {"round": round_, "rounds": Round.objects.all(), "rows": rows},
    )


@login_required
@require_http_methods(["GET", "POST"])
def return_detail(request, year, ods, template, stage):
    ret = return_for(request, year, ods, template, stage)
    if request.method == "GET":
        return _render(request, ret)
    if not permissions_for(request.user, ret)["can_edit"]:
        raise PermissionDenied
    raw_cells, raw_answers, raw_explanations = _posted(request)
    try:
        base_version = int(request.POST.get("version", ""))
    except ValueError:
        base_version = -1
    try:
        ret = services.return_save(
            user=request.user,
            ret=ret,
            base_version=base_version,
            raw_cells=raw_cells,
            raw_answers=raw_answers,
            raw_explanations=raw_explanations,
        )
    except services.StaleReturn as stale:
        return _render_conflict(request, stale, raw_cells, raw_answers, raw_explanations)
    except services.ReturnInvalid as invalid:
        return _render(
            request,
            ret,
            raw=(raw_cells, raw_answers, raw_explanations),
            problems=invalid.messages,
            status=422,
        )
    if "submit" in request.POST:
        try:
            ret = services.return_submit(user=request.user, ret=ret)
        except services.ReturnInvalid as invalid:
            messages.info(
                request, "Your changes are saved, but the return cannot be submitted yet."
            )
            return _render(request, ret, problems=invalid.messages, status=422)
        late = " It was submitted after its deadline, so it is marked late." if ret.is_late else ""
        messages.success(request, f"{ret.template.name} submitted.{late}")
    else:
        messages.success(request, "Your changes are saved.")
    return redirect(_return_url(ret))


@login_required
@require_POST
def return_review(request, year, ods, template, stage):
    """The ICS lead accepts a submitted return, or returns it for amendment with a reason."""
    ret = return_for(request, year, ods, template, stage)
    allowed = permissions_for(request.user, ret)
    decision = request.POST.get("decision")
    if decision == "accept" and allowed["can_accept"]:
        services.return_accept(user=request.user, ret=ret)
        messages.success(request, f"{ret.organisation}'s {ret.template.name} is accepted.")
    elif decision == "return" and allowed["can_send_back"]:
        try:
            services.return_send_back(
                user=request.user, ret=ret, reason=request.POST.get("reason", "")
            )
        except services.ReturnInvalid as invalid:
            return _render(request, ret, problems=invalid.messages, status=422)
        messages.success(request, f"{ret.organisation}'s {ret.template.name} is returned.")
    else:
        raise PermissionDenied
    return redirect(_return_url(ret))


@login_required
def return_history(request, year, ods, template, stage):
    ret = return_for(request, year, ods, template, stage)
    page = Paginator(selectors.history(ret), 100).get_page(request.GET.get("page"))
    return render(request, "submissions/return_history.html", {"ret": ret, "page": page})


@login_required
def return_compare(request, year, ods, template):
    """Draft and final side by side, with the cells that differ marked."""
    draft = return_for(request, year, ods, template, "draft")
    final = return_for(request, year, ods, template, "final")
    draft_eval = selectors.evaluate(draft)
    final_eval = selectors.evaluate(final, grid=draft_eval.grid)
    draft_answers, final_answers = selectors.answers(draft), selectors.answers(final)
    sections = []
    changed = 0
    for s in draft_eval.grid.grid_sections:
        rows = []
        for line in s.lines:
            cells = []
            for column in s.columns:
                unit = column.unit or line.unit
                a = draft_eval.values.get((line.code, column.code))
                b = final_eval.values.get((line.code, column.code))
                differs = a != b
                changed += differs and draft_eval.grid.is_input(line, column)
                cells.append(
                    {
                        "draft": format_value(a, unit),
                        "final": format_value(b, unit),
                        "differs": differs,
                    }
                )
            rows.append({"line": line, "cells": cells})
        sections.append({"section": s.section, "columns": s.columns, "rows": rows})
    narratives = [
        {
            "line": line,
            "draft": draft_answers.get(line.code, ""),
            "final": final_answers.get(line.code, ""),
        }
        for s in draft_eval.grid.narrative_sections
        for line in s.lines
    ]
    return render(
        request,
        "submissions/return_compare.html",
        {
            "draft": draft,
            "final": final,
            "sections": sections,
            "narratives": narratives,
            "changed": changed,
        },
    )


def _posted(request):
    cells, answers, explanations = {}, {}, {}
    for name, value in request.POST.items():
        kind, _, rest = name.partition(":")
        if kind == "cell":
            line, _, column = rest.partition(":")
            cells[(line, column)] = value
        elif kind == "answer":
            answers[rest] = value
        elif kind == "explain":
            explanations[rest] = value
    return cells, answers, explanations


def _render_conflict(request, stale, raw_cells, raw_answers, raw_explanations):
    """Someone else saved first: show their changes, and keep this person's edits over them."""
    ret = stale.ret
    theirs = selectors.changes_since(ret, stale.base_version)
    current = selectors.typed_values(ret)
    base = dict(current)
    for change in reversed(theirs):
        if change.kind == "value":
            base[(change.line.code, change.column.code)] = parse_cell(change.old)[0]
    merged = {key: format_value(value, "", exact=True) for key, value in current.items()}
    mine = set()
    for key, raw in raw_cells.items():
        value, error = parse_cell(raw)
        if error or value != base.get(key):
            merged[key] = raw
            mine.add(key)
    theirs_cells = {(c.line.code, c.column.code) for c in theirs if c.kind == "value"}
    answers = selectors.answers(ret)
    answers.update(raw_answers)
    explanations = selectors.explanations(ret)
    explanations.update(raw_explanations)
    return _render(
        request,
        ret,
        raw=(merged, answers, explanations),
        conflict={"changes": theirs, "both": mine & theirs_cells, "mine": mine},
        status=409,
    )


def _render(request, ret, *, raw=None, problems=(), conflict=None, status=200):
    """The data entry page: typed values from `raw` when re-showing a form, else from the database."""
    raw_cells, raw_answers, raw_explanations = raw or ({}, None, None)
    typed = None  # None: the saved values
    if raw:
        typed = {}
        for key, text in raw_cells.items():
            value, error = parse_cell(text)
            if value is not None and not error:
                typed[key] = value
    evaluation = selectors.evaluate(ret, typed=typed)
    grid = evaluation.grid
    answers = raw_answers if raw_answers is not None else selectors.answers(ret)
    explanations = raw_explanations if raw_explanations is not None else selectors.explanations(ret)
    by_cell = {}
    for message in list(problems) + evaluation.errors + evaluation.warnings:
        if message.line and message.column:
            by_cell.setdefault((message.line, message.column), message)
    both = conflict["both"] if conflict else set()
    sections = []
    for s in grid.grid_sections:
        rows = []
        for line in s.lines:
            cells = []
            for column in s.columns:
                key = (line.code, column.code)
                unit = column.unit or line.unit
                is_input = grid.is_input(line, column)
                value = evaluation.values.get(key)
                if is_input and key in raw_cells:
                    display = raw_cells[key]
                else:
                    display = format_value(value, unit, exact=is_input)
                cells.append(
                    {
                        "line": line,
                        "column": column,
                        "id": f"cell-{line.code}-{column.code}",
                        "name": f"cell:{line.code}:{column.code}",
                        "is_input": is_input,
                        "unit": unit,
                        "display": display,
                        "message": by_cell.get(key),
                        "conflict": key in both,
                    }
                )
            rows.append({"line": line, "cells": cells})
        sections.append({"section": s.section, "columns": s.columns, "rows": rows})
    narratives = [
        {
            "section": s.section,
            "questions": [
                {"line": line, "name": f"answer:{line.code}", "text": answers.get(line.code, "")}
                for line in s.lines
            ],
        }
        for s in grid.narrative_sections
    ]
    summary = [m for m in problems if m.is_error] + evaluation.errors
    warnings = [
        {"message": w, "name": f"explain:{w.key}", "text": explanations.get(w.key, "")}
        for w in evaluation.warnings
    ]
    context = {
        "ret": ret,
        "round": ret.template.round,
        "sections": sections,
        "narratives": narratives,
        "summary": summary,
        "warnings": warnings,
        "conflict": conflict,
        "definition": _definition(grid),
        "deadline": selectors.submission_deadline(ret=ret),
        "urls": {
            "self": _return_url(ret),
            "history": _return_url(ret, "submissions:history"),
            "review": _return_url(ret, "submissions:review"),
        },
        **permissions_for(request.user, ret),
    }
    return render(request, "submissions/return_detail.html", context, status=status)


def _definition(grid):
    """What static/js/grid.js needs to recompute totals as people type."""
    return {
        "sections": [
            {
                "code": s.code,
                "columns": [
                    {
                        "code": c.code,
                        "formula": c.formula,
                        "unit": c.unit,
                        "allow_negative": c.allow_negative,
                        "sums_lines": c.sums_lines,
                    }
                    for c in s.columns
                ],
                "lines": [
                    {
                        "code": line.code,
                        "formula": line.formula,
                        "unit": line.unit,
                        "allow_negative": line.allow_negative,
                    }
                    for line in s.lines
                ],
            }
            for s in grid.grid_sections
        ]
    }
