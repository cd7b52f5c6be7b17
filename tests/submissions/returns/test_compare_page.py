"""The comparison of a return's draft and final, with the cells that differ marked."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_compare_draft_and_final_marks_the_changes(client, bedfordshire, beds_lead):
    factories.submitted_return(
        bedfordshire,
        "qipp",
        {("acute", "gross"): "100", ("community", "gross"): "5"},
        lead=beds_lead,
    )
    factories.saved_return(
        bedfordshire,
        "qipp",
        {("acute", "gross"): "120", ("community", "gross"): "5"},
        stage="final",
        lead=beds_lead,
    )
    client.force_login(beds_lead)
    response = client.get(reverse("submissions:compare", args=[2019, "06F", "qipp"]))
    assert response.status_code == 200
    assert response.context["changed"] == 1
    assert "Changed: </span>120" in response.content.decode()
