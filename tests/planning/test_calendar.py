"""The timetable as an .ics file: parses, all-day events on the right dates, only the viewer's system."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dorset_lead_client(client):
    round_ = factories.planning_round(2019)
    dorset = factories.system("DORSET", name="Dorset ICS")
    other = factories.system("BLMK")
    factories.milestone(
        round_,
        "2019-04-04",
        "Final 2019/20 organisation operating plan submission",
        kind="submission",
        stage="final",
        level="organisation",
    )
    factories.milestone(
        round_,
        "2019-02-19",
        "Draft system operating plan: organisations' comments",
        system=dorset,
        end_date=datetime.date(2019, 3, 1),
    )
    factories.milestone(round_, "2019-03-01", "Another system's board", system=other)
    client.force_login(factories.ics_lead(dorset))
    return client


def download(client, query=""):
    response = client.get(reverse("planning:timetable_ics", args=[2019]) + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    return Calendar.from_ical(response.content)


def test_ics_parses_with_all_day_events_on_the_right_dates(dorset_lead_client):
    calendar = download(dorset_lead_client)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}

    final = events["Final 2019/20 organisation operating plan submission"]
    assert final.decoded("dtstart") == datetime.date(2019, 4, 4)
    assert final.decoded("dtend") == datetime.date(
        2019, 4, 5
    )  # DTEND is exclusive for all-day events
    assert "Stage: Final" in str(final["description"])

    comments = events["Draft system operating plan: organisations' comments"]
    assert comments.decoded("dtstart") == datetime.date(2019, 2, 19)
    assert comments.decoded("dtend") == datetime.date(2019, 3, 2)


def test_ics_has_what_outlook_needs(dorset_lead_client):
    calendar = download(dorset_lead_client)
    assert calendar["version"] == "2.0"
    assert calendar["prodid"]
    events = list(calendar.walk("VEVENT"))
    assert all(e.get("uid") and e.get("dtstamp") for e in events)
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_ics_leaves_out_other_systems_local_milestones(dorset_lead_client):
    summaries = {str(e["summary"]) for e in download(dorset_lead_client).walk("VEVENT")}
    assert "Another system's board" not in summaries
    assert len(summaries) == 2


def test_ics_for_a_system_the_user_is_not_in_is_not_found(dorset_lead_client):
    response = dorset_lead_client.get(
        reverse("planning:timetable_ics", args=[2019]) + "?system=BLMK"
    )
    assert response.status_code == 404
