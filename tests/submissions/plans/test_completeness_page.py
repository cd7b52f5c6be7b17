"""The completeness matrix: each partner against each template it completes."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_completeness_matrix_shows_each_partners_status(client, lead, built):
    client.force_login(lead)
    html = client.get(reverse("submissions:completeness", args=["BLMK", 2019])).content.decode()
    beds_row = html[html.index('data-ods="06F"') : html.index('data-ods="06P"')]
    assert "Submitted" in beds_row and "Not started" in beds_row
    hospital_row = html[html.index('data-ods="RC1"') :]
    assert "Not required" in hospital_row  # a trust does not complete finance
