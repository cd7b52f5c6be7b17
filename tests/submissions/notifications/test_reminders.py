"""Reminders before submission deadlines: N days before (per system), to every organisation with a
return not submitted, relative to its extension if it has one, and a summary to the ICS lead; each
sent exactly once, even by two senders at once."""

import datetime
import threading

import pytest
from django.db import connection

from planning.models import Extension, Milestone
from submissions.models import Notification, Reminder
from submissions.notifications import reminders
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
DEADLINE = datetime.date.today() + 30 * DAY


@pytest.fixture
def deadline(blmk, templates):
    """BLMK's draft activity returns are due on DEADLINE."""
    return factories.milestone(
        templates["activity"].round,
        DEADLINE,
        "Draft activity plans to the ICS",
        system=blmk,
        kind=Milestone.Kind.SUBMISSION,
        stage="draft",
        level=Milestone.Level.ORGANISATION,
        template_kind="activity",
    )


@pytest.fixture
def partners(beds, luton, beds_lead, luton_lead, ics_lead, dorset):
    """Bedfordshire has submitted; Luton has not."""
    factories.submitted_return(
        beds, "activity", {("gp_referrals", "fot"): "94,810"}, lead=beds_lead
    )
    return {"beds": beds_lead, "luton": luton_lead, "ics": ics_lead}


def send(today, capture):
    with capture(execute=True):
        return reminders.reminders_send_due(today=today)


@pytest.mark.parametrize(
    "days, today, due",
    [
        ([7, 2], DEADLINE - 8 * DAY, None),
        ([7, 2], DEADLINE - 7 * DAY, 7),
        ([7, 2], DEADLINE - 3 * DAY, 7),
        ([7, 2], DEADLINE - 2 * DAY, 2),
        ([7, 2], DEADLINE, 2),
        ([7, 2], DEADLINE + DAY, None),
        ([], DEADLINE - 2 * DAY, None),
    ],
)
def test_the_reminder_due_is_the_nearest_whose_day_has_come_before_the_deadline(days, today, due):
    assert reminders.reminder_window(DEADLINE, days, today) == due


def test_a_week_before_the_partner_yet_to_submit_and_the_ics_lead_are_reminded_once(
    deadline, partners, mailbox, django_capture_on_commit_callbacks
):
    assert send(DEADLINE - 8 * DAY, django_capture_on_commit_callbacks) == 0
    assert send(DEADLINE - 7 * DAY, django_capture_on_commit_callbacks) == 2
    assert send(DEADLINE - 7 * DAY, django_capture_on_commit_callbacks) == 0  # again: nothing
    assert send(DEADLINE - 6 * DAY, django_capture_on_commit_callbacks) == 0
    received = {tuple(m.recipients): m for m in mailbox.received()}
    assert set(received) == {("lou@luton.example",), ("ian@blmk.example",)}

    reminder = received[("lou@luton.example",)]
    when = f"{DEADLINE.day} {DEADLINE:%B %Y}"
    assert reminder.subject == f"Reminder: draft returns due {when}"
    assert (
        "NHS Luton CCG's draft returns for the 2019/20 planning round are due by" in reminder.text
    )
    assert "in 7 days" in reminder.text and "Activity plan (not started)" in reminder.text
    assert "http://127.0.0.1:8000/returns/?year=2019" in reminder.text

    summary = received[("ian@blmk.example",)]
    assert summary.subject == f"Partners yet to submit: BLMK ICS, draft returns due {when}"
    assert "NHS Luton CCG" in summary.text and "Bedfordshire" not in summary.text
    assert "http://127.0.0.1:8000/systems/BLMK/rounds/2019/returns/?stage=draft" in summary.text
    for message in received.values():
        assert "94,810" not in message.text + message.html

    assert send(DEADLINE - 2 * DAY, django_capture_on_commit_callbacks) == 2  # the 2-day ones
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 4


def test_an_organisation_with_an_extension_is_reminded_before_its_own_date(
    deadline, partners, mailbox, django_capture_on_commit_callbacks
):
    until = DEADLINE + 10 * DAY
    Extension.objects.create(
        milestone=deadline,
        organisation=partners["luton"].planning_roles.get().organisation,
        until=until,
        reason="New finance director",
        granted_by=partners["ics"],
    )
    send(DEADLINE - 7 * DAY, django_capture_on_commit_callbacks)
    assert [m.recipients for m in mailbox.received()] == [["ian@blmk.example"]]  # summary only
    assert "extended to" in mailbox.received()[0].text
    mailbox.clear()

    send(until - 7 * DAY, django_capture_on_commit_callbacks)
    [reminder] = mailbox.received()
    assert reminder.recipients == ["lou@luton.example"]
    assert f"due by {until.day} {until:%B %Y} (extended from" in reminder.text


def test_each_system_chooses_its_reminder_days(
    blmk, deadline, partners, mailbox, django_capture_on_commit_callbacks
):
    blmk.reminder_days = [3]
    blmk.save()
    assert send(DEADLINE - 7 * DAY, django_capture_on_commit_callbacks) == 0
    assert send(DEADLINE - 3 * DAY, django_capture_on_commit_callbacks) == 2
    blmk.reminder_days = []
    blmk.save()
    assert send(DEADLINE - 1 * DAY, django_capture_on_commit_callbacks) == 0


def test_a_missed_day_sends_only_the_nearest_reminder(
    deadline, partners, mailbox, django_capture_on_commit_callbacks
):
    assert send(DEADLINE - DAY, django_capture_on_commit_callbacks) == 2
    assert set(Reminder.objects.values_list("days_before", flat=True)) == {2}
    assert send(DEADLINE + DAY, django_capture_on_commit_callbacks) == 0  # past the deadline


def test_nobody_is_reminded_when_every_partner_has_submitted(
    deadline, partners, luton, mailbox, django_capture_on_commit_callbacks
):
    factories.submitted_return(
        luton, "activity", {("gp_referrals", "fot"): "1"}, lead=partners["luton"]
    )
    assert send(DEADLINE - 7 * DAY, django_capture_on_commit_callbacks) == 0
    assert mailbox.received() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the PostgreSQL tier")
def test_two_senders_at_once_send_each_reminder_exactly_once(
    transactional_db, blmk, deadline, partners, mailbox
):
    leads = [partners["luton"]]
    for n in range(8):
        org = factories.organisation(f"Z{n:03d}", name=f"Partner {n}")
        factories.membership(org, blmk)
        leads.append(factories.planning_lead(org, username=f"lead{n}", email=f"lead{n}@x.example"))
    mailbox.clear()
    start = threading.Barrier(2)
    results, errors = [], []

    def sender():
        try:
            start.wait(timeout=10)
            results.append(reminders.reminders_send_due(today=DEADLINE - 7 * DAY))
        except Exception as error:  # reported below: a thread's failure must fail the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [] and sum(results) == 10  # nine organisations and one summary
    recipients = sorted(r for m in mailbox.received() for r in m.recipients)
    assert recipients == sorted([lead.email for lead in leads] + ["ian@blmk.example"])
    reminded = Notification.objects.filter(kind__in=["reminder", "reminder_summary"])
    assert reminded.count() == 10
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the PostgreSQL tier")
def test_two_senders_claiming_one_reminder_at_once_get_it_once(
    transactional_db, deadline, partners, mailbox
):
    reminder = Reminder.objects.create(
        milestone=deadline,
        days_before=7,
        organisation_id=partners["luton"].planning_roles.get().organisation_id,
    )
    start = threading.Barrier(2)
    sent = []

    def sender():
        try:
            start.wait(timeout=10)
            sent.append(reminders.reminder_send(reminder.pk, today=DEADLINE - 7 * DAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(sent) == [False, True]
    assert len(mailbox.received()) == 1
