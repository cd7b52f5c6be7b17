"""Who may see and act on a system's plan pages: its ICS lead; analysts read but do not approve."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_ics_lead_pages_are_not_for_planning_leads_or_other_systems(client, blmk, built, plan_url):
    for stranger in (
        factories.planning_lead(blmk.beds),
        factories.ics_lead(factories.system("LLR")),
    ):
        client.force_login(stranger)
        for url in (
            plan_url(),
            plan_url("submissions:plan_line", "gp_referrals"),
            plan_url("submissions:plan_csv"),
            reverse("submissions:completeness", args=["BLMK", 2019]),
            reverse("submissions:alignment", args=["BLMK", 2019]),
        ):
            assert client.get(url).status_code == 404, url
        assert client.post(plan_url("submissions:plan_approve"), {"version": 1}).status_code == 404
    built.refresh_from_db()
    assert not built.is_approved


def test_analyst_reads_the_plan_but_cannot_approve_it(client, built, plan_url):
    client.force_login(factories.analyst())
    assert client.get(plan_url()).status_code == 200
    assert client.post(plan_url("submissions:plan_approve"), {"version": 1}).status_code == 403
    built.refresh_from_db()
    assert not built.is_approved
