"""Submitting from the data entry page: warnings to explain first, the deadline that makes a
return late, and the draft that must be submitted before the final is started."""

import datetime

import pytest

from submissions.demo import seed_figures
from submissions.models import Explanation, Return
from tests import factories

pytestmark = pytest.mark.django_db

QIPP_CELLS = {("acute", "gross"): "100"}


def draft_deadline(round_, date):
    """The deadline for organisations' draft returns."""
    return factories.milestone(
        round_,
        date,
        "Draft plans",
        kind="submission",
        stage="draft",
        level="organisation",
    )


def test_submit_is_blocked_until_warnings_are_explained_then_succeeds(
    client, bedfordshire, beds_lead
):
    factories.saved_return(bedfordshire, "activity", seed_figures.activity_cells(), lead=beds_lead)
    client.force_login(beds_lead)
    response = client.post(
        factories.return_url(),
        factories.entry_form(seed_figures.activity_cells(), 1, submit="1"),
    )
    assert response.status_code == 422
    assert "Explain this warning before you submit" in response.content.decode()
    ret = Return.objects.get()
    assert ret.status == "draft"

    warnings = list(response.context["warnings"])
    explanations = {
        f"explain:{w['message'].key}": "Modelled with local hospitals" for w in warnings
    }
    response = client.post(
        factories.return_url(),
        factories.entry_form(
            seed_figures.activity_cells(), ret.version, submit="1", **explanations
        ),
    )
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == "submitted" and ret.submitted_by == beds_lead
    assert Explanation.objects.filter(ret=ret).count() == len(warnings)


def test_submitting_after_the_deadline_marks_the_return_late_but_accepts_it(
    client, round_2019, beds_lead
):
    draft_deadline(round_2019, "2019-02-12")
    client.force_login(beds_lead)
    qipp = factories.return_url(template_code="qipp")
    client.post(qipp, factories.entry_form(QIPP_CELLS, 0, submit="1"))
    ret = Return.objects.get()
    assert ret.status == "submitted" and ret.is_late  # today is long after 12 February 2019
    assert "Late" in client.get(qipp).content.decode()


def test_submitting_before_the_deadline_is_not_late(client, round_2019, beds_lead):
    draft_deadline(round_2019, datetime.date.today() + datetime.timedelta(days=3))
    client.force_login(beds_lead)
    client.post(
        factories.return_url(template_code="qipp"),
        factories.entry_form(QIPP_CELLS, 0, submit="1"),
    )
    assert not Return.objects.get().is_late


def test_final_return_needs_a_submitted_draft_first(client, beds_lead):
    client.force_login(beds_lead)
    response = client.post(
        factories.return_url(template_code="qipp", stage="final"),
        factories.entry_form({("acute", "gross"): "1"}, 0),
    )
    assert response.status_code == 422
    assert "Submit the draft return before starting the final one" in response.content.decode()
    assert not Return.objects.exists()


def test_a_local_deadline_earlier_than_the_national_one_makes_a_submission_late(
    client, round_2019, blmk, beds_lead
):
    today = datetime.date.today()
    draft_deadline(round_2019, today + datetime.timedelta(days=30))  # national
    factories.milestone(
        round_2019,
        today - datetime.timedelta(days=2),
        "BLMK draft plans",
        system=blmk,
        kind="submission",
        stage="draft",
        level="organisation",
    )
    client.force_login(beds_lead)
    client.post(
        factories.return_url(template_code="qipp"),
        factories.entry_form(QIPP_CELLS, 0, submit="1"),
    )
    ret = Return.objects.get()
    assert ret.is_late and ret.submission.is_late
    assert (
        "BLMK draft plans"
        in client.get(factories.return_url(template_code="qipp")).content.decode()
    )


def test_of_a_national_and_a_local_deadline_on_the_same_day_the_page_names_the_national_one(
    client, round_2019, blmk, beds_lead
):
    day = datetime.date.today() + datetime.timedelta(days=10)
    factories.milestone(
        round_2019,
        day,
        "BLMK draft plans",
        system=blmk,
        kind="submission",
        stage="draft",
        level="organisation",
    )
    draft_deadline(round_2019, day)  # national, made second
    client.force_login(beds_lead)
    page = client.get(factories.return_url(template_code="qipp")).content.decode()
    assert "(Draft plans)" in page and "BLMK draft plans" not in page
