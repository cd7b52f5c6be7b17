"""The list of returns: each reader sees only the organisations they may read."""

import pytest
from django.urls import reverse

from planning.models import Extension
from tests import factories

pytestmark = pytest.mark.django_db


def test_returns_list_shows_each_reader_only_the_organisations_they_may_read(
    client, bedfordshire, luton, dorset_ccg, beds_lead, ics_lead
):
    factories.submitted_return(bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead)
    list_url = reverse("submissions:list") + "?year=2019"

    client.force_login(beds_lead)
    html = client.get(list_url).content.decode()
    assert 'data-testid="returns-06F"' in html and "06P" not in html
    assert "Submitted" in html and "Not started" in html

    client.force_login(ics_lead)
    html = client.get(list_url).content.decode()
    assert 'data-testid="returns-06F"' in html and 'data-testid="returns-06P"' in html
    assert "11J" not in html

    client.force_login(factories.governing_body_member(bedfordshire))
    assert "06F" not in client.get(list_url).content.decode()


def test_returns_list_says_when_each_return_is_due_and_who_last_changed_it(
    client, bedfordshire, luton, beds_lead, ics_lead
):
    round_ = factories.template("qipp").round
    draft = factories.milestone(
        round_, "2019-02-12", "Draft organisation plans", kind="submission", stage="draft"
    )
    Extension.objects.create(
        milestone=draft,
        organisation=luton,
        until="2019-02-20",
        reason="Audit committee moved",
        granted_by=ics_lead,
    )
    beds_lead.first_name, beds_lead.last_name = "Ada", "Planner"
    beds_lead.save()
    factories.saved_return(bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead)

    client.force_login(ics_lead)
    html = client.get(reverse("submissions:list") + "?year=2019").content.decode()
    beds = html.split('data-testid="returns-06F"')[1].split("</table>")[0]
    qipp = [row for row in beds.split("<tr") if "QIPP" in row and "(draft)" in row][0]
    assert "12 Feb 2019" in qipp and "by Ada Planner" in qipp
    luton_rows = html.split('data-testid="returns-06P"')[1].split("</table>")[0]
    assert "20 Feb 2019 (extended)" in luton_rows
    assert "by " not in luton_rows.split("QIPP")[1].split("</tr>")[0]  # not started: nobody
