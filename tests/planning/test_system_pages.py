"""The ICS lead's system page and local milestones: only the system's own lead may change them."""

import pytest
from django.urls import reverse

from planning.models import Milestone
from tests import factories

pytestmark = pytest.mark.django_db

VALID = {
    "title": "Draft ICS operational plan to OFRG",
    "date": "2019-02-07",
    "kind": "meeting",
    "level": "system",
    "stage": "",
}


@pytest.fixture
def systems():
    round_ = factories.planning_round(2019)
    dorset = factories.system("DORSET", name="Dorset ICS")
    blmk = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    ccs = factories.organisation("RYV", name="Cambridgeshire Community Services", kind="community")
    factories.membership(beds, blmk)
    factories.membership(ccs, blmk, role="provider", share="0.5")
    return round_, dorset, blmk, beds


def add_url(code, year=2019):
    return reverse("planning:milestone_add", args=[code, year])


def test_ics_lead_adds_a_local_milestone_to_their_own_system(client, systems):
    round_, dorset, *_ = systems
    lead = factories.ics_lead(dorset)
    client.force_login(lead)

    response = client.post(add_url("DORSET"), VALID)

    assert response.status_code == 302
    milestone = Milestone.objects.get(title=VALID["title"])
    assert milestone.system == dorset and milestone.round == round_
    assert milestone.created_by == lead


def test_ics_lead_cannot_add_a_milestone_to_another_system_by_url(client, systems):
    _, dorset, *_ = systems
    client.force_login(factories.ics_lead(dorset))

    assert client.get(add_url("BLMK")).status_code == 404
    assert client.post(add_url("BLMK"), VALID).status_code == 404
    assert not Milestone.objects.exists()


def test_ics_lead_cannot_add_a_milestone_to_another_system_by_form(client, systems):
    _, dorset, blmk, _ = systems
    client.force_login(factories.ics_lead(dorset))

    client.post(add_url("DORSET"), {**VALID, "system": blmk.pk, "round": 1})

    assert list(Milestone.objects.values_list("system__code", flat=True)) == ["DORSET"]


def test_invalid_milestone_shows_errors_next_to_fields_and_keeps_what_was_typed(client, systems):
    _, dorset, *_ = systems
    client.force_login(factories.ics_lead(dorset))

    response = client.post(add_url("DORSET"), {**VALID, "date": "2019-02-31", "stage": "draft"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter a real date" in html
    assert 'href="#id_date"' in html
    assert "Only a submission deadline has a draft or final stage." in html
    assert VALID["title"] in html  # nothing typed is lost
    assert not Milestone.objects.exists()


def test_planning_lead_cannot_open_the_ics_lead_pages(client, systems):
    _, dorset, blmk, beds = systems
    client.force_login(factories.planning_lead(beds))

    assert client.get(reverse("planning:system", args=["BLMK"])).status_code == 404
    assert client.get(reverse("planning:system", args=["DORSET"])).status_code == 404
    assert client.post(add_url("BLMK"), VALID).status_code == 404
    assert not Milestone.objects.exists()


def test_ics_lead_cannot_open_another_systems_page(client, systems):
    _, dorset, *_ = systems
    client.force_login(factories.ics_lead(dorset))
    assert client.get(reverse("planning:system", args=["BLMK"])).status_code == 404


def test_system_page_lists_partners_with_their_shares(client, systems):
    _, _, blmk, _ = systems
    client.force_login(factories.ics_lead(blmk))

    response = client.get(reverse("planning:system", args=["BLMK"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "NHS Bedfordshire CCG" in html
    assert "Cambridgeshire Community Services" in html and "50%" in html


def test_analyst_reads_the_system_page_but_cannot_add_milestones(client, systems):
    client.force_login(factories.analyst())

    page = client.get(reverse("planning:system", args=["DORSET"]))
    assert page.status_code == 200
    assert "Add a local milestone" not in page.content.decode()
    assert client.post(add_url("DORSET"), VALID).status_code == 403
    assert not Milestone.objects.exists()


def test_closed_round_refuses_new_local_milestones(client, systems):
    round_, dorset, *_ = systems
    round_.is_open = False
    round_.save()
    client.force_login(factories.ics_lead(dorset))

    response = client.post(add_url("DORSET"), VALID)

    assert response.status_code == 200
    assert "round is closed" in response.content.decode()
    assert not Milestone.objects.exists()


def test_ics_lead_removes_their_own_local_milestone_but_not_anothers(client, systems):
    round_, dorset, blmk, _ = systems
    own = factories.milestone(round_, "2019-02-07", system=dorset)
    theirs = factories.milestone(round_, "2019-02-08", system=blmk)
    national = factories.milestone(round_, "2019-02-12")
    client.force_login(factories.ics_lead(dorset))

    assert client.post(reverse("planning:milestone_delete", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("planning:milestone_delete", args=[national.pk])).status_code == 404
    assert client.post(reverse("planning:milestone_delete", args=[own.pk])).status_code == 302
    assert set(Milestone.objects.values_list("pk", flat=True)) == {theirs.pk, national.pk}
