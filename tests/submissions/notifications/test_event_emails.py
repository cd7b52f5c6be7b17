"""Each event of a round reaches the real SMTP server: the right people, a full link to the page,
plain text and HTML, and never a figure from the return (the submitted 94,810 appears nowhere)."""

import pytest
from django.urls import reverse

from submissions.models import Notification, PaperRender, Return
from submissions.papers import services as papers
from submissions.plans import services as plans
from submissions.returns import services as returns
from tests import factories

pytestmark = pytest.mark.django_db

FIGURE = {("gp_referrals", "fot"): "94,810"}
SITE = "http://127.0.0.1:8000"
RETURN_PAGE = SITE + "/returns/2019/06F/activity/draft/"


def no_figures(message):
    for text in (message.subject, message.text, message.html):
        assert "94,810" not in text and "94810" not in text and "94.81" not in text


def by_recipient(mailbox):
    return {tuple(m.recipients): m for m in mailbox.received()}


@pytest.fixture
def everyone(beds_lead, luton_lead, ics_lead, dorset):
    return {"beds": beds_lead, "luton": luton_lead, "ics": ics_lead}


@pytest.fixture
def submitted(everyone, beds, mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ret = factories.submitted_return(beds, "activity", FIGURE, lead=everyone["beds"])
    return ret


def test_a_submission_emails_the_systems_ics_lead_with_a_link_and_no_figures(
    submitted, mailbox, everyone
):
    [message] = mailbox.received()
    assert message.recipients == ["ian@blmk.example"]
    assert "Submitted for review: NHS Bedfordshire CCG, Activity" in message.subject
    assert RETURN_PAGE in message.text and f'href="{RETURN_PAGE}"' in message.html
    assert (
        "Bea Lead submitted the draft Activity plan return of NHS Bedfordshire CCG" in message.text
    )
    assert "noreply@localhost" in message.sender
    no_figures(message)
    notification = Notification.objects.get(user=everyone["ics"])
    assert notification.emailed_at is not None and notification.email_error == ""
    assert notification.link == "/returns/2019/06F/activity/draft/"


def test_sending_back_emails_the_planning_leads_with_the_reason(
    submitted, mailbox, everyone, beds, django_capture_on_commit_callbacks
):
    second_lead = factories.planning_lead(beds, username="bob", email="bob@beds.example")
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        returns.return_send_back(
            user=everyone["ics"],
            ret=submitted,
            reason="Check GP referrals against last year's outturn",
            submission_number=1,
        )
    received = by_recipient(mailbox)
    assert set(received) == {("bea@beds.example",), (second_lead.email,)}
    message = received[("bea@beds.example",)]
    assert message.subject.startswith("Sent back for amendment: Activity")
    assert "Check GP referrals against last year's outturn" in message.text
    assert RETURN_PAGE in message.text
    no_figures(message)


def test_accepting_emails_the_planning_leads(
    submitted, mailbox, everyone, django_capture_on_commit_callbacks
):
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        returns.return_accept(user=everyone["ics"], ret=submitted, submission_number=1)
    [message] = mailbox.received()
    assert message.recipients == ["bea@beds.example"]
    assert message.subject.startswith("Accepted: Activity") and RETURN_PAGE in message.text
    assert "(submission 1)" in message.text
    no_figures(message)


def test_an_approved_plan_emails_the_planning_leads_of_every_partner(
    submitted, mailbox, everyone, blmk, django_capture_on_commit_callbacks
):
    plan, _ = plans.build_system_plan(system=blmk, template=submitted.template, stage="draft")
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        factories.approve(plan, everyone["ics"])
    received = by_recipient(mailbox)
    assert set(received) == {("bea@beds.example",), ("lou@luton.example",)}  # not Dorset's
    message = received[("lou@luton.example",)]
    assert message.subject.startswith("Plan approved: BLMK ICS, Activity")
    assert SITE + "/systems/BLMK/rounds/2019/plans/activity/draft/" in message.text
    no_figures(message)


@pytest.fixture
def quick_pdf(monkeypatch):
    monkeypatch.setattr(papers, "render_pdf", lambda paper, **kwargs: (b"%PDF-1.7", "0" * 64))


def test_a_ready_or_failed_pdf_emails_the_person_who_asked_for_it(
    beds, beds_lead, ics_lead, mailbox, quick_pdf, monkeypatch, django_capture_on_commit_callbacks
):
    paper = factories.paper(organisation=beds, title="Operational plan 2019/20")
    with django_capture_on_commit_callbacks(execute=True):
        ready = papers.paper_render_run(
            PaperRender.objects.create(paper=paper, number=1, requested_by=beds_lead).pk
        )

    def broken(paper, **kwargs):
        raise RuntimeError("the printer is on fire")

    monkeypatch.setattr(papers, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        failed = papers.paper_render_run(
            PaperRender.objects.create(paper=paper, number=2, requested_by=beds_lead).pk
        )
    assert (ready.status, failed.status) == ("ready", "failed")
    first, second = mailbox.received()
    assert first.recipients == second.recipients == ["bea@beds.example"]
    assert first.subject == "PDF ready: Operational plan 2019/20 (version 1)"
    assert second.subject == "PDF could not be made: Operational plan 2019/20 (version 2)"
    assert SITE + reverse("submissions:paper", args=[paper.pk]) in second.text
    assert "on fire" not in second.text  # the page says why, to those who may read it


def test_notify_drops_duplicates_and_inactive_people_and_wants_a_path(beds_lead, luton_lead):
    from submissions.notifications.services import notify

    luton_lead.is_active = False
    luton_lead.save()
    made = notify(
        users=[beds_lead, beds_lead, luton_lead, None],
        kind=Notification.Kind.EXTENSION,
        subject="Deadline extended",
        message="Your deadline moved",
        link="/returns/",
    )
    assert [n.user for n in made] == [beds_lead]
    for link in ("https://elsewhere.example/", "//elsewhere.example/"):
        with pytest.raises(ValueError):
            notify(users=[beds_lead], kind="extension", subject="x", message="x", link=link)


def test_nobody_is_emailed_for_a_change_that_rolled_back(beds, beds_lead, ics_lead, mailbox):
    ret = factories.saved_return(beds, "activity", FIGURE, lead=beds_lead)
    assert ret.status == Return.Status.DRAFT
    with pytest.raises(RuntimeError), __import__("django").db.transaction.atomic():
        returns.return_submit(user=beds_lead, ret=ret)
        raise RuntimeError("the request failed after the submit")
    assert not Notification.objects.exists() and mailbox.received() == []
