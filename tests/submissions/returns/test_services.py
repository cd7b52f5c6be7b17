"""The return services called directly: return_save, return_submit, return_accept and
return_send_back, each all or nothing, each recorded in the return's changes."""

import pytest
from django.core.exceptions import PermissionDenied

from submissions import queue
from submissions.models import Change, Return, Value
from submissions.returns import services
from submissions.returns.selectors import submitted_values
from tests import factories

pytestmark = pytest.mark.django_db

GP_FOT = ("gp_referrals", "fot")


def save(user, ret, cells=None, *, base_version=None, answers=None, explanations=None):
    return services.return_save(
        user=user,
        ret=ret,
        base_version=ret.version if base_version is None else base_version,
        raw_cells=cells or {},
        raw_answers=answers or {},
        raw_explanations=explanations or {},
    )


def new_return(organisation, template_code, stage="draft"):
    return Return(
        organisation=organisation, template=factories.template(template_code), stage=stage
    )


def test_a_save_records_each_changed_cell_at_the_new_version(bedfordshire, beds_lead):
    ret = save(beds_lead, new_return(bedfordshire, "activity"), {GP_FOT: "94,810"})
    ret = save(beds_lead, ret, {GP_FOT: "95,000", ("other_referrals", "fot"): ""})
    assert ret.version == 2 and ret.updated_by == beds_lead
    change = Change.objects.get(version=2)
    assert (change.kind, change.line.code, change.old, change.new) == (
        "value",
        "gp_referrals",
        "94,810",
        "95,000",
    )


def test_a_save_from_an_old_version_is_refused_and_writes_nothing(bedfordshire, beds_lead):
    ret = factories.saved_return(bedfordshire, "activity", {GP_FOT: "1"}, lead=beds_lead)
    ret = save(beds_lead, ret, {GP_FOT: "2"})
    with pytest.raises(services.StaleReturn) as refused:
        save(beds_lead, ret, {GP_FOT: "3"}, base_version=1)
    assert refused.value.base_version == 1 and refused.value.ret.version == 2
    assert Value.objects.get().value == 2


def test_a_save_with_a_cell_that_is_not_a_number_writes_nothing(bedfordshire, beds_lead):
    with pytest.raises(services.ReturnInvalid) as invalid:
        save(
            beds_lead,
            new_return(bedfordshire, "activity"),
            {GP_FOT: "94,810", ("day_case", "trend"): "5,17B"},
        )
    assert [(m.line, m.column) for m in invalid.value.messages] == [("day_case", "trend")]
    assert not Value.objects.exists()


def test_only_a_planning_lead_of_the_organisation_may_save(bedfordshire, luton, ics_lead):
    for someone in (factories.planning_lead(luton), ics_lead):
        with pytest.raises(PermissionDenied):
            save(someone, new_return(bedfordshire, "activity"), {GP_FOT: "1"})
    assert not Return.objects.exists()


def test_an_answer_sent_blank_is_cleared_and_one_not_sent_is_kept(bedfordshire, beds_lead):
    ret = save(
        beds_lead,
        new_return(bedfordshire, "narrative"),
        answers={"main_priorities": "Urgent care", "main_risks": "Workforce"},
    )
    save(beds_lead, ret, answers={"main_risks": "  "})
    assert dict(ret.answers.values_list("line__code", "text")) == {"main_priorities": "Urgent care"}


def test_a_return_with_no_figures_cannot_be_submitted(bedfordshire, beds_lead):
    with pytest.raises(services.ReturnInvalid, match="Enter the return's figures"):
        services.return_submit(user=beds_lead, ret=new_return(bedfordshire, "qipp"))


def test_submitting_asks_for_the_plans_it_feeds_to_be_rebuilt_once_committed(
    monkeypatch, django_capture_on_commit_callbacks, bedfordshire, beds_lead
):
    requested = []
    monkeypatch.setattr(queue, "request_plan_builds", lambda *, ret: requested.append(ret.pk))
    ret = factories.saved_return(bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead)
    with django_capture_on_commit_callbacks(execute=True):
        ret = services.return_submit(user=beds_lead, ret=ret)
    assert ret.status == "submitted" and ret.submitted_by == beds_lead
    assert requested == [ret.pk]


def test_sending_back_needs_a_reason_and_records_it(bedfordshire, beds_lead, ics_lead):
    ret = factories.submitted_return(
        bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead
    )
    with pytest.raises(services.ReturnInvalid) as invalid:
        services.return_send_back(user=ics_lead, ret=ret, reason="  ", submission_number=1)
    assert [m.key for m in invalid.value.messages] == ["reason"]

    ret = services.return_send_back(
        user=ics_lead, ret=ret, reason="Acute QIPP is too low", submission_number=1
    )
    assert (ret.status, ret.returned_reason, ret.decided_by) == (
        "returned",
        "Acute QIPP is too low",
        ics_lead,
    )
    assert ret.changes.get(kind="status", version=ret.version).note == "Acute QIPP is too low"


def test_only_the_ics_lead_may_accept(bedfordshire, beds_lead, ics_lead):
    ret = factories.submitted_return(
        bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead
    )
    with pytest.raises(PermissionDenied):
        services.return_accept(user=beds_lead, ret=ret, submission_number=1)
    ret = services.return_accept(user=ics_lead, ret=ret, submission_number=1)
    assert (ret.status, ret.decided_by) == ("accepted", ics_lead)


def test_submitting_freezes_a_numbered_copy_that_later_edits_do_not_touch(
    bedfordshire, beds_lead, ics_lead
):
    ret = factories.submitted_return(
        bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead
    )
    first = ret.submission
    assert (first.number, first.submitted_by, first.return_version) == (1, beds_lead, ret.version)
    assert submitted_values(first) == {("acute", "gross"): 100}
    services.return_send_back(user=ics_lead, ret=ret, reason="Check", submission_number=1)
    ret.refresh_from_db()
    ret = services.return_save(
        user=beds_lead,
        ret=ret,
        base_version=ret.version,
        raw_cells={("acute", "gross"): "90"},
        raw_answers={},
        raw_explanations={},
    )
    ret.refresh_from_db()
    assert ret.is_under_amendment and ret.submission == first
    assert submitted_values(first) == {("acute", "gross"): 100}
    ret = services.return_submit(user=beds_lead, ret=ret)
    assert ret.submission.number == 2 and submitted_values(ret.submission) == {
        ("acute", "gross"): 90
    }
    assert ret.submission.content_hash != first.content_hash


def test_a_decision_names_the_submission_it_decides_on(bedfordshire, beds_lead, ics_lead):
    ret = factories.submitted_return(
        bedfordshire, "qipp", {("acute", "gross"): "100"}, lead=beds_lead
    )
    with pytest.raises(services.StaleDecision):
        services.return_accept(user=ics_lead, ret=ret, submission_number=2)
    with pytest.raises(services.StaleDecision):
        services.return_send_back(user=ics_lead, ret=ret, reason="x", submission_number=None)
    ret.refresh_from_db()
    assert ret.status == "submitted" and not ret.submission.is_accepted
