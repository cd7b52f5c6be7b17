"""Request-level hardening: the outage pages and the sign-in lock-out.

- A database that cannot be reached (OperationalError or InterfaceError while handling a request)
  answers 503 "The service is busy" with Retry-After, never a traceback. The view's errors are
  caught by `DatabaseUnavailableMiddleware`; `server_error` (handler500) catches the rest, such as
  the session being saved after the view.
- Both pages render from the template alone, with no request context, so no context processor
  runs and nothing touches the database.
- `SessionActivityMiddleware` is the idle timeout: a signed-in session is saved (so its expiry
  moves SESSION_COOKIE_AGE on) at most once a minute, rather than on every request as
  SESSION_SAVE_EVERY_REQUEST would, and a page's background status checks (fetch asking for JSON)
  are not activity, so a page left open still times out.
- `LockoutBackend` and `lockout_response` are the django-axes sign-in lock-out.
"""

import ipaddress
import logging
import sys
import time

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


def _standalone(template_name):
    """A page rendered without the request: no context processor, so no database query."""
    return loader.get_template(template_name).render({"service_name": settings.SERVICE_NAME})


def database_unavailable_response():
    response = HttpResponse(_standalone("503.html"), status=503)
    response["Retry-After"] = str(settings.RETRY_AFTER_SECONDS)
    return response


class RefuseNulCharactersMiddleware:
    """A NUL character cannot be stored in PostgreSQL text ("A string literal cannot contain NUL"),
    and nobody types one on purpose: a request carrying one in its path (an ODS code in a URL) or
    in a field's name or value is refused here, in one place, with a 400 page that says nothing was
    saved, before any view reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path_info
            or _has_nul(request.GET)
            or (request.method == "POST" and _has_nul(request.POST))
        ):
            return render(
                request,
                "400.html",
                {"reason": "What you sent held a NUL character, which cannot be stored."},
                status=400,
            )
        return self.get_response(request)


def _has_nul(query):
    return any("\x00" in key or any("\x00" in v for v in query.getlist(key)) for key in query)


class DatabaseUnavailableMiddleware:
    """Turns a database that cannot be reached into the 503 page (unless debugging)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG or not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error(
            "Database unavailable while handling %s %s",
            request.method,
            request.path,
            exc_info=exception,
        )
        return database_unavailable_response()


def server_error(request):
    """handler500: the "try again" page, or the 503 page when the database is the cause."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return database_unavailable_response()
    return HttpResponseServerError(_standalone("500.html"))


LAST_ACTIVITY = "_last_activity"
ACTIVITY_SAVE_EVERY_SECONDS = 60


def _mark_activity(sender, request, user, **kwargs):
    """At sign-in the session is saved anyway: note the time, so the next minute writes nothing."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_ACTIVITY] = int(time.time())


user_logged_in.connect(_mark_activity, dispatch_uid="config.middleware.mark_activity")


class SessionActivityMiddleware:
    """The idle timeout: a signed-in request moves the session's expiry on, at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is None
            or not session.accessed  # nothing asked who is signed in: leave it alone
            or "_auth_user_id" not in session
            or request.headers.get("Accept", "").startswith("application/json")
        ):
            return response
        now = int(time.time())
        if now - session.get(LAST_ACTIVITY, 0) >= ACTIVITY_SAVE_EVERY_SECONDS:
            session[LAST_ACTIVITY] = now  # modified: SessionMiddleware saves it, expiry moves on
        return response


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, first of the authentication backends.

    Every sign-in form passes the request. A call to `authenticate()` without one (a script, a
    management command) cannot be tied to an address, so it is left to the other backends rather
    than refused outright as django-axes would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again, with the lock-out message and no form error."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username[:150]})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "form": form,
        "locked_out": True,
        "lockout_minutes": minutes,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(
        request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )


def client_address(request):
    """The address a request came from, as the lock-out and the audit log record it.

    With DJANGO_TRUSTED_PROXY_COUNT proxies in front, each appends the address it saw to
    X-Forwarded-For, so the client's is the count-th entry from the right; anything to its left was
    sent by the client and is ignored. A header shorter than that did not come through all our
    proxies, or holds no address there: the socket's address is used.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if count and len(forwarded) >= count:
        try:
            return str(ipaddress.ip_address(forwarded[-count]))
        except ValueError:  # not an address: our proxies did not write it
            pass
    return request.META.get("REMOTE_ADDR")
