"""Planning pages: the round timetable and its calendar file, the ICS lead's system page, and the
deadline extensions the ICS lead grants partners."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localdate
from django.views.decorators.http import require_http_methods

from . import calendar, selectors, services
from .forms import ExtensionForm, LocalMilestoneForm
from .models import Round


@login_required
def timetable(request, year):
    round_ = selectors.round_get(financial_year=year)
    system = selectors.timetable_system_for_user(
        user=request.user, round=round_, code=request.GET.get("system")
    )
    today = localdate()
    return render(
        request,
        "planning/timetable.html",
        {
            "round": round_,
            "system": system,
            "today": today,
            "entries": selectors.timetable(
                round=round_, system=system, today=today, user=request.user
            ),
            "system_choices": selectors.systems_for_user(
                user=request.user, financial_year=year
            ).order_by("name"),
            "rounds": Round.objects.all(),
        },
    )


@login_required
def timetable_ics(request, year):
    round_ = selectors.round_get(financial_year=year)
    system = selectors.timetable_system_for_user(
        user=request.user, round=round_, code=request.GET.get("system")
    )
    body = calendar.timetable_ics(
        round=round_,
        system=system,
        milestones=selectors.milestones_for(round=round_, system=system),
        host=request.get_host().split(":")[0],
    )
    suffix = f"-{system.code.lower()}" if system else ""
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    filename = f"planning-timetable-{round_.name.replace('/', '-')}{suffix}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def system_detail(request, code):
    system = selectors.system_for_reviewer(user=request.user, code=code)
    today = localdate()
    round_ = _round_from_query(request) or selectors.round_current(today=today)
    year = round_.financial_year if round_ else None
    return render(
        request,
        "planning/system_detail.html",
        {
            "system": system,
            "round": round_,
            "rounds": Round.objects.all(),
            "members": selectors.system_members(system=system, financial_year=year)
            if round_
            else [],
            "local_milestones": system.milestones.filter(round=round_).order_by("date")
            if round_
            else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_add(request, code, year):
    system = selectors.system_for_reviewer(user=request.user, code=code)
    round_ = selectors.round_get(financial_year=year)
    if not request.user.has_perm("planning.add_local_milestone", system):
        raise PermissionDenied
    form = LocalMilestoneForm(request.POST or None, round=round_)
    if request.method == "POST" and form.is_valid():
        try:
            milestone = services.milestone_create_local(
                user=request.user, system=system, round=round_, data=form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Added “{milestone.title}” to the {system.code} timetable.")
            return redirect(f"{system_url(system)}?year={round_.financial_year}")
    return render(
        request,
        "planning/milestone_form.html",
        {"system": system, "round": round_, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_delete(request, pk):
    milestone = selectors.local_milestone_for_user(user=request.user, pk=pk)
    if not request.user.has_perm("planning.delete_local_milestone", milestone):
        raise PermissionDenied
    if request.method == "POST":
        services.milestone_delete_local(user=request.user, milestone=milestone)
        messages.success(request, f"Removed “{milestone.title}”.")
        return redirect(f"{system_url(milestone.system)}?year={milestone.round.financial_year}")
    return render(request, "planning/milestone_delete.html", {"milestone": milestone})


@login_required
def extensions(request, code, year):
    system = selectors.system_for_reviewer(user=request.user, code=code)
    round_ = selectors.round_get(financial_year=year)
    return render(
        request,
        "planning/extensions.html",
        {
            "system": system,
            "round": round_,
            "extensions": selectors.extensions_for_system(system=system, round=round_),
            "can_grant": round_.is_open
            and request.user.has_perm("planning.grant_extension", system),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def extension_grant(request, code, year):
    system = selectors.system_for_reviewer(user=request.user, code=code)
    round_ = selectors.round_get(financial_year=year)
    if not request.user.has_perm("planning.grant_extension", system):
        raise PermissionDenied
    context = {"system": system, "round": round_}
    if not round_.is_open:
        return render(request, "planning/extension_form.html", context)
    form = ExtensionForm(
        request.POST if request.method == "POST" else None,
        initial={
            key: request.GET[key] for key in ("organisation", "milestone") if key in request.GET
        },
        organisations=selectors.member_organisations(system=system, financial_year=year),
        milestones=selectors.extendable_milestones(round=round_, system=system),
    )
    if request.method == "POST" and form.is_valid():
        try:
            extension, replaced = services.extension_grant(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            message = (
                f"{extension.organisation.name} has until {_day(extension.until)} for "
                f"“{extension.milestone.title}”."
            )
            if replaced is not None:
                message += f" This replaces the earlier extension to {_day(replaced)}."
            messages.success(request, message)
            return redirect("planning:extensions", system.code, round_.financial_year)
    organisation, milestone = _chosen(form, "organisation"), _chosen(form, "milestone")
    context["form"] = form
    if organisation is not None and milestone is not None:
        context["existing"] = selectors.extension_existing(
            milestone=milestone, organisation=organisation
        )
    status = 422 if form.errors else 200
    return render(request, "planning/extension_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def extension_withdraw(request, pk):
    extension = selectors.extension_for_reviewer(user=request.user, pk=pk)
    if not request.user.has_perm("planning.change_extension", extension):
        raise PermissionDenied
    system = selectors.extension_system(user=request.user, extension=extension)
    if request.method == "POST":
        services.extension_withdraw(user=request.user, extension=extension)
        messages.success(
            request,
            f"Withdrew the extension of “{extension.milestone.title}” for "
            f"{extension.organisation.name}: it is due on "
            f"{_day(extension.milestone.last_day)} again.",
        )
        return redirect(
            "planning:extensions", system.code, extension.milestone.round.financial_year
        )
    return render(
        request, "planning/extension_withdraw.html", {"extension": extension, "system": system}
    )


def _chosen(form, name):
    """The organisation or milestone the form names (posted, or asked for in the link), if valid."""
    field = form.fields[name]
    value = form[name].value()
    try:
        return field.clean(value) if value else None
    except ValidationError:
        return None


def _day(date):
    return f"{date.day} {date:%B %Y}"


def system_url(system):
    return reverse("planning:system", args=[system.code])


def _round_from_query(request):
    year = request.GET.get("year", "")
    if not year:
        return None
    if not (year.isascii() and year.isdigit() and len(year) <= 4):
        raise Http404("No such planning round.")
    return selectors.round_get(financial_year=int(year))


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def health(request):
    """For load balancers and the container healthcheck: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
