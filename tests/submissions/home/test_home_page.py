"""The home page shows each person their own organisations, systems and upcoming deadlines."""

import datetime

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def blmk(monkeypatch):
    monkeypatch.setattr("submissions.home.views.localdate", lambda: datetime.date(2019, 2, 1))
    round_ = factories.planning_round(2019)
    blmk = factories.system("BLMK", name="BLMK ICS")
    dorset = factories.system("DORSET", name="Dorset ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    factories.membership(beds, blmk)
    factories.milestone(
        round_, "2019-02-12", "Draft organisation plans", kind="submission", stage="draft"
    )
    factories.milestone(round_, "2019-01-14", "Already passed")
    factories.milestone(round_, "2019-02-07", "Dorset OFRG", system=dorset)
    factories.milestone(round_, "2019-02-08", "BLMK board", system=blmk)
    return blmk, beds


def test_planning_lead_sees_their_organisation_and_upcoming_deadlines(client, blmk):
    _, beds = blmk
    client.force_login(factories.planning_lead(beds))

    html = client.get(reverse("home")).content.decode()

    assert "NHS Bedfordshire CCG" in html and "06F" in html
    assert "BLMK ICS" in html
    assert "Draft organisation plans" in html and "in 11 days" in html
    assert "BLMK board" in html
    assert "Dorset OFRG" not in html
    assert "Already passed" not in html
    assert "Planning lead, NHS Bedfordshire CCG" in html  # role in the header


def test_ics_lead_sees_a_link_to_their_system_page(client, blmk):
    system, _ = blmk
    client.force_login(factories.ics_lead(system))
    html = client.get(reverse("home")).content.decode()
    assert reverse("planning:system", args=["BLMK"]) in html
    assert reverse("planning:system", args=["DORSET"]) not in html


def test_administrator_sees_every_system_and_the_admin_link(client, blmk):
    client.force_login(factories.administrator())
    html = client.get(reverse("home")).content.decode()
    assert reverse("planning:system", args=["BLMK"]) in html
    assert reverse("planning:system", args=["DORSET"]) in html
    assert reverse("admin:index") in html


def test_governing_body_member_sees_no_system_pages(client, blmk):
    _, beds = blmk
    client.force_login(factories.governing_body_member(beds))
    html = client.get(reverse("home")).content.decode()
    assert "NHS Bedfordshire CCG" in html
    assert reverse("planning:system", args=["BLMK"]) not in html
    assert reverse("admin:index") not in html


def test_home_needs_a_login(client):
    assert client.get(reverse("home")).status_code == 302


def test_pages_carry_a_content_security_policy_without_inline_script(client, blmk):
    client.force_login(factories.analyst())
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
