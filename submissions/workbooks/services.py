"""Writes for uploads: keep a workbook's preview until the lead confirms, then apply or cancel it.
Applying goes through the return's own save, so an upload is in the history like any edit."""

from django.db import transaction

from submissions.models import Upload
from submissions.returns.services import ReturnInvalid, StaleReturn, return_save

__all__ = [
    "AlreadyDealtWith",
    "ReturnInvalid",
    "StaleReturn",
    "upload_apply",
    "upload_cancel",
    "upload_record",
]


@transaction.atomic
def upload_record(*, user, ret, filename, preview):
    """Keep a workbook's preview of changes and problems for the lead to confirm."""
    if ret.pk is None:
        ret.save()
    return Upload.objects.create(
        ret=ret,
        user=user,
        filename=filename[:255],
        base_version=ret.version,
        cells=[[line, column, text] for (line, column), text in preview.raw_cells.items()],
        answers=preview.raw_answers,
        changes=preview.changes,
        errors=[{"text": m.text, "line": m.line, "column": m.column} for m in preview.errors],
    )


@transaction.atomic
def upload_cancel(*, upload):
    """Cancel a pending upload. Its row is locked first, like `upload_apply`'s, so a Cancel that
    races an Apply waits for it and is told the upload was applied (AlreadyDealtWith) rather than
    marking an applied upload cancelled."""
    upload = Upload.objects.select_for_update(of=("self",)).get(pk=upload.pk)
    if upload.status != Upload.Status.PENDING:
        raise AlreadyDealtWith(upload.get_status_display().lower())
    upload.status = Upload.Status.CANCELLED
    upload.save(update_fields=["status"])
    return upload


class AlreadyDealtWith(Exception):
    """The upload was applied or cancelled already (e.g. a double click on Confirm)."""


@transaction.atomic
def upload_apply(*, user, ret, upload):
    """Save the upload's cells and answers into the return, if nobody saved it since the upload
    was read (StaleReturn). The upload's row is locked first, so a second click waits for the
    first and is told the upload was already applied (AlreadyDealtWith), not that it failed."""
    upload = Upload.objects.select_for_update(of=("self",)).get(pk=upload.pk)
    if upload.status != Upload.Status.PENDING:
        raise AlreadyDealtWith(upload.get_status_display().lower())
    return_save(
        user=user,
        ret=ret,
        base_version=upload.base_version,
        raw_cells={(line, column): text for line, column, text in upload.cells},
        raw_answers=upload.answers,
        raw_explanations={},
        note=f"Uploaded from {upload.filename}",
    )
    upload.status = Upload.Status.APPLIED
    upload.save(update_fields=["status"])
    return upload
