"""A deadline-day storm at small scale with a real worker process: 30 organisations in 3 systems
submit as fast as this test can, and every system plan reaches the sum of its partners' weighted
submissions within seconds of the last one, in far fewer builds than submissions."""

import re
import statistics
import time
from decimal import Decimal

import pytest
from django.db import connection

from planning.models import Membership
from submissions.models import PlanState, Return, SystemPlan
from submissions.plans.selectors import latest_plan, plan_typed_values
from tests import factories
from tests.services import poll

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SYSTEMS = 3
PARTNERS = 10  # per system
CELLS = (("gp_referrals", "fot"), ("other_referrals", "fot"), ("gp_referrals", "trend"))
DELAY = 2  # PLAN_BUILD_DELAY_SECONDS: at most one build of a plan per this many seconds
INTERVAL = 0.2  # seconds between submissions

# The floor: every included submission's values times its organisation's share, summed per system
# and cell by PostgreSQL in one statement, without the app's selectors or build code.
FLOOR = """
    SELECT m.system_id, l.code, c.code, SUM(v.value * m.share)
    FROM submissions_submissionvalue v
    JOIN submissions_return r ON r.submission_id = v.submission_id
    JOIN planning_membership m ON m.organisation_id = r.organisation_id
    JOIN planning_line l ON l.id = v.line_id
    JOIN planning_column c ON c.id = v.column_id
    WHERE r.template_id = %s AND r.stage = 'draft' AND m.system_id = ANY(%s)
    GROUP BY m.system_id, l.code, c.code
"""


def floor(template, systems):
    with connection.cursor() as cursor:
        cursor.execute(FLOOR, [template.pk, [s.pk for s in systems]])
        rows = cursor.fetchall()
    totals = {s.pk: {} for s in systems}
    for system_id, line, column, value in rows:
        totals[system_id][(line, column)] = value
    return totals


@pytest.fixture
def partners():
    """3 systems of 10 organisations (every third counted at half), each with its planning lead,
    in the order they submit: the systems interleaved, as on a deadline day."""
    templates = factories.templates()
    systems = [factories.system() for _ in range(SYSTEMS)]
    order = []
    for n in range(PARTNERS):
        for system in systems:
            org = factories.organisation()
            share = "0.5" if n % 3 == 0 else "1"
            factories.membership(org, system, role=Membership.Role.COMMISSIONER, share=share)
            order.append((org, factories.planning_lead(org)))
    return templates["activity"], systems, order


def test_a_storm_of_submissions_is_in_every_plan_within_seconds_in_coalesced_builds(
    partners, sending, workers, settings
):
    settings.PLAN_BUILD_DELAY_SECONDS = DELAY
    activity, systems, order = partners
    worker = workers()

    started = time.monotonic()
    for i, (org, lead) in enumerate(order):
        cells = {cell: f"{1000 + 37 * i + 11 * k:,}" for k, cell in enumerate(CELLS)}
        factories.submitted_return(org, "activity", cells, lead=lead)
        # 300 a minute, so the storm outlasts a few PLAN_BUILD_DELAY_SECONDS and submissions
        # arrive while builds run.
        time.sleep(max(0, started + (i + 1) * INTERVAL - time.monotonic()))
    last_submitted = time.monotonic()

    expected = floor(activity, systems)
    assert all(len(expected[s.pk]) == len(CELLS) for s in systems)
    # Worked by hand for one cell: the first system's partners i = 0, 3, ..., 27 of the order.
    first = sum(
        Decimal(1000 + 37 * i) * (Decimal("0.5") if i // SYSTEMS % 3 == 0 else 1)
        for i in range(0, SYSTEMS * PARTNERS, SYSTEMS)
    )
    assert expected[systems[0].pk][("gp_referrals", "fot")] == first

    def every_plan_at_the_floor():
        plans = [latest_plan(system=s, template=activity, stage="draft") for s in systems]
        return all(
            plan is not None and plan_typed_values(plan) == expected[plan.system_id]
            for plan in plans
        )

    poll(every_plan_at_the_floor, timeout=20, interval=0.05, message="every plan at the floor")
    visible = time.monotonic() - last_submitted

    def settled():  # no build left to run: none stale, none queued
        return not PlanState.objects.filter(is_stale=True).exists() and not (
            PlanState.objects.filter(scheduled_until__isnull=False).exists()
        )

    poll(settled, timeout=3 * DELAY + 5, interval=0.1, message="every plan built and none queued")
    assert every_plan_at_the_floor()  # builds after the one that reached it changed nothing

    submissions = SYSTEMS * PARTNERS
    builds = len(re.findall(r"build_system_plan_task\[\S+\] succeeded", worker.text()))
    latencies, first_of_each_system = [], {}
    for ret in Return.objects.filter(template=activity).select_related("submission"):
        system_id = ret.organisation.memberships.get().system_id
        first_plan = next(
            plan
            for plan in SystemPlan.objects.filter(system_id=system_id).order_by("version")
            if ret.submission_id in {i["submission_id"] for i in plan.included}
        )
        submitted = ret.submission.submitted_at
        latencies.append((first_plan.built_at - submitted).total_seconds())
        first_of_each_system[system_id] = min(
            first_of_each_system.get(system_id, (submitted, latencies[-1])),
            (submitted, latencies[-1]),
        )
    p95 = statistics.quantiles(latencies, n=20)[-1]
    storm = last_submitted - started
    print(
        f"\n{submissions} submissions in {storm:.1f} s; last one visible after {visible:.2f} s; "
        f"submission to plan p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
        f"max {max(latencies):.2f} s; {builds} builds ({builds / submissions:.2f} a submission)"
    )
    assert visible < 5, f"the last submission took {visible:.1f} s to reach its plan"
    # A plan not built lately is built at once: the storm's first submission does not wait.
    waits = [latency for _, latency in first_of_each_system.values()]
    assert len(waits) == SYSTEMS and max(waits) < DELAY, waits  # it would wait DELAY or more
    assert p95 < 5, f"submission to plan p95 {p95:.1f} s"
    assert 0 < builds < submissions / 2, f"{builds} builds for {submissions} submissions"
    for system in systems:  # at most one build of a plan per PLAN_BUILD_DELAY_SECONDS
        built = list(
            SystemPlan.objects.filter(system=system)
            .order_by("version")
            .values_list("built_at", flat=True)
        )
        gaps = [(b - a).total_seconds() for a, b in zip(built, built[1:], strict=False)]
        assert all(gap > DELAY * 0.75 for gap in gaps), (system, gaps)
