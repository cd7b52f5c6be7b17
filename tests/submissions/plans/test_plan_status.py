"""The plan's status, for the plan page's script: the newest version, and whether a new one is on
its way and when; and what the page says about it without the script."""

import datetime

import pytest
from django.utils import timezone

from submissions import queue
from submissions.models import PlanState
from submissions.tasks import build_system_plan_task
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(blmk, built, monkeypatch, settings):
    """A partner has submitted since version 1 was built: a build is queued, due 20 seconds after
    version 1 was built. (The queue is not run: the test suite's embedded queue would build at
    once.)"""
    settings.PLAN_BUILD_DELAY_SECONDS = 20
    monkeypatch.setattr(build_system_plan_task, "apply_async", lambda *args, **kwargs: None)
    factories.submitted_return(blmk.luton, "activity", {("gp_referrals", "fot"): "500"})
    before = PlanState.objects.get().last_build_at
    assert queue.request_plan_build(
        system_id=blmk.system.pk, template_id=blmk.activity.pk, stage="draft"
    )
    return before


def state_of(blmk):
    return PlanState.objects.filter(system=blmk.system, template=blmk.activity, stage="draft")


def status(client, user, plan_url):
    client.force_login(user)
    response = client.get(plan_url("submissions:plan_status"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_an_up_to_date_plan_has_its_newest_version_and_no_build(client, lead, built, plan_url):
    body = status(client, lead, plan_url)
    assert body == {
        "version": 1,
        "built_at": built.built_at.isoformat(),
        "stale": False,
        "build": None,
        "expected_at": None,
        "expected_in_seconds": None,
        "message": "",
        "error": "",
    }


def test_a_queued_build_says_when_it_is_expected(client, lead, queued, plan_url):
    body = status(client, lead, plan_url)
    assert body["version"] == 1 and body["stale"] and body["build"] == "queued"
    expected = datetime.datetime.fromisoformat(body["expected_at"])
    # Expected the build delay after the request, not when the queue's claim on it runs out.
    assert (
        queued + datetime.timedelta(seconds=20)
        <= expected
        <= timezone.now() + datetime.timedelta(seconds=20)
    )
    assert 15 <= body["expected_in_seconds"] <= 20
    when = timezone.localtime(expected).strftime("%H:%M")
    assert body["message"] in {
        f"A new version is being built, expected by {when} (in about {n} seconds)."
        for n in (15, 20)
    }


def test_when_the_build_has_run_the_status_has_the_new_version(
    client, blmk, lead, queued, plan_url
):
    blmk.build()  # what the queued task does
    body = status(client, lead, plan_url)
    assert body["version"] == 2 and not body["stale"] and body["build"] is None
    assert body["expected_at"] is None and body["message"] == ""


@pytest.mark.parametrize(
    ("expected_in", "wording"),
    [
        (5, "in a few seconds"),
        (0, "any moment now"),
        (-30, "any moment now"),
        (170, "in about 3 minutes"),
    ],
)
def test_how_soon_reads(client, blmk, lead, built, plan_url, expected_in, wording):
    """An overdue build (the worker is busy) is "any moment now" until the queue's claim runs out."""
    until = timezone.now() + datetime.timedelta(seconds=expected_in + 60)
    state_of(blmk).update(is_stale=True, scheduled_until=until)
    body = status(client, lead, plan_url)
    assert body["build"] == "queued" and body["message"].endswith(f"({wording}).")


def test_a_started_build_is_being_built_now(client, blmk, lead, queued, plan_url):
    state_of(blmk).update(scheduled_until=None)  # what the task does first
    body = status(client, lead, plan_url)
    assert body["stale"] and body["build"] == "building" and body["expected_at"] is None
    assert body["message"] == "A new version is being built now."


def test_a_build_the_queue_lost_waits_for_the_periodic_rebuild(client, blmk, lead, built, plan_url):
    state_of(blmk).update(
        is_stale=True,
        scheduled_until=None,
        last_error=queue.PLAN_QUEUE_DOWN,
    )
    body = status(client, lead, plan_url)
    assert body["build"] == "waiting" and body["error"].startswith("The task queue")
    expired = timezone.now() - datetime.timedelta(seconds=1)
    state_of(blmk).update(scheduled_until=expired, last_error="")
    assert status(client, lead, plan_url)["build"] == "waiting"


def test_a_plan_not_built_yet_has_no_version(client, blmk, lead, plan_url):
    body = status(client, lead, plan_url)
    assert body["version"] is None and body["built_at"] is None and body["build"] is None


def test_the_status_is_never_cached_and_only_read(client, lead, built, plan_url):
    client.force_login(lead)
    response = client.get(plan_url("submissions:plan_status"))
    assert "no-store" in response["Cache-Control"]
    assert client.post(plan_url("submissions:plan_status")).status_code == 405


def test_the_status_is_cheap_to_ask_for(
    client, lead, queued, plan_url, django_assert_max_num_queries
):
    client.force_login(lead)
    with django_assert_max_num_queries(8):
        client.get(plan_url("submissions:plan_status"))


def test_the_status_is_scoped_like_the_plan_page(client, blmk, built, plan_url):
    for stranger in (
        factories.planning_lead(blmk.beds),
        factories.ics_lead(factories.system("LLR")),
    ):
        client.force_login(stranger)
        assert client.get(plan_url("submissions:plan_status")).status_code == 404
        assert client.get(plan_url()).status_code == 404
    client.force_login(factories.analyst())  # analysts read every system's plans
    assert client.get(plan_url("submissions:plan_status")).status_code == 200
    client.logout()
    response = client.get(plan_url("submissions:plan_status"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_without_a_script_the_page_says_when_the_new_version_is_expected(
    client, lead, queued, plan_url
):
    client.force_login(lead)
    html = client.get(plan_url()).content.decode()
    stale = html[html.index('data-testid="stale"') :]
    assert "A new version is being built, expected by " in stale
    assert "(in about 20 seconds)" in stale or "(in about 15 seconds)" in stale
    assert "Refresh the page to see it." in stale
    # What the script needs: where to ask, the newest version it shows, a build on its way.
    assert f'data-status-url="{plan_url("submissions:plan_status")}"' in html
    assert 'data-newest="1"' in html and 'data-build="queued"' in html
    assert 'role="status" aria-live="polite"' in html
    assert 'src="/static/js/plan-status.js"' in html


def test_an_up_to_date_page_has_no_build_for_the_script_to_wait_for(client, lead, built, plan_url):
    client.force_login(lead)
    html = client.get(plan_url()).content.decode()
    assert 'data-testid="stale"' not in html and 'data-build=""' in html
