"""Submission to plan visible: how long after a partner submits its return does the system plan
show the new version, with a real Celery worker and a build delay of PLAN_BUILD_DELAY_SECONDS?

Run by hand: `.venv/bin/python bench/plan_latency.py [DELAY ...] [--samples N]` (DELAY in seconds;
by default the configured one). It starts its own Redis, PostgreSQL when installed (else SQLite)
and a Celery worker subprocess, like the test suite (`tests/services.py`), on a scratch database
with the demo data. Each sample is a new partner of BLMK submitting its activity return; the clock
runs from the moment the submission is saved until the plan's status (what the plan page's script
asks) names the new version. Bursts show what the delay buys: partners submitting together make
one build while their submissions fall within the delay. Prints a markdown table.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

from _setup import ROOT, django_on_scratch_database, table, throwaway_servers

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("delays", nargs="*", type=int, help="build delays to measure, in seconds")
parser.add_argument("--samples", type=int, default=10, help="single submissions per delay")
parser.add_argument("--burst", type=int, default=5, help="partners submitting in a burst")
arguments = parser.parse_args()

scratch, database_url, redis_url, cleanups = throwaway_servers("planning-latency-", redis=True)
os.environ["CELERY_BROKER_URL"] = redis_url
os.environ["CELERY_RESULT_BACKEND"] = redis_url
if database_url:
    os.environ["DATABASE_URL"] = database_url
database = "PostgreSQL" if database_url else "SQLite"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # the demo data's plans are built in-process
os.environ.setdefault("LOG_LEVEL", "WARNING")
django_on_scratch_database()

from celery import current_app  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from planning.models import Membership, Organisation, Role, System, Template  # noqa: E402
from submissions.demo import seed_figures  # noqa: E402
from submissions.demo.returns import fill  # noqa: E402
from submissions.models import Return, SystemPlan  # noqa: E402

delays = arguments.delays or [settings.PLAN_BUILD_DELAY_SECONDS]

# The worker: a separate process on the same database and Redis, as in production.
worker_log = open(os.path.join(scratch, "worker.log"), "w")  # noqa: SIM115 - closed at exit
worker = subprocess.Popen(
    [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=warning"],
    cwd=ROOT,
    env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"},
    stdout=worker_log,
    stderr=subprocess.STDOUT,
)
cleanups.append(lambda: (worker.terminate(), worker.wait(timeout=30), worker_log.close()))
current_app.conf.task_always_eager = False
current_app.send_task("submissions.tasks.ping").get(timeout=60)  # the worker is consuming

system = System.objects.get(code="BLMK")
activity = Template.objects.get(round__financial_year=2019, code="activity")
ics_lead = get_user_model().objects.create(username="latency-ics-lead")
Role.objects.create(user=ics_lead, kind=Role.Kind.ICS_LEAD, system=system)
reader = Client(SERVER_NAME="localhost")
reader.force_login(ics_lead)
status_url = reverse("submissions:plan_status", args=["BLMK", 2019, "activity", "draft"])
partners = 0


def new_partner():
    """A provider joining BLMK, with its planning lead."""
    global partners
    partners += 1
    org = Organisation.objects.create(
        ods_code=f"L{partners:04d}", name=f"Latency trust {partners}", kind="acute"
    )
    Membership.objects.create(
        organisation=org, system=system, role="provider", share=1, first_year=2019
    )
    user = get_user_model().objects.create(username=f"latency{partners}")
    Role.objects.create(user=user, kind=Role.Kind.PLANNING_LEAD, organisation=org)
    return org, user


def submit(org, user):
    """The partner submits, through the services: the plan's build is queued when it commits."""
    fill(
        user=user,
        ret=Return(organisation=org, template=activity, stage="draft"),
        cells=seed_figures.activity_cells(),
        explain=lambda warning: "bench",
        submit=True,
    )
    return time.perf_counter()


def newest():
    return reader.get(status_url).json()


def wait_for(organisations, since, timeout):
    """Ask the plan's status as the page does (but every 20 ms) until the newest version includes
    every one of `organisations`; the seconds from `since`."""
    wanted = {org.pk for org in organisations}
    deadline = time.perf_counter() + timeout
    seen = None
    while time.perf_counter() < deadline:
        status = newest()
        if status["version"] != seen:
            seen = status["version"]
            included = SystemPlan.objects.get(
                system=system, template=activity, stage="draft", version=seen
            ).included
            if wanted <= {i["organisation_id"] for i in included}:
                return time.perf_counter() - since
        time.sleep(0.02)
    sys.exit(f"No plan with the submissions after {timeout} s: see {worker_log.name}")


def p95(values):
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def burst(delay, gap):
    """`arguments.burst` partners submit `gap` seconds apart: how many builds, and how long from
    the last submission until the plan has them all."""
    joining = [new_partner() for _ in range(arguments.burst)]
    before = newest()["version"] or 0
    last = None
    for n, (org, user) in enumerate(joining):
        if n and gap:
            time.sleep(gap)
        last = submit(org, user)
    seconds = wait_for([org for org, _ in joining], last, timeout=delay + gap * len(joining) + 60)
    while newest()["build"]:  # a build still queued after the one that had them all
        time.sleep(0.05)
    return newest()["version"] - before, seconds


rows = []
for delay in delays:
    settings.PLAN_BUILD_DELAY_SECONDS = (
        delay  # read by the queue when a submission asks for a build
    )
    latencies = []
    for _ in range(arguments.samples):
        org, user = new_partner()
        latencies.append(wait_for([org], submit(org, user), timeout=delay + 60))
    together_builds, together = burst(delay, gap=0)
    spread_builds, spread = burst(delay, gap=1)
    rows.append(
        [
            delay,
            f"{statistics.median(latencies):.2f}",
            f"{p95(latencies):.2f}",
            f"{max(latencies):.2f}",
            f"{together_builds} ({together:.2f} s)",
            f"{spread_builds} ({spread:.2f} s)",
        ]
    )

table(
    f"Submission to plan visible, real worker ({database}, Redis), {arguments.samples} "
    "submissions per delay",
    [
        "build delay (s)",
        "p50 (s)",
        "p95 (s)",
        "max (s)",
        f"{arguments.burst} at once: builds (last to visible)",
        f"{arguments.burst}, 1 s apart: builds (last to visible)",
    ],
    rows,
)
print(
    "\nAn open plan page asks for the status every 2.5 s, so it says a version is ready up to "
    "2.5 s (1.25 s on average) after it is visible here."
)
