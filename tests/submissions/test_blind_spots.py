"""Small bugs no test caught before (issue 13's blind spots): each test here fails if that bug
is put back."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from submissions.models import Return
from submissions.plans import selectors as plan_selectors
from submissions.plans import services as plan_services
from submissions.returns import services as return_services
from submissions.returns.selectors import submission_deadline
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def blmk():
    factories.templates()
    return factories.blmk()


def test_a_membership_that_ended_last_year_does_not_count_in_this_years_plan(blmk):
    beds = factories.bedfordshire()
    factories.membership(beds, blmk, share="0.5", first_year=2015, last_year=2018)
    factories.membership(beds, blmk, share="1", first_year=2019)
    factories.submitted_return(beds, "activity", {("gp_referrals", "fot"): "1,000"})

    plan, _ = plan_services.build_system_plan(
        system=blmk, template=factories.template("activity"), stage="draft"
    )

    # Counted once, at this year's share: not 1,500 (both memberships) nor 500 (the old one).
    assert plan_selectors.plan_typed_values(plan)[("gp_referrals", "fot")] == Decimal("1000")


def test_an_older_plan_version_cannot_be_approved(blmk):
    beds = factories.bedfordshire(in_system=blmk)
    luton = factories.luton(in_system=blmk)
    activity = factories.template("activity")
    factories.submitted_return(beds, "activity", {("gp_referrals", "fot"): "1,000"})
    older, _ = plan_services.build_system_plan(system=blmk, template=activity, stage="draft")
    factories.submitted_return(luton, "activity", {("gp_referrals", "fot"): "2,000"})
    plan_services.build_system_plan(system=blmk, template=activity, stage="draft")

    with pytest.raises(plan_services.PlanRefused, match="newer version"):
        factories.approve(older, factories.ics_lead(blmk))


def test_a_submission_on_the_deadline_day_is_on_time_and_the_deadline_is_the_returns_stage(
    blmk, monkeypatch
):
    beds = factories.bedfordshire(in_system=blmk)
    round_ = factories.planning_round(2019)
    due = datetime.date(2019, 2, 14)
    factories.milestone(
        round_, due, "Drafts", kind="submission", stage="draft", level="organisation"
    )
    factories.milestone(
        round_,
        datetime.date(2019, 1, 1),
        "Finals",
        kind="submission",
        stage="final",
        level="organisation",
    )
    on_the_day = timezone.make_aware(datetime.datetime.combine(due, datetime.time(23, 30)))
    monkeypatch.setattr(return_services.timezone, "now", lambda: on_the_day)

    ret = factories.submitted_return(beds, "qipp", {("acute", "gross"): "1"})

    assert submission_deadline(ret=ret).title == "Drafts"  # not the final stage's deadline
    assert not ret.is_late


def test_a_planning_lead_cannot_save_another_organisations_return_through_the_service(blmk):
    beds = factories.bedfordshire(in_system=blmk)
    luton = factories.luton(in_system=blmk)
    luton_lead = factories.planning_lead(luton)
    ret = Return(organisation=beds, template=factories.template("qipp"), stage="draft")

    with pytest.raises(return_services.PermissionDenied):
        return_services.return_save(
            user=luton_lead,
            ret=ret,
            base_version=0,
            raw_cells={("acute", "gross"): "1"},
            raw_answers={},
            raw_explanations={},
        )
    assert not Return.objects.exists()
