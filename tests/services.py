"""Throwaway PostgreSQL, Redis and SMTP servers for the test suite, started before Django reads its settings.

Loaded as a plugin (`-p tests.services` in pytest.ini) so that its hook runs before pytest-django
imports the settings: it starts the servers in a temporary directory on free ports and exports
DATABASE_URL and CELERY_BROKER_URL. A tier whose program is missing is skipped with one loud line,
unless CI is set, in which case the run fails.

The fault tests (tests/faults/) use the rest: the suite's Redis stopped and started again on its
port (`SERVERS`), a second PostgreSQL cluster of their own, and Celery workers as processes
(`WorkerProcess`) that can be SIGKILLed.

The SMTP tier is a real mail server (aiosmtpd) on a free port, started in a thread by the
session fixture `smtp_server` (tests/conftest.py) the first time a test asks for it; it keeps what it
receives (`SmtpServer.messages`). Missing aiosmtpd is reported here like a missing program.
"""

import email
import email.policy
import glob
import importlib.util
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

TIERS = {"postgres": False, "redis": False, "chromium": False, "smtp": False}
# The suite's servers, which the fault tests stop and start (None when the tier is skipped).
SERVERS = {"postgres": None, "redis": None}
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


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


class PostgresServer:
    """A throwaway PostgreSQL cluster in `root`, on a free port, that a test may stop and start."""

    def __init__(self, root, bindir):
        self.root = root
        self.bindir = bindir
        self.datadir = os.path.join(root, "pgdata")
        self.port = free_port()

    def _run(self, program, *args):
        subprocess.run(
            as_server_user([os.path.join(self.bindir, program), *args]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def create(self):
        os.makedirs(self.datadir)
        if os.geteuid() == 0:
            server_user = pwd.getpwnam("postgres")
            os.chown(self.root, server_user.pw_uid, server_user.pw_gid)
            os.chown(self.datadir, server_user.pw_uid, server_user.pw_gid)
        self._run(
            "initdb",
            "-D",
            self.datadir,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        return self

    def start(self):
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            "pg_ctl",
            "-D",
            self.datadir,
            "-o",
            options,
            "-l",
            os.path.join(self.root, "postgres.log"),
            "-w",
            "start",
        )

    def stop(self):
        """Stop at once, as a crash or a lost network would (clients see their connection drop)."""
        subprocess.run(
            as_server_user(
                [os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-m", "immediate", "stop"]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def url(self, name="planning"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def postgres_server(root, cleanups):
    """A PostgreSQL cluster in `root`, stopped by `cleanups`; None (said loudly) if it cannot run."""
    bindir = postgres_bindir()
    if not bindir:
        missing_tier("PostgreSQL", "initdb not found (apt-get install postgresql)")
        return None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing_tier("PostgreSQL", "running as root and there is no postgres user")
            return None
    server = PostgresServer(root, bindir).create()
    server.start()
    cleanups.append(server.stop)
    return server


class RedisServer:
    """A throwaway Redis on a fixed free port; the fault tests stop it and start it again there."""

    def __init__(self, root, program):
        self.root = root
        self.program = program
        self.port = free_port()
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                self.program,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.root,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self):
        """Gone at once, as a crashed Redis is: what it held is lost (it keeps nothing on disk)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None


def start_postgres(root, cleanups):
    """The URL of a new PostgreSQL's `planning` database, or None (bench/plan_latency.py)."""
    server = postgres_server(root, cleanups)
    return server.url() if server else None


def start_redis(root, cleanups):
    """The URL of a new Redis, or None (bench/plan_latency.py)."""
    server = redis_server(root, cleanups)
    return server.url if server else None


def redis_server(root, cleanups):
    """A Redis in `root`, stopped by `cleanups`; None (said loudly) if it is not installed."""
    program = shutil.which("redis-server")
    if not program:
        missing_tier(
            "Redis and the Celery worker", "redis-server not found (apt-get install redis-server)"
        )
        return None
    server = RedisServer(root, program)
    server.start()
    cleanups.append(server.stop)
    return server


@dataclass
class ReceivedEmail:
    """One message as the SMTP server received it: the envelope and the parsed message."""

    sender: str
    recipients: list
    message: email.message.EmailMessage

    @property
    def subject(self):
        return str(self.message["Subject"])

    @property
    def text(self):
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self):
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


class SmtpServer:
    """A real SMTP server (aiosmtpd) in a thread on a free port; it keeps every message it
    receives in `messages`, in order (a test clears them with `clear()`)."""

    host = "127.0.0.1"

    def __init__(self):
        self.port = free_port()
        self.messages = []
        self._lock = threading.Lock()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(
                ReceivedEmail(envelope.mail_from, list(envelope.rcpt_tos), message)
            )
        return "250 Message accepted for delivery"

    def start(self):
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self):
        with self._lock:
            self.messages.clear()

    def received(self):
        with self._lock:
            return list(self.messages)


def poll(condition, timeout, interval=0.1, message="the condition"):
    """Call `condition` until it returns something true; that value, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{message} did not happen within {timeout} s")
        time.sleep(interval)


def process_env(**extra):
    """The environment of a server process the test starts: this run's servers and settings."""
    env = dict(os.environ)
    env.update({"CELERY_TASK_ALWAYS_EAGER": "false", "PYTHONUNBUFFERED": "1"}, **extra)
    return env


class WorkerProcess:
    """`celery -A config worker`, one process (solo pool), logging to a file the test can read."""

    def __init__(self, log_path, env):
        self.log_path = log_path
        self.env = env
        self.process = None

    def start(self, timeout=30):
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        name = f"fault-{uuid.uuid4().hex[:8]}@%h"
        self.process = subprocess.Popen(
            [BIN / "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", name],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_for_log(r"@\S+ ready\.", timeout=timeout)
        return self

    def text(self):
        return Path(self.log_path).read_text(errors="replace")

    def wait_for_log(self, pattern, timeout):
        def seen():
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.text()}")
            return re.search(pattern, self.text())

        try:
            return poll(seen, timeout, message=f"worker log line {pattern!r}")
        except pytest.fail.Exception:
            print(self.text()[-5000:], file=sys.stderr)
            raise

    def kill(self):
        """SIGKILL: no warm shutdown, nothing acknowledged or handed back."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.kill()
        self.log.close()


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

    postgres = postgres_server(root, cleanups)
    if postgres:
        os.environ["DATABASE_URL"] = postgres.url()
        SERVERS["postgres"] = postgres
        TIERS["postgres"] = True
    redis = redis_server(root, cleanups)
    if redis:
        os.environ["CELERY_BROKER_URL"] = redis.url
        SERVERS["redis"] = redis
        # Tasks run eagerly unless a test starts the real worker (see the celery_worker fixture).
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
        TIERS["redis"] = True
    if os.access(CHROMIUM, os.X_OK):
        TIERS["chromium"] = True
    else:
        missing_tier("Chromium browser tests", f"{CHROMIUM} not found (apt-get install chromium)")
    if importlib.util.find_spec("aiosmtpd") is not None:
        TIERS["smtp"] = True  # started by the `smtp_server` fixture when a test first needs it
    else:
        missing_tier("SMTP (emails)", "aiosmtpd not found (pip install -r requirements-dev.txt)")


def pytest_report_header(config):
    return "test tiers: " + ", ".join(
        f"{name}={'on' if on else 'SKIPPED'}" for name, on in TIERS.items()
    )
