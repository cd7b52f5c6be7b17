"""A request no view could store is refused in one place with a page that says why."""

import pytest

from submissions.plans import services as plan_services
from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    "posted",
    [{"username": "a\x00b", "password": "x"}, {"user\x00name": "someone", "password": "x"}],
    ids=["in a value", "in a field name"],
)
def test_a_nul_character_is_refused_with_a_page_saying_nothing_was_saved(client, posted):
    response = client.post("/login/", posted)

    assert response.status_code == 400
    page = response.content.decode()
    assert "NUL character" in page and "Nothing was saved" in page


@pytest.mark.django_db
def test_a_nul_character_in_the_address_is_refused_too(client):
    response = client.get("/login/?next=/\x00")

    assert response.status_code == 400


@pytest.mark.django_db
def test_a_nul_character_in_a_returns_path_is_refused_not_read_as_another_code(client):
    # The ODS code is read from the path: "06F" followed by a NUL is not NHS Bedfordshire's code
    # (SQLite's LIKE stopped at the NUL and found its return), nor a query PostgreSQL can run.
    factories.templates()
    beds = factories.bedfordshire()
    client.force_login(factories.planning_lead(beds))

    for method in (client.get, client.post):
        response = method("/returns/2019/06F%00/finance/draft/")
        assert response.status_code == 400
        assert "NUL character" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/returns/99999999999999999999/06F/finance/draft/",
        "/systems/BLMK/rounds/99999999999999999999/plans/finance/draft/",
        "/rounds/201/timetable/",
    ],
)
def test_a_year_that_is_not_four_digits_is_not_found(client, path):
    # Twenty digits overflow SQLite's integers; a round's year has four.
    client.force_login(factories.administrator())
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_a_plan_version_written_with_other_digits_shows_the_newest_version(client):
    templates = factories.templates()
    system = factories.blmk()
    factories.submitted_return(factories.bedfordshire(in_system=system), "activity", {})
    plan_services.build_system_plan(system=system, template=templates["activity"], stage="draft")
    client.force_login(factories.ics_lead(system))
    url = "/systems/BLMK/rounds/2019/plans/activity/draft/"

    # Digits to str.isdigit, or too many for a version: not a version, so the newest is shown.
    for version in ("²", "١", "99999999999999999999"):
        response = client.get(url, {"version": version})
        assert response.status_code == 200
        assert "What went into version 1" in response.content.decode()
