"""Shared fixtures: real Celery workers (a thread, or processes), the suite's Redis, a real SMTP
server, headless Chromium, and the accessibility scan."""

import pytest
from django.conf import settings as django_settings
from django.db import connection

from config.celery import app
from tests import factories
from tests.services import CHROMIUM, SERVERS, TIERS, SmtpServer, WorkerProcess, process_env


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "worker" in item.keywords and not TIERS["redis"]:
            item.add_marker(pytest.mark.skip(reason="redis-server is not installed"))
        if "browser" in item.keywords and not TIERS["chromium"]:
            item.add_marker(pytest.mark.skip(reason="chromium is not installed"))


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker in a thread, consuming from the throwaway Redis."""
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def sending():
    """The app sends tasks to Redis, as in production (the suite runs them eagerly otherwise)."""
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Start real worker processes on this test's database; all are killed at the end, before
    the database is emptied."""
    if not TIERS["postgres"]:
        pytest.skip("worker processes need the PostgreSQL tier")
    env = process_env(
        DATABASE_URL=SERVERS["postgres"].url(connection.settings_dict["NAME"]),
        MEDIA_ROOT=str(django_settings.MEDIA_ROOT),
    )
    started = []

    def start(**extra):
        worker = WorkerProcess(tmp_path / f"worker-{len(started) + 1}.log", {**env, **extra})
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def suite_redis():
    """The suite's Redis, which the test may stop; running again on its port afterwards."""
    server = SERVERS["redis"]
    if server is None:
        pytest.skip("redis-server is not installed")
    yield server
    if not server.running:
        server.start()


@pytest.fixture(scope="session")
def smtp_server():
    """The suite's SMTP server (aiosmtpd on a free port): `host`, `port`, and `received()`, the
    messages it has been sent."""
    if not TIERS["smtp"]:
        pytest.skip("aiosmtpd is not installed")
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server, settings):
    """The app sends its emails to the suite's SMTP server, as it would to a real one; the
    messages this test sent are `mailbox.received()`."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: _console_error(message, errors))
    yield page
    context.close()
    assert not errors, f"JavaScript or console errors on the page: {errors}"


def _console_error(message, errors):
    # A form re-shown with its errors answers 422 (or 409 for a conflict); the browser logs that.
    expected = ("status of 422", "status of 409")
    if message.type == "error" and not any(text in message.text for text in expected):
        errors.append(message.text)


@pytest.fixture
def log_in(page):
    """Log in through the real form, as a person would."""

    def log_in_as(user, password=factories.PASSWORD):
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/")
        return page

    return log_in_as


@pytest.fixture
def assert_accessible():
    """Scan the page with axe-core (bundled, not fetched) and fail on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def scan(page):
        results = axe.run(page)
        violations = [
            v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
        ]
        details = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:5])
            for v in violations
        )
        assert not violations, f"Accessibility violations on {page.url}:\n{details}"
        return results

    return scan


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    """Rendered papers are files: keep each test's in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
