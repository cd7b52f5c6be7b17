"""The shared table of rules (tests/evaluation_table.py: RULES and RULE_CASES) against the server's
`evaluation.check_rules`, the judge on every save.

The same table goes through static/js/grid.js `checkRules` in
tests/browser/test_grid_arithmetic_matches_the_server.py, which also compares the two message by
message, so the warnings a planner sees while typing are those the saved page shows. The browser is
given what `presenters.grid_definition` gives it: the rules it can check from the return's own
figures; a rule on another template's figure is left to the server.
"""

import pytest
from django.db import transaction

from planning.models import Template
from planning.template_loader import load_all
from submissions.returns import evaluation
from submissions.returns.presenters import grid_definition
from submissions.returns.selectors import grid_for_template
from tests import evaluation_table

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def grids(django_db_setup, django_db_blocker):
    """{template code: TemplateGrid} of the 2019 templates and the table's, loaded once."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_all()
        loaded = {
            template.code: grid_for_template(template)
            for template in Template.objects.filter(round__financial_year=2019)
        }
        transaction.set_rollback(True)
    return {**loaded, "table": evaluation_table.table_grid()}


def server_messages(grid, typed_cells):
    """What the server says of a return typed as `typed_cells` ({"line.column": text})."""
    raw = {tuple(name.split(".")): text for name, text in typed_cells.items()}
    typed, errors = evaluation.parse_typed(grid, raw)
    assert errors == []
    return evaluation.check_rules(grid, grid.compute(typed))


def expected_text(grid, key):
    """A rule's message as the server words it: on each line, the line's label first."""
    code, _, line = key.partition(":")
    rule = next(r for r in grid.template.rules if r["code"] == code)
    return f"{grid.lines_by_code()[line].label}: {rule['message']}" if line else rule["message"]


@pytest.mark.parametrize("case", evaluation_table.RULE_CASES, ids=lambda case: case["name"])
def test_the_shared_rules_table_is_what_the_server_says(grids, case, django_assert_num_queries):
    grid = grids[case.get("template", "table")]

    with django_assert_num_queries(0):
        messages = server_messages(grid, case["typed"])

    assert [(m.severity, m.key, f"{m.line}.{m.column}") for m in messages] == [
        tuple(message) for message in case["messages"]
    ]
    assert [m.text for m in messages] == [expected_text(grid, m.key) for m in messages]


def test_the_contingency_boundary_of_the_issue_is_in_the_table():
    """3,000 passes and 2,999 warns at an allocation of 600,050: 0.5% is 3,000.25, read as 3,000."""
    finance = {
        case["typed"].get("contingency.budget"): case["messages"]
        for case in evaluation_table.RULE_CASES
        if case.get("template") == "finance"
        and case["typed"].get("core_programme.budget") == "600,050"
    }
    assert finance == {
        "3,000": [],
        "2,999": [("warning", "contingency_minimum", "contingency.budget")],
    }


def test_the_browser_gets_every_rule_but_those_on_another_templates_figures(grids):
    table = grid_definition(grids["table"])
    assert [rule["code"] for rule in table["rules"]] == [
        rule["code"]
        for rule in evaluation_table.RULES
        if rule["code"] != "budget_within_allocation"
    ]
    assert table["rules_left_to_server"] == ["budget_within_allocation"]

    qipp = grid_definition(grids["qipp"])
    assert [rule["code"] for rule in qipp["rules"]] == ["assured_within_gross"]
    assert qipp["rules_left_to_server"] == ["gross_reasonableness"]
    [assured] = qipp["rules"]
    assert assured == {
        "code": "assured_within_gross",
        "severity": "warning",
        "cell": "assured",
        "require": "assured <= gross",
        "message": "The assured value is more than the planned gross savings.",
        "each_line": True,
        "section": "savings",
    }


def test_a_rule_left_to_the_server_still_warns_there_with_the_other_templates_figures(grids):
    """The table's budget rule looks at the finance plan: the server checks it when it has it."""
    grid = grids["table"]
    typed, _ = evaluation.parse_typed(grid, {("a", "budget"): "1,001"})
    other = {"finance": {("total_income", "budget"): evaluation.parse_cell("1,000")[0]}}

    messages = evaluation.check_rules(grid, grid.compute(typed), other)

    assert [m.key for m in messages] == ["budget_within_allocation"]
