"""Template data files are checked before anything reaches the database."""

import copy
from decimal import Decimal

import pytest

from planning import template_loader
from planning.formulas import Formula, FormulaError, places_of, round_half_up
from planning.models import Template
from planning.template_loader import (
    TemplateDataError,
    check_cross_template_rules,
    load_all,
    load_file,
    validate,
)

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


def test_a_template_may_name_its_control_total_cells_of_its_own_and_another_templates_cell():
    data = changed(lambda d: d.update(control_total="total.plan"))
    data["sections"][0]["lines"][1]["standard"] = 95
    data["sections"][0]["lines"].append(
        {"code": "share", "label": "Share", "formula": "gp.fot / total.fot * 100"}
    )
    data["sections"][0]["lines"].append(
        {"code": "per_qipp", "label": "Per QIPP", "formula": "qipp:total.gross / total.plan"}
    )
    validate(data, source="activity.toml")


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
        (
            lambda d: d["sections"][0]["lines"][0].update(sum_of=[], formula="gp.nothing * 2"),
            "refers to 'gp.nothing', which is not a cell of this template",
        ),
        (
            lambda d: d["sections"][0]["lines"][0].update(sum_of=[], formula="total.plan + 1"),
            "depends on itself",
        ),
        (lambda d: d.update(control_total="total.nothing"), "control_total 'total.nothing'"),
        (lambda d: d.update(control_total="total"), "control_total 'total'"),
        (lambda d: d["sections"][0]["lines"][1].update(standard="95%"), "must be a number"),
        (lambda d: d["sections"][0]["lines"][1].update(standard=True), "must be a number"),
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


@pytest.mark.parametrize(
    "value, unit, expected",
    [
        ("8.75", "%", "8.8"),
        ("-8.75", "%", "-8.8"),
        ("8.749", "%", "8.7"),
        ("1.005", "WTE", "1.01"),
        ("-0.125", "WTE", "-0.13"),
        ("3000.5", "£000", "3001"),
        ("3000.25", "£000", "3000"),
        ("-0.4", "count", "0"),
    ],
)
def test_figures_round_half_up_at_the_precision_of_their_unit(value, unit, expected):
    rounded = round_half_up(Decimal(value), places_of(unit))
    assert str(rounded) == expected


@pytest.mark.parametrize(
    "contingency, places, passes",
    [("3000", 0, True), ("2999", 0, False), ("3000", None, False), ("3001", None, True)],
)
def test_a_comparison_rounds_both_sides_to_the_places_it_is_given(contingency, places, passes):
    # 0.5% of 600,050 is 3,000.25: 3,000 in £000 (places=0); exactly, 3,000 is below it.
    formula = Formula("contingency >= 0.005 * allocation")
    values = {"contingency": Decimal(contingency), "allocation": Decimal(600050)}
    assert formula.evaluate(values.get, places=places) is passes


def test_only_the_sides_of_a_comparison_are_rounded_not_the_arithmetic():
    values = {"a": Decimal(35), "b": Decimal(400)}.get  # 8.75%
    assert Formula("a / b * 100").evaluate(values, places=1) == Decimal("8.75")
    assert Formula("a / b * 100 >= 8.8").evaluate(values, places=1) is True
    assert Formula("a / b * 100 >= 8.8").evaluate(values) is False
    assert Formula("abs(a / b * 100 - 3.8) <= 5").evaluate(values, places=1) is True  # 4.95


def test_a_blank_makes_arithmetic_blank_except_inside_sum():
    values = {"fot": Decimal(1000), "trend": Decimal(25), "coding": None}
    assert Formula("fot + coding + trend").evaluate(values.get) is None
    assert Formula("fot + sum(coding, trend)").evaluate(values.get) == 1025
    assert Formula("fot + sum(coding)").evaluate(values.get) == 1000
    assert Formula("coding + sum(fot)").evaluate(values.get) is None
    assert Formula("fot / coding").evaluate(values.get) is None
    assert Formula("fot / (trend - 25)").evaluate(values.get) is None


# Cross-template references in formulas, checked once the round's templates are loaded ---------------

CROSS = """code = "cross"
name = "Cross"
kind = "finance"
completed_by = ["ccg"]

[[sections]]
code = "main"
title = "Main"
unit = "£000"

[[sections.columns]]
code = "budget"
label = "Budget"

[[sections.lines]]
code = "allocation"
label = "Allocation"

[[sections.lines]]
code = "measure"
label = "Measure"
formula = "{formula}"
"""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "formula, message",
    [
        ("finance:total_income.budget - allocation", None),
        ("qipp:total.gross / allocation.budget * 100", None),
        ("finance:nothing.budget - allocation", "not a cell of the 2019/20 templates"),
        ("budgets:total_income.budget - allocation", "not a cell of the 2019/20 templates"),
        ("finance:total_income.plan - allocation", "not a cell of the 2019/20 templates"),
        # A cell computed from another template: templates may not wait on each other.
        ("finance:qipp_pct_allocation.budget * allocation", "itself computed from another"),
        ("cross:allocation.budget * 2", "a cell of its own template"),
    ],
)
def test_a_formula_may_use_another_templates_own_figures_only(tmp_path, formula, message):
    load_all()
    folder = tmp_path / "2019"
    folder.mkdir()
    path = folder / "cross.toml"
    path.write_text(CROSS.format(formula=formula))
    template = load_file(path)
    if message is None:
        check_cross_template_rules(template)
    else:
        with pytest.raises(TemplateDataError, match=message):
            check_cross_template_rules(template)


@pytest.mark.django_db
def test_a_bad_cross_template_reference_undoes_the_whole_load(tmp_path, monkeypatch):
    folder = tmp_path / "2019"
    folder.mkdir()
    (folder / "cross.toml").write_text(CROSS.format(formula="finance:nothing.budget"))
    monkeypatch.setattr(template_loader, "DATA_DIR", tmp_path)
    with pytest.raises(TemplateDataError, match="not a cell"):
        template_loader.load_all()
    assert not Template.objects.exists()
