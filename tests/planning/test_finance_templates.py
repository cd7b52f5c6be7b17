"""The CCG finance template (2019/20 and 2020/21): allocations split as the guidance sets them,
expenditure before efficiencies with the QIPP bridge to net expenditure, in-year and cumulative
surplus (the control total), and the measures papers quote, checked with a CCG's invented but
balancing plan and with Bedfordshire's published one."""

from decimal import Decimal

import pytest
from django.db import transaction

from planning.models import Template
from submissions.demo import seed_figures
from submissions.returns.evaluation import evaluate, parse_typed
from tests import factories

pytestmark = pytest.mark.django_db

YEARS = (2019, 2020)

# A second CCG's 2019/20 plan, invented but balancing (£000): line -> (budget, forecast).
OTHER_CCG = {
    "core_programme": (520000, 500000),
    "delegated_allocation": (58000, 56000),
    "gp_extended_access": (3200, 3100),
    "other_ring_fenced": (1800, 1700),
    "running_cost_allowance": (8500, 8600),
    "non_recurrent": (2500, 4000),
    "acute": (330000, 320000),
    "mental_health": (55000, 52000),
    "community": (38000, 37000),
    "continuing_care": (30000, 29000),
    "primary_care": (62000, 60000),
    "primary_care_delegated": (58000, 56000),
    "other_programme": (16000, 15000),
    "qipp_efficiencies": (-21384, None),
    "contingency": (2970, None),
    "other_reserves": (4030, -2000),
    "running_costs": (8400, 8300),
    "surplus_brought_forward": (-20000, -18100),
}
OTHER_CCG_QIPP_GROSS = Decimal("21384")  # 3.6% of its 594,000 allocation
OTHER_CCG_TOTALS = {
    "total_income": (594000, 573400),
    "total_before_efficiencies": (589000, 569000),
    "total_commissioned": (567616, 569000),  # 589,000 - 21,384
    "total_reserves": (7000, -2000),
    "surplus": (10984, -1900),  # 594,000 - 567,616 - 7,000 - 8,400
    "cumulative_surplus": (-9016, -20000),  # the control total: 10,984 - 20,000
}
OTHER_CCG_MEASURES = {
    "qipp_pct_allocation": "3.60",  # 21,384 / 594,000
    "programme_growth_pct": "4.00",  # 520,000 / 500,000
    "mental_health_growth_pct": "5.77",  # 55,000 / 52,000
    "running_costs_vs_allowance": "-100.00",  # 8,400 - 8,500
    "contingency_pct_allocation": "0.50",  # 2,970 / 594,000
}


@pytest.fixture(scope="module")
def grids(django_db_setup, django_db_blocker):
    """{year: {template code: TemplateGrid}} for both rounds, loaded once, with nothing kept."""
    with django_db_blocker.unblock(), transaction.atomic():
        loaded = factories.grids(YEARS)
        controls = {
            (t.round.financial_year, t.code): t.control_total
            for t in Template.objects.select_related("round")
        }
        transaction.set_rollback(True)
    return {"grids": loaded, "control_totals": controls}


def cells_of(rows):
    return {
        (line, column): f"{value:,}"
        for line, pair in rows.items()
        for column, value in zip(("budget", "forecast"), pair, strict=True)
        if value is not None
    }


def evaluated(grid, rows, qipp_gross=None, changes=None):
    typed, errors = parse_typed(grid, {**cells_of(rows), **(changes or {})})
    assert errors == []
    others = {} if qipp_gross is None else {"qipp": {("total", "gross"): Decimal(qipp_gross)}}
    return evaluate(grid, typed, others)


def two_places(value):
    return f"{value:.2f}"


@pytest.mark.parametrize("year", YEARS)
def test_finance_templates_name_their_control_total_cell(grids, year):
    assert grids["control_totals"][(year, "finance")] == "cumulative_surplus.budget"
    assert grids["control_totals"][(year, "provider_finance")] == "control_total.plan"
    assert grids["control_totals"][(year, "qipp")] == ""


@pytest.mark.parametrize("year", YEARS)
def test_a_second_ccgs_balancing_plan_gives_every_total_and_measure(grids, year):
    result = evaluated(grids["grids"][year]["finance"], OTHER_CCG, OTHER_CCG_QIPP_GROSS)
    for line, (budget, forecast) in OTHER_CCG_TOTALS.items():
        assert result.values[(line, "budget")] == budget, line
        assert result.values[(line, "forecast")] == forecast, line
    for line, shown in OTHER_CCG_MEASURES.items():
        assert two_places(result.values[(line, "budget")]) == shown, line
    assert two_places(result.values[("total_income", "variance_pct")]) == "3.47"  # 20,600/594,000
    assert result.values[("qipp_efficiencies", "variance")] is None  # no forecast bridge
    assert result.errors == [] and result.warnings == []


def test_bedfordshire_reproduces_to_the_pound_with_the_qipp_bridge(grids):
    grid = grids["grids"][2019]["finance"]
    typed, errors = parse_typed(grid, seed_figures.finance_cells())
    assert errors == []
    result = evaluate(grid, typed, {"qipp": {("total", "gross"): Decimal("29441")}})
    for line, (budget, forecast) in seed_figures.FINANCE_TOTALS.items():
        assert result.values[(line, "budget")] == budget, line
        assert result.values[(line, "forecast")] == forecast, line
    assert result.values[("total_income", "budget")] == 681172
    assert result.values[("total_commissioned", "budget")] == 659649
    assert result.values[("total_reserves", "budget")] == 5515
    assert result.values[("running_costs", "budget")] == 9908
    assert result.values[("surplus", "budget")] == 6100
    for line, shown in seed_figures.FINANCE_MEASURES.items():
        assert two_places(result.values[(line, "budget")]) == shown, line
    # Each category before efficiencies less its QIPP area's savings is the seed's net figure.
    for line, net in seed_figures.NET_EXPENDITURE.items():
        assert seed_figures.FINANCE[line][0] >= net, line
    assert result.errors == [] and result.warnings == []


@pytest.mark.parametrize(
    "bridge, fails", [("-21,384", False), ("-21,383", True), ("-21,385", True)]
)
def test_qipp_efficiencies_must_equal_minus_the_qipp_returns_gross_savings(grids, bridge, fails):
    # Net expenditure moves with the bridge; other reserves take up the difference so that the
    # surplus stays as planned: only the cross-template check can fail.
    difference = int(bridge.replace(",", "")) + 21384
    changes = {
        ("qipp_efficiencies", "budget"): bridge,
        ("other_reserves", "budget"): str(4030 - difference),
    }
    result = evaluated(grids["grids"][2019]["finance"], OTHER_CCG, OTHER_CCG_QIPP_GROSS, changes)
    failed = [m for m in result.errors if m.key == "qipp_efficiencies_match_qipp"]
    assert bool(failed) is fails
    if fails:
        assert (failed[0].line, failed[0].column) == ("qipp_efficiencies", "budget")


def test_qipp_bridge_check_waits_for_the_qipp_return(grids):
    result = evaluated(grids["grids"][2019]["finance"], OTHER_CCG)
    assert result.errors == []
    assert result.values[("qipp_pct_allocation", "budget")] is None  # no QIPP plan is not 0%
    assert result.values[("total_commissioned", "budget")] == 567616


def test_qipp_efficiencies_typed_as_a_saving_above_zero_is_refused(grids):
    changes = {("qipp_efficiencies", "budget"): "21,384"}
    result = evaluated(grids["grids"][2019]["finance"], OTHER_CCG, None, changes)
    assert "qipp_efficiencies_negative" in {m.key for m in result.errors}


@pytest.mark.parametrize("gross, pct, warns", [("23,760", "4.00", False), ("23,820", "4.01", True)])
def test_qipp_above_four_percent_of_allocation_warns_on_the_qipp_return(grids, gross, pct, warns):
    finance = grids["grids"][2019]["finance"]
    qipp = grids["grids"][2019]["qipp"]
    value = int(gross.replace(",", ""))
    changes = {("qipp_efficiencies", "budget"): f"-{gross}"}
    finance_values = evaluated(finance, OTHER_CCG, value, changes).values
    assert two_places(finance_values[("qipp_pct_allocation", "budget")]) == pct
    typed, _ = parse_typed(qipp, {("unidentified", "gross"): gross})
    result = evaluate(qipp, typed, {"finance": finance_values})
    assert ("gross_reasonableness" in {m.key for m in result.warnings}) is warns


@pytest.mark.parametrize("year", YEARS)
def test_a_deficit_brought_forward_makes_the_control_total_a_deficit(grids, year):
    changes = {("surplus_brought_forward", "budget"): "-10,984"}
    result = evaluated(grids["grids"][year]["finance"], OTHER_CCG, OTHER_CCG_QIPP_GROSS, changes)
    assert result.values[("surplus", "budget")] == 10984
    assert result.values[("cumulative_surplus", "budget")] == 0
    blank = evaluated(
        grids["grids"][year]["finance"],
        {k: v for k, v in OTHER_CCG.items() if k != "surplus_brought_forward"},
        OTHER_CCG_QIPP_GROSS,
    )
    assert blank.values[("cumulative_surplus", "budget")] == 10984  # nothing brought forward
