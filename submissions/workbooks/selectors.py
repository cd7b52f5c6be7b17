"""Reads for workbooks: a return or plan as a workbook, and a pending upload of the person asking."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from submissions.models import Upload
from submissions.plans.selectors import contributions_by_organisation
from submissions.queries import selectors as query_selectors
from submissions.returns import selectors as returns
from submissions.returns.evaluation import parse_cell
from submissions.returns.rules import can

from . import reading, writing


def return_workbook(ret):
    """The return as an .xlsx, its saved values and answers filled in, and the app's figure in
    any computed cell the workbook cannot work out itself (one using another template's return)."""
    grid = returns.grid_for_template(ret.template)
    typed = returns.typed_values(ret)
    computed = returns.evaluation_of(ret, grid=grid, typed=typed).values
    return writing.return_workbook(
        ret,
        grid,
        typed,
        returns.answers(ret),
        computed=computed,
        queries=query_selectors.threads_of(ret),
    )


def plan_workbook(plan, figures):
    """A system plan as an .xlsx: the totals and each partner's contribution."""
    contributions = contributions_by_organisation(plan, figures.grid)
    return writing.plan_workbook(plan, figures, contributions)


def upload_preview(ret, name, data):
    """What a completed workbook would change in the return, and its problems; raises
    `reading.WorkbookRejected` for a file that is not this return's workbook."""
    return reading.read_workbook(
        ret,
        name,
        data,
        grid=returns.grid_for_template(ret.template),
        saved=returns.typed_values(ret),
        saved_answers=returns.answers(ret),
        changed_since=lambda version: _cells_changed_since(ret, version),
    )


def _cells_changed_since(ret, version):
    """{(line, column): {"was": value at `version`, "by": who changed it last}} for the cells
    others saved after `version`, and {(question, None): ...} for the narrative answers."""
    cells = {}
    if ret.pk is None:
        return cells  # a return not saved yet has no one else's changes
    for change in returns.changes_since(ret, version):  # oldest first
        if change.kind == "value":
            key = (change.line.code, change.column.code)
            was = cells.get(key, {}).get("was", parse_cell(change.old)[0])
        elif change.kind == "answer":
            key = (change.line.code, None)  # a narrative answer
            was = cells.get(key, {}).get("was", change.old)
        else:
            continue
        who = change.user.get_full_name() or change.user.get_username() if change.user else ""
        cells[key] = {"was": was, "by": who}
    return cells


def pending_upload(*, user, ret, pk):
    """An upload of this return (404 otherwise) that the user made and may still apply (403)."""
    record = (
        Upload.objects.filter(pk=pk, ret=ret).select_related("user").first() if ret.pk else None
    )
    if record is None:
        raise Http404("No such upload.")
    if record.user_id != user.pk or not can(user, "submissions.edit_return", ret):
        raise PermissionDenied
    return record
