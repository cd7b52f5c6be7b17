"""Workbook download and upload for a return, with a preview before anything is applied; and a
system plan as a workbook."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from submissions.models import Upload
from submissions.plans.presenters import export_name
from submissions.plans.selectors import exported_plan
from submissions.returns.presenters import return_url
from submissions.returns.rules import can
from submissions.returns.selectors import return_for_reader

from . import selectors, services
from .reading import WorkbookRejected

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(data, filename):
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _return(request, year, ods, template, stage):
    return return_for_reader(
        user=request.user, financial_year=year, ods_code=ods, template_code=template, stage=stage
    )


@login_required
def return_download(request, year, ods, template, stage):
    ret = _return(request, year, ods, template, stage)
    name = f"{ret.organisation.ods_code}-{ret.template.code}-{year}-{ret.stage}.xlsx"
    return _xlsx_response(selectors.return_workbook(ret), name)


@login_required
@require_http_methods(["GET", "POST"])
def return_upload(request, year, ods, template, stage):
    ret = _return(request, year, ods, template, stage)
    if not can(request.user, "submissions.edit_return", ret):
        raise PermissionDenied
    error = None
    upload = request.FILES.get("workbook") if request.method == "POST" else None
    if request.method == "POST" and upload is None:
        error = "Choose the completed workbook to upload."
    elif upload is not None and upload.size > settings.UPLOAD_MAX_BYTES:
        error = _too_large()  # refused before a byte of it is read into memory
    elif upload is not None:
        # Never more than the limit and one byte, whatever the file claims its size is.
        data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
        try:
            if len(data) > settings.UPLOAD_MAX_BYTES:
                raise WorkbookRejected(_too_large())
            preview = selectors.upload_preview(ret, upload.name, data)
        except WorkbookRejected as rejected:
            error = str(rejected)
        else:
            record = services.upload_record(
                user=request.user, ret=ret, filename=upload.name, preview=preview
            )
            return redirect(return_url(ret, "submissions:upload") + f"{record.pk}/")
    context = {"ret": ret, "error": error, "urls": {"self": return_url(ret)}}
    return render(request, "submissions/upload.html", context, status=422 if error else 200)


def _too_large():
    limit = settings.UPLOAD_MAX_BYTES
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    return f"The file is larger than {size}: upload a workbook of at most that size."


@login_required
def upload_preview(request, year, ods, template, stage, pk):
    ret = _return(request, year, ods, template, stage)
    record = selectors.pending_upload(user=request.user, ret=ret, pk=pk)
    applicable = sum(not change.get("kept") for change in record.changes)
    context = {
        "ret": ret,
        "upload": record,
        "applicable": applicable,
        "urls": {"self": return_url(ret)},
    }
    return render(request, "submissions/upload_preview.html", context)


@login_required
@require_POST
def upload_confirm(request, year, ods, template, stage, pk):
    ret = _return(request, year, ods, template, stage)
    record = selectors.pending_upload(user=request.user, ret=ret, pk=pk)
    if record.status != Upload.Status.PENDING:
        messages.info(request, "That upload was already dealt with.")
    elif request.POST.get("decision") == "cancel":
        try:
            services.upload_cancel(upload=record)
        except services.AlreadyDealtWith as done:
            messages.info(request, f"That upload was already {done}.")
        else:
            messages.info(request, "The upload was cancelled; the return is unchanged.")
    else:
        _apply(request, ret, record)  # with problems, only the valid cells (the page says so)
    return redirect(return_url(ret))


def _apply(request, ret, record):
    try:
        services.upload_apply(user=request.user, ret=ret, upload=record)
    except services.AlreadyDealtWith as done:
        messages.info(request, f"That upload was already {done}.")
    except services.StaleReturn:
        messages.error(
            request,
            "The return was changed by someone else after you uploaded the workbook, so nothing "
            "was applied. Download the workbook again, or upload yours again to see a fresh preview.",
        )
    except services.ReturnInvalid as invalid:
        messages.error(request, invalid.messages[0].text)
    else:
        applied = sum(not c.get("kept") for c in record.changes)
        skipped = (
            f" The {len(record.errors)} cells with problems were not applied."
            if record.errors
            else ""
        )
        messages.success(request, f"Applied {applied} changes from {record.filename}.{skipped}")


@login_required
def plan_export_xlsx(request, **url):
    version = request.GET.get("version", "")
    plan, figures = exported_plan(user=request.user, version_text=version, **url)
    return _xlsx_response(selectors.plan_workbook(plan, figures), f"{export_name(plan)}.xlsx")
