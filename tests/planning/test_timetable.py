"""The round timetable: national and the viewer's own system's milestones, in date order, around today."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning import selectors
from planning.models import Milestone
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2019, 2, 15)


@pytest.fixture
def dorset_2019():
    round_ = factories.planning_round(2019)
    dorset = factories.system("DORSET", name="Dorset ICS")
    blmk = factories.system("BLMK", name="BLMK ICS")
    # Created out of date order on purpose.
    factories.milestone(
        round_, "2019-04-04", "Final organisation plans", kind="submission", stage="final"
    )
    factories.milestone(
        round_, "2019-02-12", "Draft organisation plans", kind="submission", stage="draft"
    )
    factories.milestone(
        round_, "2019-02-07", "Draft ICS plan to OFRG", system=dorset, kind="meeting"
    )
    factories.milestone(
        round_, "2019-01-14", "Activity-focused plans", kind="submission", stage="draft"
    )
    factories.milestone(
        round_,
        "2019-02-19",
        "Draft system plan comments",
        system=dorset,
        end_date=datetime.date(2019, 3, 1),
    )
    factories.milestone(round_, "2019-03-01", "BLMK board", system=blmk, kind="meeting")
    return round_, dorset, blmk


def titles(entries):
    return [entry.milestone.title for entry in entries]


def test_timetable_is_in_date_order_with_only_the_viewers_local_milestones(dorset_2019):
    round_, dorset, _ = dorset_2019
    entries = selectors.timetable(round=round_, system=dorset, today=TODAY)
    assert titles(entries) == [
        "Activity-focused plans",
        "Draft ICS plan to OFRG",
        "Draft organisation plans",
        "Draft system plan comments",
        "Final organisation plans",
    ]


def test_past_milestones_are_marked_and_the_next_one_is_highlighted_with_days_left(dorset_2019):
    round_, dorset, _ = dorset_2019
    entries = selectors.timetable(round=round_, system=dorset, today=TODAY)
    assert [e.status for e in entries] == ["past", "past", "past", "next", "future"]
    assert entries[3].days_left == 4  # 15 -> 19 February
    assert entries[4].days_left == (datetime.date(2019, 4, 4) - TODAY).days


def test_a_period_under_way_is_the_next_milestone_and_counts_to_its_end(dorset_2019):
    round_, dorset, _ = dorset_2019
    entries = selectors.timetable(round=round_, system=dorset, today=datetime.date(2019, 2, 25))
    current = [e for e in entries if e.is_next]
    assert titles(current) == ["Draft system plan comments"]
    assert current[0].status == "in_progress"
    assert current[0].days_left == 4  # ends 1 March


def test_a_milestone_due_today_is_next_not_past(dorset_2019):
    round_, dorset, _ = dorset_2019
    entries = selectors.timetable(round=round_, system=dorset, today=datetime.date(2019, 2, 12))
    nxt = [e for e in entries if e.is_next]
    assert titles(nxt) == ["Draft organisation plans"]
    assert nxt[0].days_left == 0


def test_after_the_last_milestone_nothing_is_highlighted(dorset_2019):
    round_, dorset, _ = dorset_2019
    entries = selectors.timetable(round=round_, system=dorset, today=datetime.date(2019, 5, 1))
    assert all(e.is_past for e in entries)


def test_timetable_page_shows_national_and_own_system_milestones(client, dorset_2019, monkeypatch):
    round_, dorset, _ = dorset_2019
    dorset_ccg = factories.organisation("11J")
    factories.membership(dorset_ccg, dorset)
    client.force_login(factories.planning_lead(dorset_ccg))
    monkeypatch.setattr("planning.views.localdate", lambda: TODAY)

    response = client.get(reverse("planning:timetable", args=[2019]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Draft ICS plan to OFRG" in html
    assert "BLMK board" not in html
    assert html.index("Activity-focused plans") < html.index("Draft ICS plan to OFRG")
    assert 'data-status="next"' in html and "in 4 days" in html
    assert html.count('data-status="past"') == 3


def test_planning_lead_cannot_ask_for_another_systems_timetable(client, dorset_2019):
    round_, dorset, _ = dorset_2019
    dorset_ccg = factories.organisation("11J")
    factories.membership(dorset_ccg, dorset)
    client.force_login(factories.planning_lead(dorset_ccg))

    response = client.get(reverse("planning:timetable", args=[2019]) + "?system=BLMK")

    assert response.status_code == 404


def test_analyst_can_choose_any_systems_timetable(client, dorset_2019):
    client.force_login(factories.analyst())
    response = client.get(reverse("planning:timetable", args=[2019]) + "?system=BLMK")
    assert response.status_code == 200
    assert "BLMK board" in response.content.decode()
    assert "Draft ICS plan to OFRG" not in response.content.decode()


def test_unknown_round_is_not_found(client):
    client.force_login(factories.analyst())
    assert client.get(reverse("planning:timetable", args=[1999])).status_code == 404


def test_timetable_needs_a_login(client, dorset_2019):
    response = client.get(reverse("planning:timetable", args=[2019]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_timetable_query_count_does_not_grow_with_milestones(client, dorset_2019):
    round_, dorset, _ = dorset_2019
    lead = factories.ics_lead(dorset)
    client.force_login(lead)
    url = reverse("planning:timetable", args=[2019])
    client.get(url)  # warm the session

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(30):
        factories.milestone(
            round_,
            datetime.date(2019, 1, 1) + datetime.timedelta(days=n),
            system=dorset if n % 2 else None,
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    assert Milestone.objects.count() == 36
