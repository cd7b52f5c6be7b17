"""Outage pages: a database that cannot be reached is "the service is busy" (503, Retry-After);
any other unexpected error is the "try again" page (500). Neither shows a traceback."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from config import middleware
from tests import factories

SECRET = "could not connect to server at 10.0.0.5: password for planning"


@pytest.fixture
def signed_in(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(factories.planning_lead(factories.organisation("06F")))
    return client


def _breaks_the_home_page(monkeypatch, exception):
    def broken(**kwargs):
        raise exception

    monkeypatch.setattr("submissions.home.views.planning.user_organisations", broken)


def _no_internals(html):
    assert "Traceback" not in html
    assert SECRET not in html
    assert "Error" not in html and 'File "' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_database_unreachable_in_a_view_is_a_busy_page_with_retry_after(
    signed_in, monkeypatch, error
):
    _breaks_the_home_page(monkeypatch, error(SECRET))

    response = signed_in.get(reverse("home"))

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "The service is busy, try again in a minute" in html
    assert 'class="nhsuk-header' in html
    _no_internals(html)


@pytest.mark.django_db
def test_database_unreachable_after_the_view_is_a_busy_page_too(signed_in, monkeypatch):
    """The session is saved after the view (now and then): the handler500 path answers 503."""
    session = signed_in.session
    session["_last_activity"] -= 120  # so this request saves the session
    session.save()

    def broken_save(self, must_create=False):
        raise OperationalError(SECRET)

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", broken_save)

    response = signed_in.get(reverse("home"))

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    _no_internals(response.content.decode())


@pytest.mark.django_db
def test_unexpected_error_is_a_try_again_page_without_a_traceback(signed_in, monkeypatch):
    _breaks_the_home_page(monkeypatch, RuntimeError(SECRET))

    response = signed_in.get(reverse("home"))

    assert response.status_code == 500
    assert "Retry-After" not in response
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "Try again later" in html
    assert 'class="nhsuk-header' in html
    _no_internals(html)


def test_outage_pages_render_without_the_database(rf):
    """No django_db mark: any query here would fail the test."""
    busy = middleware.database_unavailable_response()
    assert busy.status_code == 503
    assert "The service is busy" in busy.content.decode()

    try:
        raise RuntimeError(SECRET)
    except RuntimeError:
        page = middleware.server_error(rf.get("/"))
    assert page.status_code == 500
    assert "Sorry, there is a problem with the service" in page.content.decode()


def test_outage_pages_use_no_inline_script():
    for response in (
        middleware.database_unavailable_response(),
        middleware.server_error(None),
    ):
        html = response.content.decode()
        assert "<script>" not in html and '<script type="module">' not in html
        assert "<style" not in html and "style=" not in html
