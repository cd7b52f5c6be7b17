"""Where an unresolved query shows: marked on its cell (or line) in the return's grid and in the
plan's drill-down, listed on the return page, its thread in the history and, as a cell comment,
in the workbook download."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from submissions.queries import services
from tests import factories

pytestmark = pytest.mark.django_db

RETURN = "/returns/2019/06F/activity/draft/"


def test_the_grid_marks_a_queried_cell_with_a_link_to_its_query(
    client, raise_query, beds_lead, query_url
):
    query = raise_query()
    client.force_login(beds_lead)
    page = client.get(RETURN).text
    at = page.index('id="cell-gp_referrals-fot"')  # read only: the return is submitted
    cell = page[page.rindex("<td", 0, at) : page.index("</td>", at)]
    assert f'href="{query_url(query)}"' in cell and "Open query" in cell
    assert "on GP referrals (general and acute), CCG adjusted forecast outturn" in cell
    assert page.count('data-testid="query-mark"') == 1
    assert 'data-testid="return-queries"' in page  # the Queries section lists it


def test_a_line_query_marks_the_line_and_a_resolved_query_marks_nothing(
    client, raise_query, ics_lead
):
    line_query = raise_query(column=None, text="The whole line?")
    cell_query = raise_query()
    client.force_login(ics_lead)
    page = client.get(RETURN).text
    header = page[page.index('data-line="gp_referrals"') :]
    header = header[: header.index("</th>")]
    assert "Open query" in header and "(the whole line)" in header
    assert page.count('data-testid="query-mark"') == 2
    assert "Raise a query on a figure" in page

    services.query_resolve(user=ics_lead, query=line_query)
    services.query_resolve(user=ics_lead, query=cell_query)
    page = client.get(RETURN).text
    assert 'data-testid="query-mark"' not in page
    assert page.count("Resolved</strong>") == 2  # still listed, as resolved


def test_an_answered_query_is_still_marked_as_answered(client, raise_query, beds_lead):
    query = raise_query()
    services.query_answer(user=beds_lead, query=query, text="Because.")
    client.force_login(beds_lead)
    page = client.get(RETURN).text
    assert page.count('data-testid="query-mark"') == 1 and "Answered query" in page


def test_the_return_page_reads_its_queries_in_one_query(client, raise_query, beds_lead):
    for column in ("fot", "plan", None):
        raise_query(column=column)
    client.force_login(beds_lead)
    client.get(RETURN)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(RETURN).status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    assert len(_reading_queries(sql)) == 1
    assert not [q for q in sql if 'FROM "submissions_querymessage"' in q]


def _reading_queries(sql):
    """The statements that read query rows (not the return's own `EXISTS` that asks for any)."""
    return [q for q in sql if q.startswith('SELECT "submissions_query".')]


def test_a_submitted_return_without_queries_costs_no_query_for_them(
    client, submitted, beds_lead, raise_query
):
    client.force_login(beds_lead)
    client.get(RETURN)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(RETURN).text
    assert not _reading_queries([q["sql"] for q in captured.captured_queries])
    assert 'data-testid="return-queries"' not in page
    raise_query()  # the next view of the page lists it at once
    page = client.get(RETURN).text
    assert 'data-testid="return-queries"' in page and page.count('data-testid="query-mark"') == 1


def test_a_return_never_submitted_costs_no_query_for_queries(client, beds, beds_lead):
    factories.saved_return(beds, "qipp", {("acute", "gross"): "10"}, lead=beds_lead)
    client.force_login(beds_lead)
    url = factories.return_url(template_code="qipp")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert not _reading_queries([q["sql"] for q in captured.captured_queries])
    assert 'id="queries"' not in page.text  # nothing to list, and no one here may raise one


def test_the_history_shows_each_thread_with_who_and_when(client, raise_query, beds_lead, ics_lead):
    query = raise_query()
    services.query_answer(user=beds_lead, query=query, text="New practices opened.")
    services.query_resolve(user=ics_lead, query=query, text="Thanks, understood.")
    client.force_login(beds_lead)
    page = client.get(RETURN + "history/").text
    thread = page[page.index('data-testid="history-queries"') :]
    for text in (
        "GP referrals (general and acute), CCG adjusted forecast outturn",
        "Resolved</strong>",
        "Raised by Ian Lead",
        "Why did GP referrals rise?",
        "Reply from Bea Lead",
        "New practices opened.",
        "Thanks, understood.",
        "Resolved by Ian Lead",
    ):
        assert text in thread, text


def test_the_workbook_carries_each_thread_as_a_comment_on_its_cell(
    client, raise_query, beds_lead, ics_lead
):
    query = raise_query()
    services.query_answer(user=beds_lead, query=query, text="New practices opened.")
    raise_query(column=None, text="And the whole line?")
    client.force_login(beds_lead)
    response = client.get(reverse("submissions:download", args=[2019, "06F", "activity", "draft"]))
    workbook = load_workbook(io.BytesIO(response.content))
    found = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.comment and "Query" in cell.comment.text:
                    found[(sheet.cell(row=cell.row, column=1).value, cell.column)] = cell.comment
    assert len(found) == 2, found
    (cell_comment,) = [c for (line, col), c in found.items() if col != 2]
    (line_comment,) = [c for (line, col), c in found.items() if col == 2]  # on the line's label
    assert "Query (answered) on GP referrals" in cell_comment.text
    assert "Why did GP referrals rise?" in cell_comment.text
    assert "Bea Lead" in cell_comment.text and "New practices opened." in cell_comment.text
    assert "(the whole line)" in line_comment.text and "And the whole line?" in line_comment.text


def test_the_plan_drill_down_marks_the_partners_queried_cell(
    client, raise_query, ics_lead, query_url
):
    query = raise_query()
    client.force_login(ics_lead)
    url = reverse("submissions:plan_line", args=["BLMK", 2019, "activity", "draft", "gp_referrals"])
    page = client.get(url).text
    row = page[page.index('data-ods="06F"') :]
    row = row[: row.index("</tr>")]
    assert f'href="{query_url(query)}"' in row and "Open query" in row
    assert "NHS Bedfordshire CCG: GP referrals" in row
    other = client.get(url.replace("gp_referrals", "other_referrals")).text
    assert 'data-testid="query-mark"' not in other
