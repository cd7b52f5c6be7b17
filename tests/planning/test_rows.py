"""The rows every page reads by hand-written SQL (`planning.rows`) are the model instances the ORM
would read: the same fields, converted the same way, with their related rows attached, so that a
field added to a model later is read without anyone remembering these queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from planning.models import Organisation, Role, Template
from planning.rows import Columns, fetch, table
from planning.rules import roles_of
from submissions.models import Query, Return
from submissions.queries.services import query_raise
from submissions.returns.selectors import _saved_return, with_grid_stamp
from tests import factories

pytestmark = pytest.mark.django_db


def fields(instance):
    """An instance's field values and what it holds besides (annotations, attached rows)."""
    return None if instance is None else {k: v for k, v in vars(instance).items() if k != "_state"}


def test_roles_read_by_hand_are_what_the_orm_reads_with_their_organisation_system_and_region():
    system = factories.blmk(alignment_threshold=Decimal("3.5"), reminder_days=[10, 3])
    beds = factories.bedfordshire(in_system=system)
    person = factories.planning_lead(beds)
    Role.objects.create(user=person, kind=Role.Kind.ICS_LEAD, system=system)
    Role.objects.create(user=person, kind=Role.Kind.ANALYST)

    with CaptureQueriesContext(connection) as queries:
        read = roles_of(person)
        held = [
            (role.organisation, role.system, role.system and role.system.region) for role in read
        ]
    assert len(queries) == 1  # the related rows came with the roles

    expected = Role.objects.filter(user=person).select_related("organisation", "system__region")
    assert [fields(role) for role in read] == [fields(role) for role in expected.order_by("kind")]
    for role, (organisation, system_, region) in zip(read, held, strict=True):
        orm = expected.get(pk=role.pk)
        assert fields(organisation) == fields(orm.organisation)
        assert fields(system_) == fields(orm.system)
        assert fields(region) == fields(orm.system.region if orm.system else None)
    assert held[1][1].alignment_threshold == Decimal("3.5")  # a decimal, not a float
    assert held[1][1].reminder_days == [10, 3]  # JSON, decoded
    assert not read[0]._state.adding  # saved rows: saving one updates it


def orm_return(ret):
    return (
        Return.objects.select_related("organisation", "template__round", "submission")
        .annotate(has_queries=Exists(Query.objects.filter(ret=OuterRef("pk"))))
        .get(pk=ret.pk)
    )


def test_a_return_read_by_hand_is_what_the_orm_reads_saved_submitted_or_queried():
    factories.templates()
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    luton = factories.luton(in_system=system)
    saved = factories.saved_return(beds, "activity", {("gp_referrals", "fot"): "100"})
    submitted = factories.submitted_return(luton, "activity", {("gp_referrals", "fot"): "200"})
    query_raise(
        user=factories.ics_lead(system),
        ret=submitted,
        line_code="gp_referrals",
        column_code="fot",
        text="Why so many?",
    )

    for ret, has_queries in ((saved, False), (submitted, True)):
        ods = ret.organisation.ods_code.lower()  # as a URL may spell it
        read = _saved_return(2019, ods, "activity", "draft")
        orm = orm_return(ret)
        assert fields(read) == fields(orm)
        assert read.has_queries is has_queries
        for related in ("organisation", "submission"):
            assert fields(getattr(read, related)) == fields(getattr(orm, related))
        template = fields(read.template)
        assert (
            template.pop("grid_stamp")
            == with_grid_stamp(Template.objects).get(pk=ret.template_id).grid_stamp
        )  # read with the return, for `grid_for_template`
        assert template == fields(orm.template)
        assert fields(read.template.round) == fields(orm.template.round)
    assert (
        saved.submission is None
        and _saved_return(2019, "06F", "activity", "draft").submission is None
    )
    assert _saved_return(2019, "06F", "activity", "final") is None
    assert _saved_return(2020, "06F", "activity", "draft") is None


def test_some_columns_in_any_order_make_an_instance_with_the_others_deferred():
    organisation = factories.organisation("06F", name="NHS Bedfordshire CCG")
    part = Columns(Organisation, "o", only=("name", "id"))

    (read,) = fetch(f"SELECT {part.sql} FROM {table(Organisation)} o", [], part)[0]

    assert (read.pk, read.name) == (organisation.pk, "NHS Bedfordshire CCG")
    assert read.get_deferred_fields() == {"ods_code", "kind"}
