"""Deadline extensions: the ICS lead gives one partner more time for one submission deadline; a
submission before the new date is not late; the timetable and home page show it to those concerned."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning import selectors, services
from planning.models import Extension
from submissions.models import Return
from submissions.returns.selectors import submission_deadline
from tests import factories

pytestmark = pytest.mark.django_db

DRAFT_DAY = datetime.date(2019, 2, 12)
QIPP_CELLS = {("acute", "gross"): "100"}


@pytest.fixture
def blmk_2019():
    """BLMK with Bedfordshire and Luton, Dorset with its CCG, and 2019/20's draft deadline."""
    round_ = factories.planning_round(2019)
    blmk = factories.blmk()
    beds = factories.bedfordshire(in_system=blmk)
    luton = factories.luton(in_system=blmk)
    dorset = factories.system("DORSET", name="Dorset ICS")
    dorset_ccg = factories.organisation("11J", name="NHS Dorset CCG")
    factories.membership(dorset_ccg, dorset)
    draft = factories.milestone(
        round_, DRAFT_DAY, "Draft plans", kind="submission", stage="draft", level="organisation"
    )
    return {
        "round": round_,
        "blmk": blmk,
        "beds": beds,
        "luton": luton,
        "dorset": dorset,
        "dorset_ccg": dorset_ccg,
        "draft": draft,
        "ics_lead": factories.ics_lead(blmk, first_name="Ian", last_name="Lead"),
    }


def grant(world, until=datetime.date(2019, 2, 20), reason="Board meets late", **overrides):
    arguments = {
        "user": world["ics_lead"],
        "milestone": world["draft"],
        "organisation": world["beds"],
        "until": until,
        "reason": reason,
        **overrides,
    }
    return services.extension_grant(**arguments)


def grant_url(code="BLMK"):
    return reverse("planning:extension_grant", args=[code, 2019])


def form_data(world, day="20", month="2", year="2019", reason="Board meets late", **extra):
    return {
        "organisation": "06F",
        "milestone": str(world["draft"].pk),
        "until_0": day,
        "until_1": month,
        "until_2": year,
        "reason": reason,
        **extra,
    }


# The service.


def test_granting_records_who_gave_how_long_and_why(blmk_2019):
    extension, replaced = grant(blmk_2019)
    assert replaced is None
    assert extension.until == datetime.date(2019, 2, 20)
    assert extension.granted_by == blmk_2019["ics_lead"] and extension.granted_at is not None
    assert extension.reason == "Board meets late"


def test_granting_again_moves_the_one_extension_and_says_what_it_replaced(blmk_2019):
    first, _ = grant(blmk_2019)
    second, replaced = grant(blmk_2019, until=datetime.date(2019, 3, 1), reason="Still waiting")
    assert replaced == datetime.date(2019, 2, 20)
    assert second.pk == first.pk and Extension.objects.count() == 1
    assert Extension.objects.get().until == datetime.date(2019, 3, 1)
    assert Extension.objects.get().reason == "Still waiting"


@pytest.mark.parametrize(
    ("until", "reason", "field", "message"),
    [
        (DRAFT_DAY, "Late board", "until", "must be after 12 February 2019"),
        (datetime.date(2019, 1, 1), "Late board", "until", "must be after 12 February 2019"),
        (datetime.date(2099, 1, 1), "Late board", "until", "on or before 31 December 2022"),
        (datetime.date(2019, 2, 20), "   ", "reason", "Enter the reason"),
    ],
)
def test_an_extension_must_end_after_the_deadline_near_the_round_and_give_a_reason(
    blmk_2019, until, reason, field, message
):
    with pytest.raises(ValidationError) as refused:
        grant(blmk_2019, until=until, reason=reason)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Extension.objects.exists()


def test_only_submission_deadlines_for_organisations_can_be_extended(blmk_2019):
    meeting = factories.milestone(blmk_2019["round"], "2019-02-14", "Board", kind="meeting")
    system_plan = factories.milestone(
        blmk_2019["round"], "2019-02-14", "System plan", kind="submission", level="system"
    )
    for milestone in (meeting, system_plan):
        with pytest.raises(ValidationError):
            grant(blmk_2019, milestone=milestone)


def test_only_an_ics_lead_of_the_organisations_system_may_grant(blmk_2019):
    world = blmk_2019
    strangers = [
        factories.ics_lead(world["dorset"]),
        factories.planning_lead(world["beds"]),
        factories.analyst(),
        factories.administrator(),
    ]
    for user in strangers:
        with pytest.raises(PermissionDenied):
            grant(world, user=user)
    with pytest.raises(PermissionDenied):  # Dorset's CCG is not a BLMK partner
        grant(world, organisation=world["dorset_ccg"])
    assert not Extension.objects.exists()


def test_another_systems_local_deadline_cannot_be_extended_by_this_systems_lead(blmk_2019):
    world = blmk_2019
    factories.membership(world["beds"], world["dorset"])  # Bedfordshire in both, for the test
    dorset_local = factories.milestone(
        world["round"], "2019-02-10", "Dorset drafts", system=world["dorset"], kind="submission"
    )
    with pytest.raises(PermissionDenied):
        grant(world, milestone=dorset_local)
    assert grant(world, milestone=dorset_local, user=factories.ics_lead(world["dorset"]))


def test_a_closed_rounds_deadlines_cannot_be_extended(blmk_2019):
    blmk_2019["round"].is_open = False
    blmk_2019["round"].save()
    with pytest.raises(PermissionDenied):
        grant(blmk_2019)


def test_withdrawing_removes_the_extension(blmk_2019):
    extension, _ = grant(blmk_2019)
    services.extension_withdraw(user=blmk_2019["ics_lead"], extension=extension)
    assert not Extension.objects.exists()
    assert services.extension_withdraw(user=blmk_2019["ics_lead"], extension=extension) is None


def test_granting_and_withdrawing_tell_the_receivers_with_a_link_and_no_figures(blmk_2019):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    services.extension_granted.connect(receiver)
    services.extension_withdrawn.connect(receiver)
    try:
        extension, _ = grant(blmk_2019)
        services.extension_withdraw(user=blmk_2019["ics_lead"], extension=extension)
    finally:
        services.extension_granted.disconnect(receiver)
        services.extension_withdrawn.disconnect(receiver)
    granted, withdrawn = heard
    assert granted["extension"] == extension and granted["replaced"] is None
    assert granted["subject"] == "NHS Bedfordshire CCG: Draft plans extended to 20 February 2019"
    assert "Reason: Board meets late" in granted["message"]
    assert granted["link"] == reverse("planning:timetable", args=[2019])
    assert "withdrawn" in withdrawn["subject"] and "12 February 2019 again" in withdrawn["message"]


# deadline_for


def test_deadline_for_gives_the_extended_last_day_and_the_extension(blmk_2019):
    world = blmk_2019
    assert selectors.deadline_for(world["draft"], world["beds"]) == (DRAFT_DAY, None)
    extension, _ = grant(world)
    assert selectors.deadline_for(world["draft"], world["beds"]) == (
        datetime.date(2019, 2, 20),
        extension,
    )
    assert selectors.deadline_for(world["draft"], world["luton"]) == (DRAFT_DAY, None)
    assert selectors.deadlines_for(world["draft"], [world["beds"], world["luton"]]) == {
        world["beds"].pk: (datetime.date(2019, 2, 20), extension),
        world["luton"].pk: (DRAFT_DAY, None),
    }


def test_a_milestone_moved_after_its_extension_keeps_its_own_later_day(blmk_2019):
    world = blmk_2019
    grant(world)
    world["draft"].date = datetime.date(2019, 3, 5)
    world["draft"].save()
    assert selectors.deadline_for(world["draft"], world["beds"])[0] == datetime.date(2019, 3, 5)


# Lateness: what a submission is measured against.


@pytest.fixture
def submitting(blmk_2019):
    """2019's templates, a draft deadline three days ago, and Bedfordshire's planning lead."""
    factories.templates()
    world = dict(blmk_2019)
    today = datetime.date.today()
    world["draft"].date = today - datetime.timedelta(days=3)
    world["draft"].save()
    world["lead"] = factories.planning_lead(world["beds"])
    return world


def extend_directly(world, until):
    """Today's dates fall outside 2019/20's, which the service refuses; the row is what counts."""
    return Extension.objects.create(
        milestone=world["draft"],
        organisation=world["beds"],
        until=until,
        reason="Board meets late",
        granted_by=world["ics_lead"],
    )


def submit_qipp(client, lead):
    client.force_login(lead)
    response = client.post(
        factories.return_url(template_code="qipp"), factories.entry_form(QIPP_CELLS, 0, submit="1")
    )
    assert response.status_code == 302
    return Return.objects.get(organisation__ods_code="06F")


def test_a_submission_after_the_deadline_but_before_the_extension_is_not_late(client, submitting):
    extend_directly(submitting, datetime.date.today() + datetime.timedelta(days=3))
    ret = submit_qipp(client, submitting["lead"])
    assert not ret.is_late and not ret.submission.is_late
    deadline = submission_deadline(ret=ret)
    assert deadline.last_day == datetime.date.today() + datetime.timedelta(days=3)
    assert deadline.is_extended and deadline.title == "Draft plans"
    assert deadline.original_last_day == submitting["draft"].last_day


def test_a_submission_after_the_extension_is_late(client, submitting):
    extend_directly(submitting, datetime.date.today() - datetime.timedelta(days=1))
    ret = submit_qipp(client, submitting["lead"])
    assert ret.is_late and ret.submission.is_late
    assert submission_deadline(ret=ret).last_day == datetime.date.today() - datetime.timedelta(
        days=1
    )


def test_another_organisations_extension_does_not_excuse_this_one(client, submitting):
    Extension.objects.create(
        milestone=submitting["draft"],
        organisation=submitting["luton"],
        until=datetime.date.today() + datetime.timedelta(days=3),
        reason="Luton only",
        granted_by=submitting["ics_lead"],
    )
    assert submit_qipp(client, submitting["lead"]).is_late


def test_an_earlier_deadline_still_binds_after_another_is_extended(client, submitting):
    today = datetime.date.today()
    factories.milestone(
        submitting["round"],
        today - datetime.timedelta(days=1),
        "BLMK draft plans",
        system=submitting["blmk"],
        kind="submission",
        stage="draft",
        level="organisation",
    )
    extend_directly(submitting, today + datetime.timedelta(days=3))  # the national one only
    ret = submit_qipp(client, submitting["lead"])
    assert ret.is_late
    assert submission_deadline(ret=ret).title == "BLMK draft plans"


# Pages: granting, changing, withdrawing.


def test_ics_lead_grants_an_extension_from_the_form(client, blmk_2019):
    client.force_login(blmk_2019["ics_lead"])
    page = client.get(grant_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="nhsuk-date-input"' in html and "NHS Luton CCG" in html
    assert "NHS Dorset CCG" not in html  # not a partner

    response = client.post(grant_url(), form_data(blmk_2019))
    assert response.status_code == 302
    assert response["Location"] == reverse("planning:extensions", args=["BLMK", 2019])
    extension = Extension.objects.get()
    assert (extension.organisation, extension.until) == (
        blmk_2019["beds"],
        datetime.date(2019, 2, 20),
    )
    listing = client.get(response["Location"]).content.decode()
    assert "NHS Bedfordshire CCG has until 20 February 2019" in listing
    assert "Board meets late" in listing and "Ian Lead" in listing


def test_granting_again_from_the_form_says_it_replaced_the_earlier_one(client, blmk_2019):
    grant(blmk_2019)
    client.force_login(blmk_2019["ics_lead"])
    change = client.get(grant_url() + f"?organisation=06F&milestone={blmk_2019['draft'].pk}")
    assert "already has until 20 February 2019" in change.content.decode()

    response = client.post(grant_url(), form_data(blmk_2019, day="1", month="3"), follow=True)
    assert "This replaces the earlier extension to 20 February 2019" in response.content.decode()
    assert Extension.objects.get().until == datetime.date(2019, 3, 1)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "", ""), "Enter the new last day"),
        (("20", "", "2019"), "The new last day must include a month"),
        (("", "", "2019"), "The new last day must include a day and a month"),
        (("32", "13", "2019"), "The new last day must be a real date"),
        (("30", "2", "2019"), "The new last day must be a real date"),
        (("2x", "2", "2019"), "The new last day must be a real date, in numbers"),
        (("20", "2", "19"), "The new last day&#x27;s year must have 4 numbers"),
        (("20", "2", "9999"), "The new last day must be on or before 31 December 2022"),
        (("10", "2", "2019"), "The new last day must be after 12 February 2019"),
    ],
)
def test_a_bad_date_is_refused_with_a_message_next_to_the_field(client, blmk_2019, parts, message):
    client.force_login(blmk_2019["ics_lead"])
    day, month, year = parts
    response = client.post(grant_url(), form_data(blmk_2019, day=day, month=month, year=year))
    assert response.status_code == 422
    html = response.content.decode()
    error = html[html.index('id="id_until-error"') :]
    assert message in error[: error.index("</span>", error.index("Error: </span>") + 14)]
    assert 'href="#id_until_0"' in html  # the summary jumps to the day
    assert f'value="{day[:2]}"' in html  # what was typed is kept
    assert not Extension.objects.exists()


def test_a_missing_reason_and_organisation_are_refused_by_their_fields(client, blmk_2019):
    client.force_login(blmk_2019["ics_lead"])
    response = client.post(grant_url(), form_data(blmk_2019, reason="", organisation=""))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_reason-error"' in html and "Enter the reason for the extension" in html
    assert "Choose the organisation to give more time" in html


def test_a_partner_of_another_system_cannot_be_posted(client, blmk_2019):
    client.force_login(blmk_2019["ics_lead"])
    response = client.post(grant_url(), form_data(blmk_2019, organisation="11J"))
    assert response.status_code == 422
    assert "Select one of the options shown" in response.content.decode()
    assert not Extension.objects.exists()


def test_ics_lead_withdraws_an_extension_after_confirming(client, blmk_2019):
    extension, _ = grant(blmk_2019)
    client.force_login(blmk_2019["ics_lead"])
    url = reverse("planning:extension_withdraw", args=[extension.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Withdraw extension" in confirm.content.decode()
    assert Extension.objects.exists()  # a GET changes nothing
    response = client.post(url)
    assert response["Location"] == reverse("planning:extensions", args=["BLMK", 2019])
    assert not Extension.objects.exists()


# Who may do what.


@pytest.mark.parametrize("role", ["planning_lead", "governing_body_member"])
@pytest.mark.parametrize("organisation", ["beds", "luton"])
def test_a_partner_editing_the_urls_finds_nothing(client, blmk_2019, role, organisation):
    extension, _ = grant(blmk_2019)
    client.force_login(getattr(factories, role)(blmk_2019[organisation]))
    for url in (
        reverse("planning:extensions", args=["BLMK", 2019]),
        grant_url(),
        reverse("planning:extension_withdraw", args=[extension.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, form_data(blmk_2019, day="1", month="3")).status_code == 404, url
    assert Extension.objects.get().until == datetime.date(2019, 2, 20)


def test_another_systems_ics_lead_finds_nothing(client, blmk_2019):
    extension, _ = grant(blmk_2019)
    client.force_login(factories.ics_lead(blmk_2019["dorset"]))
    for url in (
        reverse("planning:extensions", args=["BLMK", 2019]),
        grant_url(),
        reverse("planning:extension_withdraw", args=[extension.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, form_data(blmk_2019)).status_code == 404, url
    assert Extension.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "administrator"])
def test_service_wide_roles_see_extensions_but_may_not_grant_or_withdraw(client, blmk_2019, role):
    extension, _ = grant(blmk_2019)
    client.force_login(getattr(factories, role)())
    listing = client.get(reverse("planning:extensions", args=["BLMK", 2019]))
    assert listing.status_code == 200 and "Board meets late" in listing.content.decode()
    assert "Grant an extension" not in listing.content.decode()
    withdraw = reverse("planning:extension_withdraw", args=[extension.pk])
    for url in (grant_url(), withdraw):
        assert client.get(url).status_code == 403, url
        assert client.post(url, form_data(blmk_2019, day="1", month="3")).status_code == 403, url
    assert Extension.objects.get().until == datetime.date(2019, 2, 20)


def test_pages_need_a_login(client, blmk_2019):
    response = client.get(grant_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_closed_rounds_grant_page_says_so_and_offers_no_form(client, blmk_2019):
    blmk_2019["round"].is_open = False
    blmk_2019["round"].save()
    client.force_login(blmk_2019["ics_lead"])
    html = client.get(grant_url()).content.decode()
    assert "round is closed" in html and "Grant extension" not in html
    client.post(grant_url(), form_data(blmk_2019))
    assert not Extension.objects.exists()


# The timetable and the home page.


def timetable_html(client, user, monkeypatch, today=datetime.date(2019, 2, 14)):
    monkeypatch.setattr("planning.views.localdate", lambda: today)
    client.force_login(user)
    return client.get(reverse("planning:timetable", args=[2019])).content.decode()


def test_the_planning_lead_sees_their_own_extended_date_and_reason(client, blmk_2019, monkeypatch):
    grant(blmk_2019)
    html = timetable_html(client, factories.planning_lead(blmk_2019["beds"]), monkeypatch)
    assert "12 February 2019, extended to 20 February 2019" in html
    assert "Extended to 20 February 2019 for NHS Bedfordshire CCG: Board meets late" in html
    assert 'data-status="next"' in html and "in 6 days" in html  # 14 to 20 February


def test_a_partner_without_the_extension_sees_the_deadline_passed(client, blmk_2019, monkeypatch):
    grant(blmk_2019)
    html = timetable_html(client, factories.planning_lead(blmk_2019["luton"]), monkeypatch)
    assert "extended to" not in html.lower()
    assert "Passed" in html


def test_the_ics_lead_sees_every_extension_granted_in_the_system(client, blmk_2019, monkeypatch):
    grant(blmk_2019)
    grant(blmk_2019, organisation=blmk_2019["luton"], until=datetime.date(2019, 2, 25), reason="IT")
    html = timetable_html(client, blmk_2019["ics_lead"], monkeypatch)
    assert "Extended to 20 February 2019 for NHS Bedfordshire CCG: Board meets late" in html
    assert "Extended to 25 February 2019 for NHS Luton CCG: IT" in html
    assert "12 February 2019, extended" not in html  # the deadline itself has not moved for them
    assert reverse("planning:extensions", args=["BLMK", 2019]) in html


def test_an_extended_deadline_sits_at_its_new_date_for_the_organisation(blmk_2019):
    world = blmk_2019
    factories.milestone(world["round"], "2019-02-16", "Board meeting", kind="meeting")
    grant(world)
    lead = factories.planning_lead(world["beds"])
    entries = selectors.timetable(
        round=world["round"], system=world["blmk"], today=datetime.date(2019, 2, 14), user=lead
    )
    assert [e.milestone.title for e in entries] == ["Board meeting", "Draft plans"]
    assert [e.status for e in entries] == ["next", "future"]
    assert entries[1].last_day == datetime.date(2019, 2, 20) and entries[1].days_left == 6


def test_the_home_page_lists_the_extended_deadline_as_upcoming(client, blmk_2019, monkeypatch):
    grant(blmk_2019)
    lead = factories.planning_lead(blmk_2019["beds"])
    entries = selectors.upcoming_milestones(user=lead, today=datetime.date(2019, 2, 14))
    assert [(e.milestone.title, e.days_left) for e in entries] == [("Draft plans", 6)]
    luton_lead = factories.planning_lead(blmk_2019["luton"])
    assert selectors.upcoming_milestones(user=luton_lead, today=datetime.date(2019, 2, 14)) == []

    monkeypatch.setattr("submissions.home.views.localdate", lambda: datetime.date(2019, 2, 14))
    client.force_login(lead)
    html = client.get(reverse("home")).content.decode()
    assert "12 February 2019, extended to 20 February 2019" in html


def test_the_timetable_reads_extensions_in_a_fixed_number_of_queries(client, blmk_2019):
    client.force_login(blmk_2019["ics_lead"])
    url = reverse("planning:timetable", args=[2019])
    client.get(url)
    grant(blmk_2019)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        organisation = factories.organisation()
        factories.membership(organisation, blmk_2019["blmk"])
        grant(blmk_2019, organisation=organisation, reason=f"Reason {n}")
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(many) == len(few)
    assert html.count("Extended to 20 February 2019") == 6
