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
