"""Building every plan of the round against the SQL floor, on national data (`bench/national.py`).

Run by hand: `.venv/bin/python bench/build_all_plans.py [--runs 5] [--systems 42] [--seed 2019]`.
It starts its own PostgreSQL, generates the national data, then, `--runs` times: empties the plan
tables and builds every plan of the 2019 round (each system × each numeric template, draft stage,
through `build_system_plan`), the first run; builds them all again with nothing changed, the second
run; and times the floor, one `SELECT system, template, line, column, SUM(value × share) ... GROUP BY`
over the values of the submissions that count. It checks every plan cell against the floor and
prints a markdown table: medians, ratios to the floor, queries per build, `plancontribution` rows.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from national import SYSTEMS, generate, start_django_on_postgres

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--runs", type=int, default=5, help="runs of each measure (default 5)")
parser.add_argument("--systems", type=int, default=SYSTEMS, help="systems (default 42)")
parser.add_argument("--seed", type=int, default=2019, help="seed of the national data")
arguments = parser.parse_args()

start_django_on_postgres(prefix="planning-build-all-")
counts = generate(seed=arguments.seed, systems=arguments.systems)

from django.db import connection  # noqa: E402

from planning.models import Column, Line, Membership, Organisation, System, Template  # noqa: E402
from submissions.models import (  # noqa: E402
    PlanApproval,
    PlanContribution,
    PlanState,
    PlanValue,
    Return,
    Submission,
    SubmissionValue,
    SystemPlan,
)
from submissions.plans.services import build_system_plan  # noqa: E402

STAGE = Return.Stage.DRAFT  # the stage the national data submits; final plans would be empty
TOLERANCE = Decimal("0.0001")  # contributions are kept to 6 places, the floor is not rounded

systems = list(System.objects.order_by("code"))
templates = list(
    Template.objects.filter(round__financial_year=2019)
    .exclude(kind=Template.Kind.NARRATIVE)
    .select_related("round")
    .order_by("order")
)
plan_tables = [
    model._meta.db_table
    for model in (PlanValue, PlanContribution, PlanApproval, SystemPlan, PlanState)
]

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
    with connection.cursor() as cursor:
        cursor.execute(FLOOR, [STAGE, templates[0].round_id])
        return cursor.fetchall()


def empty_plans():
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(plan_tables)}")


def build_all():
    """Every plan of the round; (seconds, [seconds of each build], queries, versions made)."""
    each, made, queries = [], 0, []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        for system in systems:
            for template in templates:
                one = time.perf_counter()
                _, created = build_system_plan(system=system, template=template, stage=STAGE)
                each.append(time.perf_counter() - one)
                made += created
        seconds = time.perf_counter() - started
    return seconds, each, len(queries), made


def ms(seconds):
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:,.1f} ms"


floors, firsts, seconds_, one_plan, one_plan_again = [], [], [], [], []
for _ in range(arguments.runs):
    started = time.perf_counter()
    floor_rows = floor()
    floors.append(time.perf_counter() - started)
    empty_plans()
    total, each, first_queries, first_made = build_all()
    firsts.append(total)
    one_plan += each
    total, each, second_queries, second_made = build_all()
    seconds_.append(total)
    one_plan_again += each

builds = len(systems) * len(templates)
assert second_made == 0, f"{second_made} new versions when nothing changed"

# Correctness: every plan cell against the floor (the plans of the last run, one version each).
expected = {tuple(row[:4]): row[4] for row in floor_rows}
built = {
    (system_id, template_id, line_id, column_id): value
    for system_id, template_id, line_id, column_id, value in PlanValue.objects.values_list(
        "plan__system_id", "plan__template_id", "line_id", "column_id", "value"
    )
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
contributions = PlanContribution.objects.count()
with connection.cursor() as cursor:
    cursor.execute("SHOW server_version")
    postgres = cursor.fetchone()[0]
    cursor.execute(
        "SELECT pg_size_pretty(pg_total_relation_size(%s))", [PlanContribution._meta.db_table]
    )
    contribution_size = cursor.fetchone()[0]
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
    f"\n### Building every plan of the 2019 round ({STAGE} stage), {builds} builds, "
    f"medians of {arguments.runs} runs\n\n{data}. Machine: {os.cpu_count()} cores ({cpu}), "
    f"PostgreSQL {postgres}.\n"
)
print("| measure | median | × floor | statements per build (BEGIN, COMMIT not counted) |")
print("| --- | --- | --- | --- |")
print(f"| SQL floor: one `SUM(value × share) … GROUP BY` | {ms(floor_ms)} | 1 | — |")
print(
    f"| all plans, first run (every version new) | {ms(first)} | {first / floor_ms:.0f}× | "
    f"{first_queries / builds:.1f} |"
)
print(
    f"| all plans, second run (nothing changed) | {ms(second)} | {second / floor_ms:.0f}× | "
    f"{second_queries / builds:.1f} |"
)
print(
    f"| one plan, first run (median of {len(one_plan):,} builds; max) | "
    f"{ms(statistics.median(one_plan))} (max {ms(max(one_plan))}) | — | — |"
)
print(
    f"| one plan, nothing changed (median of {len(one_plan_again):,}) | "
    f"{ms(statistics.median(one_plan_again))} | — | — |"
)
print(
    f"\n| check | result |\n| --- | --- |\n"
    f"| plan cells differing from the floor (by more than {TOLERANCE}) | "
    f"**{len(differ)}** of {len(expected.keys() | built.keys()):,} "
    f"(largest difference {largest:.6f}) |\n"
    f"| plan versions after a first and a second run | {versions:,} |\n"
    f"| `plancontribution` rows: total / per plan version | {contributions:,} / "
    f"{contributions / max(versions, 1):,.0f} ({contribution_size}) |\n"
    f"| values in the included submissions | {counts['values']:,} |"
)
if differ:
    sys.exit(f"{len(differ)} plan cells differ from the floor, e.g. {sorted(differ)[:5]}")
