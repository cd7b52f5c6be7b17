"""The home page: what each person has to do, drawn from every concern (planning and submissions)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.timezone import localdate

from planning import selectors as planning
from planning.models import Role, Round
from planning.rules import roles_of
from submissions.returns.selectors import returned_for_attention

from . import selectors


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
        "is_governor": any(r.kind == Role.Kind.GOVERNING_BODY_MEMBER for r in roles_of(user)),
    }
    if current:
        context["my_systems"] = planning.systems_for_user(
            user=user, financial_year=current.financial_year
        ).order_by("name")
    # Each role's task list: the returns to do, the reviews, the papers, the country.
    context["tasks"] = selectors.planning_lead_tasks(user=user, round_=current, today=today)
    context["reviews"] = selectors.ics_lead_tasks(user=user, round_=current, today=today)
    context["papers_to_read"] = selectors.papers_to_read(user=user)
    context["queries_to_act_on"] = selectors.queries_to_act_on(user=user)
    if context["sees_every_system"]:
        context["completeness"] = selectors.national_completeness(round_=current, today=today)
    return render(request, "home.html", context)
