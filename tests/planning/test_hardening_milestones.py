"""A milestone dated far from its round (9999-12-31, a typo for 2019) is refused by the form and by
the model; one already stored never breaks the timetable or its calendar file for everyone."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from planning import calendar
from planning.forms import LocalMilestoneForm
from planning.models import Milestone
from tests import factories

pytestmark = pytest.mark.django_db

VALID = {
    "title": "Draft ICS operational plan to OFRG",
    "date": "2019-02-07",
    "kind": "meeting",
    "level": "system",
    "stage": "",
}


@pytest.fixture
def round_2019():
    return factories.planning_round(2019)


@pytest.fixture
def dorset():
    return factories.system("DORSET", name="Dorset ICS")


@pytest.mark.parametrize(
    "dates",
    [
        {"date": "9999-12-31"},
        {"date": "2109-02-07"},
        {"date": "1919-02-07"},
        {"date": "2019-02-07", "end_date": "9999-12-31"},
    ],
)
def test_a_milestone_dated_far_from_its_round_is_refused_next_to_the_date(
    client, round_2019, dorset, dates
):
    client.force_login(factories.ics_lead(dorset))
    response = client.post(
        reverse("planning:milestone_add", args=["DORSET", 2019]), {**VALID, **dates}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a date between 1 January 2017 and 31 December 2022" in html
    assert not Milestone.objects.exists()


def test_a_milestone_within_the_round_s_years_is_still_accepted(client, round_2019, dorset):
    client.force_login(factories.ics_lead(dorset))
    for date in ("2017-01-01", "2022-12-31"):
        response = client.post(
            reverse("planning:milestone_add", args=["DORSET", 2019]),
            {**VALID, "date": date, "title": date},
        )
        assert response.status_code == 302
    assert Milestone.objects.count() == 2


def test_the_form_refuses_a_far_date_when_it_knows_the_round(round_2019):
    form = LocalMilestoneForm({**VALID, "date": "9999-12-31"}, round=round_2019)
    assert not form.is_valid() and "Enter a date between" in form.errors["date"][0]


def test_the_model_refuses_a_far_date(round_2019):
    milestone = Milestone(
        round=round_2019, date=datetime.date(9999, 12, 31), title="Typo", kind="other"
    )
    with pytest.raises(ValidationError) as refused:
        milestone.full_clean()
    assert "date" in refused.value.message_dict


def test_a_stored_milestone_on_the_last_possible_day_does_not_break_the_calendar_file(
    client, round_2019
):
    factories.milestone(round_2019, datetime.date(9999, 12, 31), "Stored before the check")
    factories.milestone(round_2019, "2019-02-07", "Ordinary", end_date=datetime.date(2019, 2, 8))
    client.force_login(factories.user())
    response = client.get(reverse("planning:timetable_ics", args=[2019]))
    assert response.status_code == 200
    events = {str(e["summary"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert events["Stored before the check"]["dtstart"].dt == datetime.date(9999, 12, 31)
    assert "dtend" not in events["Stored before the check"]  # one all-day event
    assert events["Ordinary"]["dtend"].dt == datetime.date(2019, 2, 9)
    assert client.get(reverse("planning:timetable", args=[2019])).status_code == 200


def test_the_calendar_accepts_any_date_a_date_can_hold(round_2019):
    for day in (datetime.date.min, datetime.date.max):
        milestone = Milestone(round=round_2019, date=day, end_date=day, title="Edge", kind="other")
        milestone.pk = 1
        body = calendar.timetable_ics(
            round=round_2019, system=None, milestones=[milestone], host="example.org"
        )
        assert b"BEGIN:VEVENT" in body


@pytest.mark.parametrize("year", ["9" * 5000, "١٩", "20190"])
def test_the_system_page_with_a_year_that_is_not_a_year_is_a_404(client, round_2019, dorset, year):
    client.force_login(factories.ics_lead(dorset))
    response = client.get(reverse("planning:system", args=["DORSET"]), {"year": year})
    assert response.status_code == 404
