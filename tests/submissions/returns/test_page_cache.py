"""The data entry page keeps a saved return's grid, questions and warnings between requests
(`views._saved_grid`), and never shows them stale: a save, a decision, a query, a change to the
template or to another return the page reads shows on the next GET, and each reader sees their own
variant (editable or read only)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning.models import Line, Round
from submissions.demo import seed_figures
from submissions.models import Return
from submissions.queries import services as query_services
from submissions.returns import services
from tests import factories

pytestmark = pytest.mark.django_db

GP_FOT = ("gp_referrals", "fot")
URL = factories.return_url  # Bedfordshire's draft activity return unless told


def page(client, url=None):
    response = client.get(url or URL())
    assert response.status_code == 200
    return response.content.decode()


def cell(html, line, column):
    """(tag, what it shows) of one cell: ("input", its value) or ("output", its text)."""
    cell_id = f"cell-{line}-{column}"
    field = re.search(rf'<input [^>]*id="{cell_id}"[^>]*value="([^"]*)"', html)
    if field:
        return "input", field.group(1)
    shown = re.search(rf'<output [^>]*id="{cell_id}"[^>]*>([^<]*)</output>', html)
    assert shown, f"no cell {cell_id}"
    return "output", shown.group(1)


def marks(html):
    return html.count('data-testid="query-mark"')


def test_a_second_get_does_not_evaluate_the_return_again(client, bedfordshire, beds_lead):
    factories.saved_return(bedfordshire, "activity", {GP_FOT: "94,810"}, lead=beds_lead)
    client.force_login(beds_lead)
    first = page(client)
    with CaptureQueriesContext(connection) as queries:
        again = page(client)
    assert again == first.replace(csrf(first), csrf(again))
    assert not [q for q in queries.captured_queries if '"submissions_value"' in q["sql"]]


def csrf(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_saved_draft_shows_its_new_figure_on_the_next_get(client, bedfordshire, beds_lead):
    ret = factories.saved_return(bedfordshire, "activity", {GP_FOT: "94,810"}, lead=beds_lead)
    client.force_login(beds_lead)
    assert cell(page(client), *GP_FOT) == ("input", "94,810")

    saved = client.post(URL(), factories.entry_form({GP_FOT: "95,000"}, ret.version, save="1"))
    assert saved.status_code == 302

    assert cell(page(client), *GP_FOT) == ("input", "95,000")


def test_a_figure_saved_by_an_upload_or_another_session_shows_at_once(
    client, bedfordshire, beds_lead
):
    ret = factories.saved_return(bedfordshire, "activity", {GP_FOT: "94,810"}, lead=beds_lead)
    client.force_login(beds_lead)
    page(client)
    services.return_save(
        user=beds_lead,
        ret=Return.objects.get(pk=ret.pk),
        base_version=ret.version,
        raw_cells={GP_FOT: "1,234"},
        raw_answers={},
        raw_explanations={},
    )
    assert cell(page(client), *GP_FOT) == ("input", "1,234")


def test_an_explanation_and_a_warning_follow_each_save(client, bedfordshire, beds_lead):
    ret = factories.saved_return(
        bedfordshire, "activity", seed_figures.activity_cells(), lead=beds_lead
    )
    client.force_login(beds_lead)
    html = page(client)
    boxes = re.findall(r'<textarea [^>]*name="(explain:[^"]+)"[^>]*>([^<]*)</textarea>', html)
    assert boxes, "the seed figures raise warnings to explain"
    name, text = boxes[0]
    assert text == ""
    form = factories.entry_form({}, ret.version, save="1", **{name: "Winter pressures"})
    assert client.post(URL(), form).status_code == 302
    assert re.search(rf'name="{re.escape(name)}"[^>]*>Winter pressures</textarea>', page(client))


def test_a_query_raised_on_a_cell_is_marked_on_the_next_get_and_goes_when_resolved(
    client, bedfordshire, beds_lead, ics_lead
):
    ret = factories.submitted_return(bedfordshire, "activity", {GP_FOT: "94,810"}, lead=beds_lead)
    client.force_login(beds_lead)
    assert marks(page(client)) == 0

    query = query_services.query_raise(
        user=ics_lead, ret=ret, line_code="gp_referrals", column_code="fot", text="Why so high?"
    )
    html = page(client)
    assert marks(html) == 1
    assert re.search(r"app-query-mark[^>]*>Open query<span[^>]*> on GP referrals", html)

    query_services.query_answer(user=beds_lead, query=query, text="A new practice opened")
    assert ">Answered query<" in page(client)

    query_services.query_resolve(user=ics_lead, query=query)
    assert marks(page(client)) == 0


def test_a_reviewer_and_a_lead_each_see_their_own_variant(
    client, bedfordshire, beds_lead, ics_lead
):
    ret = factories.submitted_return(bedfordshire, "activity", {GP_FOT: "94,810"}, lead=beds_lead)
    services.return_send_back(
        user=ics_lead, ret=ret, reason="Check GP referrals", submission_number=1
    )
    for _ in range(2):  # each variant kept, neither served to the other
        client.force_login(beds_lead)
        lead_html = page(client)
        assert cell(lead_html, *GP_FOT) == ("input", "94,810")
        assert 'name="save"' in lead_html
        client.force_login(ics_lead)
        review_html = page(client)
        assert cell(review_html, *GP_FOT) == ("output", "94,810")
        assert 'name="save"' not in review_html and 'name="cell:' not in review_html


def test_a_decision_on_the_return_changes_what_the_lead_may_edit_at_once(
    client, bedfordshire, beds_lead, ics_lead
):
    ret = factories.submitted_return(bedfordshire, "activity", {GP_FOT: "94,810"}, lead=beds_lead)
    client.force_login(beds_lead)
    assert cell(page(client), *GP_FOT)[0] == "output"  # submitted: read only

    services.return_send_back(
        user=ics_lead, ret=ret, reason="Check GP referrals", submission_number=1
    )
    assert cell(page(client), *GP_FOT) == ("input", "94,810")


def test_a_locked_round_shows_the_grid_read_only_at_once(
    client, round_2019, bedfordshire, beds_lead
):
    factories.saved_return(bedfordshire, "activity", {GP_FOT: "94,810"}, lead=beds_lead)
    client.force_login(beds_lead)
    assert cell(page(client), *GP_FOT)[0] == "input"

    Round.objects.filter(pk=round_2019.pk).update(is_open=False)  # no return changes

    assert cell(page(client), *GP_FOT) == ("output", "94,810")


def test_a_label_changed_in_the_template_shows_at_once(client, bedfordshire, beds_lead):
    ret = factories.saved_return(bedfordshire, "activity", {GP_FOT: "94,810"}, lead=beds_lead)
    client.force_login(beds_lead)
    assert "GP referrals" in page(client)

    Line.objects.filter(template=ret.template, code="gp_referrals").update(
        label="Referrals from GPs"
    )

    assert "Referrals from GPs" in page(client)


def test_a_measure_follows_the_other_return_it_reads(client, bedfordshire, beds_lead):
    finance = factories.saved_return(
        bedfordshire, "finance", seed_figures.finance_cells(), lead=beds_lead
    )
    client.force_login(beds_lead)
    url = URL(template_code="finance")
    assert cell(page(client, url), "qipp_pct_allocation", "budget") == ("output", "")

    qipp = factories.saved_return(bedfordshire, "qipp", seed_figures.qipp_cells(), lead=beds_lead)
    assert cell(page(client, url), "qipp_pct_allocation", "budget") == ("output", "4.3")

    services.return_save(
        user=beds_lead,
        ret=Return.objects.get(pk=qipp.pk),
        base_version=Return.objects.get(pk=qipp.pk).version,
        raw_cells={("unidentified", "gross"): "80,000"},
        raw_answers={},
        raw_explanations={},
    )
    shown = cell(page(client, url), "qipp_pct_allocation", "budget")
    assert shown[1] not in ("", "4.3")
    assert Return.objects.get(pk=finance.pk).version == finance.version  # finance unchanged


def test_a_refused_save_shows_what_was_typed_not_the_kept_grid(client, bedfordshire, beds_lead):
    ret = factories.saved_return(bedfordshire, "activity", {GP_FOT: "94,810"}, lead=beds_lead)
    client.force_login(beds_lead)
    page(client)

    refused = client.post(URL(), factories.entry_form({GP_FOT: "lots"}, ret.version, save="1"))

    assert refused.status_code == 422
    assert cell(refused.content.decode(), *GP_FOT) == ("input", "lots")
    assert cell(page(client), *GP_FOT) == ("input", "94,810")
