"""A person's notifications page, opening one (it is then read), and their email preference."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import PreferenceForm

PER_PAGE = 25


@login_required
@require_http_methods(["GET"])
def notification_list(request):
    """The person's notifications, newest first, the unread marked."""
    page = Paginator(selectors.notifications_for(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "has_unread": selectors.unread_count(user=request.user) > 0,
        "delivery": selectors.delivery_of(user=request.user),
    }
    return render(request, "notifications/notification_list.html", context)


@login_required
@require_http_methods(["GET"])
def notification_open(request, pk):
    """Open one of the person's notifications: it is marked read and they go to its page."""
    notification = selectors.notification_for(user=request.user, pk=pk)
    services.notification_open(user=request.user, notification=notification)
    if not url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect("submissions:notifications")
    return redirect(notification.link)


@login_required
@require_POST
def notifications_mark_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, "All your notifications are marked as read.")
    return redirect("submissions:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    """Emails at once, or a daily digest."""
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.preference_set(user=request.user, delivery=form.cleaned_data["delivery"])
            messages.success(request, "Your email preference is saved.")
            return redirect("submissions:notifications")
        status = 422
    else:
        form = PreferenceForm(initial={"delivery": selectors.delivery_of(user=request.user)})
        status = 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
