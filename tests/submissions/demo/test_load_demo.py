"""Demo data (`load_demo`): the seed systems, timetables, returns and paper, loadable twice without change."""

from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from planning.models import Membership, Milestone, Organisation, Role, System
from submissions.demo import DEMO_PASSWORD
from submissions.models import Change, Paper, PaperRender, Return, SystemPlan
from submissions.plans.selectors import control_total, figures
from submissions.returns.selectors import computed_values, evaluation_of

pytestmark = pytest.mark.django_db


def counts():
    models = (System, Organisation, Membership, Milestone, Role)
    return [M.objects.count() for M in (*models, Return, Change, SystemPlan, Paper, PaperRender)]


def test_load_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first


def test_demo_has_the_four_seed_systems_with_blmk_counting_half_of_ccs(settings):
    settings.DEBUG = True
    call_command("load_demo")
    assert set(System.objects.values_list("code", flat=True)) == {"BLMK", "DORSET", "BUCKS", "LLR"}
    ccs = Membership.objects.get(system__code="BLMK", organisation__ods_code="RYV")
    assert ccs.share == Decimal("0.5")
    blmk = Membership.objects.filter(system__code="BLMK")
    assert blmk.filter(organisation__kind="ccg").count() == 3
    assert blmk.filter(organisation__kind="acute").count() == 3


def test_demo_timetables_come_from_the_seed_papers(settings):
    settings.DEBUG = True
    call_command("load_demo")
    final = Milestone.objects.get(title="Final 2019/20 organisation operating plan submission")
    assert str(final.date) == "2019-04-04" and final.stage == "final" and final.system is None
    ofrg = Milestone.objects.get(title="Draft ICS operational plan to OFRG for comments")
    assert ofrg.system.code == "DORSET"
    assert Milestone.objects.filter(round__financial_year=2020, system=None).count() == 4


def test_every_demo_login_works(settings):
    settings.DEBUG = True
    call_command("load_demo")
    for role in Role.objects.select_related("user"):
        assert authenticate(username=role.user.username, password=DEMO_PASSWORD)


def test_demo_refuses_to_load_published_passwords_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not System.objects.exists()


def test_demo_returns_plan_and_paper_carry_bedfordshires_published_figures(
    settings, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):  # plan builds and the render
        call_command("load_demo")
    beds = Return.objects.filter(
        organisation__ods_code="06F", stage="draft", template__round__financial_year=2019
    )
    assert set(beds.values_list("template__code", "status")) == {
        ("finance", "submitted"),
        ("qipp", "submitted"),
        ("activity", "submitted"),
    }
    qipp = beds.get(template__code="qipp")
    assert computed_values(qipp)[("total", "gross")] == Decimal("29441")
    plan = SystemPlan.objects.filter(
        system__code="BLMK", template__code="finance", template__round__financial_year=2019
    ).latest("version")
    assert control_total(plan, figures(plan).grid)["total"] == Decimal("6100")
    assert Return.objects.get(
        organisation__ods_code="04F",
        template__code="activity",
        template__round__financial_year=2019,
    ).is_late
    assert PaperRender.objects.get(paper__organisation__ods_code="06F").status == "ready"


def test_demo_finance_reproduces_bedfordshires_summary_of_spend_to_the_pound(settings):
    settings.DEBUG = True
    call_command("load_demo")
    finance = Return.objects.get(
        organisation__ods_code="06F",
        template__code="finance",
        stage="draft",
        template__round__financial_year=2019,
    )
    values = computed_values(finance)  # with its QIPP return's gross savings beside it
    published = {
        "total_income": 681172,
        "total_commissioned": 659649,
        "total_reserves": 5515,
        "running_costs": 9908,
        "surplus": 6100,
        "cumulative_surplus": 6100,
        "qipp_efficiencies": -29441,
    }
    assert {line: values[(line, "budget")] for line in published} == published
    assert f"{values[('qipp_pct_allocation', 'budget')]:.2f}" == "4.32"  # "£29.4m (4.3%)"
    # The QIPP bridge equals the QIPP return's gross savings: no cross-template error.
    assert evaluation_of(finance).errors == []


def test_demo_has_an_illustrative_provider_finance_return_meeting_its_control_total(settings):
    settings.DEBUG = True
    call_command("load_demo")
    bedford = Return.objects.get(
        organisation__ods_code="RC1",
        template__code="provider_finance",
        stage="draft",
        template__round__financial_year=2019,
    )
    assert bedford.status == "submitted"
    values = computed_values(bedford)
    assert values[("total_income", "plan")] == 235800
    assert values[("surplus", "plan")] == values[("control_total", "plan")] == 11000
    assert evaluation_of(bedford).errors == evaluation_of(bedford).warnings == []
