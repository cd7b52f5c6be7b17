"""The home page: what each person has to do, drawn from every concern (planning and submissions)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.timezone import localdate

from planning import selectors as planning
from planning.models import Role, Round
from planning.rules import roles_of
from submissions.returns.selectors import returned_for_attention


@login_required
def home(request):
    today = localdate()
    user = request.user
    current = planning.round_current(today=today)
    context = {
        "today": today,
        "current_round": current,
        "organisations": planning.user_organisations(user=user),
        "led_systems": planning.systems_reviewable_by(user=user),
        "sees_every_system": planning.sees_every_system(user),
        "upcoming": planning.upcoming_milestones(user=user, today=today),
        "rounds": Round.objects.all(),
        "returned": returned_for_attention(user=user),  # returns sent back to the user
        "can_write_papers": any(r.kind == Role.Kind.PLANNING_LEAD for r in roles_of(user)),
    }
    if current:
        context["my_systems"] = planning.systems_for_user(
            user=user, financial_year=current.financial_year
        ).order_by("name")
    return render(request, "home.html", context)
