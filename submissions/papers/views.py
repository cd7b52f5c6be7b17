"""Governing Body papers: list, write, render to PDF and download."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from planning.models import Organisation, System
from planning.selectors import round_get
from submissions.models import Paper
from submissions.params import whole_number

from . import answers, drafts, selectors, services
from .forms import ROW_FOCUS, STEP_NAMES, STEPS, PaperForm, step_data, step_form
from .rules import can

CHECK = "check"  # the check-your-answers page, after the steps
# The buttons that add a row or remove one: "add-objective", "remove-section-2".
ROW_ACTION = re.compile(r"(?P<verb>add|remove)-(?P<kind>objective|section)(?:-(?P<index>\d{1,3}))?")


@login_required
def paper_list(request):
    papers = selectors.papers_readable_by(request.user).prefetch_related("renders")
    return render(request, "papers/paper_list.html", {"papers": papers})


@login_required
@require_http_methods(["GET", "POST"])
def paper_create(request):
    """A new paper for an organisation (?organisation=ODS) or a system (?system=CODE)."""
    year = whole_number(request.GET.get("year", ""))
    round_ = round_get(financial_year=year) if year is not None else None
    organisation = Organisation.objects.filter(
        ods_code__iexact=request.GET.get("organisation", "")
    ).first()
    system = System.objects.filter(code__iexact=request.GET.get("system", "")).first()
    if round_ is None or (organisation is None) == (system is None):
        raise Http404("Say which organisation or system, and which round.")
    paper = Paper(organisation=organisation, system=system, round=round_, created_by=request.user)
    if not can(request.user, "submissions.edit_paper", paper):
        raise Http404("No such organisation.")
    return _edit(request, paper)


@login_required
@require_http_methods(["GET", "POST"])
def paper_edit(request, pk):
    paper = selectors.paper_for_reader(
        user=request.user, pk=pk, permission="submissions.edit_paper"
    )
    return _edit(request, paper)


def _edit(request, paper):
    """The paper's steps and check-your-answers page (?step=…), over a draft kept in the session.

    Opening the form starts the draft from the paper; each step's "Continue" keeps what was typed
    there and checks it; only "Save paper" on check your answers saves the paper. A whole paper
    posted at once (no step: how the one-page form posted) is saved at once when it is valid.
    """
    draft = drafts.Draft(request.session, paper)
    if request.method == "POST":
        step = request.POST.get("step")
        if step == CHECK:
            return _save(request, paper, draft)
        if step in STEP_NAMES:
            return _post_step(request, paper, draft, step)
        return _post_whole(request, paper, draft)
    step = request.GET.get("step")
    if step not in (*STEP_NAMES, CHECK):
        draft.start()
        step = CHECK if paper.pk else STEP_NAMES[0]
    if step == CHECK:
        return _check_answers(request, paper, draft)
    form = step_form(paper, draft.data, step)
    return _step_page(request, paper, form, problems=[])


def _step_url(request, step, anchor=""):
    query = request.GET.copy()
    query["step"] = step
    return f"{request.path}?{query.urlencode()}{'#' + anchor if anchor else ''}"


def _post_step(request, paper, draft, step):
    action = request.POST.get("action", "")
    row = ROW_ACTION.fullmatch(action)
    add = row["kind"] if row and row["verb"] == "add" else None
    removing = row and row["verb"] == "remove" and row["index"]
    remove = (row["kind"], int(row["index"])) if removing else None
    draft.update(step, step_data(step, request.POST, add=add, remove=remove))
    if add or remove:
        kind = add or remove[0]
        rows = [n for n in draft.data if n.startswith(f"{kind}-") and n.endswith(ROW_FOCUS[kind])]
        focus = f"id_{kind}-{len(rows) - 1}-{ROW_FOCUS[kind]}" if add and rows else ""
        return redirect(_step_url(request, step, focus))
    index = STEP_NAMES.index(step)
    if action == "back":
        return redirect(_step_url(request, STEP_NAMES[max(index - 1, 0)]))
    form = PaperForm(request.POST, instance=paper, step=step)
    if not form.is_valid():
        return _step_page(request, paper, form, problems=form.problems(), status=422)
    last = index == len(STEP_NAMES) - 1
    return redirect(_step_url(request, CHECK if last or draft.checked else STEP_NAMES[index + 1]))


def _post_whole(request, paper, draft):
    form = PaperForm(request.POST, instance=paper)
    if form.is_valid():
        return _saved(request, paper, form, draft)
    for step in STEP_NAMES:
        draft.update(step, step_data(step, request.POST))
    problems = form.problems()
    first = problems[0]["step"] if problems and problems[0]["step"] else STEP_NAMES[0]
    shown = PaperForm(request.POST, instance=paper, step=first)
    return _step_page(request, paper, shown, problems=problems, status=422)


def _save(request, paper, draft):
    form = PaperForm(draft.bound(), instance=paper)
    if form.is_valid():
        return _saved(request, paper, form, draft)
    return _check_answers(request, paper, draft, form=form, status=422)


def _saved(request, paper, form, draft):
    paper = services.paper_save(paper=paper, form=form)
    draft.forget()
    messages.success(request, "The paper is saved. Render it to make the PDF.")
    return redirect("submissions:paper", pk=paper.pk)


def _step_page(request, paper, form, *, problems, status=200):
    step = form.step
    for problem in problems:
        here = problem["step"] == step
        problem["href"] = (
            f"#{problem['id']}" if here else _step_url(request, problem["step"], problem["id"])
        )
    index = STEP_NAMES.index(step)
    context = {
        "form": form,
        "paper": paper,
        "step": STEPS[index],
        "number": index + 1,
        "steps": len(STEPS),
        "problems": problems,
        "first": index == 0,
    }
    return render(request, "papers/paper_form.html", context, status=status)


def _check_answers(request, paper, draft, *, form=None, status=200):
    draft.checked = True
    form = form or PaperForm(draft.bound(), instance=paper)
    problems = form.problems() if not form.is_valid() else []
    for problem in problems:
        problem["href"] = _step_url(request, problem["step"], problem["id"])
    summary = answers.check_answers(draft.data, problems)
    for step in summary:
        step["change_url"] = _step_url(request, step["name"])
    context = {"paper": paper, "problems": problems, "answers": summary}
    return render(request, "papers/paper_check.html", context, status=status)


@login_required
def paper_detail(request, pk):
    paper = selectors.paper_for_reader(user=request.user, pk=pk)
    context = {
        "paper": paper,
        "renders": paper.renders.select_related("requested_by"),
        "can_edit": can(request.user, "submissions.edit_paper", paper),
    }
    return render(request, "papers/paper_detail.html", context)


@login_required
@require_POST
def paper_render(request, pk):
    paper = selectors.paper_for_reader(
        user=request.user, pk=pk, permission="submissions.edit_paper"
    )
    render_ = services.paper_render_request(user=request.user, paper=paper)
    messages.success(request, f"Rendering version {render_.number}.")
    return redirect("submissions:paper", pk=paper.pk)


@login_required
def paper_status(request, pk):
    """For the page's script: whether any render is still in progress."""
    paper = selectors.paper_for_reader(user=request.user, pk=pk)
    return JsonResponse({"rendering": selectors.is_rendering(paper)})


@login_required
def paper_download(request, pk, number):
    """The PDF of one render, checked against the same permission as the paper's page."""
    paper = selectors.paper_for_reader(user=request.user, pk=pk)
    render_ = selectors.ready_render(paper, number)
    filename = f"{paper.title[:60].strip() or 'paper'} v{render_.number}.pdf".replace("/", "-")
    response = FileResponse(
        render_.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=filename,
    )
    response["X-Data-Hash"] = render_.data_hash
    return response
