"""System plans: weighted aggregation in the database, builds, approval, alignment and exports."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import Template
from planning.template_loader import load_all
from submissions import queue
from submissions.demo import seed_figures
from submissions.models import PlanContribution, PlanState, Return, SystemPlan
from submissions.plans import selectors as plan_selectors
from submissions.plans import services as plan_services
from submissions.plans.presenters import EXPORT_FIELDS
from submissions.returns import services
from submissions.returns.selectors import grid_for_template
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def blmk():
    load_all()
    system = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    luton = factories.organisation("06P", name="NHS Luton CCG")
    hospital = factories.organisation("RC1", name="Bedford Hospital", kind="acute")
    factories.membership(beds, system)
    factories.membership(luton, system)
    factories.membership(hospital, system, role="provider", share="0.5")
    activity = Template.objects.get(round__financial_year=2019, code="activity")
    return {
        "system": system,
        "beds": beds,
        "luton": luton,
        "hospital": hospital,
        "activity": activity,
    }


def build(blmk, template=None):
    return plan_services.build_system_plan(
        system=blmk["system"], template=template or blmk["activity"], stage="draft"
    )


def totals(plan):
    return plan_selectors.plan_typed_values(plan)


def test_plan_is_the_share_weighted_sum_of_submitted_returns(blmk):
    submitted(
        blmk["beds"],
        "activity",
        {("gp_referrals", "fot"): "94,810", ("gp_referrals", "trend"): "6,998"},
    )
    submitted(
        blmk["hospital"],
        "activity",
        {("gp_referrals", "fot"): "1,001", ("gp_referrals", "trend"): "-3"},
    )
    Return.objects.create(
        organisation=blmk["luton"], template=blmk["activity"], stage="draft"
    )  # in progress

    plan, created = build(blmk)

    assert created and plan.version == 1
    values = totals(plan)
    assert values[("gp_referrals", "fot")] == Decimal("94810") + Decimal("1001") * Decimal("0.5")
    assert values[("gp_referrals", "trend")] == Decimal("6998") + Decimal("-3") * Decimal("0.5")
    computed = grid_for_template(plan.template).compute(values)
    assert computed[("gp_referrals", "plan")] == Decimal("95310.5") + Decimal("6996.5")
    assert {i["ods_code"]: i["included"] for i in plan.inputs} == {
        "06F": True,
        "RC1": True,
        "06P": False,
    }
    assert {i["ods_code"]: i["status"] for i in plan.missing} == {"06P": "draft"}


def test_rates_are_not_added_up_across_organisations(blmk):
    submitted(
        blmk["beds"],
        "activity",
        {("gp_referrals", "fot"): "100", ("gp_referrals", "last_year_growth"): "7.0"},
    )
    submitted(
        blmk["hospital"],
        "activity",
        {("gp_referrals", "fot"): "100", ("gp_referrals", "last_year_growth"): "3.0"},
    )
    plan, _ = build(blmk)
    assert ("gp_referrals", "last_year_growth") not in totals(plan)


def test_the_build_is_one_grouped_query_and_a_constant_number_of_others(blmk):
    submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "1"})
    build(blmk)  # the first build also creates the plan's state row
    submitted(blmk["hospital"], "activity", {("gp_referrals", "fot"): "2"})
    with CaptureQueriesContext(connection) as small:
        build(blmk)
    for n in range(4):
        org = factories.organisation(f"T{n}", kind="acute")
        factories.membership(org, blmk["system"], role="provider")
        submitted(org, "activity", seed_figures.activity_cells())
    with CaptureQueriesContext(connection) as large:
        plan, created = build(blmk)
    assert created and len(plan.included) == 6
    assert len(large) == len(small)
    grouped = [q["sql"] for q in large.captured_queries if "GROUP BY" in q["sql"].upper()]
    assert len(grouped) == 1 and "SUM(" in grouped[0].upper()


def test_the_same_inputs_never_make_a_new_version(blmk):
    submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "1"})
    first, _ = build(blmk)
    again, created = build(blmk)
    assert not created and again.pk == first.pk
    assert SystemPlan.objects.count() == 1


def test_a_resubmission_after_approval_leaves_the_approved_plan_untouched(blmk):
    ret = submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "94,810"})
    approved, _ = build(blmk)
    lead = factories.ics_lead(blmk["system"])
    plan_services.plan_approve(user=lead, plan=approved)

    services.return_send_back(user=lead, ret=ret, reason="Check GP referrals")
    ret.refresh_from_db()
    beds_lead = factories.planning_lead(blmk["beds"])
    ret = services.return_save(
        user=beds_lead,
        ret=ret,
        base_version=ret.version,
        raw_cells={("gp_referrals", "fot"): "99,000"},
        raw_answers={},
        raw_explanations={},
    )
    services.return_submit(user=beds_lead, ret=ret)
    newer, created = build(blmk)

    assert created and newer.version == approved.version + 1 and not newer.is_approved
    approved.refresh_from_db()
    assert approved.is_approved and approved.approved_by == lead
    assert totals(approved)[("gp_referrals", "fot")] == 94810
    assert totals(newer)[("gp_referrals", "fot")] == 99000
    with pytest.raises(PermissionDenied):
        plan_services.plan_approve(user=lead, plan=approved)  # approved once, for ever


def test_a_build_that_fails_halfway_leaves_the_previous_plan_visible(blmk, monkeypatch):
    submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "100"})
    previous, _ = build(blmk)
    submitted(blmk["hospital"], "activity", {("gp_referrals", "fot"): "50"})

    def fail(plan):
        raise RuntimeError("worker lost mid-build")

    monkeypatch.setattr(plan_services, "_insert_totals", fail)
    with pytest.raises(RuntimeError):
        build(blmk)

    latest = plan_selectors.latest_plan(
        system=blmk["system"], template=blmk["activity"], stage="draft"
    )
    assert latest.pk == previous.pk
    assert totals(latest)[("gp_referrals", "fot")] == 100
    assert PlanContribution.objects.exclude(plan=previous).count() == 0  # no half plan


def test_a_burst_of_submissions_queues_one_build(blmk, monkeypatch, settings):
    from submissions.tasks import build_system_plan_task

    queued = []
    monkeypatch.setattr(
        build_system_plan_task, "apply_async", lambda *a, **k: queued.append((a, k))
    )
    for _ in range(50):
        queue.request_plan_build(
            system_id=blmk["system"].pk, template_id=blmk["activity"].pk, stage="draft"
        )
    assert len(queued) == 1
    assert queued[0][1]["countdown"] == settings.PLAN_BUILD_DELAY_SECONDS
    assert PlanState.objects.get().is_stale


def test_broker_down_at_submit_saves_the_return_and_marks_the_plan_stale(
    blmk, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from submissions.tasks import build_system_plan_task, rebuild_stale_plans

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(build_system_plan_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        ret = submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "100"})

    ret.refresh_from_db()
    assert ret.status == "submitted"
    state = PlanState.objects.get()
    assert state.is_stale and "could not be reached" in state.last_error
    assert not SystemPlan.objects.exists()

    assert rebuild_stale_plans() == 1  # what Celery beat runs every few minutes
    state.refresh_from_db()
    assert not state.is_stale and SystemPlan.objects.get().included[0]["ods_code"] == "06F"


def test_returning_inputs_from_the_plan_sends_named_partners_back_with_the_comment(
    blmk, django_capture_on_commit_callbacks
):
    submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "100"})
    submitted(blmk["hospital"], "activity", {("gp_referrals", "fot"): "50"})
    plan, _ = build(blmk)
    lead = factories.ics_lead(blmk["system"])
    with django_capture_on_commit_callbacks(execute=True):
        plan_services.plan_return_inputs(
            user=lead,
            plan=plan,
            organisation_ids=[blmk["hospital"].pk],
            comment="Activity does not match the contract",
        )
    hospital_return = Return.objects.get(organisation=blmk["hospital"])
    assert hospital_return.status == "returned"
    assert hospital_return.returned_reason == "Activity does not match the contract"
    latest = plan_selectors.latest_plan(
        system=blmk["system"], template=blmk["activity"], stage="draft"
    )
    assert latest.version == 2 and [i["ods_code"] for i in latest.included] == ["06F"]


def test_alignment_flags_gaps_over_the_systems_threshold(blmk):
    submitted(
        blmk["beds"],
        "activity",
        {("gp_referrals", "fot"): "1,000", ("other_referrals", "fot"): "1,000"},
    )
    submitted(
        blmk["hospital"],
        "activity",
        {("gp_referrals", "fot"): "2,030", ("other_referrals", "fot"): "2,060"},
    )
    plan, _ = build(blmk)  # the hospital counts half: 1,015 and 1,030
    from submissions.plans.selectors import alignment

    rows = {r["line"].code: r for r in alignment(plan=plan, threshold=Decimal(2))}
    assert rows["gp_referrals"]["gap"] == 15 and not rows["gp_referrals"]["flagged"]  # 1.5%
    assert rows["other_referrals"]["gap"] == 30 and rows["other_referrals"]["flagged"]  # 3%
    assert round(rows["other_referrals"]["gap_pct"], 1) == Decimal("3.0")


@pytest.fixture
def built(blmk, client):
    submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "94,810"})
    plan, _ = build(blmk)
    return plan


def plan_url(name="submissions:plan", *extra):
    return reverse(name, args=["BLMK", 2019, "activity", "draft", *extra])


def test_ics_lead_pages_are_not_for_planning_leads_or_other_systems(client, blmk, built):
    for stranger in (
        factories.planning_lead(blmk["beds"]),
        factories.ics_lead(factories.system("LLR")),
    ):
        client.force_login(stranger)
        for url in (
            plan_url(),
            plan_url("submissions:plan_line", "gp_referrals"),
            plan_url("submissions:plan_csv"),
            reverse("submissions:completeness", args=["BLMK", 2019]),
            reverse("submissions:alignment", args=["BLMK", 2019]),
        ):
            assert client.get(url).status_code == 404, url
        assert client.post(plan_url("submissions:plan_approve"), {"version": 1}).status_code == 404
    built.refresh_from_db()
    assert not built.is_approved


def test_analyst_reads_the_plan_but_cannot_approve_it(client, built):
    client.force_login(factories.analyst())
    assert client.get(plan_url()).status_code == 200
    assert client.post(plan_url("submissions:plan_approve"), {"version": 1}).status_code == 403
    built.refresh_from_db()
    assert not built.is_approved


def test_completeness_matrix_shows_each_partners_status(client, blmk, built):
    client.force_login(factories.ics_lead(blmk["system"]))
    html = client.get(reverse("submissions:completeness", args=["BLMK", 2019])).content.decode()
    beds_row = html[html.index('data-ods="06F"') : html.index('data-ods="06P"')]
    assert "Submitted" in beds_row and "Not started" in beds_row
    assert (
        "Not required" in html[html.index('data-ods="RC1"') :]
    )  # a trust does not complete finance


def test_exports_have_stable_field_names(client, blmk, built):
    client.force_login(factories.ics_lead(blmk["system"]))
    csv_text = client.get(plan_url("submissions:plan_csv")).content.decode()
    header, *rows = csv_text.strip().splitlines()
    assert header.split(",") == EXPORT_FIELDS
    assert any(
        row.startswith("BLMK,2019/20,activity,draft,1,,growth,gp_referrals")
        and row.endswith(",94810.000000")
        for row in rows
    )
    body = client.get(plan_url("submissions:plan_json")).json()
    assert set(body) == {
        "system",
        "round",
        "template",
        "stage",
        "plan_version",
        "built_at",
        "approved_at",
        "approved_by",
        "inputs",
        "cells",
    }
    assert set(body["cells"][0]) == set(EXPORT_FIELDS)
    assert {i["ods_code"]: i["included"] for i in body["inputs"]} == {
        "06F": True,
        "06P": False,
        "RC1": False,
    }


def test_plan_page_shows_changes_since_the_approved_version(client, blmk, built):
    lead = factories.ics_lead(blmk["system"])
    plan_services.plan_approve(user=lead, plan=built)
    submitted(blmk["hospital"], "activity", {("gp_referrals", "fot"): "1,000"})
    build(blmk)
    client.force_login(lead)
    html = client.get(plan_url()).content.decode()
    assert 'data-testid="changes-since-approval"' in html
    assert "94,810" in html and "95,310" in html


def test_build_system_plan_command_builds_every_template_and_is_idempotent(blmk):
    from io import StringIO

    from django.core.management import call_command

    submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "1"})
    out = StringIO()
    call_command("build_system_plan", "--system", "blmk", "--round", "2019", stdout=out)
    assert "activity     draft  version 1 built: 1 of 3 partners included" in out.getvalue()
    count = SystemPlan.objects.count()
    assert (
        count
        == 2 * Template.objects.filter(round__financial_year=2019).exclude(kind="narrative").count()
    )
    call_command("build_system_plan", "--system", "BLMK", "--round", "2019", stdout=StringIO())
    assert SystemPlan.objects.count() == count


def test_build_now_from_the_page_and_control_total_of_a_finance_plan(client, blmk):
    submitted(blmk["beds"], "finance", seed_figures.finance_cells())
    submitted(
        blmk["luton"],
        "finance",
        {("core_programme", "budget"): "1,000", ("acute", "budget"): "900"},
    )
    client.force_login(factories.ics_lead(blmk["system"]))
    url = reverse("submissions:plan", args=["BLMK", 2019, "finance", "draft"])
    response = client.post(
        reverse("submissions:plan_build", args=["BLMK", 2019, "finance", "draft"])
    )
    assert response.status_code == 302
    html = client.get(url).content.decode()
    control = html[html.index('data-testid="control-total"') :]
    # 6,100 from Bedfordshire and 100 from Luton: the system control total is their sum.
    assert "6,100" in control and ">100<" in control and "6,200" in control


def test_plan_compares_with_the_previous_rounds_approved_plan(client, blmk):
    submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "1,000"})
    lead = factories.ics_lead(blmk["system"])
    plan_services.plan_approve(user=lead, plan=build(blmk)[0])
    submitted(blmk["beds"], "activity", {("gp_referrals", "fot"): "1,100"}, financial_year=2020)
    activity_2020 = Template.objects.get(round__financial_year=2020, code="activity")
    build(blmk, template=activity_2020)
    client.force_login(lead)
    html = client.get(
        reverse("submissions:plan", args=["BLMK", 2020, "activity", "draft"])
    ).content.decode()
    assert "last round (approved)" in html
    assert "10.0" in html  # 1,000 -> 1,100
