"""Approving a plan, and withdrawing the approval, are in the security log with who and from where;
an approval refused or rolled back leaves nothing there."""

import pytest
from django.db import transaction

from planning.models import SecurityEvent
from submissions.plans import services as plan_services
from tests import factories

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
PLAN = "BLMK Activity plan, 2019/20 planning round, draft, version 1"


def _plan_events():
    kinds = [Kind.PLAN_APPROVED, Kind.PLAN_APPROVAL_WITHDRAWN]
    return list(SecurityEvent.objects.filter(kind__in=kinds).order_by("pk"))


def test_approving_and_withdrawing_on_the_plan_page_record_the_lead_and_address(
    client, blmk, lead, built, plan_url
):
    client.force_login(lead)
    everyone = [blmk.beds.pk, blmk.hospital.pk, blmk.luton.pk]

    approved = client.post(
        plan_url("submissions:plan_approve"),
        {"version": 1, "exception": everyone, "note": "Providers later"},
        REMOTE_ADDR="198.51.100.30",
    )
    withdrawn = client.post(
        plan_url("submissions:plan_withdraw_approval"),
        {"version": 1, "reason": "Luton has now submitted"},
        REMOTE_ADDR="198.51.100.31",
    )

    assert approved.status_code == withdrawn.status_code == 302
    assert [(e.kind, e.user, e.username, e.address, e.description) for e in _plan_events()] == [
        (Kind.PLAN_APPROVED, lead, lead.username, "198.51.100.30", PLAN),
        (Kind.PLAN_APPROVAL_WITHDRAWN, lead, lead.username, "198.51.100.31", PLAN),
    ]


def test_an_approval_refused_records_nothing(client, lead, built, plan_url):
    client.force_login(lead)

    refused = client.post(plan_url("submissions:plan_approve"), {"version": 1, "note": "x"})

    assert refused.status_code == 422
    assert _plan_events() == []


def test_an_approval_rolled_back_with_its_transaction_records_nothing(lead, built):
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.approve(built, lead)
        raise RuntimeError("something after the approval failed")

    assert _plan_events() == []


def test_an_approval_made_without_a_request_is_recorded_with_no_address(lead, built):
    factories.approve(built, lead)
    plan_services.plan_withdraw_approval(user=lead, plan=built, reason="Rebuild first")

    assert [(e.kind, e.user, e.address) for e in _plan_events()] == [
        (Kind.PLAN_APPROVED, lead, None),
        (Kind.PLAN_APPROVAL_WITHDRAWN, lead, None),
    ]
