"""Building every plan of the round against the SQL floor, on national data (`bench/national.py`).

Run by hand: `.venv/bin/python bench/build_all_plans.py [--runs 5] [--systems 42] [--seed 2019]`.
It starts its own PostgreSQL, generates the national data, then, `--runs` times: times the floor,
one `SELECT system, template, line, column, SUM(value × share) ... GROUP BY` over the values of the
submissions that count; empties the plan tables and builds every plan of the 2019 round (each
system × each numeric template, draft stage) set-based, `build_round_plans`: one transaction per
template; builds them all again with nothing changed; then empties the plan tables again and builds
each plan on its own (`build_system_plan`, as the queue does after a submission). It checks every
plan cell against the floor and prints a markdown table: medians, ratios to the floor, statements,
and what a plan version stores (`planinput` rows per version).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from _setup import Statements
from national import SYSTEMS, generate, start_django_on_postgres

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--runs", type=int, default=5, help="runs of each measure (default 5)")
parser.add_argument("--systems", type=int, default=SYSTEMS, help="systems (default 42)")
parser.add_argument("--seed", type=int, default=2019, help="seed of the national data")
arguments = parser.parse_args()

start_django_on_postgres(prefix="planning-build-all-")
counts = generate(seed=arguments.seed, systems=arguments.systems)

from django.db import connection, transaction  # noqa: E402

from planning.models import Column, Line, Membership, Organisation, System, Template  # noqa: E402
from submissions.models import (  # noqa: E402
    PlanApproval,
    PlanInput,
    PlanState,
    Return,
    Submission,
    SubmissionValue,
    SystemPlan,
)
from submissions.plans.selectors import plan_typed_values  # noqa: E402
from submissions.plans.services import (  # noqa: E402
    BUILD_WORK_MEM,
    build_round_plans,
    build_system_plan,
)

STAGE = Return.Stage.DRAFT  # the stage the national data submits; final plans would be empty
TOLERANCE = Decimal("0.0001")  # contributions are kept to 6 places, the floor is not rounded

systems = list(System.objects.order_by("code"))
templates = list(
    Template.objects.filter(round__financial_year=2019)
    .exclude(kind=Template.Kind.NARRATIVE)
    .select_related("round")
    .order_by("order")
)
plan_tables = [model._meta.db_table for model in (PlanInput, PlanApproval, SystemPlan, PlanState)]

# The floor: what every plan's cells add up to, straight from the snapshots, in one statement.
# The same rules as a build: the submission that counts (Return.submission), the round's
# memberships, typed rates (%) left out, and only commissioners when the system has commissioners
# completing the template (else all its partners).
FLOOR = f"""
    SELECT m.system_id, r.template_id, v.line_id, v.column_id, SUM(v.value * m.share)
    FROM {SubmissionValue._meta.db_table} v
    JOIN {Submission._meta.db_table} s ON s.id = v.submission_id
    JOIN {Return._meta.db_table} r ON r.submission_id = s.id
    JOIN {Template._meta.db_table} t ON t.id = r.template_id
    JOIN {Organisation._meta.db_table} o ON o.id = r.organisation_id
    JOIN {Line._meta.db_table} l ON l.id = v.line_id
    JOIN {Column._meta.db_table} c ON c.id = v.column_id
    JOIN {Membership._meta.db_table} m ON m.organisation_id = r.organisation_id
        AND m.first_year <= 2019 AND (m.last_year IS NULL OR m.last_year >= 2019)
    WHERE r.stage = %s AND t.round_id = %s
      AND COALESCE(NULLIF(c.unit, ''), l.unit) <> '%%'
      AND (m.role = 'commissioner' OR NOT EXISTS (
          SELECT 1 FROM {Membership._meta.db_table} m2
          JOIN {Organisation._meta.db_table} o2 ON o2.id = m2.organisation_id
          WHERE m2.system_id = m.system_id AND m2.role = 'commissioner'
            AND m2.first_year <= 2019 AND (m2.last_year IS NULL OR m2.last_year >= 2019)
            AND t.organisation_kinds ? o2.kind))
    GROUP BY m.system_id, r.template_id, v.line_id, v.column_id
"""  # noqa: S608 - table names come from models


def floor():
    """The floor's rows, with the memory a build has to sort and hash in (`BUILD_WORK_MEM`)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [BUILD_WORK_MEM])
        cursor.execute(FLOOR, [STAGE, templates[0].round_id])
        return cursor.fetchall()


def empty_plans():
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(plan_tables)}")


def build_all():
    """Every plan of the round, set-based: (seconds, statements, versions made)."""
    with Statements() as statements:
        started = time.perf_counter()
        built = build_round_plans(round_=templates[0].round, stage=STAGE)
        seconds = time.perf_counter() - started
    made = sum(created for plans in built.values() for _, created in plans.values())
    return seconds, statements.count, made


def build_each():
    """Every plan of the round one at a time: ([seconds of each build], statements, made)."""
    each, made = [], 0
    with Statements() as statements:
        for system in systems:
            for template in templates:
                started = time.perf_counter()
                _, created = build_system_plan(system=system, template=template, stage=STAGE)
                each.append(time.perf_counter() - started)
                made += created
    return each, statements.count, made


def ms(seconds):
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:,.1f} ms"


floors, firsts, seconds_, one_plan = [], [], [], []
for _ in range(arguments.runs):
    started = time.perf_counter()
    floor_rows = floor()
    floors.append(time.perf_counter() - started)
    empty_plans()
    total, first_statements, first_made = build_all()
    firsts.append(total)
    total, second_statements, second_made = build_all()
    seconds_.append(total)
    assert second_made == 0, f"{second_made} new versions when nothing changed"
    empty_plans()
    each, each_statements, each_made = build_each()
    one_plan += each
    assert each_made == first_made, (each_made, first_made)

builds = len(systems) * len(templates)
assert first_made == builds, f"{first_made} versions made, {builds} expected"

# Correctness: every plan cell against the floor (the plans of the last run, one version each).
line_codes = dict(Line.objects.values_list("pk", "code"))
column_codes = dict(Column.objects.values_list("pk", "code"))
expected = {
    (system_id, template_id, line_codes[line_id], column_codes[column_id]): value
    for system_id, template_id, line_id, column_id, value in floor_rows
}
built = {
    (plan.system_id, plan.template_id, line, column): value
    for plan in SystemPlan.objects.all()
    for (line, column), value in plan_typed_values(plan).items()
}
differ = [
    key
    for key in expected.keys() | built.keys()
    if key not in expected or key not in built or abs(expected[key] - built[key]) > TOLERANCE
]
largest = max(
    (abs(expected[k] - built[k]) for k in expected.keys() & built.keys()), default=Decimal(0)
)

versions = SystemPlan.objects.count()
parts = PlanInput.objects.count()
totals = sum(len(plan_typed_values(plan)) for plan in SystemPlan.objects.all())


def size(model):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s)", [model._meta.db_table])
        return cursor.fetchone()[0]


with connection.cursor() as cursor:
    cursor.execute("SHOW server_version")
    postgres = cursor.fetchone()[0]
cpu = subprocess.run(
    ["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
    capture_output=True,
    text=True,
    check=False,
).stdout.strip()

floor_ms = statistics.median(floors)
first, second = statistics.median(firsts), statistics.median(seconds_)
data = ", ".join(f"{count:,} {what}" for what, count in counts.items())
print(
    f"\n### Building every plan of the 2019 round ({STAGE} stage), {builds} plans, "
    f"medians of {arguments.runs} runs\n\n{data}. Machine: {os.cpu_count()} cores ({cpu}), "
    f"PostgreSQL {postgres}.\n"
)
print("| measure | median | × floor | statements |")
print("| --- | --- | --- | --- |")
print(f"| SQL floor: one `SUM(value × share) … GROUP BY` | {ms(floor_ms)} | 1 | 1 |")
print(
    f"| all plans set-based, every version new | {ms(first)} | {first / floor_ms:.1f}× | "
    f"{first_statements} ({len(templates)} templates) |"
)
print(
    f"| all plans set-based, nothing changed | {ms(second)} | {second / floor_ms:.1f}× | "
    f"{second_statements} |"
)
print(
    f"| one plan on its own, new version (median of {len(one_plan):,}; max) | "
    f"{ms(statistics.median(one_plan))} (max {ms(max(one_plan))}) | — | "
    f"{each_statements / builds:.0f} per plan |"
)
print(
    f"\n| check | result |\n| --- | --- |\n"
    f"| plan cells differing from the floor (by more than {TOLERANCE}) | "
    f"**{len(differ)}** of {len(expected.keys() | built.keys()):,} "
    f"(largest difference {largest:.6f}) |\n"
    f"| what a version stores: `planinput` rows (one per included partner) | "
    f"{parts / max(versions, 1):,.1f} per version ({size(PlanInput) / max(versions, 1) / 1024:,.1f} "
    f"kB with indexes) |\n"
    f"| its totals: cells in `systemplan.totals`, written with the version | "
    f"{totals / max(versions, 1):,.0f} per version |\n"
    f"| values in the included submissions | {counts['values']:,} |"
)
if differ:
    sys.exit(f"{len(differ)} plan cells differ from the floor, e.g. {sorted(differ)[:5]}")
