"""Template data files are checked before anything reaches the database."""

import copy
from decimal import Decimal

import pytest

from planning.formulas import Formula, FormulaError
from planning.template_loader import TemplateDataError, validate

BASE = {
    "code": "activity",
    "name": "Activity plan",
    "kind": "activity",
    "completed_by": ["ccg"],
    "sections": [
        {
            "code": "growth",
            "title": "Growth",
            "unit": "count",
            "columns": [
                {"code": "fot", "label": "Forecast outturn"},
                {"code": "trend", "label": "Trend", "allow_negative": True},
                {"code": "plan", "label": "Plan", "formula": "fot + trend"},
            ],
            "lines": [
                {"code": "total", "label": "Total", "sum_of": ["gp", "other"]},
                {"code": "gp", "label": "GP"},
                {"code": "other", "label": "Other"},
            ],
        }
    ],
    "rules": [
        {
            "code": "r",
            "severity": "warning",
            "cell": "total.plan",
            "require": "total.plan >= 0",
            "message": "m",
        }
    ],
}


def changed(change):
    data = copy.deepcopy(BASE)
    change(data)
    return data


def test_a_valid_template_passes():
    validate(BASE, source="activity.toml")


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda d: d["sections"][0]["columns"][2].update(formula="fot + nonsense"),
            "unknown columns: nonsense",
        ),
        (
            lambda d: d["sections"][0]["columns"][2].update(formula="__import__('os')"),
            "not allowed",
        ),
        (lambda d: d["sections"][0]["columns"][2].update(formula="fot +"), "Cannot read formula"),
        (
            lambda d: d["sections"][0]["lines"][0].update(sum_of=["gp", "total"]),
            "depends on itself",
        ),
        (
            lambda d: d["sections"][0]["lines"][1].update(sum_of=["missing"]),
            "not a line of its section",
        ),
        (
            lambda d: d["sections"][0]["lines"][1].update(alow_negative=True),
            "unknown keys: alow_negative",
        ),
        (lambda d: d.update(kind="budget"), "kind must be one of"),
        (lambda d: d.update(completed_by=["hospital"]), "unknown organisation kinds"),
        (
            lambda d: d["rules"][0].update(require="total.nothing > 0"),
            "not a cell of this template",
        ),
        (lambda d: d["rules"][0].update(severity="info"), "severity"),
        (
            lambda d: d["sections"][0]["lines"].append({"code": "gp", "label": "Again"}),
            "appears twice",
        ),
        (lambda d: d["sections"][0]["lines"][1].update(code="gp__x"), "not a valid code"),
    ],
)
def test_invalid_templates_are_refused_with_the_file_and_the_problem(change, message):
    with pytest.raises(TemplateDataError) as error:
        validate(changed(change), source="activity.toml")
    assert str(error.value).startswith("activity.toml: ")
    assert message in str(error.value)


@pytest.mark.parametrize(
    "source",
    ["a.b.c", "__import__('os').system('x')", "open('f')", "[1, 2]", "'text'", "a if b else c"],
)
def test_formulas_allow_only_arithmetic(source):
    with pytest.raises(FormulaError):
        Formula(source)


def test_formula_names_and_cross_template_references():
    formula = Formula("total.gross <= 0.04 * finance:total_income.budget")
    assert formula.names == ["total.gross", "finance:total_income.budget"]
    values = {"total.gross": 41, "finance:total_income.budget": 1000}
    assert formula.evaluate(lambda n: Decimal(values[n])) is False
    assert Formula("a / b").evaluate(lambda n: Decimal(0)) is None
