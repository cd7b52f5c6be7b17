"""Writes to returns: save, submit, accept and send back. Each records who changed what in `Change`."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from submissions import queue
from submissions.formatting import format_value
from submissions.models import Change, Explanation, NarrativeAnswer, Return, Value

from .evaluation import Message, parse_typed
from .rules import can
from .selectors import (
    answers,
    evaluation_of,
    explanations,
    grid_for_template,
    submission_deadline,
    typed_values,
)


class ReturnInvalid(Exception):
    """The request cannot be applied; `messages` say why, each next to its cell where it has one."""

    def __init__(self, messages):
        super().__init__("; ".join(m.text for m in messages))
        self.messages = messages


class StaleReturn(Exception):
    """Someone else saved the return after the version this save started from."""

    def __init__(self, ret, base_version):
        super().__init__(f"Return saved by someone else since version {base_version}.")
        self.ret = ret
        self.base_version = base_version


def _locked(ret):
    """The saved return row, locked for this transaction (a new return is created first)."""
    if ret.pk is None:
        ret.save()
    return Return.objects.select_for_update().select_related("template__round").get(pk=ret.pk)


def _require(user, permission, ret, message):
    if not can(user, permission, ret):
        raise PermissionDenied(message)


def _check_final_has_draft(ret):
    if ret.stage != Return.Stage.FINAL:
        return
    draft_done = Return.objects.filter(
        organisation=ret.organisation,
        template=ret.template,
        stage=Return.Stage.DRAFT,
        status__in=[Return.Status.SUBMITTED, Return.Status.ACCEPTED],
    ).exists()
    if not draft_done:
        raise ReturnInvalid(
            [Message("error", "Submit the draft return before starting the final one.")]
        )


def _format(value):
    return format_value(value, "", exact=True)


@transaction.atomic
def return_save(*, user, ret, base_version, raw_cells, raw_answers, raw_explanations, note=""):
    """Save what was typed, or nothing at all.

    `raw_cells` maps (line code, column code) to the typed text of input cells (the page sends
    them all; a cell that is not sent keeps its value, one sent empty is cleared);
    `raw_answers` maps a question's line code to its text; `raw_explanations` maps a warning key to
    its explanation. Raises StaleReturn if someone else saved after `base_version`, ReturnInvalid
    if any cell is not a usable number; nothing is written in either case.
    """
    _require(user, "submissions.edit_return", ret, "You cannot change this return.")
    _check_final_has_draft(ret)
    is_new = ret.pk is None
    ret = _locked(ret)
    if ret.version != base_version:
        raise StaleReturn(ret, base_version)
    if not is_new:
        _require(user, "submissions.edit_return", ret, "You cannot change this return.")

    grid = grid_for_template(ret.template)
    typed, errors = parse_typed(grid, raw_cells)
    if errors:
        raise ReturnInvalid(errors)

    version = ret.version + 1
    changes = []
    lines = grid.lines_by_code()
    columns = {(line.code, column.code): column for line, column in grid.input_cells()}
    old_values = typed_values(ret)
    # Only the cells the request carries change; a cell sent empty is cleared, one not sent is kept.
    for key in set(raw_cells) & set(columns):
        old, new = old_values.get(key), typed.get(key)
        if old == new:
            continue
        line, column = lines[key[0]], columns[key]
        if new is None:
            Value.objects.filter(ret=ret, line=line, column=column).delete()
        else:
            Value.objects.update_or_create(
                ret=ret, line=line, column=column, defaults={"value": new}
            )
        changes.append(
            Change(
                kind=Change.Kind.VALUE, line=line, column=column, old=_format(old), new=_format(new)
            )
        )

    narrative_lines = {line.code: line for s in grid.narrative_sections for line in s.lines}
    old_answers = answers(ret)
    for code, line in narrative_lines.items():
        if code not in raw_answers:
            continue  # like cells: an answer the request does not carry is kept
        old, new = old_answers.get(code, ""), (raw_answers.get(code) or "").strip()
        if old == new:
            continue
        if new:
            NarrativeAnswer.objects.update_or_create(ret=ret, line=line, defaults={"text": new})
        else:
            NarrativeAnswer.objects.filter(ret=ret, line=line).delete()
        changes.append(Change(kind=Change.Kind.ANSWER, line=line, old=old, new=new))

    old_explanations = explanations(ret)
    for key, text in raw_explanations.items():
        old, new = old_explanations.get(key, ""), (text or "").strip()
        if old == new:
            continue
        if new:
            Explanation.objects.update_or_create(ret=ret, key=key, defaults={"text": new})
        else:
            Explanation.objects.filter(ret=ret, key=key).delete()
        changes.append(Change(kind=Change.Kind.EXPLANATION, key=key, old=old, new=new))

    if changes or is_new:
        for change in changes:
            change.ret, change.version, change.user, change.note = ret, version, user, note
        Change.objects.bulk_create(changes)
        ret.version = version
        ret.updated_by = user
        ret.save(update_fields=["version", "updated_by", "updated_at"])
    return ret


def _rebuild_plans_after_commit(ret):
    transaction.on_commit(lambda: queue.request_plan_builds(ret=ret))


def _set_status(ret, user, status, note=""):
    old = ret.get_status_display()
    ret.status = status
    ret.version += 1
    Change.objects.create(
        ret=ret,
        version=ret.version,
        user=user,
        kind=Change.Kind.STATUS,
        old=old,
        new=ret.get_status_display(),
        note=note,
    )


@transaction.atomic
def return_submit(*, user, ret):
    """Submit a return with no errors and every warning explained; marks it late after its deadline."""
    _require(user, "submissions.edit_return", ret, "You cannot submit this return.")
    if ret.pk is None:
        raise ReturnInvalid([Message("error", "Enter the return's figures before submitting it.")])
    ret = _locked(ret)
    _require(user, "submissions.edit_return", ret, "You cannot submit this return.")
    _check_final_has_draft(ret)
    evaluation = evaluation_of(ret)
    explained = explanations(ret)
    unexplained = [
        Message(
            "error", f"Explain this warning before you submit: {w.text}", w.line, w.column, w.key
        )
        for w in evaluation.warnings
        if not explained.get(w.key)
    ]
    if evaluation.errors or unexplained:
        raise ReturnInvalid(evaluation.errors + unexplained)
    now = timezone.now()
    deadline = submission_deadline(ret=ret)
    ret.is_late = deadline is not None and timezone.localdate(now) > deadline.last_day
    ret.submitted_at, ret.submitted_by = now, user
    ret.returned_reason = ""
    note = f"Late: due {deadline.last_day:%d %B %Y}" if ret.is_late else ""
    _set_status(ret, user, Return.Status.SUBMITTED, note)
    ret.save()
    _rebuild_plans_after_commit(ret)
    return ret


@transaction.atomic
def return_accept(*, user, ret):
    ret = _locked(ret)
    _require(user, "submissions.accept_return", ret, "You cannot accept this return.")
    ret.decided_at, ret.decided_by = timezone.now(), user
    _set_status(ret, user, Return.Status.ACCEPTED)
    ret.save()
    _rebuild_plans_after_commit(ret)
    return ret


@transaction.atomic
def return_send_back(*, user, ret, reason):
    """Return a submitted or accepted return to its organisation for amendment, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ReturnInvalid([Message("error", "Say why the return needs amending", key="reason")])
    ret = _locked(ret)
    _require(user, "submissions.send_back_return", ret, "You cannot return this return.")
    ret.decided_at, ret.decided_by = timezone.now(), user
    ret.returned_reason = reason
    _set_status(ret, user, Return.Status.RETURNED, reason)
    ret.save()
    _rebuild_plans_after_commit(ret)
    return ret
