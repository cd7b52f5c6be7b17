"""Planning pages: the round timetable and its calendar file, and the ICS lead's system page."""

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
from .forms import LocalMilestoneForm
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
            "entries": selectors.timetable(round=round_, system=system, today=today),
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
