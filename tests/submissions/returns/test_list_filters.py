"""The returns list's filters, count summary and pages: a GET form that works without JavaScript,
offering only what the user may read, and never showing more when an id is typed in the URL."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from submissions.models import Return
from submissions.returns.views import ORGANISATIONS_PER_PAGE
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("submissions:list")


def page(client, query=""):
    response = client.get(LIST + "?year=2019" + query)
    assert response.status_code == 200
    return response.content.decode()


def summary(html):
    return re.search(r'data-testid="list-summary">([^<]*)<', html).group(1).strip()


def shown(html):
    """The ODS codes of the organisations the page lists."""
    return re.findall(r'data-testid="returns-([^"]+)"', html)


def rows_of(html, ods):
    table = html.split(f'data-testid="returns-{ods}"')[1].split("</table>")[0]
    return table.split("<tr")[2:]


def a_return(organisation, code, stage="draft", **fields):
    return Return.objects.create(
        organisation=organisation, template=factories.template(code), stage=stage, **fields
    )


@pytest.fixture
def statuses(bedfordshire, luton):
    """Bedfordshire's QIPP draft submitted late, its QIPP final in progress; Luton's QIPP draft
    accepted and its final returned."""
    a_return(bedfordshire, "qipp", status=Return.Status.SUBMITTED, is_late=True)
    a_return(bedfordshire, "qipp", stage="final")
    a_return(luton, "qipp", status=Return.Status.ACCEPTED)
    a_return(luton, "qipp", stage="final", status="returned", returned_reason="Totals wrong")


def test_filters_narrow_the_list_keep_their_values_and_count_what_they_show(
    client, ics_lead, statuses
):
    client.force_login(ics_lead)
    html = page(client, "&template=qipp")
    assert shown(html) == ["06F", "06P"]
    assert summary(html) == "2 of 4 returns submitted, 1 late"
    assert '<option value="qipp" selected>' in html
    assert 'href="?year=2019"' in html and "Clear filters" in html

    html = page(client, "&template=qipp&status=submitted&status=accepted")
    assert summary(html) == "2 of 2 returns submitted, 1 late"
    assert 'value="submitted" checked' in html and 'value="accepted" checked' in html
    assert 'value="returned" checked' not in html
    assert len(rows_of(html, "06F")) == 1 and len(rows_of(html, "06P")) == 1

    html = page(client, "&template=QIPP&late=yes")  # codes match whatever their case
    assert shown(html) == ["06F"] and summary(html) == "1 of 1 return submitted, 1 late"
    assert re.search(r'id="filter-late" name="late"[^>]* checked>', html)

    html = page(client, "&organisation=06p&status=returned")
    assert shown(html) == ["06P"] and summary(html) == "0 of 1 return submitted, 0 late"
    assert '<option value="06P" selected>' in html

    html = page(client, "&status=in_progress&status=not_started&template=qipp")
    assert shown(html) == ["06F"] and "In progress" in html

    html = page(client, "&status=accepted&organisation=06F")
    assert shown(html) == [] and "No returns match these filters." in html


def test_past_deadlines_count_as_late_until_submitted(client, ics_lead, bedfordshire, luton):
    round_ = factories.template("qipp").round
    factories.milestone(round_, "2019-02-12", "Drafts", kind="submission", stage="draft")
    a_return(luton, "qipp", status=Return.Status.SUBMITTED)  # on time
    client.force_login(ics_lead)
    html = page(client, "&template=qipp&late=yes")
    # Bedfordshire's draft was never started, and its deadline has passed; Luton's was submitted.
    assert shown(html) == ["06F"] and summary(html) == "0 of 1 return submitted, 1 late"
    assert "Overdue" in rows_of(html, "06F")[0]


def test_the_list_never_shows_an_organisation_the_user_may_not_read(
    client, beds_lead, ics_lead, dorset_ccg, luton, statuses
):
    client.force_login(beds_lead)
    for query in ["&organisation=06P", "&organisation=11J", "&system=DORSET", "&system=BLMK"]:
        html = page(client, query)
        assert shown(html) == ["06F"], query
        assert "06P" not in html and "11J" not in html and "DORSET" not in html, query
    assert summary(page(client, "&organisation=11J")) == summary(page(client))

    client.force_login(ics_lead)
    html = page(client, "&system=DORSET&organisation=11J")
    assert shown(html) == ["06F", "06P"] and "11J" not in html and "Dorset" not in html
    assert "Clear filters" not in html  # nothing it may not read is taken as a filter

    client.force_login(factories.analyst())
    html = page(client, "&system=DORSET")
    assert shown(html) == ["11J"] and '<option value="DORSET" selected>' in html
    assert shown(page(client, "&system=blmk")) == ["06F", "06P"]


@pytest.fixture
def many(templates):
    """An analyst, and 45 CCGs in one system: three pages of 20."""
    system = factories.system("MANY", name="Many ICS")
    for n in range(45):
        factories.membership(factories.organisation(f"M{n:03d}", name=f"CCG {n:03d}"), system)
    return factories.analyst()


def test_the_list_comes_a_page_of_organisations_at_a_time_keeping_the_filters(client, many):
    assert ORGANISATIONS_PER_PAGE == 20
    client.force_login(many)
    html = page(client, "&template=qipp&status=not_started")
    assert shown(html) == [f"M{n:03d}" for n in range(20)]
    assert summary(html) == "0 of 90 returns submitted, 0 late"  # the whole filtered set
    assert "Page 1 of 3" in html and 'class="nhsuk-pagination nhsuk-pagination--numbered"' in html
    second = "?year=2019&amp;template=qipp&amp;status=not_started&amp;page=2"
    assert f'href="{second}" class="nhsuk-pagination__next"' in html
    assert 'aria-current="page">1</a>' in html

    html = page(client, "&template=qipp&status=not_started&page=3")
    assert shown(html) == [f"M{n:03d}" for n in range(40, 45)]
    assert 'href="?year=2019&amp;template=qipp&amp;status=not_started&amp;page=2"' in html
    assert "nhsuk-pagination__next" not in html

    for bad in ["0", "4", "-1", "abc", "١", "9" * 5000, "2.5", ""]:
        assert shown(page(client, f"&template=qipp&page={bad}"))[0] == "M000", bad


def test_the_list_asks_as_many_queries_for_3_organisations_as_for_12(client, templates):
    system = factories.system("QRY", name="Query ICS")
    client.force_login(factories.analyst())

    def add(count):
        for n in range(count):
            organisation = factories.organisation()
            factories.membership(organisation, system)
            a_return(organisation, "qipp", status=Return.Status.SUBMITTED, is_late=n % 2 == 0)
            a_return(organisation, "activity", updated_by=factories.analyst())

    def queries():
        with CaptureQueriesContext(connection) as captured:
            html = page(client, "&system=QRY")
        return len(shown(html)), len(captured)

    add(3)
    page(client)  # the session and the user, read once
    three = queries()
    add(9)
    twelve = queries()
    assert (three[0], twelve[0]) == (3, 12)
    assert three[1] == twelve[1]
