"""The provider finance template for trusts, and performance trajectories captured as rates with their
numerator and denominator, in both rounds."""

from decimal import Decimal

import pytest
from django.db import transaction

from planning.models import Line, Organisation, Template
from planning.template_loader import load_all
from submissions.demo import seed_figures
from submissions.returns.evaluation import evaluate, parse_typed
from submissions.returns.selectors import grid_for_template

pytestmark = pytest.mark.django_db

YEARS = (2019, 2020)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """{year: {template code: TemplateGrid}}, the kinds completing provider finance, the standards."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_all()
        grids = {
            year: {
                template.code: grid_for_template(template)
                for template in Template.objects.filter(round__financial_year=year)
            }
            for year in YEARS
        }
        kinds = {
            t.round.financial_year: set(t.organisation_kinds)
            for t in Template.objects.filter(code="provider_finance").select_related("round")
        }
        standards = {
            (line.template.round.financial_year, line.code): line.standard
            for line in Line.objects.filter(template__code="performance").select_related(
                "template__round"
            )
        }
        transaction.set_rollback(True)
    return {"grids": grids, "kinds": kinds, "standards": standards}


def evaluated(grid, cells, changes=None):
    typed, errors = parse_typed(grid, {**cells, **(changes or {})})
    assert errors == []
    return evaluate(grid, typed, {})


@pytest.mark.parametrize("year", YEARS)
def test_acute_community_and_mental_health_trusts_complete_provider_finance(loaded, year):
    assert loaded["kinds"][year] == {
        Organisation.Kind.ACUTE,
        Organisation.Kind.COMMUNITY,
        Organisation.Kind.MENTAL_HEALTH,
    }


@pytest.mark.parametrize("year", YEARS)
def test_a_trusts_plan_bridges_cip_to_ebitda_surplus_and_control_total(loaded, year):
    grid = loaded["grids"][year]["provider_finance"]
    result = evaluated(grid, seed_figures.provider_finance_cells())
    for line, (plan, forecast) in seed_figures.PROVIDER_FINANCE_TOTALS.items():
        assert result.values[(line, "plan")] == plan, line
        assert result.values[(line, "forecast")] == forecast, line
    assert result.values[("surplus", "variance")] == 6900  # 11,000 - 4,100
    assert result.values[("cip", "variance")] is None  # no forecast CIP: no variance
    assert result.errors == [] and result.warnings == []


@pytest.mark.parametrize("control_total, warns", [("11,000", False), ("11,001", True)])
def test_a_surplus_below_the_control_total_warns(loaded, control_total, warns):
    grid = loaded["grids"][2019]["provider_finance"]
    changes = {("control_total", "plan"): control_total}
    result = evaluated(grid, seed_figures.provider_finance_cells(), changes)
    failed = [m for m in result.warnings if m.key == "surplus_meets_control_total"]
    assert bool(failed) is warns
    if warns:
        assert (failed[0].line, failed[0].column) == ("surplus", "plan")


def test_a_deficit_control_total_is_met_by_a_smaller_deficit(loaded):
    grid = loaded["grids"][2019]["provider_finance"]
    changes = {("psf", "plan"): "0", ("frf", "plan"): "0", ("control_total", "plan"): "(2,000)"}
    result = evaluated(grid, seed_figures.provider_finance_cells(), changes)
    assert result.values[("surplus", "plan")] == 1500
    assert result.values[("control_total", "plan")] == -2000
    assert result.warnings == [] and result.errors == []


def test_cip_typed_as_a_cost_above_zero_is_refused(loaded):
    grid = loaded["grids"][2019]["provider_finance"]
    result = evaluated(grid, seed_figures.provider_finance_cells(), {("cip", "plan"): "8,000"})
    assert "cip_negative" in {m.key for m in result.errors}


# Performance rates ---------------------------------------------------------------------------------

RATES = {
    # rate line: (numerator, denominator, national standard)
    "ae_4h_pct": ("ae_within_4h", "ae_attendances", Decimal("95")),
    "rtt_18w_pct": ("rtt_within_18w", "rtt_incomplete", Decimal("92")),
    "cancer_62d_pct": ("cancer_within_62d", "cancer_treated", Decimal("85")),
    "dementia_diagnosis_pct": ("dementia_diagnosed", "dementia_prevalence", Decimal("66.7")),
}


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("rate", list(RATES))
def test_a_rate_is_computed_from_its_numerator_and_denominator(loaded, year, rate):
    numerator, denominator, standard = RATES[rate]
    grid = loaded["grids"][year]["performance"]
    result = evaluated(grid, {(numerator, "q1"): "9,120", (denominator, "q1"): "9,600"})
    assert result.values[(rate, "q1")] == 95  # 9,120 / 9,600
    assert result.values[(rate, "q2")] is None  # no counts, no rate
    assert loaded["standards"][(year, rate)] == standard


def test_summed_counts_give_the_systems_rate_not_a_sum_of_rates(loaded):
    # Two trusts: 9,120 of 9,600 (95%) and 2,700 of 3,000 (90%). Added up, as a system plan adds
    # the typed cells, the rate is 11,820 / 12,600 = 93.81%, not 185% nor the mean 92.5%.
    grid = loaded["grids"][2019]["performance"]
    typed = {("ae_within_4h", "q4"): Decimal(9120 + 2700), ("ae_attendances", "q4"): Decimal(12600)}
    values = grid.compute(typed)
    assert f"{values[('ae_4h_pct', 'q4')]:.2f}" == "93.81"


@pytest.mark.parametrize(
    "within, warns", [("9,495", False), ("9,494", True)]
)  # of 10,000: 94.95% reads 95.0%, 94.94% reads 94.9%
def test_the_ae_standard_is_checked_on_the_computed_rate(loaded, within, warns):
    grid = loaded["grids"][2019]["performance"]
    result = evaluated(grid, {("ae_within_4h", "q4"): within, ("ae_attendances", "q4"): "10,000"})
    flagged = [m for m in result.warnings if m.key == "ae_standard"]
    assert bool(flagged) is warns
    if warns:
        assert (flagged[0].line, flagged[0].column) == ("ae_4h_pct", "q4")


@pytest.mark.parametrize("within, refused", [("10,000", False), ("10,001", True)])
def test_a_numerator_cannot_exceed_its_denominator(loaded, within, refused):
    grid = loaded["grids"][2019]["performance"]
    result = evaluated(grid, {("ae_within_4h", "q2"): within, ("ae_attendances", "q2"): "10,000"})
    assert ("ae_counts_q2" in {m.key for m in result.errors}) is refused
