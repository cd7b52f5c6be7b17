"""Home pages are task lists: the planning lead's returns with their due dates, the ICS lead's
reviews, the governing body member's papers, the analyst's country."""

import datetime
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import Extension, Membership, Organisation
from submissions.home import selectors
from submissions.models import PaperRender, Query, QueryMessage, Return
from submissions.plans import services as plan_services
from submissions.queries.selectors import where
from submissions.returns import services as return_services
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2019, 2, 1)


@pytest.fixture
def world(monkeypatch):
    """BLMK with Bedfordshire and Luton (CCGs) and Bedford Hospital; the draft deadline on 12
    February 2019, the final on 4 April."""
    monkeypatch.setattr("submissions.home.views.localdate", lambda: TODAY)
    templates = factories.templates()
    round_ = templates["activity"].round
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    luton = factories.luton(in_system=system)
    hospital = factories.organisation("RC1", name="Bedford Hospital", kind=Organisation.Kind.ACUTE)
    factories.membership(hospital, system, role=Membership.Role.PROVIDER, share="0.5")
    draft = factories.milestone(
        round_, "2019-02-12", "Draft organisation plans", kind="submission", stage="draft"
    )
    factories.milestone(
        round_, "2019-04-04", "Final organisation plans", kind="submission", stage="final"
    )
    return {
        "round": round_,
        "system": system,
        "beds": beds,
        "luton": luton,
        "hospital": hospital,
        "draft": draft,
    }


def html_of(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_planning_lead_sees_each_return_with_its_due_date_soonest_first(client, world):
    beds = world["beds"]
    lead = factories.planning_lead(beds)
    submitted(beds, "activity", {("gp_referrals", "fot"): "94,810"}, lead=lead)

    tasks = selectors.planning_lead_tasks(user=lead, round_=world["round"], today=TODAY)
    first = tasks[0]
    assert (first.template.code, first.stage, first.status) == ("finance", "draft", "not_started")
    assert first.due.last_day == datetime.date(2019, 2, 12) and first.days_left == 11
    done = [t for t in tasks if t.is_done]
    assert [(t.template.code, t.stage) for t in done] == [("activity", "draft")]
    assert tasks[-1] is done[-1]  # done last

    html = html_of(client, lead)
    row = html.split('data-testid="task-06F-finance-draft"')[1].split("</tr>")[0]
    assert "Not started" in row and "12 February 2019" in row and "in 11 days" in row
    assert reverse("submissions:return", args=[2019, "06F", "finance", "draft"]) in row
    assert 'data-testid="task-06P-' not in html  # Luton's returns are not Bedfordshire's lead's


def test_an_extension_moves_the_due_date_and_a_missed_deadline_says_late(client, world):
    beds, lead = world["beds"], factories.planning_lead(world["beds"])
    Extension.objects.create(
        milestone=world["draft"],
        organisation=beds,
        until=datetime.date(2019, 2, 19),
        reason="New finance director",
        granted_by=factories.ics_lead(world["system"]),
    )
    html = html_of(client, lead)
    row = html.split('data-testid="task-06F-finance-draft"')[1].split("</tr>")[0]
    assert "19 February 2019" in row and "extended from 12 February" in row
    assert "in 18 days" in row

    later = datetime.date(2019, 2, 21)
    [task] = [
        t
        for t in selectors.planning_lead_tasks(user=lead, round_=world["round"], today=later)
        if (t.template.code, t.stage) == ("finance", "draft")
    ]
    assert task.is_late and task.days_late == 2


def test_a_planning_lead_sees_a_returned_return_and_its_open_queries(client, world):
    beds, system = world["beds"], world["system"]
    lead, ics = factories.planning_lead(beds), factories.ics_lead(system)
    ret = submitted(beds, "activity", {("gp_referrals", "fot"): "94,810"}, lead=lead)
    query = Query.objects.create(
        ret=ret,
        submission=ret.submission,
        line=ret.template.lines.get(code="gp_referrals"),
        raised_by=ics,
    )
    QueryMessage.objects.create(query=query, author=ics, text="Why so many?")
    html = html_of(client, lead)
    row = html.split('data-testid="task-06F-activity-draft"')[1].split("</tr>")[0]
    assert "1 open query" in row and "Submitted" in row

    return_services.return_send_back(
        user=ics,
        ret=Return.objects.get(pk=ret.pk),
        reason="Recheck",
        submission_number=ret.submission.number,
    )
    row = html_of(client, lead).split('data-testid="task-06F-activity-draft"')[1].split("</tr>")[0]
    assert "Returned" in row


def test_an_ics_lead_sees_returns_to_review_partners_behind_and_plans_to_approve(client, world):
    system, beds = world["system"], world["beds"]
    ics = factories.ics_lead(system)
    submitted(beds, "activity", {("gp_referrals", "fot"): "94,810"})
    submitted(world["hospital"], "activity", {("gp_referrals", "fot"): "3,000"})
    Return.objects.create(
        organisation=world["luton"], template=factories.template("activity"), stage="draft"
    )
    plan_services.build_round_plans(round_=world["round"], stage="draft")

    [review] = selectors.ics_lead_tasks(user=ics, round_=world["round"], today=TODAY)
    assert {(t.organisation.ods_code, t.template.code) for t in review.waiting} == {
        ("06F", "activity"),
        ("RC1", "activity"),
    }
    behind = {(t.organisation.ods_code, t.template.code, t.stage) for t in review.behind}
    assert ("06P", "finance", "draft") in behind  # not started, due in 11 days
    assert ("06P", "activity", "draft") not in behind  # started, not late yet
    assert not any(stage == "final" for _, _, stage in behind)  # due in two months
    assert [p.template.code for p in review.plans] == ["activity"]
    assert review.alignment_gaps >= 1  # providers planned 1,500 against 94,810

    html = html_of(client, ics)
    assert reverse("submissions:return", args=[2019, "06F", "activity", "draft"]) in html
    assert reverse("submissions:plan", args=["BLMK", 2019, "activity", "draft"]) in html
    assert "NHS Luton CCG: Finance plan (draft), not started" in " ".join(html.split())

    later = datetime.date(2019, 2, 14)
    [review] = selectors.ics_lead_tasks(user=ics, round_=world["round"], today=later)
    assert ("06P", "activity", "draft") in {
        (t.organisation.ods_code, t.template.code, t.stage) for t in review.behind
    }


def test_a_governing_body_member_sees_the_papers_ready_to_read(client, world):
    beds = world["beds"]
    governor = factories.governing_body_member(beds)
    ready = factories.paper(organisation=beds, title="2019/20 operating plan")
    PaperRender.objects.create(paper=ready, number=1, status=PaperRender.Status.READY)
    pending = factories.paper(organisation=beds, title="Still being made")
    PaperRender.objects.create(paper=pending, number=1, status=PaperRender.Status.RENDERING)
    other = factories.paper(organisation=world["luton"], title="Luton's paper")
    PaperRender.objects.create(paper=other, number=1, status=PaperRender.Status.READY)

    html = html_of(client, governor)
    assert "2019/20 operating plan" in html
    assert reverse("submissions:paper_download", args=[ready.pk, 1]) in html
    assert "Still being made" not in html and "Luton's paper" not in html


def test_an_analyst_sees_completeness_by_region_and_system(client, world):
    ret = submitted(world["beds"], "activity", {("gp_referrals", "fot"): "94,810"})
    late_submission = int(ret.is_late)  # submitted by today's clock, after the 2019 deadline
    rows = selectors.national_completeness(round_=world["round"], today=TODAY)
    [blmk] = [r for r in rows if r.system.code == "BLMK"]
    expected = sum(
        2
        for org in (world["beds"], world["luton"], world["hospital"])
        for t in world["round"].templates.all()
        if t.completed_by(org)
    )
    assert (blmk.expected, blmk.submitted, blmk.in_progress) == (expected, 1, 0)
    assert blmk.late == late_submission  # nothing else is due yet
    later = [
        r
        for r in selectors.national_completeness(
            round_=world["round"], today=datetime.date(2019, 2, 13)
        )
        if r.system.code == "BLMK"
    ][0]
    drafts_due = sum(
        1
        for org in (world["beds"], world["luton"], world["hospital"])
        for t in world["round"].templates.all()
        if t.completed_by(org)
    )
    assert later.late == drafts_due - 1 + late_submission  # and every draft not submitted

    html = html_of(client, factories.analyst())
    row = html.split('data-testid="completeness-BLMK"')[1].split("</tr>")[0]
    assert f"1 of {expected}" in row


def test_home_page_queries_do_not_grow_with_partners(client, world):
    ics = factories.ics_lead(world["system"])
    analyst = factories.analyst()
    submitted(world["beds"], "activity", {("gp_referrals", "fot"): "10"})
    plan_services.build_round_plans(round_=world["round"], stage="draft")

    def count(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries)

    before = count(ics), count(analyst)
    for n in range(5):
        org = factories.organisation(f"Z{n}", name=f"Extra CCG {n}")
        factories.membership(org, world["system"])
        submitted(org, "activity", {("gp_referrals", "fot"): str(n + 1)})
    plan_services.build_round_plans(round_=world["round"], stage="draft")
    assert (count(ics), count(analyst)) == before


def test_queries_waiting_for_each_person_are_on_their_home_page(client, world):
    beds, system = world["beds"], world["system"]
    lead, ics = factories.planning_lead(beds), factories.ics_lead(system)
    ret = submitted(beds, "activity", {("gp_referrals", "fot"): "94,810"}, lead=lead)
    query = Query.objects.create(
        ret=ret,
        submission=ret.submission,
        line=ret.template.lines.get(code="gp_referrals"),
        raised_by=ics,
    )
    QueryMessage.objects.create(query=query, author=ics, text="Why so many?")

    html = html_of(client, lead)
    waiting = html.split('data-testid="queries-to-act-on"')[1].split("</ul>")[0]
    assert escape(where(query)) in waiting and "waiting for your answer" in waiting
    assert html_of(client, factories.planning_lead(world["luton"])).count("queries-to-act-on") == 0

    Query.objects.filter(pk=query.pk).update(status=Query.Status.ANSWERED)
    html = html_of(client, ics)
    waiting = html.split('data-testid="queries-to-act-on"')[1].split("</ul>")[0]
    assert "waiting for you to resolve or follow up" in waiting
    assert reverse("submissions:system_queries", args=["BLMK", 2019]) in html
