"""Return pages: the list of returns, the data entry page, its history, the comparison and the review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.html import json_script
from django.utils.timezone import localdate
from django.views.decorators.http import require_http_methods, require_POST

from planning.models import Round, Template
from planning.selectors import round_current, round_get
from submissions import queue
from submissions.kept import kept
from submissions.params import whole_number
from submissions.queries import presenters as query_presenters
from submissions.queries import selectors as query_selectors
from submissions.queries.rules import can as can_query

from . import presenters, selectors, services
from .deadlines import DueDates
from .evaluation import Message
from .filters import ListFilters, filtered_list_rows, page_of, query_string, summary
from .presenters import return_url
from .rules import permissions_for


def return_for(request, year, ods, template, stage):
    """The return a URL names, if the signed-in user may read it (404 otherwise)."""
    return selectors.return_for_reader(
        user=request.user, financial_year=year, ods_code=ods, template_code=template, stage=stage
    )


# Organisations a page of the returns list shows: each has a few returns a template and stage.
ORGANISATIONS_PER_PAGE = 20


@login_required
def return_list(request):
    """Every return the user can read in a round, organisation by organisation, filtered by the
    query string (`filters.ListFilters`), a page of organisations at a time."""
    year = request.GET.get("year", "")
    # A year is four digits 0 to 9: "١" or five thousand nines name no round (a 404, not a 500).
    is_year = year.isascii() and year.isdigit() and len(year) <= 4
    round_ = round_get(financial_year=int(year)) if is_year else round_current(today=localdate())
    context = {"round": round_, "rounds": Round.objects.all(), "rows": []}
    if round_:
        context.update(_return_list_page(request, round_))
    return render(request, "submissions/return_list.html", context)


def _return_list_page(request, round_):
    """The filters, summary and page of the returns list for a round: the same queries whatever
    the number of organisations."""
    year = round_.financial_year
    templates = list(Template.objects.filter(round=round_).order_by("order"))
    readable = selectors.organisations_readable_by(user=request.user, financial_year=year)
    readable = [
        organisation
        for organisation in readable.order_by("name")
        if any(template.completed_by(organisation) for template in templates)
    ]
    templates = [t for t in templates if any(t.completed_by(o) for o in readable)]
    systems_of = selectors.systems_of_organisations(
        organisation_ids=[o.pk for o in readable], financial_year=year
    )
    systems = {s.code: s for found in systems_of.values() for s in found}
    filters = ListFilters.from_query(
        request.GET,
        systems=[(s.code, s.name) for s in sorted(systems.values(), key=lambda s: s.name)],
        organisations=[(o.ods_code, f"{o.name} ({o.ods_code})") for o in readable],
        templates=[(t.code, t.name) for t in templates],
    )
    organisations = [
        o
        for o in readable
        if (not filters.system or filters.system in {s.code for s in systems_of.get(o.pk, [])})
        and (not filters.organisation or o.ods_code == filters.organisation)
    ]
    templates = [t for t in templates if not filters.template or t.code == filters.template]
    existing = selectors.returns_for_organisations(organisations=organisations, round_=round_)
    due = DueDates(organisation_ids=[o.pk for o in organisations], round_=round_)
    rows = presenters.return_list_rows(organisations, templates, existing, due=due)
    rows, cells = filtered_list_rows(rows, filters, today=localdate())
    kept = [("year", year)]
    page = page_of(
        rows,
        request.GET.get("page"),
        per_page=ORGANISATIONS_PER_PAGE,
        items=kept + filters.query_items(),
    )
    return {
        "rows": page["rows"],
        "page": page,
        "filters": filters,
        "summary": summary(cells),
        "kept": kept,
        "clear_url": query_string(kept),
    }


@login_required
@require_http_methods(["GET", "POST"])
def return_detail(request, year, ods, template, stage):
    ret = return_for(request, year, ods, template, stage)
    if request.method == "GET":
        return _render(request, ret)
    if not permissions_for(request.user, ret)["can_edit"]:
        raise PermissionDenied
    raw = _posted(request)
    try:
        ret, unsaved, changed = services.return_save_draft(
            user=request.user, ret=ret, base_version=_int(request.POST.get("version")), **raw
        )
    except services.StaleReturn as stale:
        return _render_conflict(request, stale, raw)
    except services.ReturnInvalid as invalid:
        return _render(request, ret, raw=raw, problems=invalid.messages, status=422)
    if unsaved:
        messages.info(request, _partly_saved(changed, unsaved, "submit" in request.POST))
        return _render(request, ret, raw=raw, problems=unsaved, status=422)
    if "submit" not in request.POST:
        messages.success(request, "Your changes are saved.")
        return redirect(return_url(ret))
    try:
        ret = services.return_submit(user=request.user, ret=ret)
    except services.ReturnInvalid as invalid:
        messages.info(request, "Your changes are saved, but the return cannot be submitted yet.")
        return _render(request, ret, problems=invalid.messages, status=422)
    late = " It was submitted after its deadline, so it is marked late." if ret.is_late else ""
    messages.success(request, f"{ret.template.name} submitted.{late}")
    _say_if_the_queue_is_down(request, ret)
    return redirect(return_url(ret))


def _partly_saved(changed, unsaved, submitting):
    """'Saved 11 changed cells. 1 cell needs fixing: it was not saved, and what you typed in it is
    still on screen.'"""
    plural = len(unsaved) != 1
    text = (
        f"Saved {changed} changed cell{'s' if changed != 1 else ''}. {len(unsaved)} "
        f"cell{'s need' if plural else ' needs'} fixing: {'they were' if plural else 'it was'} "
        f"not saved, and what you typed {'in them ' if plural else 'in it '}is still on screen."
    )
    return text + (" The return was not submitted." if submitting else "")


@login_required
@require_POST
def return_review(request, year, ods, template, stage):
    """Decisions on one submission, named by the page: the ICS lead accepts it or returns it for
    amendment with a reason; the planning lead withdraws it. A page that showed another submission
    is refused with the return as it is now."""
    ret = return_for(request, year, ods, template, stage)
    decision = request.POST.get("decision")
    allowed = permissions_for(request.user, ret)
    if not allowed.get(_DECISIONS.get(decision, ""), False):
        raise PermissionDenied
    number, reason = _int(request.POST.get("submission")), request.POST.get("reason", "")
    try:
        if decision == "accept":
            if not request.POST.get("confirm"):
                raise services.ReturnInvalid([_message("Confirm that you have reviewed it")])
            services.return_accept(user=request.user, ret=ret, submission_number=number)
        elif decision == "return":
            services.return_send_back(
                user=request.user, ret=ret, reason=reason, submission_number=number
            )
        else:
            services.return_withdraw(
                user=request.user, ret=ret, reason=reason, submission_number=number
            )
    except services.ReturnInvalid as invalid:
        return _render(request, ret, problems=invalid.messages, status=422)
    except services.StaleDecision as stale:
        messages.error(request, stale.message)
        return _render(request, return_for(request, year, ods, template, stage), status=409)
    messages.success(request, f"{ret.organisation}'s {ret.template.name}: {_DONE[decision]}.")
    _say_if_the_queue_is_down(request, ret)
    return redirect(return_url(ret))


def _say_if_the_queue_is_down(request, ret):
    """A change that the system plan must follow, made while the task queue is down, is saved;
    the plan is rebuilt when the queue is back. Say so rather than let the plan lag in silence."""
    if queue.plans_waiting_for_the_queue(ret=ret):
        messages.info(request, queue.PLAN_QUEUE_DOWN)


_DECISIONS = {"accept": "can_accept", "return": "can_send_back", "withdraw": "can_withdraw"}
_DONE = {
    "accept": "submission accepted",
    "return": "returned for amendment",
    "withdraw": "submission withdrawn",
}


def _message(text):
    return Message("error", text, key="confirm")


@login_required
def return_history(request, year, ods, template, stage):
    """Every change, the submissions (frozen copies) with a form to compare any two, and the
    thread of every query on the return's figures."""
    ret = return_for(request, year, ods, template, stage)
    context = {
        "ret": ret,
        "page": Paginator(selectors.history(ret), 100).get_page(request.GET.get("page")),
        "submissions": list(selectors.submissions_of(ret)),
        "queries": [
            {"query": q, "where": query_presenters.where(q), "tag": query_presenters.status_tag(q)}
            for q in query_selectors.threads_of(ret)
        ],
        "urls": {"compare_submissions": return_url(ret, "submissions:compare_submissions")},
    }
    return render(request, "submissions/return_history.html", context)


@login_required
def submission_compare(request, year, ods, template, stage):
    """Two submissions of a return side by side (?a=1&b=2), with the cells that differ marked."""
    ret = return_for(request, year, ods, template, stage)
    a = selectors.submission_of(ret, _int(request.GET.get("a")))
    b = selectors.submission_of(ret, _int(request.GET.get("b")))
    a_eval = selectors.submission_evaluation(a)
    b_eval = selectors.submission_evaluation(b, grid=a_eval.grid)
    context = presenters.comparison(a_eval, b_eval, a.answers, b.answers)
    context.update(
        ret=ret,
        a=a,
        b=b,
        left=f"Submission {a.number}",
        right=f"Submission {b.number}",
        urls={"history": return_url(ret, "submissions:history")},
    )
    return render(request, "submissions/submission_compare.html", context)


@login_required
def return_compare(request, year, ods, template):
    """Draft and final side by side, with the cells that differ marked."""
    draft = return_for(request, year, ods, template, "draft")
    final = return_for(request, year, ods, template, "final")
    draft_eval = selectors.evaluation_of(draft)
    final_eval = selectors.evaluation_of(final, grid=draft_eval.grid)
    context = presenters.comparison(
        draft_eval, final_eval, selectors.answers(draft), selectors.answers(final)
    )
    context.update(draft=draft, final=final)
    return render(request, "submissions/return_compare.html", context)


def _int(text):
    """A posted number, -1 when it is not one (never a version or submission that exists)."""
    number = whole_number(text)
    return -1 if number is None else number


def _posted(request):
    """The typed cells, answers and explanations of a posted data entry form."""
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
    return {"raw_cells": cells, "raw_answers": answers, "raw_explanations": explanations}


def _render_conflict(request, stale, raw):
    """Someone else saved first: show their changes, and keep this person's edits over them."""
    ret = stale.ret
    theirs = selectors.changes_since(ret, stale.base_version)
    merged, mine, both = presenters.merge_conflict(
        selectors.typed_values(ret), theirs, raw["raw_cells"]
    )
    shown = {
        "raw_cells": merged,
        "raw_answers": {**selectors.answers(ret), **raw["raw_answers"]},
        "raw_explanations": {**selectors.explanations(ret), **raw["raw_explanations"]},
    }
    conflict = {"changes": theirs, "both": both, "mine": mine}
    return _render(request, ret, raw=shown, conflict=conflict, status=409)


def _render(request, ret, *, raw=None, problems=(), conflict=None, status=200):
    """The data entry page: what was typed when re-showing a form (`raw`), else what is saved."""
    allowed = permissions_for(request.user, ret)
    queries = query_selectors.queries_of(ret)  # one query, none for a return never submitted
    marks = query_presenters.grid_marks(ret, queries)
    if raw is None and not problems and not conflict:
        grid = _saved_grid(ret, can_edit=allowed["can_edit"], marks=marks)
    else:
        grid = _entry_grid(
            ret,
            can_edit=allowed["can_edit"],
            marks=marks,
            raw=raw,
            problems=problems,
            conflict=conflict,
        )
    context = {
        "ret": ret,
        "round": ret.template.round,
        "grid": grid,
        "query_rows": query_presenters.query_rows(ret, queries),
        "summary": grid.summary,
        "warnings": grid.warnings,
        "conflict": conflict,
        "deadline": selectors.submission_deadline(ret=ret),
        "urls": {
            "self": return_url(ret),
            "history": return_url(ret, "submissions:history"),
            "review": return_url(ret, "submissions:review"),
            "raise_query": can_query(request.user, "submissions.raise_query", ret)
            and query_presenters.query_url(ret, None, "submissions:query_raise"),
        },
        **allowed,
    }
    return render(request, "submissions/return_detail.html", context, status=status)


# Part of the kept grid's key: change it whenever what is kept changes shape or markup.
GRID_CACHE_FORMAT = 2


def _saved_grid(ret, *, can_edit, marks):
    """`presenters.EntryGrid` of a return as saved, kept (`submissions.kept`) under what it is made
    of: the figures' state (`selectors.figures_state`: the return's version, which every change to
    its figures, answers, explanations or status moves on; its template's grid and rules; the
    other returns it reads), whether the reader may edit it and the marks of its open queries."""
    template_grid = selectors.grid_for_template(ret.template)
    others = selectors.other_returns(ret, template_grid)
    state = selectors.figures_state(ret, template_grid, others)
    marked = sorted(
        (line, column or "", mark["url"], mark["label"]) for (line, column), mark in marks.items()
    )
    return kept(
        "return-grid",
        state and (GRID_CACHE_FORMAT, state, bool(can_edit), marked),
        lambda: _entry_grid(ret, can_edit=can_edit, marks=marks, grid=template_grid, others=others),
    )


def _entry_grid(
    ret, *, can_edit, marks, raw=None, problems=(), conflict=None, grid=None, others=None
):
    """`presenters.EntryGrid` of a return: as saved, or around what was typed (`raw`), with the
    `problems` a refused save or decision found and the cells a `conflict` marks."""
    raw_cells = raw["raw_cells"] if raw else {}
    typed = None
    if raw:
        # As a save does: a cell the form did not send keeps its saved value (its warnings, and the
        # boxes to explain them, stay on the page); one it sent counts as typed.
        saved = selectors.typed_values(ret)
        typed = {key: value for key, value in saved.items() if key not in raw_cells}
        typed.update(presenters.typed_from_raw(raw_cells))
    evaluation = selectors.evaluation_of(ret, grid=grid, typed=typed, others=others)
    sections = presenters.entry_sections(
        evaluation,
        raw_cells=raw_cells,
        problems=problems,
        conflict_cells=conflict["both"] if conflict else frozenset(),
    )
    sections = presenters.with_cell_markup(sections, can_edit=can_edit, queries=marks)
    # Answers are only shown in a template with narrative questions, and explanations only next
    # to warnings: no query for either when there is nowhere to show it.
    if raw:
        answers, explanations = raw["raw_answers"], raw["raw_explanations"]
    else:
        answers = selectors.answers(ret) if evaluation.grid.narrative_sections else {}
        explanations = selectors.explanations(ret) if evaluation.warnings else {}
    warnings = presenters.warning_fields(evaluation, explanations, problems)
    narratives = presenters.narrative_questions(evaluation.grid, answers, problems)
    definition = presenters.grid_definition(evaluation.grid, evaluation.other_values)
    return presenters.EntryGrid(
        sections_html=render_to_string(
            "submissions/returns/_grid_sections.html", {"sections": sections}
        ),
        definition_json=json_script(definition, "grid-definition"),
        fields_html=render_to_string(
            "submissions/returns/_entry_fields.html",
            {"narratives": narratives, "warnings": warnings, "can_edit": can_edit},
        ),
        has_sections=bool(sections),
        warnings=warnings,
        summary=presenters.error_summary(problems, evaluation, warnings),
    )
