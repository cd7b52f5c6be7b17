"""Who may read and change a return: strangers get a 404, readers cannot type, and the rules
behind the pages' buttons."""

import pytest

from planning.models import Round
from submissions.models import Value
from submissions.returns.rules import can, permissions_for
from tests import factories

pytestmark = pytest.mark.django_db

BEDS_CELL = ("gp_referrals", "fot")


@pytest.fixture(params=["other_lead", "other_system_ics_lead", "governing_body", "no_role"])
def stranger(request, bedfordshire, luton):
    """Someone with no claim on Bedfordshire's returns."""
    make = {
        "other_lead": lambda: factories.planning_lead(luton),
        "other_system_ics_lead": lambda: factories.ics_lead(factories.system("LLR")),
        "governing_body": lambda: factories.governing_body_member(bedfordshire),
        "no_role": factories.user,
    }
    return make[request.param]()


@pytest.fixture
def beds_activity(bedfordshire, beds_lead):
    """Bedfordshire's draft activity return with GP referrals forecast outturn 1, at version 1."""
    return factories.saved_return(bedfordshire, "activity", {BEDS_CELL: "1"}, lead=beds_lead)


def test_people_without_a_claim_cannot_read_or_change_bedfordshires_return(
    client, beds_activity, stranger
):
    client.force_login(stranger)
    for view in ("submissions:return", "submissions:history"):
        assert client.get(factories.return_url(view=view)).status_code == 404
    response = client.post(factories.return_url(), factories.entry_form({BEDS_CELL: "2"}, 1))
    assert response.status_code == 404
    review = factories.return_url(view="submissions:review")
    assert client.post(review, {"decision": "accept"}).status_code == 404
    assert Value.objects.get().value == 1


def test_ics_lead_reads_but_cannot_edit_and_analyst_reads_only(client, beds_activity, ics_lead):
    for reader in (ics_lead, factories.analyst()):
        client.force_login(reader)
        page = client.get(factories.return_url())
        assert (
            page.status_code == 200 and 'name="cell:gp_referrals:fot"' not in page.content.decode()
        )
        response = client.post(factories.return_url(), factories.entry_form({BEDS_CELL: "2"}, 1))
        assert response.status_code == 403
    assert Value.objects.get().value == 1


def test_an_administrator_reads_every_return_but_cannot_type_into_one(beds_activity):
    administrator = factories.administrator(is_superuser=True, is_staff=True)
    assert can(administrator, "submissions.view_return", beds_activity)
    assert not can(administrator, "submissions.edit_return", beds_activity)


def test_once_submitted_the_lead_cannot_edit_and_the_ics_lead_may_accept_or_send_back(
    bedfordshire, beds_lead, ics_lead
):
    ret = factories.submitted_return(
        bedfordshire, "qipp", {("acute", "gross"): "1"}, lead=beds_lead
    )
    assert permissions_for(beds_lead, ret) == {
        "can_edit": False,
        "can_accept": False,
        "can_send_back": False,
        "can_withdraw": True,
    }
    assert permissions_for(ics_lead, ret) == {
        "can_edit": False,
        "can_accept": True,
        "can_send_back": True,
        "can_withdraw": False,
    }


def test_an_ics_lead_cannot_accept_a_draft_nor_anything_in_a_locked_round(
    round_2019, bedfordshire, beds_activity, beds_lead, ics_lead
):
    assert not can(ics_lead, "submissions.accept_return", beds_activity)
    submitted = factories.submitted_return(
        bedfordshire, "qipp", {("acute", "gross"): "1"}, lead=beds_lead
    )
    Round.objects.filter(pk=round_2019.pk).update(is_open=False)
    submitted.template.round.refresh_from_db()
    assert not can(ics_lead, "submissions.accept_return", submitted)
    assert not can(ics_lead, "submissions.send_back_return", submitted)
