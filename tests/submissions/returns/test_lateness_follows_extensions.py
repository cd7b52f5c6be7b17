"""A late submission is on time once its organisation is given more time, and late again when
the extension is withdrawn: the grant's and withdrawal's signals mark the submitted returns."""

import datetime

import pytest

from planning.models import Extension
from planning.services import extension_granted, extension_withdrawn
from submissions.models import Return
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_qipp():
    """Bedfordshire's QIPP return, submitted today against a draft deadline three days ago."""
    factories.templates()
    blmk = factories.blmk()
    beds = factories.bedfordshire(in_system=blmk)
    luton = factories.luton(in_system=blmk)
    today = datetime.date.today()
    draft = factories.milestone(
        factories.template("qipp").round,
        today - datetime.timedelta(days=3),
        "Draft plans",
        kind="submission",
        stage="draft",
    )
    ret = submitted(beds, "qipp", {("acute", "gross"): "100"})
    other = submitted(luton, "qipp", {("acute", "gross"): "50"})
    assert ret.is_late and ret.submission.is_late and other.is_late
    return {"ret": ret, "other": other, "draft": draft, "ics": factories.ics_lead(blmk)}


def extension(world, days):
    return Extension.objects.create(
        milestone=world["draft"],
        organisation=world["ret"].organisation,
        until=datetime.date.today() + datetime.timedelta(days=days),
        reason="Board moved",
        granted_by=world["ics"],
    )


def send(signal, given):
    """What `planning.services` sends (the words are for the notification)."""
    signal.send(sender=Extension, extension=given, subject="Extended", message="Extended", link="/")


def test_an_extension_granted_after_a_late_submission_makes_it_on_time(late_qipp):
    send(extension_granted, extension(late_qipp, 2))

    ret = Return.objects.select_related("submission").get(pk=late_qipp["ret"].pk)
    assert not ret.is_late and not ret.submission.is_late
    assert Return.objects.get(pk=late_qipp["other"].pk).is_late  # Luton was not given more time


def test_an_extension_ending_before_the_submission_leaves_it_late(late_qipp):
    send(extension_granted, extension(late_qipp, -1))
    assert Return.objects.get(pk=late_qipp["ret"].pk).is_late


def test_withdrawing_the_extension_makes_the_submission_late_again(late_qipp):
    given = extension(late_qipp, 2)
    send(extension_granted, given)
    given.delete()
    send(extension_withdrawn, given)

    ret = Return.objects.select_related("submission").get(pk=late_qipp["ret"].pk)
    assert ret.is_late and ret.submission.is_late
