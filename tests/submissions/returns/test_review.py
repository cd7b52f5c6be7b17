"""The ICS lead's review of a submitted return: accept it, or send it back with a reason."""

import pytest
from django.urls import reverse

from submissions.models import Return
from tests import factories

pytestmark = pytest.mark.django_db


def test_ics_lead_accepts_or_returns_with_a_reason_shown_on_the_leads_home_page(
    client, bedfordshire, beds_lead, ics_lead
):
    factories.submitted_return(bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead)
    review = factories.return_url(template_code="qipp", view="submissions:review")
    client.force_login(ics_lead)

    missing = client.post(review, {"decision": "return"})
    assert missing.status_code == 422 and "Say why" in missing.content.decode()

    client.post(review, {"decision": "return", "reason": "Acute QIPP does not match the contract"})
    ret = Return.objects.get()
    assert ret.status == "returned"

    client.force_login(beds_lead)
    home = client.get(reverse("home")).content.decode()
    assert "Acute QIPP does not match the contract" in home
    # Back to draft: the lead can edit and resubmit; the ICS lead then accepts.
    client.post(
        factories.return_url(template_code="qipp"),
        factories.entry_form({("acute", "gross"): "90"}, ret.version, submit="1"),
    )
    client.force_login(ics_lead)
    client.post(review, {"decision": "accept"})
    ret.refresh_from_db()
    assert ret.status == "accepted"
    kinds = list(ret.changes.filter(kind="status").values_list("new", flat=True))
    assert kinds == ["Accepted", "Submitted", "Returned for amendment", "Submitted"]
