"""Redis stopped: a submission answers at once and says the plan waits for the queue; when Redis
is back, a running worker reconnects and the plan is built within a minute."""

import time

import pytest
from django.urls import reverse

from submissions.models import Return
from submissions.plans.selectors import latest_plan
from tests import factories
from tests.services import poll

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CELLS = {("gp_referrals", "fot"): "94,810"}


def test_with_redis_down_a_submit_answers_at_once_and_the_plan_is_built_when_redis_is_back(
    client, blmk_activity, sending, workers, suite_redis, settings
):
    system, activity, beds, luton = blmk_activity
    settings.PLAN_BUILD_DELAY_SECONDS = 0
    ret = factories.saved_return(beds, "activity", CELLS)
    worker = workers()
    client.force_login(factories.planning_lead(beds))
    assert client.get(factories.return_url()).status_code == 200  # the page the user submits from
    suite_redis.stop()

    started = time.perf_counter()
    response = client.post(
        factories.return_url(), factories.entry_form(CELLS, ret.version, submit="1")
    )
    submit_seconds = time.perf_counter() - started

    assert response.status_code == 302, response.content.decode()[:2000]
    assert submit_seconds < 1, submit_seconds
    assert Return.objects.get(pk=ret.pk).status == "submitted"
    landed = client.get(response.url).content.decode()
    assert "will be rebuilt when the queue is back" in landed
    client.force_login(factories.ics_lead(system))
    status = client.get(
        reverse("submissions:plan_status", args=["BLMK", 2019, "activity", "draft"])
    ).json()
    assert status["build"] == "waiting"
    assert "will be rebuilt when the queue is back" in status["error"]

    back = time.monotonic()
    suite_redis.start()
    plan = poll(
        lambda: latest_plan(system=system, template=activity, stage="draft"),
        timeout=60,
        interval=0.2,
        message="the plan built after Redis came back",
    )
    rebuilt_seconds = time.monotonic() - back

    assert [i["ods_code"] for i in plan.included] == ["06F"]
    # Built by the worker, which queued the rebuild of stale plans when it reconnected.
    worker.wait_for_log(r"rebuild_stale_plans\[\S+\] succeeded in \S+: 1\b", timeout=5)
    print(
        f"submit with Redis down: {submit_seconds:.3f} s; Redis back to plan: {rebuilt_seconds:.1f} s"
    )
