"""Governing Body papers: list, write, render to PDF and download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from planning.models import Organisation, System
from planning.selectors import round_get
from submissions.models import Paper

from . import selectors, services
from .forms import PaperForm
from .rules import can


@login_required
def paper_list(request):
    papers = selectors.papers_readable_by(request.user).prefetch_related("renders")
    return render(request, "papers/paper_list.html", {"papers": papers})


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
    paper = selectors.paper_for_reader(
        user=request.user, pk=pk, permission="submissions.edit_paper"
    )
    return _edit(request, paper)


def _edit(request, paper):
    form = PaperForm(request.POST or None, instance=paper)
    if request.method == "POST" and form.is_valid():
        paper = services.paper_save(paper=paper, form=form)
        messages.success(request, "The paper is saved. Render it to make the PDF.")
        return redirect("submissions:paper", pk=paper.pk)
    context = {"form": form, "paper": paper}
    return render(request, "papers/paper_form.html", context, status=422 if form.errors else 200)


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
