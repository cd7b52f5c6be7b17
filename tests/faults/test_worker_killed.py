"""A worker SIGKILLed in the middle of a build: no half plan is left, and a worker that starts
again builds the complete plan within a minute."""

import threading
import time

import pytest
from django.db import connection, transaction

from submissions.models import SystemPlan
from submissions.plans.selectors import latest_plan, plan_typed_values
from tests import factories
from tests.services import poll

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class HeldVersion:
    """Version 1 of the plan inserted, uncommitted, by another connection: a build's own insert
    of version 1 waits on the unique index, inside the build's transaction, until released."""

    def __init__(self, system, template):
        self.system, self.template = system, template
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic():
                SystemPlan.objects.create(
                    system=self.system, template=self.template, stage="draft", version=1
                )
                self.held.set()
                self.release.wait(timeout=120)
                transaction.set_rollback(True)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(timeout=10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=10)


def build_waiting_on_a_lock():
    """Builds whose writing of their versions (a COPY, `plans.services._write_versions`) waits on
    a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'COPY \"submissions_systemplan\"%%'"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_build_leaves_no_half_plan_and_a_restarted_worker_completes_it(
    blmk_activity, sending, workers, settings
):
    system, activity, beds, luton = blmk_activity
    settings.PLAN_BUILD_DELAY_SECONDS = 1
    first = workers()

    with HeldVersion(system, activity):
        factories.submitted_return(beds, "activity", {("gp_referrals", "fot"): "94,810"})
        factories.submitted_return(luton, "activity", {("gp_referrals", "fot"): "61,200"})
        poll(build_waiting_on_a_lock, timeout=30, message="the worker's build reaching its insert")
        first.kill()
    assert not SystemPlan.objects.exists()

    restarted = time.monotonic()
    workers()
    plan = poll(
        lambda: (
            SystemPlan.objects.exists()
            and latest_plan(system=system, template=activity, stage="draft")
        ),
        timeout=60,
        interval=0.2,
        message="the complete plan after the worker restarted",
    )
    seconds = time.monotonic() - restarted

    assert plan.version == 1 and SystemPlan.objects.count() == 1
    assert sorted(i["ods_code"] for i in plan.included) == ["06F", "06P"]
    assert plan_typed_values(plan)[("gp_referrals", "fot")] == 94_810 + 61_200
    print(f"worker restart to complete plan: {seconds:.1f} s")
