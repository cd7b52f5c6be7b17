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

    missing = client.post(review, {"decision": "return", "submission": 1})
    assert missing.status_code == 422 and "Say why" in missing.content.decode()

    client.post(
        review,
        {"decision": "return", "submission": 1, "reason": "Acute QIPP does not match the contract"},
    )
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
    unconfirmed = client.post(review, {"decision": "accept", "submission": 2})
    assert unconfirmed.status_code == 422 and "Confirm that you have reviewed it" in (
        unconfirmed.content.decode()
    )
    client.post(review, {"decision": "accept", "submission": 2, "confirm": "1"})
    ret.refresh_from_db()
    assert ret.status == "accepted"
    kinds = list(ret.changes.filter(kind="status").values_list("new", flat=True))
    assert kinds == ["Accepted", "Submitted", "Returned for amendment", "Submitted"]
    assert ret.submission.number == 2 and ret.submission.is_accepted


def test_an_accept_clicked_on_an_out_of_date_page_is_refused_and_shows_the_return_now(
    client, bedfordshire, beds_lead, ics_lead
):
    ret = factories.submitted_return(
        bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead
    )
    review = factories.return_url(template_code="qipp", view="submissions:review")
    client.force_login(ics_lead)
    reason = {"decision": "return", "submission": 1, "reason": "Check acute"}
    assert client.post(review, reason).status_code == 302
    # The planner amends and submits again while the lead still has submission 1 on screen.
    client.force_login(beds_lead)
    client.post(
        factories.return_url(template_code="qipp"),
        factories.entry_form({("acute", "gross"): "90"}, 3, submit="1"),
    )
    client.force_login(ics_lead)

    stale = client.post(review, {"decision": "accept", "submission": 1, "confirm": "1"})

    assert stale.status_code == 409
    page = stale.content.decode()
    assert "The return has changed since you opened it" in page and "submission 2" in page
    ret.refresh_from_db()
    assert ret.status == "submitted" and not ret.submission.is_accepted


def test_the_planning_lead_withdraws_a_submission_not_yet_accepted(
    client, bedfordshire, beds_lead, ics_lead
):
    ret = factories.submitted_return(
        bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead
    )
    review = factories.return_url(template_code="qipp", view="submissions:review")
    client.force_login(beds_lead)
    assert client.post(review, {"decision": "withdraw", "submission": 1}).status_code == 422

    client.post(review, {"decision": "withdraw", "submission": 1, "reason": "Wrong acute figure"})

    ret.refresh_from_db()
    assert ret.status == "draft" and ret.submission is None
    withdrawn = ret.submissions.get()
    assert withdrawn.is_withdrawn and withdrawn.withdrawn_reason == "Wrong acute figure"
    # The ICS lead cannot withdraw, and nobody can withdraw an accepted submission.
    client.force_login(ics_lead)
    assert client.post(review, {"decision": "withdraw", "submission": 1}).status_code == 403
