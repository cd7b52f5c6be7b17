"""The browser's arithmetic (static/js/grid.js) gives what the server gives, cell for cell (Chromium).

The table in tests/evaluation_table.py is checked against the Python evaluation in
tests/submissions/returns/test_evaluation.py; here the same table goes through grid.js's pure
`computeGrid`, loaded as the module the page loads. No server and no database: the page and the
script are served from memory by Playwright's router.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from tests import evaluation_table

pytestmark = pytest.mark.browser

GRID_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "grid.js"
ORIGIN = "http://grid.test"


@pytest.fixture(scope="module")
def computed(browser):
    """grid.js's computeGrid of every case of the table: [{"line.column": {value, shown, ...}}]."""
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
        results = page.evaluate(
            """async ([definition, cases]) => {
                const grid = await import("/static/js/grid.js");
                return cases.map((c) => grid.computeGrid(definition, c.typed));
            }""",
            [evaluation_table.TEMPLATE, evaluation_table.CASES],
        )
    finally:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"
    return results


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
