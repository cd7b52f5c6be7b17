"""What a page costs in-process, next to /health/, on PostgreSQL with national data
(`bench/national.py`): the return data entry page as its planning lead, a submitted return as its
system's ICS lead (the read-only review view) and a system activity plan as that ICS lead.

Run by hand: `.venv/bin/python bench/page_cost.py [--runs 200] [--systems 42] [--seed 2019]
[--profile PAGE]`. It starts its own PostgreSQL, generates the national data, builds every
activity plan and has one system's ICS lead send back one activity return for its planning lead
to edit, as `bench/web_load.py` does (its helpers are not imported: importing that file imports
locust, which monkey-patches threads). Then, with `django.test.Client` signed in by
`force_login` and the production profile (DEBUG off), it warms each page up, times `--runs` GETs
of each, in turn, then `--runs` GETs of the return page with the cache emptied just before each
("not cached": what the first GET after a save costs), and prints a markdown table: median, p95,
the median over /health/'s and the statements a request runs. No network, no gunicorn: the time
is Django's and PostgreSQL's.

`--profile PAGE` (health, return, fresh, review or plan; fresh is the return page not cached)
runs cProfile over `--runs` GETs of that page instead, and prints the 25 entries with the most
cumulative time (`--profile-file PATH` also saves the statistics, to read with `pstats`);
`--sql PAGE` lists the statements of one GET of that page with their times.
"""

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import time

from _setup import Statements, table
from national import SYSTEMS, generate, home_systems, start_django_on_postgres

PAGES = ("health", "return", "fresh", "review", "plan")

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--runs", type=int, default=200, help="GETs of each page (default 200)")
parser.add_argument("--warmup", type=int, default=10, help="GETs of each page first (default 10)")
parser.add_argument("--systems", type=int, default=SYSTEMS, help="systems (default 42)")
parser.add_argument("--seed", type=int, default=2019, help="seed of the national data")
parser.add_argument("--profile", choices=PAGES, help="profile this page instead of timing all")
parser.add_argument("--sql", choices=PAGES, help="list one GET's statements with their times")
parser.add_argument("--profile-file", help="with --profile, also save the statistics here (pstats)")
arguments = parser.parse_args()

# The production profile, as bench/web_load.py serves it (DEBUG off: cached template loaders).
os.environ.update(
    {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-page-cost-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
    }
)
start_django_on_postgres(prefix="planning-page-cost-")
counts = generate(seed=arguments.seed, systems=arguments.systems)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from planning.models import Role, System, Template  # noqa: E402
from submissions.models import Return  # noqa: E402
from submissions.plans.services import build_system_plan  # noqa: E402
from submissions.returns.presenters import return_url  # noqa: E402
from submissions.returns.services import return_send_back  # noqa: E402

User = get_user_model()
activity = Template.objects.select_related("round").get(round__financial_year=2019, code="activity")
systems = {s.pk: s for s in System.objects.order_by("code")}
for system in systems.values():
    build_system_plan(system=system, template=activity, stage=Return.Stage.DRAFT)

home = home_systems()

# The first activity return (by ODS code) is sent back to its planning lead to edit, as in
# bench/web_load.py; the next one in the same system stays submitted, for its ICS lead to review.
returns = list(
    Return.objects.filter(template=activity, stage=Return.Stage.DRAFT)
    .select_related("organisation", "template__round", "submission")
    .order_by("organisation__ods_code")
)
edited = returns[0]
system = systems[home[edited.organisation_id]]
reviewed = next(r for r in returns[1:] if home[r.organisation_id] == system.pk)
ics_lead = User.objects.create(username=f"bench-ics-{system.code.lower()}")
Role.objects.create(user=ics_lead, kind=Role.Kind.ICS_LEAD, system=system)
return_send_back(user=ics_lead, ret=edited, reason="Benchmark: amend it", submission_number=1)
planning_lead = User.objects.get(
    planning_roles__kind=Role.Kind.PLANNING_LEAD, planning_roles__organisation=edited.organisation
)
lead, ics = Client(), Client()
lead.force_login(planning_lead)
ics.force_login(ics_lead)
plan_url = reverse(
    "submissions:plan",
    kwargs={"code": system.code, "year": 2019, "template": activity.code, "stage": "draft"},
)
urls = {
    "health": (lead, "/health/", "GET /health/"),
    "return": (lead, return_url(edited), "GET return (planning lead, editable)"),
    # The same page with the cache emptied first: what the first GET after each save costs.
    "fresh": (lead, return_url(edited), "GET return, not cached (first GET after a save)"),
    "review": (ics, return_url(reviewed), "GET submitted return (ICS lead, review)"),
    "plan": (ics, plan_url, "GET activity plan (ICS lead)"),
}


def get(page):
    client, url, _ = urls[page]
    if page == "fresh":
        cache.clear()
    response = client.get(url)
    assert response.status_code == 200, (page, url, response.status_code)
    return response


# The pages are what they should be: the lead's return is editable, the ICS lead reviews.
assert b'name="save"' in get("return").content
review_page = get("review").content
assert b'name="save"' not in review_page and b'value="accept"' in review_page
assert b'data-testid="plan-status"' in get("plan").content
for page in PAGES:
    for _ in range(arguments.warmup):
        get(page)

if arguments.sql:
    timed = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(timer):
        get(arguments.sql)
    print(f"\n### The statements of one GET of {urls[arguments.sql][1]}\n")
    print("| ms | statement |\n| --- | --- |")
    for ms, sql in timed:
        print(f"| {ms:.2f} | `{sql[:150]}` |")
    print(f"| **{sum(ms for ms, _ in timed):.2f}** | {len(timed)} statements |")
    raise SystemExit

if arguments.profile:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(arguments.runs):
        get(arguments.profile)
    profiler.disable()
    print(f"\n### cProfile of {arguments.runs} GETs of {urls[arguments.profile][1]}\n")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if arguments.profile_file:
        profiler.dump_stats(arguments.profile_file)
    raise SystemExit

times = {page: [] for page in PAGES}
statements = {}


def timed(page):
    with Statements() as counted:
        started = time.perf_counter()
        get(page)
        times[page].append((time.perf_counter() - started) * 1000)
    statements[page] = counted.count


kept = [page for page in PAGES if page != "fresh"]
for _ in range(arguments.runs):
    for page in kept:  # interleaved, so that a slow moment of the machine hits every page
        timed(page)
for _ in range(arguments.runs):  # on its own: emptying the cache would empty it for the others
    timed("fresh")

with connection.cursor() as cursor:
    cursor.execute("SHOW server_version")
    postgres = cursor.fetchone()[0]
with open("/proc/cpuinfo") as cpuinfo:
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")

health = statistics.median(times["health"])
rows = []
for page in PAGES:
    got = sorted(times[page])
    p95 = statistics.quantiles(got, n=20, method="inclusive")[18] if len(got) > 1 else got[0]
    median = statistics.median(got)
    rows.append(
        [
            urls[page][2],
            f"{median:.1f}",
            f"{p95:.1f}",
            f"{median / health:.1f}×",
            statements[page],
        ]
    )
table(
    f"Page cost in-process (django.test.Client, DEBUG off), {arguments.runs} GETs of each page",
    ["request", "median (ms)", "p95 (ms)", "× /health/", "statements"],
    rows,
)
data = ", ".join(f"{n:,} {what}" for what, n in counts.items())
print(
    f"\nMachine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
    f"PostgreSQL {postgres}. Data: {data}. Return: {urls['return'][1]}; review: "
    f"{urls['review'][1]}; plan: {urls['plan'][1]}."
)
