"""The data entry page: saving through it, invalid input, a stale save, a locked round, a template
the organisation does not complete, and a query count that does not grow with the lines."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning.models import Round
from submissions.demo import seed_figures
from submissions.models import Return, Value
from tests import factories

pytestmark = pytest.mark.django_db


def saved_values():
    """{(line, column): value} of every value saved, whatever the return."""
    return {
        (v.line.code, v.column.code): v.value
        for v in Value.objects.select_related("line", "column")
    }


def test_planning_lead_saves_an_incomplete_draft(client, beds_lead):
    client.force_login(beds_lead)
    response = client.post(
        factories.return_url(), factories.entry_form({("gp_referrals", "fot"): "94,810"}, 0)
    )
    assert response.status_code == 302
    ret = Return.objects.get()
    assert ret.status == "draft" and ret.version == 1
    assert Value.objects.get().value == 94810


def test_saving_the_bedfordshire_activity_table_shows_the_published_totals(client, beds_lead):
    client.force_login(beds_lead)
    client.post(factories.return_url(), factories.entry_form(seed_figures.activity_cells(), 0))
    html = client.get(factories.return_url()).content.decode()
    assert 'id="cell-total_referrals-plan"' in html
    assert ">163,952</output>" in html
    assert ">401,153</output>" in html  # total outpatients plan
    assert ">2.5</output>" in html  # total referrals planned growth %


def test_a_draft_save_with_one_bad_cell_stores_the_others_and_keeps_the_bad_one_on_screen(
    client, beds_lead
):
    client.force_login(beds_lead)
    cells = {**seed_figures.activity_cells(), ("day_case", "trend"): "5,17B"}
    response = client.post(factories.return_url(), factories.entry_form(cells, 0))
    html = response.content.decode()
    assert response.status_code == 422
    assert 'href="#cell-day_case-trend"' in html
    assert 'id="cell-day_case-trend-message"' in html and "is not a number" in html
    assert 'value="5,17B"' in html and 'value="94,810"' in html  # nothing typed is lost
    stored = saved_values()
    typed = [k for k, v in seed_figures.activity_cells().items() if v not in ("", None)]
    assert ("day_case", "trend") not in stored and len(stored) == len(typed) - 1
    assert stored[("gp_referrals", "fot")] == 94810
    assert "1 cell needs fixing: it was not saved" in html
    # The page now carries the saved version, so fixing the cell and saving again just works.
    ret = Return.objects.get()
    assert f'name="version" value="{ret.version}"' in html
    fixed = {("day_case", "trend"): "5,178"}
    assert (
        client.post(factories.return_url(), factories.entry_form(fixed, ret.version)).status_code
        == 302
    )
    assert saved_values()[("day_case", "trend")] == 5178


def test_submitting_with_a_bad_cell_saves_the_rest_but_does_not_submit(client, beds_lead):
    client.force_login(beds_lead)
    cells = {("acute", "gross"): "100", ("mental_health", "gross"): "lots"}
    response = client.post(
        factories.return_url(template_code="qipp"), factories.entry_form(cells, 0, submit="1")
    )
    assert (
        response.status_code == 422 and "The return was not submitted" in response.content.decode()
    )
    ret = Return.objects.get()
    assert ret.status == "draft" and ret.submission is None
    assert saved_values() == {("acute", "gross"): 100}


def test_a_save_changes_only_the_cells_it_carries_and_clears_cells_sent_empty(
    client, bedfordshire, beds_lead
):
    factories.saved_return(
        bedfordshire,
        "activity",
        {("gp_referrals", "fot"): "94,810", ("other_referrals", "fot"): "65,085"},
        lead=beds_lead,
    )
    client.force_login(beds_lead)
    client.post(factories.return_url(), factories.entry_form({("gp_referrals", "fot"): ""}, 1))
    assert saved_values() == {("other_referrals", "fot"): 65085}


def test_second_save_from_a_stale_page_is_refused_and_loses_nothing(
    client, bedfordshire, beds_lead
):
    colleague = factories.planning_lead(bedfordshire, first_name="Colin")
    factories.saved_return(
        bedfordshire,
        "activity",
        {("gp_referrals", "fot"): "94,810", ("other_referrals", "fot"): "65,085"},
        lead=beds_lead,
    )

    # Both open version 1. The colleague changes GP referrals and saves first.
    client.force_login(colleague)
    client.post(
        factories.return_url(),
        factories.entry_form(
            {("gp_referrals", "fot"): "90,000", ("other_referrals", "fot"): "65,085"}, 1
        ),
    )

    # The lead, still on version 1, changed Other referrals and GP trend.
    client.force_login(beds_lead)
    mine = {
        ("gp_referrals", "fot"): "94,810",
        ("other_referrals", "fot"): "70,000",
        ("gp_referrals", "trend"): "6,998",
    }
    response = client.post(factories.return_url(), factories.entry_form(mine, 1))
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this return" in html
    assert "Colin" in html and "90,000</td>" in html  # which cells the other person changed
    assert 'value="70,000"' in html and 'value="6,998"' in html  # the lead's typing is still there
    assert 'value="90,000"' in html  # the colleague's value is kept where the lead did not type
    assert saved_values()[("other_referrals", "fot")] == 65085

    # Saving again from the merged page applies the lead's changes on top of the colleague's.
    merged = {**mine, ("gp_referrals", "fot"): "90,000"}
    client.post(factories.return_url(), factories.entry_form(merged, Return.objects.get().version))
    values = saved_values()
    assert values[("gp_referrals", "fot")] == 90000 and values[("other_referrals", "fot")] == 70000


def test_a_locked_round_makes_returns_read_only(client, round_2019, bedfordshire, beds_lead):
    factories.saved_return(bedfordshire, "activity", {("gp_referrals", "fot"): "1"}, lead=beds_lead)
    Round.objects.filter(pk=round_2019.pk).update(is_open=False)
    client.force_login(beds_lead)
    page = client.get(factories.return_url()).content.decode()
    assert "Round locked" in page and 'name="cell:gp_referrals:fot"' not in page
    response = client.post(
        factories.return_url(), factories.entry_form({("gp_referrals", "fot"): "2"}, 1)
    )
    assert response.status_code == 403
    assert Value.objects.get().value == 1


def test_a_template_the_organisation_does_not_complete_is_not_found(client, templates):
    trust = factories.organisation("RC1", kind="acute")
    client.force_login(factories.planning_lead(trust))
    assert client.get(factories.return_url("RC1", "finance")).status_code == 404
    assert client.get(factories.return_url("RC1", "performance")).status_code == 200


def test_data_entry_page_query_count_does_not_grow_with_lines(client, bedfordshire, beds_lead):
    factories.saved_return(bedfordshire, "activity", {("gp_referrals", "fot"): "1"}, lead=beds_lead)
    client.force_login(beds_lead)
    client.get(factories.return_url())
    cache.clear()  # the grid is evaluated and rendered, not taken from the page cache
    with CaptureQueriesContext(connection) as one_line:
        client.get(factories.return_url())
    client.post(factories.return_url(), factories.entry_form(seed_figures.activity_cells(), 1))
    with CaptureQueriesContext(connection) as all_lines:
        client.get(factories.return_url())
    # One more at most: the explanations, read only when there are warnings to explain.
    assert len(all_lines) <= len(one_line) + 1
    # The finance template has twice the lines of QIPP and the same number of queries.
    client.get(factories.return_url(template_code="qipp"))
    client.get(factories.return_url(template_code="finance"))  # both grids built and cached
    with CaptureQueriesContext(connection) as qipp:
        client.get(factories.return_url(template_code="qipp"))
    with CaptureQueriesContext(connection) as finance:
        client.get(factories.return_url(template_code="finance"))
    assert len(finance) <= len(qipp) + 1  # QIPP reads the finance return for its 4% rule
