"""The browser's arithmetic, hints and rules (static/js/grid.js) give what the server gives, cell for
cell and message for message (Chromium).

The tables in tests/evaluation_table.py are checked against the Python evaluation in
tests/submissions/returns/test_evaluation.py, test_presenters.py and test_rules_table.py; here the
same tables go through grid.js's pure `computeGrid` and `checkRules`, loaded as the module the page
loads, with the definition `presenters.grid_definition` gives the page. No server: the page and the
script are served from memory by Playwright's router (the 2019 templates are loaded once, then
rolled back, for the rules of the real templates).
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction

from planning.models import Template
from planning.template_loader import load_all
from submissions.returns import evaluation
from submissions.returns.presenters import grid_definition
from submissions.returns.selectors import grid_for_template
from tests import evaluation_table

pytestmark = pytest.mark.browser

GRID_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "grid.js"
ORIGIN = "http://grid.test"


@pytest.fixture(scope="module")
def grids(django_db_setup, django_db_blocker):
    """{template code: TemplateGrid} of the 2019 templates and of the table, loaded once."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_all()
        loaded = {
            template.code: grid_for_template(template)
            for template in Template.objects.filter(round__financial_year=2019)
        }
        transaction.set_rollback(True)
    return {**loaded, "table": evaluation_table.table_grid()}


def run_in_page(browser, script, argument):
    """`script` (an async function of the grid.js module and `argument`) run in a blank page."""
    context = browser.new_context(locale="en-GB")
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.route(
        f"{ORIGIN}/",
        lambda route: route.fulfill(
            content_type="text/html", body="<!doctype html><title>grid</title><main></main>"
        ),
    )
    page.route(
        f"{ORIGIN}/static/js/grid.js",
        lambda route: route.fulfill(content_type="text/javascript", path=str(GRID_JS)),
    )
    try:
        page.goto(f"{ORIGIN}/")
        result = page.evaluate(
            f"""async (argument) => {{
                const grid = await import("/static/js/grid.js");
                return ({script})(grid, argument);
            }}""",
            argument,
        )
    finally:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"
    return result


@pytest.fixture(scope="module")
def computed(browser):
    """grid.js's computeGrid of every case of the table: [{"line.column": {value, shown, ...}}]."""
    definition = grid_definition(evaluation_table.table_grid())
    return run_in_page(
        browser,
        "(grid, [definition, cases]) => cases.map((c) => grid.computeGrid(definition, c.typed))",
        [definition, evaluation_table.CASES],
    )


@pytest.fixture(scope="module")
def checked(browser, grids):
    """grid.js's messages for every case of the rules table, each with its template's definition."""
    definitions = {code: grid_definition(grid) for code, grid in grids.items()}
    cases = [
        {"definition": definitions[case.get("template", "table")], "typed": case["typed"]}
        for case in evaluation_table.RULE_CASES
    ]
    return run_in_page(
        browser,
        """(grid, cases) => cases.map(({definition, typed}) => {
            const cells = grid.computeGrid(definition, typed);
            const values = Object.fromEntries(
                Object.entries(cells).map(([name, cell]) => [name, cell.value]));
            return grid.checkRules(definition, values);
        })""",
        cases,
    )


@pytest.mark.parametrize(
    "index", range(len(evaluation_table.CASES)), ids=[c["name"] for c in evaluation_table.CASES]
)
def test_grid_js_computes_and_shows_the_table_as_the_server_does(computed, index):
    case, cells = evaluation_table.CASES[index], computed[index]
    lines = [line["code"] for s in evaluation_table.TEMPLATE["sections"] for line in s["lines"]]
    columns = {
        line["code"]: [c["code"] for c in s["columns"]]
        for s in evaluation_table.TEMPLATE["sections"]
        for line in s["lines"]
    }
    assert set(cells) == {f"{line}.{column}" for line in lines for column in columns[line]}
    for name, cell in cells.items():
        value = None if cell["value"] is None else Decimal(cell["value"])
        if name in case["values"]:
            expected = case["values"][name]
            assert value == (None if expected is None else Decimal(expected)), name
        elif cell["computed"]:
            assert value is None, f"{name} is {value}, the table says blank"
    assert {name for name, cell in cells.items() if not cell["valid"]} == set(
        case.get("invalid", [])
    )
    assert {name: cells[name]["shown"] for name in case["shown"]} == case["shown"]
    if "hints" in case:
        assert {name: cell["hint"] for name, cell in cells.items() if cell["hint"]} == case["hints"]


@pytest.mark.django_db  # for the templates' grids, loaded once by `grids` (no query here)
@pytest.mark.parametrize(
    "index",
    range(len(evaluation_table.RULE_CASES)),
    ids=[c["name"] for c in evaluation_table.RULE_CASES],
)
def test_grid_js_gives_the_warnings_the_server_gives(checked, grids, index):
    case, messages = evaluation_table.RULE_CASES[index], checked[index]
    grid = grids[case.get("template", "table")]
    raw = {tuple(name.split(".")): text for name, text in case["typed"].items()}
    typed, errors = evaluation.parse_typed(grid, raw)
    assert errors == []
    server = evaluation.check_rules(grid, grid.compute(typed))

    assert [(m["severity"], m["key"], f"{m['line']}.{m['column']}") for m in messages] == [
        tuple(message) for message in case["messages"]
    ]
    assert [
        {key: m[key] for key in ("severity", "text", "line", "column", "key")} for m in messages
    ] == [
        {"severity": m.severity, "text": m.text, "line": m.line, "column": m.column, "key": m.key}
        for m in server
    ]
    assert all(m["rule"] == m["key"].partition(":")[0] for m in messages)
