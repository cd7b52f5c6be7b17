"""Signing in safely: lock-out after repeated failures (django-axes, on /login/ and /admin/login/),
sessions that end when idle or when the password changes, and HTTPS settings for deployment."""

import datetime
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
LOCKED = "You cannot log in for now"


def _log_in(client, user, password=factories.PASSWORD, url="/login/", **extra):
    return client.post(url, {"username": user.username, "password": password}, **extra)


def _fail(client, user, times=5, url="/login/", **extra):
    return [_log_in(client, user, "not-the-password", url=url, **extra) for _ in range(times)]


def _signed_in(client):
    return "_auth_user_id" in client.session


# Lock-out


@pytest.mark.django_db
def test_five_wrong_passwords_then_the_right_one_is_refused_with_the_message(client):
    user = factories.user()

    failures = _fail(client, user)
    assert [r.status_code for r in failures[:4]] == [200] * 4
    assert LOCKED not in failures[3].content.decode()
    assert failures[4].status_code == 429

    response = _log_in(client, user)

    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and "Try again in 15 minutes" in html
    assert 'class="nhsuk-error-summary"' in html and 'class="nhsuk-header' in html
    assert 'name="password"' in html  # the login page itself, not a bare 403 text
    assert not _signed_in(client)


@pytest.mark.django_db
def test_another_user_is_not_locked(client):
    locked, other = factories.user(), factories.user()
    _fail(client, locked)

    response = _log_in(client, other)

    assert response.status_code == 302 and response.url == reverse("home")
    assert _signed_in(client)


@pytest.mark.django_db
def test_the_same_user_from_another_address_is_not_locked(client):
    user = factories.user()
    _fail(client, user, REMOTE_ADDR="10.1.2.3")

    assert _log_in(client, user).status_code == 302


@pytest.mark.django_db
def test_behind_one_proxy_the_lock_out_is_per_client_address(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = factories.user()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    _fail(client, user, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)

    # Another client behind the same proxy is not locked out with the first.
    assert _log_in(client, user, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 302
    client.logout()
    # The locked client cannot get out by writing another address into the header.
    spoofed = _log_in(client, user, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9", **proxy)
    assert spoofed.status_code == 429 and LOCKED in spoofed.content.decode()
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"


@pytest.mark.django_db
def test_without_a_proxy_x_forwarded_for_is_ignored(client):
    user = factories.user()
    _fail(client, user, HTTP_X_FORWARDED_FOR="203.0.113.9")

    response = _log_in(client, user, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_a_forwarded_entry_that_is_not_an_address_falls_back_to_the_socket(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = factories.user()
    _fail(client, user, times=1, HTTP_X_FORWARDED_FOR="<script>", REMOTE_ADDR="10.0.0.2")

    assert AccessAttempt.objects.get().ip_address == "10.0.0.2"


@pytest.mark.django_db
def test_after_axes_reset_the_user_logs_in(client):
    user = factories.user()
    _fail(client, user)
    assert _log_in(client, user).status_code == 429

    call_command("axes_reset_username", user.username)

    response = _log_in(client, user)
    assert response.status_code == 302 and _signed_in(client)


@pytest.mark.django_db
def test_admin_unlocks_through_the_axes_admin(client):
    user = factories.user()
    _fail(client, user)
    attempt = AccessAttempt.objects.get(username=user.username)
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.nhs.uk", "x"))
    assert admin.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200

    deleted = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert deleted.status_code == 302
    assert _log_in(client, user).status_code == 302 and _signed_in(client)


@pytest.mark.django_db
def test_admin_login_is_locked_out_too(client):
    user = factories.user(is_staff=True)
    _fail(client, user, url="/admin/login/")

    response = _log_in(client, user, url="/admin/login/")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not _signed_in(client)


@pytest.mark.django_db
def test_a_success_clears_earlier_failures(client):
    user = factories.user()
    _fail(client, user, times=4)
    assert _log_in(client, user).status_code == 302
    client.logout()

    _fail(client, user, times=4)
    assert _log_in(client, user).status_code == 302


@pytest.mark.django_db
def test_force_login_is_not_affected_by_the_lock_out(client):
    user = factories.user()
    _fail(Client(), user)

    client.force_login(user)

    assert client.get(reverse("home")).status_code == 200


# Sessions


def _quiet_for(client, seconds):
    """As if the last request was `seconds` ago, with the session expiring in a minute."""
    session = client.session
    session["_last_activity"] -= seconds
    session.save()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(seconds=60))


def _expires_in():
    return Session.objects.get().expire_date - timezone.now()


@pytest.mark.django_db
def test_a_request_moves_the_idle_timeout_on(client, settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT_SECONDS == 1800
    client.force_login(factories.user())
    _quiet_for(client, 120)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert _expires_in() > datetime.timedelta(seconds=1790)
    assert not response.cookies["sessionid"]["max-age"]  # ends when the browser closes


@pytest.mark.django_db
def test_requests_within_a_minute_do_not_write_the_session(client):
    client.force_login(factories.user())
    _quiet_for(client, 10)

    client.get(reverse("home"))

    assert _expires_in() < datetime.timedelta(seconds=61)


@pytest.mark.django_db
def test_a_background_status_check_is_not_activity(client):
    client.force_login(factories.user())
    _quiet_for(client, 120)

    client.get(reverse("home"), headers={"Accept": "application/json"})

    assert _expires_in() < datetime.timedelta(seconds=61)


@pytest.mark.django_db
def test_a_session_idle_past_the_timeout_is_signed_out(client):
    client.force_login(factories.user())
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get(reverse("home"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_changing_the_password_signs_out_every_other_session():
    user = factories.user()
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)

    user.set_password("a-new-long-password")
    user.save()

    response = elsewhere.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# HTTPS


def _run(args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_", "SESSION_", "AXES_", "PYTEST_"))
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_check_deploy_does_not_warn_about_hsts_or_ssl_redirect():
    result = _run(
        ["manage.py", "check", "--deploy"],
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    )
    output = result.stdout + result.stderr
    assert "security.W004" not in output, output
    assert "security.W008" not in output, output
    assert "security.W" in output or "no issues" in output  # the check did run


def test_session_idle_timeout_and_lock_out_come_from_the_environment():
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SESSION_COOKIE_AGE, settings.AXES_FAILURE_LIMIT, "
        "int(settings.AXES_COOLOFF_TIME.total_seconds()), settings.SECURE_SSL_REDIRECT, "
        "settings.SECURE_HSTS_SECONDS)"
    )
    result = _run(
        ["-c", probe],
        SESSION_IDLE_TIMEOUT_SECONDS="600",
        AXES_FAILURE_LIMIT="3",
        AXES_COOLOFF_MINUTES="30",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="3600",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["600", "3", "1800", "False", "3600"]


@pytest.mark.django_db
def test_health_answers_over_plain_http_while_other_pages_redirect_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()

    assert client.get("/health/").status_code == 200
    response = client.get("/login/")
    assert response.status_code == 301 and response.url.startswith("https://")
    assert client.get("/login/", headers={"X-Forwarded-Proto": "https"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_a_username_too_long_is_refused_like_a_wrong_one_and_not_echoed(client, url):
    response = client.post(url, {"username": "x" * 100_000, "password": "whatever"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert len(response.content) < 20_000
    assert not _signed_in(client)
