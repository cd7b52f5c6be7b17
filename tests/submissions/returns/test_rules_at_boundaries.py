"""Every business rule of the 2019 and 2020 templates, at its boundary and one unit beyond it.

A rule compares figures as planners read them: both sides of its comparison are rounded half up to
the precision of the unit of the cell it is attached to (£000 and counts whole, % 1 place, WTE 2;
planning/templates_data/README.md). So each rule passes exactly at its boundary as shown, and
warns (or, for an error rule, errs) one unit of that precision beyond it.

The templates are loaded once for the module and the grids built from them (the database is then
rolled back); each test runs `evaluation.evaluate` on those grids and makes no query.
"""

from dataclasses import dataclass, field

import pytest
from django.db import transaction

from submissions.returns import evaluation
from tests import factories

pytestmark = pytest.mark.django_db

YEARS = (2019, 2020)


@pytest.fixture(scope="module")
def grids(django_db_setup, django_db_blocker):
    """{year: {template code: TemplateGrid}} for both rounds, loaded once, with nothing kept."""
    with django_db_blocker.unblock(), transaction.atomic():
        loaded = factories.grids(YEARS)
        transaction.set_rollback(True)
    return loaded


@dataclass
class Boundary:
    """A rule at its boundary: `typed` passes it; the same with `beyond` does not."""

    template: str
    rule: str
    typed: dict  # {"line.column": what a planner types}
    beyond: dict  # the cell(s) changed one unit past the boundary
    why: str
    flagged_lines: tuple = ()  # for a rule checked on each line: the lines it flags beyond
    finance: dict = field(default_factory=dict)  # the finance plan, for rules that look across
    qipp: dict = field(default_factory=dict)  # the QIPP plan, for rules that look across
    years: tuple = YEARS


# The finance plan of Bedfordshire's allocation (681,172, split as submissions/demo/seed_figures.py
# splits it) and of the issue's example (600,050).
BEDFORDSHIRE_ALLOCATION = {
    "core_programme.budget": "606,611",
    "delegated_allocation.budget": "64,653",
    "running_cost_allowance.budget": "9,908",
}
ALLOCATION_600050 = {"core_programme.budget": "600,050"}

BOUNDARIES = [
    # Finance (£000, whole numbers) ---------------------------------------------------------------
    Boundary(
        "finance",
        "contingency_minimum",
        {**ALLOCATION_600050, "contingency.budget": "3,000"},
        {"contingency.budget": "2,999"},
        "0.5% of 600,050 is 3,000.25, which is 3,000 in £000",
    ),
    Boundary(
        "finance",
        "contingency_minimum",
        {**BEDFORDSHIRE_ALLOCATION, "contingency.budget": "3,406"},
        {"contingency.budget": "3,405"},
        "0.5% of 681,172 is 3,405.86, which is 3,406",
    ),
    Boundary(
        "finance",
        "mental_health_investment_standard",
        {
            "core_programme.budget": "607,144",
            "core_programme.forecast": "587,950",
            "mental_health.budget": "60,806",
            "mental_health.forecast": "58,884",
        },
        {"mental_health.budget": "60,805"},
        "58,884 grown as the allocation (x 1.0326456) is 60,806.3, which is 60,806",
    ),
    Boundary(
        "finance",
        "running_costs_within_allowance",
        {"running_cost_allowance.budget": "9,908", "running_costs.budget": "9,908"},
        {"running_costs.budget": "9,909"},
        "running costs equal to the allowance are within it",
    ),
    Boundary(
        "finance",
        "qipp_efficiencies_negative",
        {"qipp_efficiencies.budget": "0"},
        {"qipp_efficiencies.budget": "1"},
        "no efficiencies is not a saving; 1 is a cost",
    ),
    Boundary(
        "finance",
        "qipp_efficiencies_match_qipp",
        {"qipp_efficiencies.budget": "-29,441"},
        {"qipp_efficiencies.budget": "-29,440"},
        "the bridge equals minus the QIPP return's gross savings",
        qipp={"acute.gross": "29,441"},
    ),
    # Provider finance (£000) --------------------------------------------------------------------
    Boundary(
        "provider_finance",
        "cip_negative",
        {"cip.plan": "0"},
        {"cip.plan": "1"},
        "a CIP of nothing is not a cost; 1 is",
    ),
    Boundary(
        "provider_finance",
        "surplus_meets_control_total",
        {"other_operating_income.plan": "11,000", "control_total.plan": "11,000"},
        {"control_total.plan": "11,001"},
        "a surplus equal to the control total meets it",
    ),
    # QIPP (£000) --------------------------------------------------------------------------------
    Boundary(
        "qipp",
        "gross_reasonableness",
        {"acute.gross": "27,247"},
        {"acute.gross": "27,248"},
        "4% of 681,172 is 27,246.88, which is 27,247",
        finance=BEDFORDSHIRE_ALLOCATION,
    ),
    Boundary(
        "qipp",
        "gross_reasonableness",
        {"acute.gross": "24,002"},
        {"acute.gross": "24,003"},
        "4% of 600,050 is 24,002 exactly",
        finance=ALLOCATION_600050,
    ),
    Boundary(
        "qipp",
        "assured_within_gross",
        {"acute.gross": "100", "acute.assured": "100"},
        {"acute.assured": "101"},
        "an assured value equal to the gross savings is within them (the total too)",
        flagged_lines=("acute", "total"),
    ),
    # Workforce (WTE, 2 places) ------------------------------------------------------------------
    Boundary(
        "workforce",
        "total_not_reduced",
        {
            "gps.baseline": "10.5",
            "gps.planned": "10.5",
            "practice_nurses.baseline": "4.25",
            "practice_nurses.planned": "4.25",
        },
        {"practice_nurses.planned": "4.24"},
        "a total of 14.75 planned against 14.75 is not a reduction; 14.74 is",
    ),
    Boundary(
        "workforce",
        "gps_not_reduced",
        {"gps.baseline": "12.5", "gps.planned": "12.5"},
        {"gps.planned": "12.49"},
        "as many GPs as the baseline is not fewer",
    ),
    # Performance (%, 1 place) -------------------------------------------------------------------
    # Rates computed from their counts (a count whole, the rate % at 1 place).
    Boundary(
        "performance",
        "ae_standard",
        {"ae_within_4h.q4": "950", "ae_attendances.q4": "1,000"},
        {"ae_within_4h.q4": "949"},
        "95%",
    ),
    Boundary(
        "performance",
        "ae_standard",
        {"ae_within_4h.q4": "9,495", "ae_attendances.q4": "10,000"},
        {"ae_within_4h.q4": "9,494"},
        "94.95% reads 95.0% at the unit's 1 place, 94.94% reads 94.9%",
    ),
    Boundary(
        "performance",
        "rtt_standard",
        {"rtt_within_18w.q4": "920", "rtt_incomplete.q4": "1,000"},
        {"rtt_within_18w.q4": "919"},
        "92%",
    ),
    Boundary(
        "performance",
        "cancer_62_day_standard",
        {"cancer_within_62d.q4": "850", "cancer_treated.q4": "1,000"},
        {"cancer_within_62d.q4": "849"},
        "85%",
    ),
    Boundary(
        "performance",
        "dementia_diagnosis_standard",
        {"dementia_diagnosed.q4": "667", "dementia_prevalence.q4": "1,000"},
        {"dementia_diagnosed.q4": "666"},
        "two thirds, 66.7%",
    ),
    *[
        Boundary(
            "performance",
            f"{key}_counts_{quarter}",
            {f"{numerator}.{quarter}": "1,000", f"{denominator}.{quarter}": "1,000"},
            {f"{numerator}.{quarter}": "1,001"},
            "a count within all of them",
        )
        for key, numerator, denominator in (
            ("ae", "ae_within_4h", "ae_attendances"),
            ("rtt", "rtt_within_18w", "rtt_incomplete"),
            ("cancer", "cancer_within_62d", "cancer_treated"),
            ("dementia", "dementia_diagnosed", "dementia_prevalence"),
        )
        for quarter in ("q1", "q2", "q3", "q4")
    ],
    # Trajectories typed as % (1 place).
    Boundary(
        "performance",
        "iapt_access_standard",
        {"iapt_access.q4": "22"},
        {"iapt_access.q4": "21.9"},
        "22% in 2019/20",
        years=(2019,),
    ),
    Boundary(
        "performance",
        "iapt_access_standard",
        {"iapt_access.q4": "25"},
        {"iapt_access.q4": "24.9"},
        "25% in 2020/21",
        years=(2020,),
    ),
    Boundary(
        "performance", "dtoc_standard", {"dtoc.q4": "3.5"}, {"dtoc.q4": "3.6"}, "3.5% or less"
    ),
    *[
        Boundary(
            "performance",
            f"{quarter}_at_most_100",
            {f"iapt_access.{quarter}": "100"},
            {f"iapt_access.{quarter}": "100.1"},
            "100% is the most a percentage can be",
            flagged_lines=("iapt_access",),
        )
        for quarter in ("q1", "q2", "q3", "q4")
    ],
    # Activity (growth in %, 1 place) ------------------------------------------------------------
    Boundary(
        "activity",
        "growth_against_last_year",
        {
            "gp_referrals.fot": "1,000",
            "gp_referrals.coding": "0",
            "gp_referrals.trend": "29",
            "gp_referrals.last_year_growth": "7.9",
        },
        {"gp_referrals.last_year_growth": "8.0"},
        "2.9% planned against 7.9% last year is 5.0 points; against 8.0% it is 5.1",
        flagged_lines=("gp_referrals",),
    ),
    Boundary(
        "activity",
        "growth_against_last_year",
        {
            "gp_referrals.fot": "94,810",
            "gp_referrals.trend": "2,771",
            "gp_referrals.last_year_growth": "-2.1",
        },
        {"gp_referrals.last_year_growth": "-2.2"},
        "2.92% planned against -2.1% is 5.02 points, which reads 5.0; against -2.2% it is 5.12",
        flagged_lines=("gp_referrals",),
    ),
]

CASES = [(year, boundary) for boundary in BOUNDARIES for year in boundary.years]


def cells(raw):
    return {tuple(name.split(".")): text for name, text in raw.items()}


def messages_of(grids, year, boundary, raw):
    """The messages of `boundary.rule` when a planner types `raw`."""
    grid = grids[year][boundary.template]
    typed, errors = evaluation.parse_typed(grid, cells(raw))
    assert errors == []
    other = {}
    if boundary.finance:
        finance, finance_errors = evaluation.parse_typed(
            grids[year]["finance"], cells(boundary.finance)
        )
        assert finance_errors == []
        other["finance"] = grids[year]["finance"].compute(finance)
    if boundary.qipp:
        qipp, qipp_errors = evaluation.parse_typed(grids[year]["qipp"], cells(boundary.qipp))
        assert qipp_errors == []
        other["qipp"] = grids[year]["qipp"].compute(qipp)
    result = evaluation.evaluate(grid, typed, other)
    return [
        m
        for m in result.errors + result.warnings
        if m.key == boundary.rule or m.key.startswith(f"{boundary.rule}:")
    ]


def case_id(case):
    year, boundary = case
    return f"{year}-{boundary.template}-{boundary.rule}-{boundary.why}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
def test_a_rule_passes_at_its_boundary_and_not_one_unit_beyond(
    grids, case, django_assert_num_queries
):
    year, boundary = case
    rule = next(
        r for r in grids[year][boundary.template].template.rules if r["code"] == boundary.rule
    )

    with django_assert_num_queries(0):
        at = messages_of(grids, year, boundary, boundary.typed)
        beyond = messages_of(grids, year, boundary, {**boundary.typed, **boundary.beyond})

    assert at == [], boundary.why
    assert beyond, f"{boundary.rule} does not fire one unit beyond: {boundary.why}"
    assert {m.severity for m in beyond} == {rule["severity"]}
    if rule.get("each_line"):
        assert {m.line for m in beyond} == set(boundary.flagged_lines)
        assert {m.column for m in beyond} == {rule["cell"]}
    else:
        assert [(m.line, m.column) for m in beyond] == [tuple(rule["cell"].split("."))]


def test_every_business_rule_of_both_rounds_is_tested_at_its_boundary(grids):
    rules = {
        (year, code, rule["code"])
        for year in YEARS
        for code, grid in grids[year].items()
        for rule in grid.template.rules
    }
    tested = {(year, boundary.template, boundary.rule) for year, boundary in CASES}
    assert rules == tested


def test_the_issues_example_contingency_of_3000_passes_and_2999_warns_at_600050(grids):
    grid = grids[2019]["finance"]
    for contingency, warned in (("3,000", False), ("2,999", True)):
        typed, _ = evaluation.parse_typed(
            grid,
            cells({"core_programme.budget": "600,050", "contingency.budget": contingency}),
        )
        result = evaluation.evaluate(grid, typed)
        assert result.values[("total_income", "budget")] == 600050
        keys = [w.key for w in result.warnings]
        assert ("contingency_minimum" in keys) is warned, contingency


def test_a_rule_that_needs_a_blank_cell_is_not_applied(grids):
    grid = grids[2019]["finance"]
    typed, _ = evaluation.parse_typed(grid, cells({"contingency.budget": "1"}))
    assert evaluation.evaluate(grid, typed).warnings == []
    grid = grids[2019]["performance"]
    assert evaluation.evaluate(grid, {}).warnings == []
