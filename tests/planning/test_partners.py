"""ICS partners: shares, memberships over time, roles, all guarded by the database as well as forms."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from planning.forms import MembershipForm
from planning.models import Membership, Milestone, Role
from planning.selectors import system_members
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("share", ["0", "-0.5", "1.001", "2"])
def test_share_outside_zero_to_one_is_refused_by_the_database(share):
    org, sys = factories.organisation(), factories.system()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            organisation=org, system=sys, role="provider", share=Decimal(share), first_year=2019
        )


@pytest.mark.parametrize("share", ["0", "1.5"])
def test_share_outside_bounds_gets_a_clear_message_on_the_share_field(share):
    membership = Membership(
        organisation=factories.organisation(),
        system=factories.system(),
        role="provider",
        share=Decimal(share),
        first_year=2019,
    )
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "more than 0 and at most 1" in error.value.message_dict["share"][0]


@pytest.mark.parametrize("share", ["0.001", "0.5", "1"])
def test_share_within_bounds_is_accepted(share):
    membership = factories.membership(factories.organisation(), factories.system(), share=share)
    membership.full_clean()
    assert membership.share == Decimal(share)


def test_membership_change_between_rounds_keeps_the_earlier_round_as_it_was():
    blmk = factories.system("BLMK")
    ccs = factories.organisation("RYV", kind="community")
    factories.membership(ccs, blmk, role="provider", share="0.5", first_year=2019, last_year=2020)
    factories.membership(ccs, blmk, role="provider", share="0.25", first_year=2021)

    assert [m.share for m in system_members(system=blmk, financial_year=2019)] == [Decimal("0.5")]
    assert [m.share for m in system_members(system=blmk, financial_year=2020)] == [Decimal("0.5")]
    assert [m.share for m in system_members(system=blmk, financial_year=2021)] == [Decimal("0.25")]


def test_overlapping_memberships_of_the_same_system_are_refused():
    sys, org = factories.system(), factories.organisation()
    factories.membership(org, sys, first_year=2019)
    overlapping = Membership(
        organisation=org, system=sys, role="commissioner", share=1, first_year=2020
    )
    with pytest.raises(ValidationError, match="already has a membership"):
        overlapping.full_clean()


def test_membership_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.membership(
            factories.organisation(), factories.system(), first_year=2020, last_year=2019
        )


def test_ods_code_is_unique():
    factories.organisation("06F")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.organisation("06F")


@pytest.mark.parametrize(
    "kind, needs",
    [
        (Role.Kind.PLANNING_LEAD, "organisation"),
        (Role.Kind.GOVERNING_BODY_MEMBER, "organisation"),
        (Role.Kind.ICS_LEAD, "system"),
    ],
)
def test_role_without_its_scope_is_refused_by_the_database(kind, needs):
    person = factories.user()
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(user=person, kind=kind)


def test_analyst_role_tied_to_an_organisation_is_refused():
    person = factories.user()
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(
            user=person, kind=Role.Kind.ANALYST, organisation=factories.organisation()
        )


def test_stage_is_only_for_submission_deadlines():
    round_ = factories.planning_round()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.milestone(round_, "2019-02-07", kind=Milestone.Kind.MEETING, stage="draft")
    factories.milestone(round_, "2019-04-04", kind=Milestone.Kind.SUBMISSION, stage="final")


def test_round_is_named_for_its_financial_year():
    round_ = factories.planning_round(2019)
    assert round_.name == "2019/20"
    assert str(round_.starts_on) == "2019-04-01"
    assert factories.planning_round(2099).name == "2099/00"


def test_a_share_can_be_typed_as_a_fraction_and_three_thirds_make_a_whole():
    form = MembershipForm(
        data={
            "organisation": factories.organisation().pk,
            "system": factories.system().pk,
            "role": Membership.Role.COMMISSIONER,
            "share": "1/3",
            "first_year": 2019,
        }
    )
    assert form.is_valid(), form.errors
    third = form.save().share
    assert abs(third * 3 - 1) < Decimal("1e-11")
    assert not MembershipForm(data={"share": "1/0"}).is_valid()
