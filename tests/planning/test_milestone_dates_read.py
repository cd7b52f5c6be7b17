"""How a milestone's date reads wherever it is shown (timetable, home page, papers)."""

import datetime

import pytest

from planning.models import Milestone


@pytest.mark.parametrize(
    "note, date, end, reads",
    [
        ("", datetime.date(2019, 2, 12), None, "12 February 2019"),
        ("By", datetime.date(2019, 2, 12), None, "By 12 February 2019"),
        ("w/c", datetime.date(2019, 3, 4), None, "w/c 4 March 2019"),
        ("Mid-February", datetime.date(2020, 2, 14), None, "Mid-February 2020"),
        ("End of March", datetime.date(2019, 3, 29), None, "End of March 2019"),
        (
            "",
            datetime.date(2019, 4, 1),
            datetime.date(2019, 4, 14),
            "1 April 2019 to 14 April 2019",
        ),
    ],
)
def test_a_note_naming_the_month_stands_for_the_date(note, date, end, reads):
    assert Milestone(date_note=note, date=date, end_date=end).when == reads
