"""The deadline-day storm: partners all over the country submit, RATE a minute for MINUTES, with a
real Celery worker building the plans. How long from each submission until its system's plan
includes it (p50/p95/max), how many builds per submission, and are all plans at the floor after?

Run by hand: `.venv/bin/python bench/storm.py [--runs 5] [--systems 42] [--partners 10]
[--rate 250] [--minutes 1]`. It starts its own Redis, PostgreSQL when installed (else SQLite)
and one Celery worker subprocess, like the test suite (`tests/services.py`), on a scratch database
with the demo data, then runs RUNS storms (default 5), each on fresh data: SYSTEMS new systems of
PARTNERS commissioners each, made for that storm alone (earlier storms' rows stay in the
database). Submissions go through the services (as the return page's submit does), one partner
after another in a random order, paced to RATE.
Latency is a plan version's `built_at` minus the submission's `submitted_at` for the first version
that includes it; the floor is one SQL `SUM(value * share) GROUP BY system, line, column` over the
submissions the returns point at, and "lost" counts plan cells that differ from it. Prints a
markdown table of each storm and one of the medians over the storms; exits non-zero if any cell
is off the floor or any submission never became visible.
"""

import argparse
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time

from _setup import ROOT, django_on_scratch_database, table, throwaway_servers

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--systems", type=int, default=42)
parser.add_argument("--partners", type=int, default=10, help="organisations per system")
parser.add_argument("--rate", type=int, default=250, help="submissions a minute")
parser.add_argument("--minutes", type=float, default=1.0)
parser.add_argument("--seed", type=int, default=14, help="seed of the first storm (then +1)")
parser.add_argument("--runs", type=int, default=5, help="storms, each on fresh data (default 5)")
arguments = parser.parse_args()

scratch, database_url, redis_url, cleanups = throwaway_servers("planning-storm-", redis=True)
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
from django.db import connection  # noqa: E402

from planning.models import Membership, Organisation, Region, Role, System, Template  # noqa: E402
from submissions.demo.returns import fill  # noqa: E402
from submissions.models import PlanState, Return, SystemPlan  # noqa: E402
from submissions.plans.selectors import plan_typed_values  # noqa: E402

activity = Template.objects.select_related("round").get(round__financial_year=2019, code="activity")
CELLS = (("gp_referrals", "fot"), ("other_referrals", "fot"), ("gp_referrals", "trend"))
region = Region.objects.create(name="Storm region")


def the_country(run):
    """SYSTEMS new systems of PARTNERS commissioners (a third counted at half), each partner with
    its planning lead; one return each, submitted once in the storm. Returns (systems, partners
    in the order they submit)."""
    systems, partners = [], []
    for s in range(arguments.systems):
        system = System.objects.create(
            code=f"ST{run:02d}{s:03d}", name=f"Storm {run} system {s}", region=region
        )
        systems.append(system)
        for p in range(arguments.partners):
            org = Organisation.objects.create(
                ods_code=f"S{run:02d}{s:03d}{p:02d}",
                name=f"Storm {run} partner {s}/{p}",
                kind="ccg",
            )
            Membership.objects.create(
                organisation=org,
                system=system,
                role="commissioner",
                share="0.5" if p % 3 == 0 else "1",
                first_year=2019,
            )
            user = get_user_model().objects.create(username=f"storm{run}-{s}-{p}")
            Role.objects.create(user=user, kind=Role.Kind.PLANNING_LEAD, organisation=org)
            partners.append((org, user))
    random.shuffle(partners)
    return systems, partners[: round(arguments.rate * arguments.minutes)]


# The worker: a separate process on the same database and Redis, as in production.
worker_log_path = os.path.join(scratch, "worker.log")
worker_log = open(worker_log_path, "w")  # noqa: SIM115 - closed at exit
worker = subprocess.Popen(
    [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=info"],
    cwd=ROOT,
    env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", "LOG_LEVEL": "INFO"},
    stdout=worker_log,
    stderr=subprocess.STDOUT,
)
cleanups.append(lambda: (worker.terminate(), worker.wait(timeout=30), worker_log.close()))
current_app.conf.task_always_eager = False
current_app.send_task("submissions.tasks.ping").get(timeout=60)  # the worker is consuming
SUCCEEDED = re.compile(r"build_system_plan_task\[\S+\] succeeded")


def builds_so_far():
    with open(worker_log_path) as log:
        return len(SUCCEEDED.findall(log.read()))


FLOOR = """
    SELECT m.system_id, l.code, c.code, SUM(v.value * m.share)
    FROM submissions_submissionvalue v
    JOIN planning_line l ON l.id = v.line_id
    JOIN planning_column c ON c.id = v.column_id
    JOIN submissions_return r ON r.submission_id = v.submission_id
    JOIN planning_membership m ON m.organisation_id = r.organisation_id
    WHERE r.template_id = %s AND r.stage = 'draft' AND m.system_id IN ({})
    GROUP BY m.system_id, l.code, c.code
"""


def storm(run):
    """One storm on fresh data; a dict of what the table shows."""
    random.seed(arguments.seed + run)
    systems, partners = the_country(run)
    count = len(partners)
    builds_before = builds_so_far()

    interval = 60 / arguments.rate
    started = time.perf_counter()
    late = 0.0
    for n, (org, user) in enumerate(partners):
        cells = {cell: f"{random.randint(1_000, 200_000):,}" for cell in CELLS}
        fill(
            user=user,
            ret=Return(organisation=org, template=activity, stage="draft"),
            cells=cells,
            explain=lambda warning: "storm",
            submit=True,
        )
        wait = started + (n + 1) * interval - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        else:
            late = max(late, -wait)
    storm_seconds = time.perf_counter() - started

    def settled():
        return not PlanState.objects.filter(system__in=systems, is_stale=True).exists()

    deadline = time.perf_counter() + settings.PLAN_BUILD_DELAY_SECONDS + 120
    while not settled() and time.perf_counter() < deadline:
        time.sleep(0.1)

    with connection.cursor() as cursor:
        ids = [s.pk for s in systems]
        cursor.execute(FLOOR.format(", ".join(["%s"] * len(ids))), [activity.pk, *ids])
        floor = {(row[0], row[1], row[2]): row[3] for row in cursor.fetchall()}
    lost = 0
    for system in systems:
        plan = (
            SystemPlan.objects.filter(system=system, template=activity, stage="draft")
            .order_by("-version")
            .first()
        )
        got = {}
        if plan is not None:
            got = {
                (system.pk, line, column): value
                for (line, column), value in plan_typed_values(plan).items()
            }
        want = {key: value for key, value in floor.items() if key[0] == system.pk}
        lost += sum(1 for key in want.keys() | got.keys() if want.get(key) != got.get(key))

    # Each submission's latency: the first plan version that includes it.
    versions = {}
    for plan in SystemPlan.objects.filter(system__in=systems, template=activity).order_by(
        "version"
    ):
        versions.setdefault(plan.system_id, []).append(
            (plan.built_at, {i["submission_id"] for i in plan.included})
        )
    system_of = dict(
        Membership.objects.filter(system__in=systems).values_list("organisation", "system")
    )
    latencies = []
    for ret in Return.objects.filter(
        template=activity, organisation__in=[o for o, _ in partners]
    ).select_related("submission"):
        built_at = next(
            (
                at
                for at, ids in versions.get(system_of[ret.organisation_id], [])
                if ret.submission_id in ids
            ),
            None,
        )
        if built_at is not None:
            latencies.append((built_at - ret.submission.submitted_at).total_seconds())
    builds = builds_so_far() - builds_before
    return {
        "submissions": count,
        "storm": storm_seconds,
        "late": late,
        "p50": statistics.median(latencies) if latencies else None,
        "p95": statistics.quantiles(latencies, n=20, method="inclusive")[18]
        if len(latencies) > 1
        else None,
        "max": max(latencies) if latencies else None,
        "builds": builds,
        "builds per submission": builds / count if count else 0,
        "never": count - len(latencies),
        "lost": lost,
    }


def seconds(value):
    return "-" if value is None else f"{value:.2f}"


runs = []
for run in range(arguments.runs):
    runs.append(storm(run))
    print(f"storm {run + 1} of {arguments.runs}: done", file=sys.stderr, flush=True)

count = runs[0]["submissions"]
title = (
    f"{database}, Redis): {count} submissions at {arguments.rate}/min over {arguments.systems} "
    f"systems, PLAN_BUILD_DELAY_SECONDS = {settings.PLAN_BUILD_DELAY_SECONDS}"
)
table(
    f"Deadline-day storm, each run (real worker, {title}",
    [
        "run",
        "storm (s)",
        "p50 (s)",
        "p95 (s)",
        "max (s)",
        "builds",
        "builds / submission",
        "never visible",
        "cells off the floor",
    ],
    [
        [
            n + 1,
            f"{r['storm']:.1f}" + (f" (up to {r['late']:.2f} s behind)" if r["late"] > 0.5 else ""),
            seconds(r["p50"]),
            seconds(r["p95"]),
            seconds(r["max"]),
            r["builds"],
            f"{r['builds per submission']:.2f}",
            r["never"],
            r["lost"],
        ]
        for n, r in enumerate(runs)
    ],
)


def median(key):
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


never, lost = sum(r["never"] for r in runs), sum(r["lost"] for r in runs)
table(
    f"Deadline-day storm, medians of {len(runs)} runs on fresh data (real worker, {title}",
    [
        "runs",
        "p50 (s)",
        "p95 (s)",
        "max (s)",
        "builds / submission",
        "never visible (all runs)",
        "cells off the floor (all runs)",
    ],
    [
        [
            len(runs),
            seconds(median("p50")),
            seconds(median("p95")),
            seconds(median("max")),
            f"{median('builds per submission'):.2f}",
            never,
            lost,
        ]
    ],
)
with open("/proc/cpuinfo") as cpuinfo:
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
server = database
if database_url:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = f"PostgreSQL {cursor.fetchone()[0]}"
print(
    f"\nMachine: {os.cpu_count()} CPUs ({cpu or platform.machine()}), "
    f"Python {platform.python_version()}, {server}; the storm, the worker and the servers share it."
)
if never or lost:
    sys.exit(f"{never} submissions never visible, {lost} plan cells off the floor")
