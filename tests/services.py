"""Throwaway PostgreSQL and Redis servers for the test suite, started before Django reads its settings.

Loaded as a plugin (`-p tests.services` in pytest.ini) so that its hook runs before pytest-django
imports the settings: it starts the servers in a temporary directory on free ports and exports
DATABASE_URL and CELERY_BROKER_URL. A tier whose program is missing is skipped with one loud line,
unless CI is set, in which case the run fails.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

TIERS = {"postgres": False, "redis": False, "chromium": False}
CHROMIUM = "/usr/bin/chromium"


def in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing_tier(name, reason):
    message = f"!!!!! TEST TIER SKIPPED: {name}: {reason} !!!!!"
    if in_ci():
        raise pytest.UsageError(f"{message} (CI=true: every tier must run)")
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Nothing listened on port {port} within {timeout}s")


def postgres_bindir():
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return os.path.dirname(found[-1]) if found else None


def as_server_user(command):
    """PostgreSQL refuses to run as root: run it as the `postgres` system user when we are root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start_postgres(root, cleanups):
    bindir = postgres_bindir()
    if not bindir:
        missing_tier("PostgreSQL", "initdb not found (apt-get install postgresql)")
        return None
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError:
            missing_tier("PostgreSQL", "running as root and there is no postgres user")
            return None
    datadir = os.path.join(root, "pgdata")
    os.makedirs(datadir)
    if os.geteuid() == 0:
        os.chown(root, server_user.pw_uid, server_user.pw_gid)
        os.chown(datadir, server_user.pw_uid, server_user.pw_gid)
    port = free_port()

    def run(program, *args):
        subprocess.run(
            as_server_user([os.path.join(bindir, program), *args]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    run(
        "initdb",
        "-D",
        datadir,
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    )
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
    )
    run(
        "pg_ctl",
        "-D",
        datadir,
        "-o",
        options,
        "-l",
        os.path.join(root, "postgres.log"),
        "-w",
        "start",
    )
    cleanups.append(
        lambda: subprocess.run(
            as_server_user(
                [os.path.join(bindir, "pg_ctl"), "-D", datadir, "-m", "immediate", "stop"]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    return f"postgres://postgres@127.0.0.1:{port}/planning"


def start_redis(root, cleanups):
    server = shutil.which("redis-server")
    if not server:
        missing_tier(
            "Redis and the Celery worker", "redis-server not found (apt-get install redis-server)"
        )
        return None
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            root,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cleanups.append(lambda: (process.terminate(), process.wait(timeout=10)))
    wait_for_port(port)
    return f"redis://127.0.0.1:{port}/0"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Playwright's sync API runs an event loop in the test thread; Django's ORM is used beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_SECRET_KEY"] = "test-only-secret-key"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    # The suite runs with DEBUG off (as in production) but over plain HTTP (test client, live
    # server): no redirect to HTTPS. Tests of the redirect set it themselves.
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    for name in (
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "CELERY_TASK_ALWAYS_EAGER",
    ):
        os.environ.pop(name, None)

    root = tempfile.mkdtemp(prefix="planning-tests-")
    cleanups = []

    def stop_all():
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as error:  # a server that already died must not hide test results
                print(f"cleanup failed: {error}", file=sys.stderr)
        shutil.rmtree(root, ignore_errors=True)

    early_config.add_cleanup(stop_all)

    database_url = start_postgres(root, cleanups)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        TIERS["postgres"] = True
    broker_url = start_redis(root, cleanups)
    if broker_url:
        os.environ["CELERY_BROKER_URL"] = broker_url
        # Tasks run eagerly unless a test starts the real worker (see the celery_worker fixture).
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
        TIERS["redis"] = True
    if os.access(CHROMIUM, os.X_OK):
        TIERS["chromium"] = True
    else:
        missing_tier("Chromium browser tests", f"{CHROMIUM} not found (apt-get install chromium)")


def pytest_report_header(config):
    return "test tiers: " + ", ".join(
        f"{name}={'on' if on else 'SKIPPED'}" for name, on in TIERS.items()
    )
