"""Writes to returns: save, submit, accept and send back. Each records who changed what in `Change`."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from submissions import queue
from submissions.formatting import format_value
from submissions.models import (
    Change,
    Explanation,
    NarrativeAnswer,
    Return,
    Submission,
    SubmissionValue,
    Value,
)
from submissions.models.returns import (
    ANSWER_MAX_LENGTH,
    EXPLANATION_MAX_LENGTH,
    content_hash,
)
from submissions.notifications import events as notifications

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


class StaleDecision(Exception):
    """A decision was made on a page showing a submission that is no longer the return's current
    one (or a return no longer in the state the page showed); nothing was changed."""

    def __init__(self, ret, message):
        super().__init__(message)
        self.ret = ret
        self.message = message


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
    # of=("self",): lock this return's row only, not the template and round it is joined to.
    return (
        Return.objects.select_for_update(of=("self",))
        .select_related("template__round", "organisation", "submission")
        .get(pk=ret.pk)
    )


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
        submission__isnull=False,
    ).exists()
    if not draft_done:
        raise ReturnInvalid(
            [Message("error", "Submit the draft return before starting the final one.")]
        )


def _format(value):
    return format_value(value, "", exact=True)


def return_save(*, user, ret, base_version, raw_cells, raw_answers, raw_explanations, note=""):
    """Save what was typed, or nothing at all.

    `raw_cells` maps (line code, column code) to the typed text of input cells (the page sends
    them all; a cell that is not sent keeps its value, one sent empty is cleared);
    `raw_answers` maps a question's line code to its text; `raw_explanations` maps a warning key to
    its explanation. Raises StaleReturn if someone else saved after `base_version`, ReturnInvalid
    if any cell is not a usable number; nothing is written in either case.
    """
    ret, _, _ = _save(
        user=user,
        ret=ret,
        base_version=base_version,
        raw_cells=raw_cells,
        raw_answers=raw_answers,
        raw_explanations=raw_explanations,
        note=note,
        keep_valid=False,
    )
    return ret


def return_save_draft(*, user, ret, base_version, raw_cells, raw_answers, raw_explanations):
    """Save every usable cell, answer and explanation; a cell that is not a usable number is
    left as it was saved before. Returns (return, [Message] for the cells not saved, how many
    cells changed). Raises StaleReturn, writing nothing, if someone else saved after
    `base_version`."""
    return _save(
        user=user,
        ret=ret,
        base_version=base_version,
        raw_cells=raw_cells,
        raw_answers=raw_answers,
        raw_explanations=raw_explanations,
        note="",
        keep_valid=True,
    )


@transaction.atomic
def _save(*, user, ret, base_version, raw_cells, raw_answers, raw_explanations, note, keep_valid):
    _require(user, "submissions.edit_return", ret, "You cannot change this return.")
    _check_final_has_draft(ret)
    grid = grid_for_template(ret.template)
    narrative_lines = {line.code: line for s in grid.narrative_sections for line in s.lines}
    _check_text_lengths(narrative_lines, raw_answers, raw_explanations)
    is_new = ret.pk is None
    ret = _locked(ret)
    if ret.version != base_version:
        raise StaleReturn(ret, base_version)
    if not is_new:
        _require(user, "submissions.edit_return", ret, "You cannot change this return.")

    typed, errors = parse_typed(grid, raw_cells)
    if errors and not keep_valid:
        raise ReturnInvalid(errors)
    unusable = {(m.line, m.column) for m in errors}
    raw_cells = {key: text for key, text in raw_cells.items() if key not in unusable}

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

    # Only the warnings the return now has can be explained: any other key (a warning that is not
    # there, or made up) is ignored, never stored.
    warned = (
        _warning_keys(ret, grid, old_values, typed, set(raw_cells) & set(columns))
        if raw_explanations
        else set()
    )
    old_explanations = explanations(ret)
    for key, text in raw_explanations.items():
        if key not in warned:
            continue
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
    return ret, errors, sum(c.kind == Change.Kind.VALUE for c in changes)


def _warning_keys(ret, grid, old_values, typed, sent):
    """The keys of the warnings the return has once the cells `sent` take their `typed` values."""
    after = dict(old_values)
    for key in sent:
        after[key] = typed.get(key)
    after = {key: value for key, value in after.items() if value is not None}
    return {w.key for w in evaluation_of(ret, grid=grid, typed=after).warnings}


def _check_text_lengths(narrative_lines, raw_answers, raw_explanations):
    """Refuse, before anything is written, an answer or explanation longer than the models allow."""
    problems = [
        Message(
            "error",
            f"{narrative_lines[code].label}: the answer can be at most {ANSWER_MAX_LENGTH:,} "
            f"characters (it has {len(text.strip()):,})",
            line=code,
            field=f"answer-{code}",
        )
        for code, text in raw_answers.items()
        if code in narrative_lines and len((text or "").strip()) > ANSWER_MAX_LENGTH
    ]
    problems += [
        Message(
            "error",
            f"An explanation can be at most {EXPLANATION_MAX_LENGTH:,} characters (one has "
            f"{len(text.strip()):,})",
            key=key,
            field="warnings",
        )
        for key, text in raw_explanations.items()
        if len((text or "").strip()) > EXPLANATION_MAX_LENGTH
    ]
    if problems:
        raise ReturnInvalid(problems)


def _rebuild_plans_after_commit(ret):
    transaction.on_commit(lambda: queue.request_plan_builds(ret=ret))


def _set_status(ret, user, status, note=""):
    old = ret.get_status_display()
    ret.status = status
    ret.version += 1
    ret.updated_by = user  # who changed it last: the lead who accepted it, not the planner
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
    ret.submission = _snapshot(ret, user, now)
    ret.save()
    _rebuild_plans_after_commit(ret)
    notifications.return_submitted(ret=ret)
    return ret


def _snapshot(ret, user, now):
    """Freeze what is being submitted: a numbered copy of the values and answers."""
    values = typed_values(ret)
    saved_answers = answers(ret)
    last = ret.submissions.aggregate(last=Max("number"))["last"] or 0
    submission = Submission.objects.create(
        ret=ret,
        number=last + 1,
        return_version=ret.version,
        submitted_at=now,
        submitted_by=user,
        is_late=ret.is_late,
        answers=saved_answers,
        content_hash=content_hash(values, saved_answers),
    )
    SubmissionValue.objects.bulk_create(
        SubmissionValue(submission=submission, line_id=line_id, column_id=column_id, value=value)
        for line_id, column_id, value in Value.objects.filter(ret=ret).values_list(
            "line_id", "column_id", "value"
        )
    )
    return submission


def _check_decides_on(ret, submission_number, statuses):
    """Refuse a decision made on a page that showed another submission, or another state."""
    current = ret.submission.number if ret.submission_id else None
    if current != submission_number or ret.status not in statuses:
        shown = f"submission {submission_number}" if submission_number else "an earlier state"
        raise StaleDecision(
            ret,
            f"The return has changed since you opened it (you were looking at {shown}; it is now "
            f"{ret.get_status_display().lower()}"
            + (f", submission {current}" if current else "")
            + "). Nothing was changed: check the return as it is now.",
        )


@transaction.atomic
def return_accept(*, user, ret, submission_number):
    """Accept the submission the lead reviewed. Its figures are already in the plans, so nothing
    is rebuilt: accepting never makes a new plan version."""
    ret = _locked(ret)
    _require(user, "submissions.accept_return", ret, "You cannot accept this return.")
    _check_decides_on(ret, submission_number, [Return.Status.SUBMITTED])
    now = timezone.now()
    ret.decided_at, ret.decided_by = now, user
    Submission.objects.filter(pk=ret.submission_id).update(accepted_at=now, accepted_by=user)
    _set_status(ret, user, Return.Status.ACCEPTED, f"Submission {submission_number}")
    ret.save()
    notifications.return_accepted(ret=ret)
    return ret


@transaction.atomic
def return_send_back(*, user, ret, reason, submission_number):
    """Return a submitted or accepted return to its organisation for amendment, saying why. The
    submission stays in the system plans, marked as under amendment, until a new one replaces it."""
    reason = (reason or "").strip()
    if not reason:
        raise ReturnInvalid([Message("error", "Say why the return needs amending", key="reason")])
    ret = _locked(ret)
    _require(user, "submissions.send_back_return", ret, "You cannot return this return.")
    _check_decides_on(ret, submission_number, [Return.Status.SUBMITTED, Return.Status.ACCEPTED])
    ret.decided_at, ret.decided_by = timezone.now(), user
    ret.returned_reason = reason
    _set_status(ret, user, Return.Status.RETURNED, reason)
    ret.save()
    notifications.return_sent_back(ret=ret)
    return ret


@transaction.atomic
def return_withdraw(*, user, ret, reason, submission_number):
    """The planning lead takes back a submission not yet accepted, saying why. The previous
    submission (if any) counts again, and the plans are rebuilt without the withdrawn one."""
    reason = (reason or "").strip()
    if not reason:
        raise ReturnInvalid([Message("error", "Say why you are withdrawing it", key="reason")])
    ret = _locked(ret)
    _require(user, "submissions.withdraw_return", ret, "You cannot withdraw this submission.")
    _check_decides_on(ret, submission_number, [Return.Status.SUBMITTED])
    Submission.objects.filter(pk=ret.submission_id).update(
        withdrawn_at=timezone.now(), withdrawn_by=user, withdrawn_reason=reason
    )
    ret.submission = (
        ret.submissions.filter(withdrawn_at__isnull=True).exclude(pk=ret.submission_id).first()
    )
    if ret.submission is None:
        _set_status(ret, user, Return.Status.DRAFT, f"Withdrawn: {reason}")
    else:
        ret.returned_reason = f"Submission {submission_number} withdrawn: {reason}"
        _set_status(ret, user, Return.Status.RETURNED, ret.returned_reason)
    ret.save()
    _rebuild_plans_after_commit(ret)
    return ret
