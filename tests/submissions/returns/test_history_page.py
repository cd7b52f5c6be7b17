"""A return's history: every change, with who made it and the old and new values."""

import pytest

from submissions.models import Change
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_change_is_recorded_with_who_old_and_new(client, beds_lead):
    client.force_login(beds_lead)
    client.post(
        factories.return_url(), factories.entry_form({("gp_referrals", "fot"): "94,810"}, 0)
    )
    client.post(
        factories.return_url(), factories.entry_form({("gp_referrals", "fot"): "95,000"}, 1)
    )
    change = Change.objects.filter(kind="value").order_by("-version").first()
    assert (change.old, change.new, change.user, change.version) == (
        "94,810",
        "95,000",
        beds_lead,
        2,
    )
    history = client.get(factories.return_url(view="submissions:history")).content.decode()
    assert "GP referrals (general and acute), CCG adjusted forecast outturn" in history
    assert "94,810" in history and "95,000" in history


def test_the_history_lists_submissions_and_compares_any_two(
    client, bedfordshire, beds_lead, ics_lead
):
    ret = factories.submitted_return(
        bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead
    )
    review = factories.return_url(template_code="qipp", view="submissions:review")
    client.force_login(ics_lead)
    client.post(review, {"decision": "return", "submission": 1, "reason": "Check acute"})
    client.force_login(beds_lead)
    ret.refresh_from_db()
    client.post(
        factories.return_url(template_code="qipp"),
        factories.entry_form({("acute", "gross"): "90"}, ret.version, submit="1"),
    )

    history = client.get(factories.return_url(template_code="qipp", view="submissions:history"))
    listed = history.content.decode()
    assert 'data-testid="submissions"' in listed and "In the plans" in listed
    compare = factories.return_url(template_code="qipp", view="submissions:compare_submissions")
    page = client.get(compare, {"a": 1, "b": 2}).content.decode()
    assert "1 typed cell differs" in page and "Submission 1" in page and "Submission 2" in page
    assert client.get(compare, {"a": 1, "b": 9}).status_code == 404
    client.force_login(factories.planning_lead(factories.organisation("ZZZ")))
    assert client.get(compare, {"a": 1, "b": 2}).status_code == 404
