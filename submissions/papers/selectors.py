"""Reads for papers, scoped to the person asking: a paper they may not read is a 404."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from planning.models import Role
from planning.rules import is_administrator, led_system_ids, organisation_ids
from submissions.models import Paper, PaperRender

from .rules import can


def papers_readable_by(user):
    """Papers the user may read: their organisations' (planning lead, governing body member),
    their systems' (ICS lead), and all of them for administrators."""
    papers = Paper.objects.select_related("organisation", "system", "round")
    if is_administrator(user):
        return papers
    orgs = organisation_ids(user, Role.Kind.PLANNING_LEAD, Role.Kind.GOVERNING_BODY_MEMBER)
    return papers.filter(Q(organisation_id__in=orgs) | Q(system_id__in=led_system_ids(user)))


def paper_for_reader(*, user, pk, permission="submissions.view_paper"):
    """The paper if the user may read it (404 otherwise), and may do `permission` (403)."""
    paper = papers_readable_by(user).filter(pk=pk).first()
    if paper is None:
        raise Http404("No such paper.")
    if not can(user, permission, paper):
        raise PermissionDenied
    return paper


def is_rendering(paper):
    return paper.renders.filter(status=PaperRender.Status.RENDERING).exists()


def ready_render(paper, number):
    """A finished render of the paper with its PDF, else 404."""
    render = paper.renders.filter(number=number, status=PaperRender.Status.READY).first()
    if render is None or not render.file:
        raise Http404("That version is not ready.")
    return render
