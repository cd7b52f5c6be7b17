"""Web load at 1, 10 and 50 concurrent users against gunicorn (3 sync workers, as in
docker-compose.yml) on PostgreSQL with national data (`bench/national.py`): /health/, a return page
as its organisation's planning lead, a draft save of that return, and a system plan page as an ICS
lead. Prints a markdown table of medians and the machine.

Run by hand: `.venv/bin/python bench/web_load.py [--users 1,10,50] [--windows 5]
[--window-seconds 20] [--warmup-seconds 10] [--systems 42] [--seed 2019]`. With the defaults it
takes about 6 minutes (under a minute of it making the data and starting the servers). It starts its own PostgreSQL
(`bench/_setup.py`), generates the national data (every numeric return submitted), builds every
activity plan, and has each system's ICS lead send back the activity returns the virtual users
will edit (one organisation per virtual user, so no two of them save, and lock, the same row).

Each virtual user loops, with no think time (N users keep N requests in flight): GET /health/;
GET its return page as the planning lead; POST the page's own form back as a browser would (the
CSRF token and every field it holds, the "Save draft" button, one cell changed to a new figure so
the save really writes), which must answer with the redirect of a saved draft; GET its system's
activity plan as the ICS lead. The users are signed in with sessions made in this process
(`Client.force_login`): the sign-in form's password hashing is deliberately slow and is not what
this measures. The bench users also get the password `BENCH_PASSWORD`, to look at the pages by hand.

The load comes from locust, headless, run as a subprocess with this file as its locustfile (the
part under `if __name__ != "__main__"` below), one run per concurrency level. Why locust: its
gevent users cost one process and a fraction of a core for 50 users, where 50 threads in the
measuring process would fight over the GIL and time themselves; and it is the tool an operator
would reach for. Its own statistics round response times into buckets, so each request's exact
time and completion instant are written to a file and summarised here: a level's run is a warm-up
(discarded) then WINDOWS equal windows; each window gives p50/p95 per request kind and requests a
second, and the table shows the median over the windows. "× /health/" is a kind's p50 over the
p50 of /health/ at the same concurrency (under load /health/ queues behind the other requests on
the same 3 workers, so the ratio falls as users rise). The load generator runs on the same
machine as gunicorn and PostgreSQL, as the issue asks: it takes CPU from them, and the machine line
says how much. At the end, the draft saves answered "saved" must equal the new return versions
written, and no request may have failed; otherwise it exits non-zero. (This process never imports
locust: importing it monkey-patches threads with gevent, which Django's connections then refuse.)
"""

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from http.cookiejar import Cookie
from importlib.metadata import version
from itertools import count
from urllib.parse import urlencode

BENCH_PASSWORD = "bench-web-load-2019"
KINDS = ("GET /health/", "GET return", "POST draft save", "GET plan")
CPU_FIELDS = ("ru_utime", "ru_stime")

if __name__ != "__main__":  # imported by locust as its locustfile
    from locust import FastHttpUser, between, constant, events, task
    from locust.contrib.fasthttp import FastHttpSession

    with open(os.environ["WEB_LOAD_USERS"]) as users:
        _USERS = json.load(users)
    _TIMINGS = []  # (kind, started, milliseconds, ok)
    _next_user = count()

    @events.request.add_listener
    def _record(request_type, name, response_time, start_time, exception, **kwargs):
        _TIMINGS.append((name, start_time, response_time, exception is None))

    @events.spawning_complete.add_listener
    def _spawned(user_count, **kwargs):
        _TIMINGS.append(("spawned", time.time(), 0, True))

    @events.quitting.add_listener
    def _write(environment, **kwargs):
        with open(os.environ["WEB_LOAD_TIMINGS"], "w") as out:
            json.dump(_TIMINGS, out)

    class VirtualUser(FastHttpUser):
        """One planning lead saving its own return, and its system's ICS lead reading the plan."""

        # A person reads and types between pages: THINK seconds on average (0: no pause at all,
        # which measures the server saturated rather than people using it).
        _think = float(os.environ.get("WEB_LOAD_THINK", "0"))
        wait_time = between(_think / 2, _think * 3 / 2) if _think else constant(0)

        def on_start(self):
            me = _USERS[next(_next_user) % len(_USERS)]
            host = self.host.split("//", 1)[1].split(":", 1)[0]
            self.return_url, self.plan_url = me["return_url"], me["plan_url"]
            self.client.cookiejar.set_cookie(_cookie("sessionid", me["planning_lead"], host))
            self.ics = FastHttpSession(
                base_url=self.host, request_event=self.environment.events.request, user=self
            )
            self.ics.cookiejar.set_cookie(_cookie("sessionid", me["ics_lead"], host))

        @task
        def loop(self):
            self.client.get("/health/", name=KINDS[0])
            with self.client.get(self.return_url, name=KINDS[1], catch_response=True) as page:
                fields, units = _entry_form(page.text or "")
                if "csrfmiddlewaretoken" not in fields:
                    page.failure("no data entry form (not signed in?)")
                    return
            _change_one_cell(fields, units)
            with self.client.post(
                self.return_url,
                data=urlencode({**fields, "save": "1"}),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                name=KINDS[2],
                allow_redirects=False,
                catch_response=True,
            ) as saved:
                if saved.status_code != 302:
                    saved.failure(f"not saved: {saved.status_code}")
            with self.ics.get(self.plan_url, name=KINDS[3], catch_response=True) as plan:
                if plan.status_code == 200 and 'data-testid="plan-status"' not in plan.text:
                    plan.failure("no plan on the page")


def _cookie(name, value, host):
    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=host,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )


class _EntryForm(HTMLParser):
    """The fields of the return page's data entry form (`data-module="app-grid"`), as a browser
    would send them; `units` maps each cell's field name to its unit."""

    def __init__(self):
        super().__init__()
        self.fields, self.units = {}, {}
        self.inside = False
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("data-module") == "app-grid":
            self.inside = True
        elif not self.inside or "name" not in attrs:
            return
        elif tag == "input" and attrs.get("type", "text") not in ("submit", "checkbox", "radio"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
            if attrs["name"].startswith("cell:"):
                self.units[attrs["name"]] = attrs.get("data-unit", "")
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.fields[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False


def _entry_form(html):
    """(the form's fields, each cell's unit)."""
    form = _EntryForm()
    form.feed(html)
    return form.fields, form.units


def _change_one_cell(fields, units):
    """A new figure in the first cell that is not a rate, so that the save writes one value: never
    the figure the cell holds (a save that changes nothing writes no version, and 1 in 199,001
    random figures was the same, so one run in about 14 counted a save too many)."""
    cell = next((name for name, unit in units.items() if unit != "%"), None)
    if cell is not None:
        held = fields.get(cell, "").replace(",", "")
        figure = random.randint(1_000, 200_000)
        while held == str(figure) or held.startswith(f"{figure}."):
            figure = random.randint(1_000, 200_000)
        fields[cell] = f"{figure:,}"


def main():
    from _setup import ROOT, table
    from national import SYSTEMS, generate, home_systems, start_django_on_postgres

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="1,10,50", help="concurrency levels (default 1,10,50)")
    parser.add_argument("--windows", type=int, default=5, help="windows per level (default 5)")
    parser.add_argument("--window-seconds", type=float, default=20, help="default 20")
    parser.add_argument("--warmup-seconds", type=float, default=10, help="default 10")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--systems", type=int, default=SYSTEMS, help="systems (default 42)")
    parser.add_argument("--seed", type=int, default=2019, help="seed of the national data")
    parser.add_argument(
        "--think-seconds",
        type=float,
        default=0,
        help="each user's average pause after its four requests (default 0: saturation)",
    )
    arguments = parser.parse_args()
    levels = [int(n) for n in arguments.users.split(",")]

    # The production profile, shared with gunicorn: the sessions made here must be valid there.
    web_env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-web-load-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP, as the test suite serves it
        "DJANGO_SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(web_env)
    scratch = start_django_on_postgres(prefix="planning-web-load-")
    started = time.perf_counter()
    counts = generate(seed=arguments.seed, systems=arguments.systems)

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from planning.models import Role, System, Template
    from submissions.models import Return
    from submissions.plans.services import build_system_plan
    from submissions.returns.presenters import return_url
    from submissions.returns.services import return_send_back

    User = get_user_model()
    activity = Template.objects.select_related("round").get(
        round__financial_year=2019, code="activity"
    )
    systems = list(System.objects.order_by("code"))
    for system in systems:
        build_system_plan(system=system, template=activity, stage=Return.Stage.DRAFT)

    # An ICS lead for each system; one returned activity return for each virtual user.
    password = make_password(BENCH_PASSWORD)
    ics_leads = {}
    for system in systems:
        user = User.objects.create(username=f"bench-ics-{system.code.lower()}", password=password)
        Role.objects.create(user=user, kind=Role.Kind.ICS_LEAD, system=system)
        ics_leads[system.pk] = user
    home = home_systems()
    returns = list(
        Return.objects.filter(template=activity, stage=Return.Stage.DRAFT)
        .select_related("organisation", "template__round", "submission")
        .order_by("organisation__ods_code")[: max(levels)]
    )
    if len(returns) < max(levels):
        sys.exit(f"Only {len(returns)} activity returns for {max(levels)} users: more --systems.")
    users = []
    for ret in returns:
        system_id = home[ret.organisation_id]
        return_send_back(
            user=ics_leads[system_id],
            ret=ret,
            reason="Benchmark: amend it",
            submission_number=ret.submission.number,
        )
        lead = User.objects.get(
            planning_roles__kind=Role.Kind.PLANNING_LEAD,
            planning_roles__organisation=ret.organisation,
        )
        lead.password = password
        lead.save(update_fields=["password"])
        system = next(s for s in systems if s.pk == system_id)
        sessions = {}
        for role, user in (("planning_lead", lead), ("ics_lead", ics_leads[system_id])):
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies["sessionid"].value
        users.append(
            {
                **sessions,
                "return_url": return_url(ret),
                "plan_url": reverse(
                    "submissions:plan",
                    kwargs={
                        "code": system.code,
                        "year": 2019,
                        "template": activity.code,
                        "stage": "draft",
                    },
                ),
            }
        )
    users_file = os.path.join(scratch, "users.json")
    with open(users_file, "w") as out:
        json.dump(users, out)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    versions_before = sum(
        Return.objects.filter(pk__in=[r.pk for r in returns]).values_list("version", flat=True)
    )
    connection.close()
    setup_seconds = time.perf_counter() - started

    # gunicorn as docker-compose.yml starts it: config.wsgi, 3 sync workers, access log on.
    from tests.services import free_port, wait_for_port

    bin_ = os.path.dirname(sys.executable)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    gunicorn_log = open(os.path.join(scratch, "gunicorn.log"), "w")  # noqa: SIM115 - closed below
    gunicorn = subprocess.Popen(
        [
            os.path.join(bin_, "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(arguments.workers),
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env={**os.environ, **web_env},
        stdout=gunicorn_log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port)
        results, saves, load_cpu = {}, 0, {}
        for level in levels:
            timings_file = os.path.join(scratch, f"timings-{level}.json")
            seconds = arguments.warmup_seconds + arguments.windows * arguments.window_seconds
            cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            locust = subprocess.run(
                [
                    os.path.join(bin_, "locust"),
                    "-f",
                    __file__,
                    "--headless",
                    "--users",
                    str(level),
                    "--spawn-rate",
                    str(level),
                    "--run-time",
                    f"{seconds:.0f}s",
                    "--host",
                    host,
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                    "--exit-code-on-error",
                    "0",
                    # At the end each user finishes its loop, so every save sent is counted.
                    "--stop-timeout",
                    "60",
                ],
                cwd=tempfile.gettempdir(),
                env={
                    **os.environ,
                    "WEB_LOAD_USERS": users_file,
                    "WEB_LOAD_TIMINGS": timings_file,
                    "WEB_LOAD_THINK": str(arguments.think_seconds),
                },
                capture_output=True,
                text=True,
                check=False,
            )
            cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            busy = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in CPU_FIELDS)
            load_cpu[level] = busy / seconds
            if locust.returncode != 0 or not os.path.exists(timings_file):
                sys.exit(f"locust failed at {level} users:\n{locust.stdout}\n{locust.stderr}")
            with open(timings_file) as timings:
                timings = json.load(timings)
            results[level] = summarise(timings, arguments)
            saves += sum(1 for kind, _, _, ok in timings if kind == KINDS[2] and ok)
            print(f"{level} users: done", file=sys.stderr, flush=True)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        gunicorn_log.close()

    cpu = ""
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    data = ", ".join(f"{n:,} {what}" for what, n in counts.items())
    generator = ", ".join(
        f"{share:.0%} of a core at {level} user{'s' if level > 1 else ''}"
        for level, share in load_cpu.items()
    )
    rows = []
    for level, kinds in results.items():
        health = kinds[KINDS[0]]["p50"]
        for kind in KINDS:
            got = kinds[kind]
            rows.append(
                [
                    level,
                    kind,
                    f"{got['p50']:.1f}",
                    f"{got['p95']:.1f}",
                    f"{got['rps']:.1f}",
                    f"{got['p50'] / health:.1f}×" if health else "-",
                    got["failures"],
                ]
            )
    table(
        f"Web load, gunicorn {arguments.workers} sync workers, PostgreSQL {postgres}: medians of "
        f"{arguments.windows} windows of {arguments.window_seconds:.0f} s per level (after "
        f"{arguments.warmup_seconds:.0f} s warm-up), "
        + (
            f"each user pausing {arguments.think_seconds:g} s on average after its four requests"
            if arguments.think_seconds
            else "no think time (the server saturated)"
        ),
        ["users", "request", "p50 (ms)", "p95 (ms)", "requests/s", "p50 × /health/", "failures"],
        rows,
    )
    print(
        f"\nMachine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"PostgreSQL {postgres}, locust {version('locust')} on the same machine "
        f"(it used {generator}). "
        f"Data: {data}; set-up {setup_seconds:.0f} s."
    )
    # Every save that answered "saved" wrote one new version of its return, and nothing else did.
    written = (
        sum(Return.objects.filter(pk__in=[r.pk for r in returns]).values_list("version", flat=True))
        - versions_before
    )
    print(f"Draft saves answered as saved: {saves:,}; new return versions written: {written:,}.")
    if written != saves:
        sys.exit("The saves the server answered and the versions written differ.")
    failed = sum(kinds[kind]["failures"] for kinds in results.values() for kind in KINDS)
    if failed:
        sys.exit(f"{failed} requests failed (see the table)")


def summarise(timings, arguments):
    """{kind: {p50, p95, rps, failures}}: medians over the windows after the warm-up."""
    spawned = next((at for kind, at, _, _ in timings if kind == "spawned"), None)
    start = (spawned or min(at for _, at, _, _ in timings)) + arguments.warmup_seconds
    width = arguments.window_seconds
    windows = [{kind: [] for kind in KINDS} for _ in range(arguments.windows)]
    failures = dict.fromkeys(KINDS, 0)
    for kind, at, milliseconds, ok in timings:
        if kind not in failures:
            continue
        n = int((at + milliseconds / 1000 - start) // width)  # the window it completed in
        if 0 <= n < arguments.windows:
            windows[n][kind].append(milliseconds)
            failures[kind] += not ok
    summary = {}
    for kind in KINDS:
        p50s, p95s, rates = [], [], []
        for window in windows:
            times = sorted(window[kind])
            if not times:
                continue
            cuts = statistics.quantiles(times, n=20, method="inclusive") if len(times) > 1 else []
            p50s.append(statistics.median(times))
            p95s.append(cuts[18] if cuts else times[0])
            rates.append(len(times) / width)
        summary[kind] = {
            "p50": statistics.median(p50s) if p50s else 0,
            "p95": statistics.median(p95s) if p95s else 0,
            "rps": statistics.median(rates) if rates else 0,
            "failures": failures[kind],
        }
    return summary


if __name__ == "__main__":
    main()
