"""Workbook download and upload for a return, with a preview before anything is applied."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import excel, services
from .models import Upload
from .rules import can
from .views import _return_url, return_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(data, filename):
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def return_download(request, year, ods, template, stage):
    ret = return_for(request, year, ods, template, stage)
    name = f"{ret.organisation.ods_code}-{ret.template.code}-{year}-{ret.stage}.xlsx"
    return _xlsx_response(excel.return_workbook(ret), name)


@login_required
@require_http_methods(["GET", "POST"])
def return_upload(request, year, ods, template, stage):
    ret = return_for(request, year, ods, template, stage)
    if not can(request.user, "submissions.edit_return", ret):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        upload = request.FILES.get("workbook")
        if upload is None:
            error = "Choose the completed workbook to upload."
        else:
            try:
                preview = excel.read_workbook(ret, upload.name, upload.read())
            except excel.WorkbookRejected as rejected:
                error = str(rejected)
            else:
                if ret.pk is None:
                    ret.save()
                record = Upload.objects.create(
                    ret=ret,
                    user=request.user,
                    filename=upload.name[:255],
                    base_version=ret.version,
                    cells=[
                        [line, column, text] for (line, column), text in preview.raw_cells.items()
                    ],
                    answers=preview.raw_answers,
                    changes=preview.changes,
                    errors=[
                        {"text": m.text, "line": m.line, "column": m.column} for m in preview.errors
                    ],
                )
                return redirect(_return_url(ret, "submissions:upload") + f"{record.pk}/")
    return render(
        request,
        "submissions/upload.html",
        {"ret": ret, "error": error, "urls": {"self": _return_url(ret)}},
        status=422 if error else 200,
    )


def _pending_upload(request, year, ods, template, stage, pk):
    ret = return_for(request, year, ods, template, stage)
    record = (
        Upload.objects.filter(pk=pk, ret=ret).select_related("user").first() if ret.pk else None
    )
    if record is None:
        raise Http404("No such upload.")
    if record.user_id != request.user.pk or not can(request.user, "submissions.edit_return", ret):
        raise PermissionDenied
    return ret, record


@login_required
def upload_preview(request, year, ods, template, stage, pk):
    ret, record = _pending_upload(request, year, ods, template, stage, pk)
    return render(
        request,
        "submissions/upload_preview.html",
        {"ret": ret, "upload": record, "urls": {"self": _return_url(ret)}},
    )


@login_required
@require_POST
def upload_confirm(request, year, ods, template, stage, pk):
    ret, record = _pending_upload(request, year, ods, template, stage, pk)
    if record.status != Upload.Status.PENDING:
        messages.info(request, "That upload was already dealt with.")
        return redirect(_return_url(ret))
    if request.POST.get("decision") == "cancel":
        record.status = Upload.Status.CANCELLED
        record.save(update_fields=["status"])
        messages.info(request, "The upload was cancelled; the return is unchanged.")
        return redirect(_return_url(ret))
    if record.errors:
        raise PermissionDenied  # the page offers no confirm button while errors remain
    try:
        services.return_save(
            user=request.user,
            ret=ret,
            base_version=record.base_version,
            raw_cells={(line, column): text for line, column, text in record.cells},
            raw_answers=record.answers,
            raw_explanations={},
            note=f"Uploaded from {record.filename}",
        )
    except services.StaleReturn:
        messages.error(
            request,
            "The return was changed by someone else after you uploaded the workbook, so nothing "
            "was applied. Download the workbook again, or upload yours again to see a fresh preview.",
        )
        return redirect(_return_url(ret))
    except services.ReturnInvalid as invalid:
        messages.error(request, invalid.messages[0].text)
        return redirect(_return_url(ret))
    record.status = Upload.Status.APPLIED
    record.save(update_fields=["status"])
    messages.success(request, f"Applied {len(record.changes)} changes from {record.filename}.")
    return redirect(_return_url(ret))
