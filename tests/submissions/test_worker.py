"""The Celery tier: a real worker consumes tasks from the throwaway Redis."""

import time

import pytest
from django.conf import settings
from django.db import connection

from submissions.tasks import ping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_suite_runs_on_postgresql_and_redis():
    from tests.services import TIERS

    if TIERS["postgres"]:
        assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker):
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert result.status == "SUCCESS"
    # Sent through the broker, not run in this thread: the result came back from Redis.
    assert result.backend.__class__.__name__ == "RedisBackend"


def test_the_worker_builds_the_system_plan_when_two_partners_submit(celery_worker, settings):
    from decimal import Decimal

    from planning.template_loader import load_all
    from submissions.plans.selectors import latest_plan, plan_typed_values
    from tests import factories

    settings.PLAN_BUILD_DELAY_SECONDS = 0
    load_all()
    system = factories.system("BLMK")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    ccs = factories.organisation("RYV", name="Cambridgeshire Community Services", kind="acute")
    factories.membership(beds, system)
    factories.membership(ccs, system, role="provider", share="0.5")

    factories.submitted_return(ccs, "activity", {("gp_referrals", "fot"): "1,001"})
    second = factories.submitted_return(beds, "activity", {("gp_referrals", "fot"): "94,810"})

    deadline = time.monotonic() + 30
    plan = None
    while time.monotonic() < deadline:
        plan = latest_plan(
            system=system,
            template=second.template,
            stage="draft",
        )
        if plan is not None and len(plan.included) == 2:
            break
        time.sleep(0.2)
    assert plan is not None and len(plan.included) == 2, "the worker did not build the plan"
    assert plan_typed_values(plan)[("gp_referrals", "fot")] == Decimal("94810") + Decimal(
        "1001"
    ) * Decimal("0.5")


def test_the_worker_renders_a_paper(celery_worker):

    from submissions.papers.services import paper_render_request
    from tests import factories

    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    lead = factories.planning_lead(beds)
    paper = factories.paper(beds, title="Operational planning", blocks=["timetable"])
    render = paper_render_request(user=lead, paper=paper)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        render.refresh_from_db()
        if render.status != "rendering":
            break
        time.sleep(0.2)
    assert render.status == "ready", render.error
    assert render.file.open("rb").read(4) == b"%PDF"
