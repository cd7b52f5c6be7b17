"""The ICS lead sends partners' returns back from the plan page ("Return for amendment"): only the
system's ICS lead while the round is open; the return goes back with the comment and the plan is
kept as it is; the page says whose returns went back. A comment is required, an organisation that
is not in the plan is never touched, and a return that changed since the plan was built is not
sent back on the strength of a figure the lead has not seen (nor is anyone else in that request).
test_return_inputs.py covers the plan's figures and its export afterwards; not repeated here."""

import pytest
from django.core.exceptions import PermissionDenied

from planning.models import Membership
from submissions.models import Change, Return, SystemPlan
from submissions.plans import services as plan_services
from submissions.returns import services as return_services
from tests import factories

pytestmark = pytest.mark.django_db

COMMENT = "Activity does not match the contract"


@pytest.fixture
def two_partners(blmk):
    """Version 1 of BLMK's draft activity plan, built from Bedfordshire's and the hospital's
    submissions: {ods code: return}."""
    returns = {
        "06F": factories.submitted_return(blmk.beds, "activity", {("gp_referrals", "fot"): "100"}),
        "RC1": factories.submitted_return(
            blmk.hospital, "activity", {("gp_referrals", "fot"): "50"}
        ),
    }
    blmk.build()
    return returns


def statuses():
    return dict(Return.objects.values_list("organisation__ods_code", "status"))


def send_back(client, plan_url, *organisations, comment=COMMENT):
    return client.post(
        plan_url("submissions:plan_return"),
        {"organisation": [str(o.pk) for o in organisations], "comment": comment},
        follow=True,
    )


def test_the_ics_lead_returns_a_partner_from_the_plan_page_and_is_told_whose(
    client, blmk, lead, two_partners, plan_url
):
    client.force_login(lead)

    response = send_back(client, plan_url, blmk.hospital)

    assert response.redirect_chain[-1][0] == plan_url()
    page = response.content.decode()
    assert "Returned for amendment: Bedford Hospital." in page
    assert "Under amendment" in page  # the plan still shows it, marked
    assert statuses() == {"06F": "submitted", "RC1": "returned"}
    hospital = Return.objects.get(organisation=blmk.hospital)
    assert hospital.returned_reason == COMMENT and hospital.decided_by == lead
    status = Change.objects.get(ret=hospital, kind="status", new="Returned for amendment")
    assert (status.user, status.note) == (lead, COMMENT)
    # The plan is kept as built: no new version, the hospital's submission still in it.
    (plan,) = SystemPlan.objects.all()
    assert plan.version == 1 and {i["ods_code"] for i in plan.included} == {"06F", "RC1"}


def test_the_ics_lead_returns_several_partners_at_once(client, blmk, lead, two_partners, plan_url):
    client.force_login(lead)

    page = send_back(client, plan_url, blmk.beds, blmk.hospital).content.decode()

    assert "Returned for amendment: Bedford Hospital, NHS Bedfordshire CCG." in page
    assert statuses() == {"06F": "returned", "RC1": "returned"}


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_without_a_comment_nothing_is_returned_and_the_lead_is_asked_why(
    client, blmk, lead, two_partners, plan_url, comment
):
    client.force_login(lead)

    page = send_back(client, plan_url, blmk.hospital, comment=comment).content.decode()

    assert "Say why the returns need amending" in page
    assert "Returned for amendment" not in page
    assert statuses() == {"06F": "submitted", "RC1": "submitted"}


def test_an_organisation_outside_the_plan_is_never_returned(
    client, blmk, lead, two_partners, plan_url
):
    """Another system's organisation, with a submitted activity return of its own, named in the
    form (e.g. its id typed into the request): its return is untouched."""
    other_system = factories.system("MK", name="Milton Keynes ICS")
    stranger = factories.organisation("04F", name="NHS Milton Keynes CCG")
    factories.membership(stranger, other_system, role=Membership.Role.COMMISSIONER)
    factories.submitted_return(stranger, "activity", {("gp_referrals", "fot"): "10"})
    client.force_login(lead)

    alone = send_back(client, plan_url, stranger).content.decode()
    assert "Choose the organisations to return" in alone
    beside = send_back(client, plan_url, stranger, blmk.hospital).content.decode()

    assert "Returned for amendment: Bedford Hospital." in beside
    assert "Milton Keynes" not in beside
    assert statuses() == {"06F": "submitted", "RC1": "returned", "04F": "submitted"}


def test_a_partner_without_a_submission_in_the_plan_is_not_returned(
    client, blmk, lead, two_partners, plan_url
):
    """Luton is a partner but submitted nothing, so the plan holds nothing of it to send back;
    its return being edited is left alone."""
    factories.saved_return(blmk.luton, "activity", {("gp_referrals", "fot"): "5"})
    client.force_login(lead)

    page = send_back(client, plan_url, blmk.luton).content.decode()

    assert "Choose the organisations to return" in page
    assert statuses()["06P"] == "draft"


def test_a_return_resubmitted_since_the_plan_was_built_is_not_sent_back_and_nor_is_any_other(
    client, blmk, lead, two_partners, plan_url
):
    """The plan (version 1) holds Bedfordshire's submission 1; Bedfordshire has withdrawn it and
    submitted again, and the plan is not rebuilt yet. Sending back "from the plan" would return a
    submission the lead has not seen: refused, with the reason, and nothing in the request is
    returned (the hospital either, although it comes first in the plan)."""
    beds = two_partners["06F"]
    beds_lead = beds.submitted_by
    withdrawn = return_services.return_withdraw(
        user=beds_lead, ret=beds, reason="Wrong file", submission_number=1
    )
    resubmitted = return_services.return_submit(user=beds_lead, ret=withdrawn)
    assert resubmitted.submission.number == 2
    (plan,) = SystemPlan.objects.all()  # not rebuilt yet (that runs after commit)
    assert [i["ods_code"] for i in plan.included] == ["RC1", "06F"]
    client.force_login(lead)

    page = send_back(client, plan_url, blmk.beds, blmk.hospital).content.decode()

    assert (
        "NHS Bedfordshire CCG: The return has changed since you opened it (you were looking at "
        "submission 1; it is now submitted, submission 2). Nothing was changed"
    ) in page
    assert "Returned for amendment:" not in page
    assert statuses() == {"06F": "submitted", "RC1": "submitted"}


def test_returning_a_partner_already_returned_does_not_claim_success(
    client, blmk, lead, two_partners, plan_url
):
    client.force_login(lead)
    send_back(client, plan_url, blmk.hospital)

    page = send_back(client, plan_url, blmk.hospital, comment="Again").content.decode()

    assert "Returned for amendment: " not in page  # not "Returned for amendment: ." naming nobody
    assert "Nothing was returned" in page and "no longer submitted" in page
    hospital = Return.objects.get(organisation=blmk.hospital)
    assert hospital.returned_reason == COMMENT  # not "Again"


def test_returning_a_returned_partner_beside_a_submitted_one_says_which_went_back(
    client, blmk, lead, two_partners, plan_url
):
    client.force_login(lead)
    send_back(client, plan_url, blmk.hospital)

    page = send_back(client, plan_url, blmk.beds, blmk.hospital, comment="Both").content.decode()

    assert "Returned for amendment: NHS Bedfordshire CCG." in page
    assert "Not returned: Bedford Hospital" in page
    assert statuses() == {"06F": "returned", "RC1": "returned"}
    assert Return.objects.get(organisation=blmk.hospital).returned_reason == COMMENT


def _ics_lead_of_another_system_the_hospital_is_in(blmk):
    """Bedford Hospital also serves Milton Keynes: MK's ICS lead may send the hospital's return
    back from MK's pages, but not from BLMK's plan."""
    other = factories.system("MK", name="Milton Keynes ICS")
    factories.membership(blmk.hospital, other, role=Membership.Role.PROVIDER, share="0.2")
    return factories.ics_lead(other)


@pytest.mark.parametrize(
    "who",
    [
        "planning lead of a partner",
        "ICS lead of another system",
        "ICS lead of another system the hospital is in",
        "analyst",
        "administrator",
    ],
)
def test_only_the_systems_ics_lead_may_return_inputs_even_calling_the_service(
    blmk, two_partners, who
):
    """The service's own check, not only the page's: a view that forgot to scope the plan would
    still be refused here."""
    user = {
        "planning lead of a partner": lambda: factories.planning_lead(blmk.beds),
        "ICS lead of another system": lambda: factories.ics_lead(factories.system("LLR")),
        "ICS lead of another system the hospital is in": lambda: (
            _ics_lead_of_another_system_the_hospital_is_in(blmk)
        ),
        "analyst": factories.analyst,
        "administrator": factories.administrator,
    }[who]()
    plan = SystemPlan.objects.get()

    with pytest.raises(PermissionDenied):
        plan_services.plan_return_inputs(
            user=user, plan=plan, organisation_ids=[blmk.hospital.pk], comment=COMMENT
        )
    assert statuses() == {"06F": "submitted", "RC1": "submitted"}


@pytest.mark.parametrize(
    "who, status",
    [
        ("analyst", 403),  # may read the plan page, not act on it
        ("planning lead of a partner", 404),
        ("ICS lead of another system", 404),
    ],
)
def test_others_posting_the_form_are_refused_and_nothing_is_returned(
    client, blmk, two_partners, plan_url, who, status
):
    user = {
        "planning lead of a partner": lambda: factories.planning_lead(blmk.hospital),
        "ICS lead of another system": lambda: factories.ics_lead(factories.system("LLR")),
        "analyst": factories.analyst,
    }[who]()
    client.force_login(user)

    response = client.post(
        plan_url("submissions:plan_return"),
        {"organisation": [str(blmk.hospital.pk)], "comment": COMMENT},
    )

    assert response.status_code == status
    assert statuses() == {"06F": "submitted", "RC1": "submitted"}


def test_once_the_round_is_closed_the_ics_lead_cannot_return_inputs(
    client, blmk, lead, two_partners, plan_url
):
    blmk.activity.round.is_open = False
    blmk.activity.round.save()
    client.force_login(lead)

    response = client.post(
        plan_url("submissions:plan_return"),
        {"organisation": [str(blmk.hospital.pk)], "comment": COMMENT},
    )

    assert response.status_code == 403
    assert statuses() == {"06F": "submitted", "RC1": "submitted"}
