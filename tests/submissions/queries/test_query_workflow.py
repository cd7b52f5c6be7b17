"""A query on a figure: raised by the ICS lead on a submitted return, answered by the planning
lead, followed up and resolved by the lead; every message kept; the return and its plans
untouched; each step told to the people who act next."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from submissions import queue
from submissions.models import Notification, PlanInput, PlanState, Query, Return, SystemPlan
from submissions.queries import services
from submissions.queries.services import QUERY_TEXT_MAX_LENGTH
from tests import factories

pytestmark = pytest.mark.django_db


def test_raising_a_query_keeps_the_return_and_its_plans_as_they_are(
    raise_query, submitted, monkeypatch
):
    requested = []
    monkeypatch.setattr(queue, "request_plan_builds", lambda **kw: requested.append(kw))
    monkeypatch.setattr(queue, "request_plan_build", lambda **kw: requested.append(kw))
    before = (
        Return.objects.values("status", "version", "submission_id", "updated_at").get(),
        list(PlanInput.objects.values_list("organisation_id", "submission_id", "share")),
        list(SystemPlan.objects.values_list("version", "inputs")),
        list(PlanState.objects.values_list("is_stale", flat=True)),
    )

    query = raise_query()

    assert (query.status, query.submission_id, query.line.code, query.column.code) == (
        Query.Status.OPEN,
        submitted.submission_id,
        "gp_referrals",
        "fot",
    )
    after = (
        Return.objects.values("status", "version", "submission_id", "updated_at").get(),
        list(PlanInput.objects.values_list("organisation_id", "submission_id", "share")),
        list(SystemPlan.objects.values_list("version", "inputs")),
        list(PlanState.objects.values_list("is_stale", flat=True)),
    )
    assert after == before and requested == []
    assert [m.text for m in query.messages.all()] == ["Why did GP referrals rise?"]


def test_answer_follow_up_and_resolve_each_add_a_message_and_move_the_status(
    raise_query, beds_lead, ics_lead
):
    query = raise_query()
    query = services.query_answer(user=beds_lead, query=query, text="New practices opened.")
    assert query.status == Query.Status.ANSWERED
    query = services.query_follow_up(user=ics_lead, query=query, text="How many?")
    assert query.status == Query.Status.OPEN
    services.query_answer(user=beds_lead, query=query, text="Three.")
    query = services.query_resolve(user=ics_lead, query=query, text="")
    query.refresh_from_db()
    assert (query.status, query.resolved_by, query.resolved_at is not None) == (
        Query.Status.RESOLVED,
        ics_lead,
        True,
    )
    thread = [(m.author, m.text) for m in query.messages.all()]
    assert thread == [
        (ics_lead, "Why did GP referrals rise?"),
        (beds_lead, "New practices opened."),
        (ics_lead, "How many?"),
        (beds_lead, "Three."),
    ]
    with pytest.raises(PermissionDenied):  # nothing is added to a resolved query
        services.query_answer(user=beds_lead, query=query, text="One more thing")


def test_each_step_tells_the_people_who_act_next_with_no_figure(
    raise_query, beds_lead, luton_lead, ics_lead
):
    analyst = factories.analyst(username="ana")
    query = raise_query(user=analyst)  # an analyst may raise one too
    raised = Notification.objects.get(kind=Notification.Kind.QUERY_RAISED)
    assert raised.user == beds_lead  # not Luton's lead, not the ICS lead
    assert raised.link == f"/returns/2019/06F/activity/draft/queries/{query.pk}/"
    assert "GP referrals" in raised.message and "94,810" not in raised.message
    assert "rise" not in raised.message  # the question itself stays on the page

    services.query_answer(user=beds_lead, query=query, text="It is 94,810 because...")
    answered = Notification.objects.filter(kind=Notification.Kind.QUERY_ANSWERED)
    assert {n.user for n in answered} == {ics_lead, analyst}  # the system's ICS lead, the raiser
    assert all("94,810" not in n.message + n.subject for n in answered)

    services.query_resolve(user=ics_lead, query=query, text="Thanks")
    resolved = Notification.objects.get(kind=Notification.Kind.QUERY_RESOLVED)
    assert resolved.user == beds_lead


def test_the_email_of_a_raised_query_reaches_the_planning_lead(
    raise_query, beds_lead, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        query = raise_query()
    [email] = [m for m in mailbox.received() if "bea@beds.example" in m.recipients]
    assert f"/returns/2019/06F/activity/draft/queries/{query.pk}/" in email.text
    assert "94,810" not in email.text


def test_only_the_systems_ics_lead_or_an_analyst_raises_and_only_on_a_submitted_return(
    submitted, beds, beds_lead, ics_lead
):
    def raise_as(user, ret=submitted):
        return services.query_raise(
            user=user, ret=ret, line_code="gp_referrals", column_code="fot", text="Why?"
        )

    for stranger in (beds_lead, factories.ics_lead(factories.system("DORSET"))):
        with pytest.raises(PermissionDenied):
            raise_as(stranger)
    draft = factories.saved_return(beds, "qipp", {("acute", "gross"): "10"}, lead=beds_lead)
    with pytest.raises(PermissionDenied):
        raise_as(ics_lead, draft)  # never submitted: nothing to ask about
    with pytest.raises(ValidationError):
        services.query_raise(
            user=ics_lead, ret=submitted, line_code="gp_referrals", column_code="nope", text="?"
        )
    with pytest.raises(ValidationError):
        services.query_raise(
            user=ics_lead, ret=submitted, line_code="gp_referrals", column_code="fot", text="  "
        )
    assert Query.objects.count() == 0


def test_ics_lead_raises_a_query_from_its_page(client, submitted, ics_lead, query_url):
    client.force_login(ics_lead)
    page = client.get(query_url(name="submissions:query_raise"), {"cell": "gp_referrals:fot"})
    assert page.status_code == 200
    assert '<option value="gp_referrals:fot" selected>' in page.text
    response = client.post(
        query_url(name="submissions:query_raise"),
        {"cell": "gp_referrals:fot", "text": "Why did GP referrals rise?"},
    )
    query = Query.objects.get()
    assert response.status_code == 302 and response["Location"] == query_url(query)
    page = client.get(query_url(query))
    assert "Query on GP referrals" in page.text and "Why did GP referrals rise?" in page.text
    assert "Resolve query" in page.text and "Send answer" not in page.text


def test_a_whole_line_can_be_queried(client, submitted, ics_lead, query_url):
    client.force_login(ics_lead)
    client.post(
        query_url(name="submissions:query_raise"), {"cell": "gp_referrals", "text": "All of it?"}
    )
    query = Query.objects.get()
    assert query.column is None and query.line.code == "gp_referrals"


def test_a_question_left_empty_or_too_long_is_refused_next_to_its_field(
    client, submitted, ics_lead, query_url
):
    client.force_login(ics_lead)
    url = query_url(name="submissions:query_raise")
    page = client.post(url, {"cell": "gp_referrals:fot", "text": ""})
    assert page.status_code == 422
    assert 'id="id_text-error"' in page.text and "Enter your question" in page.text
    assert 'href="#id_text"' in page.text  # the error summary links to the field
    page = client.post(url, {"cell": "gp_referrals:fot", "text": "x" * 200_000})
    assert page.status_code == 422 and "at most 5,000 characters" in page.text
    assert len(page.content) < 60_000  # the refused text is not sent back whole
    page = client.post(url, {"cell": "not_a_line:fot", "text": "Why?"})
    assert page.status_code == 422 and "Select one of the options shown." in page.text
    assert Query.objects.count() == 0
    assert QUERY_TEXT_MAX_LENGTH == 5_000


def test_planning_lead_answers_and_the_lead_resolves_through_the_page(
    client, raise_query, beds_lead, ics_lead, query_url
):
    query = raise_query()
    client.force_login(beds_lead)
    page = client.get(query_url(query))
    assert "Send answer" in page.text and "Resolve query" not in page.text
    empty = client.post(query_url(query), {"action": "answer", "text": " "})
    assert empty.status_code == 422 and "Enter your answer" in empty.text
    assert client.post(query_url(query), {"action": "resolve"}).status_code == 403
    response = client.post(query_url(query), {"action": "answer", "text": "New practices."})
    assert response.status_code == 302
    query.refresh_from_db()
    assert query.status == Query.Status.ANSWERED

    client.force_login(ics_lead)
    assert client.post(query_url(query), {"action": "answer", "text": "x"}).status_code == 403
    response = client.post(query_url(query), {"action": "resolve", "text": ""})
    assert response.status_code == 302
    query.refresh_from_db()
    assert query.status == Query.Status.RESOLVED and query.resolved_by == ics_lead
    page = client.get(query_url(query))
    assert "Resolved by Ian Lead" in page.text and "Resolve query" not in page.text


def test_another_organisations_query_is_a_404(
    client, raise_query, luton, luton_lead, beds_lead, query_url
):
    query = raise_query()
    client.force_login(luton_lead)  # a planning lead of another organisation of the system
    assert client.get(query_url(query)).status_code == 404
    assert client.post(query_url(query), {"action": "answer", "text": "x"}).status_code == 404
    # Nor under their own return's URL: a query belongs to its return.
    luton_ret = factories.submitted_return(luton, "activity", {}, lead=luton_lead)
    assert luton_ret.pk
    assert client.get(query_url(query, ods="06P")).status_code == 404
    client.force_login(factories.ics_lead(factories.system("DORSET")))
    assert client.get(query_url(query)).status_code == 404
    assert client.get(query_url(name="submissions:query_raise")).status_code == 404
    client.force_login(beds_lead)
    assert client.get(query_url(name="submissions:query_raise")).status_code == 403
    assert client.get(query_url(query.pk + 1000)).status_code == 404


def test_who_may_open_the_raise_page_and_post_on_a_query(
    client, raise_query, beds_lead, ics_lead, query_url
):
    query = raise_query()
    raise_page = query_url(name="submissions:query_raise")
    client.force_login(factories.analyst())
    assert client.get(raise_page).status_code == 200
    assert client.post(query_url(query), {"action": "answer", "text": "x"}).status_code == 403
    client.force_login(factories.administrator())  # reads every return, raises no query
    assert client.get(raise_page).status_code == 403
    assert client.get(query_url(query)).status_code == 200
    assert client.post(query_url(query), {"action": "resolve"}).status_code == 403
    client.force_login(beds_lead)
    assert client.post(query_url(query), {"action": "bogus", "text": "x"}).status_code == 403
    assert client.post(query_url(query), {"action": "follow_up", "text": "x"}).status_code == 403
    client.force_login(ics_lead)
    response = client.post(query_url(query), {"action": "follow_up", "text": "More?"})
    assert response.status_code == 302
