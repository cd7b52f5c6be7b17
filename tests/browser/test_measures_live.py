"""Derived measures in the browser (Chromium): grid.js computes the shared measures table
(tests/evaluation_table.py MEASURE_CASES) exactly as the server does, reading another template's
figures from the ones the page embeds; and on the finance plan, QIPP as % of allocation moves as
the planning lead types the allocation, from the QIPP plan's saved gross savings."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from planning.template_loader import load_all
from submissions.demo import seed_figures
from submissions.models import Return
from submissions.returns.evaluation import parse_typed
from submissions.returns.presenters import grid_definition
from tests import evaluation_table, factories
from tests.browser.test_grid_arithmetic_matches_the_server import run_in_page

pytestmark = pytest.mark.browser


def other_values(case):
    return {
        code: {tuple(name.split(".")): Decimal(value) for name, value in values.items()}
        for code, values in case["other"].items()
    }


@pytest.fixture(scope="module")
def computed(browser):
    """grid.js's computeGrid of every measures case, each with the definition the page would get."""
    grid = evaluation_table.table_grid(rules=[], template=evaluation_table.MEASURES_TEMPLATE)
    cases = [
        {"definition": grid_definition(grid, other_values(case)), "typed": case["typed"]}
        for case in evaluation_table.MEASURE_CASES
    ]
    return run_in_page(
        browser,
        "(grid, cases) => cases.map(({definition, typed}) => grid.computeGrid(definition, typed))",
        cases,
    )


@pytest.mark.parametrize(
    "index",
    range(len(evaluation_table.MEASURE_CASES)),
    ids=[c["name"] for c in evaluation_table.MEASURE_CASES],
)
def test_grid_js_computes_measures_across_sections_and_templates_as_the_server_does(
    computed, index
):
    case, cells = evaluation_table.MEASURE_CASES[index], computed[index]
    grid = evaluation_table.table_grid(rules=[], template=evaluation_table.MEASURES_TEMPLATE)
    raw = {tuple(name.split(".")): text for name, text in case["typed"].items()}
    typed, _ = parse_typed(grid, raw)
    server = grid.compute(typed, other_values(case))

    for name, cell in cells.items():
        value = None if cell["value"] is None else Decimal(cell["value"])
        assert value == server[tuple(name.split("."))], name
    for name, expected in case["values"].items():
        value = cells[name]["value"]
        assert (None if value is None else Decimal(value)) == (
            None if expected is None else Decimal(expected)
        ), name
    assert {name: cells[name]["shown"] for name in case["shown"]} == case["shown"]


@pytest.fixture
def beds_lead(transactional_db):
    load_all()
    system = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    factories.membership(beds, system)
    lead = factories.planning_lead(beds, first_name="Bea")
    factories.saved_return(beds, "qipp", seed_figures.qipp_cells(), lead=lead)
    return lead


@pytest.mark.django_db(transaction=True)
def test_typing_the_allocation_moves_qipp_as_a_percentage_of_allocation_live(
    page, log_in, assert_accessible, beds_lead
):
    log_in(beds_lead)
    page.goto("/returns/2019/06F/finance/draft/")
    measure = page.locator("#cell-qipp_pct_allocation-budget")
    expect(page.locator("#line-qipp_pct_allocation-source")).to_have_text("From your QIPP plan")
    expect(measure).to_have_text("")  # no allocation yet: nothing to divide by

    # Bedfordshire: QIPP 29,441 of an allocation of 681,172 is 4.32%, 4.3 at the % unit's place.
    page.get_by_label("Core programme allocation, 2019/20 budget").fill("681,172")
    expect(measure).to_have_text("4.3")
    page.get_by_label("Core programme allocation, 2019/20 budget").fill("588,820")
    expect(measure).to_have_text("5.0")  # 29,441 / 588,820 is exactly 5%
    assert not Return.objects.filter(template__code="finance").exists()  # worked out, not saved
    assert_accessible(page)

    # The server, on save, says the same.
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your changes are saved")
    expect(measure).to_have_text("5.0")
