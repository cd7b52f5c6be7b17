"""Governing Body papers: list, write, render to PDF and download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from planning.models import Organisation, System
from planning.selectors import round_get

from . import papers
from .models import Paper, PaperRender
from .paper_forms import PaperForm
from .rules import can


def _paper_for(user, pk, permission="submissions.view_paper"):
    """The paper if the user may read it (404 otherwise), and may do `permission` (403)."""
    paper = papers.papers_readable_by(user).filter(pk=pk).first()
    if paper is None:
        raise Http404("No such paper.")
    if not can(user, permission, paper):
        raise PermissionDenied
    return paper


@login_required
def paper_list(request):
    return render(
        request,
        "papers/paper_list.html",
        {"papers": papers.papers_readable_by(request.user).prefetch_related("renders")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def paper_create(request):
    """A new paper for an organisation (?organisation=ODS) or a system (?system=CODE)."""
    year = request.GET.get("year", "")
    round_ = round_get(financial_year=int(year)) if year.isdigit() else None
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
    return _edit(request, _paper_for(request.user, pk, "submissions.edit_paper"))


def _edit(request, paper):
    form = PaperForm(request.POST or None, instance=paper)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            paper = form.apply(form.save(commit=False))
            paper.save()
        messages.success(request, "The paper is saved. Render it to make the PDF.")
        return redirect("submissions:paper", pk=paper.pk)
    return render(
        request,
        "papers/paper_form.html",
        {"form": form, "paper": paper},
        status=422 if form.errors else 200,
    )


@login_required
def paper_detail(request, pk):
    paper = _paper_for(request.user, pk)
    return render(
        request,
        "papers/paper_detail.html",
        {
            "paper": paper,
            "renders": paper.renders.select_related("requested_by"),
            "can_edit": can(request.user, "submissions.edit_paper", paper),
        },
    )


@login_required
@require_POST
def paper_render(request, pk):
    paper = _paper_for(request.user, pk, "submissions.edit_paper")
    render_ = papers.paper_render_request(user=request.user, paper=paper)
    messages.success(request, f"Rendering version {render_.number}.")
    return redirect("submissions:paper", pk=paper.pk)


@login_required
def paper_status(request, pk):
    """For the page's script: whether any render is still in progress."""
    paper = _paper_for(request.user, pk)
    rendering = paper.renders.filter(status=PaperRender.Status.RENDERING).exists()
    return JsonResponse({"rendering": rendering})


@login_required
def paper_download(request, pk, number):
    """The PDF of one render, checked against the same permission as the paper's page."""
    paper = _paper_for(request.user, pk)
    render_ = paper.renders.filter(number=number, status=PaperRender.Status.READY).first()
    if render_ is None or not render_.file:
        raise Http404("That version is not ready.")
    filename = f"{paper.title[:60].strip() or 'paper'} v{render_.number}.pdf".replace("/", "-")
    response = FileResponse(
        render_.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=filename,
    )
    response["X-Data-Hash"] = render_.data_hash
    return response
