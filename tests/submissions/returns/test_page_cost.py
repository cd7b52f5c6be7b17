"""The data entry and system plan pages cost a small, fixed number of queries: nothing read twice
in a request (the open round, the user's permissions, the people the page names, a template's
grid stamp), whatever the number of cells; and a return's grid, once made, is not made
again until something it shows changes (tests/submissions/returns/test_page_cache.py)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import Line, System, Template
from submissions.demo import seed_figures
from submissions.plans import services as plan_services
from submissions.returns.selectors import grid_for_template, with_grid_stamp
from tests import factories

pytestmark = pytest.mark.django_db

STAMP = "grid_stamp"


def queries_of(client, url):
    """The SQL of one request for `url`, after a first request has warmed the caches."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.fixture
def beds_finance():
    """Bedfordshire's submitted finance return (its planning lead may withdraw it), and a saved
    QIPP return, which the finance template's measures do not read but QIPP's read finance."""
    factories.templates()
    beds = factories.bedfordshire(in_system=factories.blmk())
    lead = factories.planning_lead(beds)
    factories.submitted_return(beds, "finance", seed_figures.finance_cells(), lead=lead)
    factories.saved_return(beds, "qipp", {}, lead=lead)
    return beds, lead


def test_the_return_page_reads_each_thing_once(client, beds_finance):
    _, lead = beds_finance
    client.force_login(lead)
    url = factories.return_url("06F", "qipp")
    sql = queries_of(client, url)
    # The session, user and roles; the return with its organisation, template and submission (the
    # people it names are the reader); the finance template and return QIPP's measures read (their
    # versions: the grid is kept, views._saved_grid); the deadline, the header's round and unread
    # notifications. The round, permissions, people and grid stamps were read more than once
    # before; the values, answers and explanations on every request before the grid was kept; the
    # organisation and template on their own, and the people joined, before 26 November.
    assert len(sql) <= 9
    assert not [q for q in sql if '"submissions_value"' in q]
    assert not [q for q in sql if "auth_permission" in q]  # the header asks our rule only
    assert len([q for q in sql if '"planning_round"' in q and "JOIN" not in q]) <= 1
    assert len([q for q in sql if 'FROM "auth_user"' in q]) == 1  # the signed-in user
    assert not [q for q in sql if q.startswith("SELECT (SELECT t.grid_stamp")]  # read with them

    cache.clear()  # as the first request after a save finds it: the grid made again
    with CaptureQueriesContext(connection) as fresh:
        assert client.get(url).status_code == 200
    # As above, and the values of the return and of the finance return; no answers (QIPP has no
    # narrative questions) and no explanations (no warnings).
    assert len(fresh) <= 11


def test_a_submitted_return_names_its_people_without_a_query_each(client, beds_finance):
    _, lead = beds_finance
    client.force_login(lead)
    sql = queries_of(client, factories.return_url("06F", "finance"))
    # As above; it is submitted, and has no queries on its figures: none read.
    assert len(sql) <= 9
    assert len([q for q in sql if 'FROM "auth_user"' in q]) == 1
    assert not [q for q in sql if 'FROM "submissions_submission" WHERE' in q and "COUNT" not in q]


def test_a_reviewer_sees_who_submitted_a_return_from_one_query_for_the_people(client, beds_finance):
    beds, lead = beds_finance
    lead.first_name, lead.last_name = "Bea", "Lead"
    lead.save()
    client.force_login(factories.ics_lead(System.objects.get(code="BLMK")))
    sql = queries_of(client, factories.return_url("06F", "finance"))
    people = [q for q in sql if 'FROM "auth_user"' in q]
    assert len(people) == 2  # the reader, then everyone the page names, in one
    page = client.get(factories.return_url("06F", "finance")).text
    assert "by Bea Lead" in page.split('data-testid="current-submission"')[1].split("</dd>")[0]


def test_the_administration_link_is_in_the_header_of_administrators_only(client, beds_finance):
    _, lead = beds_finance
    client.force_login(lead)
    assert "Administration" not in client.get(factories.return_url("06F", "finance")).text
    client.force_login(factories.administrator())
    assert "Administration" in client.get(factories.return_url("06F", "finance")).text


def test_a_template_read_with_its_grid_stamp_needs_no_query_for_its_grid():
    factories.templates()
    query = with_grid_stamp(Template.objects.filter(round__financial_year=2019))
    grid_for_template(query.get(code="finance"))  # built and kept
    template = query.get(code="finance")
    with CaptureQueriesContext(connection) as queries:
        grid = grid_for_template(template)
    assert len(queries) == 0
    assert grid.lines_by_code()["acute"].label == "Acute services"

    Line.objects.filter(template=template, code="acute").update(label="Acute hospital care")
    changed = grid_for_template(query.get(code="finance"))
    assert changed.lines_by_code()["acute"].label == "Acute hospital care"


def test_a_plan_page_checks_each_templates_grid_once(client):
    templates = factories.templates()
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    factories.submitted_return(beds, "finance", seed_figures.finance_cells())
    plan_services.build_system_plan(system=system, template=templates["finance"], stage="draft")
    client.force_login(factories.ics_lead(system))
    url = reverse("submissions:plan", args=["BLMK", 2019, "finance", "draft"])

    sql = queries_of(client, url)

    stamps = [q for q in sql if STAMP in q]
    assert len(stamps) == len(set(stamps))
    assert not [q for q in sql if "auth_permission" in q]
    assert not [q for q in sql if 'FROM "planning_system" WHERE "planning_system"."id"' in q]
    assert not [q for q in sql if q.startswith('SELECT "planning_system"')]  # with the lead's roles


def test_a_plan_page_reads_its_approvals_only_when_it_has_any(client):
    templates = factories.templates()
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    factories.submitted_return(beds, "finance", seed_figures.finance_cells())
    plan, _ = plan_services.build_system_plan(
        system=system, template=templates["finance"], stage="draft"
    )
    lead = factories.ics_lead(system)
    client.force_login(lead)
    url = reverse("submissions:plan", args=["BLMK", 2019, "finance", "draft"])

    sql = queries_of(client, url)
    assert not [q for q in sql if q.startswith('SELECT "submissions_planapproval"')]
    before = len(sql)

    plan_services.plan_approve(user=lead, plan=plan, exceptions=[beds.pk], note="Due Friday")
    sql = queries_of(client, url)
    page = client.get(url).text
    assert "Approved and frozen" in page and 'data-testid="approval-history"' in page
    assert len([q for q in sql if q.startswith('SELECT "submissions_planapproval"')]) == 1
    # The approvals, and nothing more: the approved version is this one, read already.
    assert len(sql) == before + 1


def test_a_plan_page_reads_its_partners_as_they_stand_in_one_query(client):
    templates = factories.templates()
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    luton = factories.luton(in_system=system)
    factories.submitted_return(beds, "activity", seed_figures.activity_cells())
    factories.saved_return(luton, "activity", {})
    plan_services.build_system_plan(system=system, template=templates["activity"], stage="draft")
    client.force_login(factories.ics_lead(system))
    url = reverse("submissions:plan", args=["BLMK", 2019, "activity", "draft"])

    sql = queries_of(client, url)

    # Each member with its return and submission now (for the approval blockers and provenance).
    assert len([q for q in sql if '"planning_membership"' in q]) == 1
    assert not [q for q in sql if q.startswith('SELECT "submissions_return"')]
    page = client.get(url).text
    assert "NHS Luton CCG" in page and "NHS Bedfordshire CCG" in page
