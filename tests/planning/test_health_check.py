"""/health/, which load balancers and the container healthcheck ask: 503 while the database cannot be
reached (so no traffic is sent to a web process that can only fail), 200 again as soon as it
answers, and 200 while only the queue's broker is down (pages and saves still work then; queued
work waits for it)."""

import socket
import time

import pytest
from django.db import connection
from django.test import Client

from config.celery import app


def closed_port():
    """A local port nothing listens on: connecting to it is refused at once. (A port the kernel
    offers for binding can still be one a server listens on, so each is tried first.)"""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) != 0:
                return port


@pytest.fixture
def database_unreachable():
    """The default database pointed at a port where nothing answers, as when the server is down;
    pointed back (and reconnected) afterwards."""
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))

    def restore():
        connection.close()
        connection.settings_dict.update(saved)

    yield restore
    restore()


@pytest.fixture
def broker_unreachable(monkeypatch):
    """The queue's broker at a port where nothing answers. Celery reads the CELERY_BROKER_URL
    environment variable before its own setting, so both are changed."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    saved = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    app.conf.broker_url = url
    assert app.conf.broker_url == url
    yield
    app.conf.broker_url = saved


@pytest.mark.django_db(transaction=True)
def test_health_is_503_while_the_database_cannot_be_reached_and_200_once_it_answers(
    database_unreachable, settings
):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    started = time.monotonic()
    response = client.get("/health/")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert elapsed < 5  # a refused connection is reported at once, not after a hang

    database_unreachable()  # the database is back
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db(transaction=True)
def test_health_never_shows_how_the_database_connection_failed(database_unreachable, settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/health/")

    body = response.content.decode()
    assert response.status_code == 503
    for internal in ("127.0.0.1", "connection", "refused", "Traceback", "postgres"):
        assert internal not in body


@pytest.mark.django_db
def test_health_stays_200_while_only_the_broker_is_down(broker_unreachable, settings):
    """A broker outage must not take every web process out of the load balancer: the app still
    serves pages and saves (queued work runs when the broker is back)."""
    settings.DEBUG = False

    started = time.monotonic()
    response = Client(raise_request_exception=False).get("/health/")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert time.monotonic() - started < 2
