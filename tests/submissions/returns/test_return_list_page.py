"""The list of returns: each reader sees only the organisations they may read."""

import pytest
from django.urls import reverse

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
