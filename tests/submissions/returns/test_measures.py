"""Derived measures: lines computed from named cells of another section or of another template of
the same organisation, round and stage (QIPP as % of allocation reads the QIPP plan). The data
entry page works with the other returns' saved figures and says where they come from; what readers
read (papers, submissions) uses the other returns' submissions that count. The shared table
(tests/evaluation_table.py MEASURE_CASES) is checked here against the server and in
tests/browser/test_measures_live.py against grid.js."""

import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning.formulas import round_half_up
from submissions.demo.returns import fill
from submissions.formatting import format_value
from submissions.models import Return, Value
from submissions.returns import services
from submissions.returns.evaluation import TemplateGrid, other_template_codes, parse_typed
from submissions.returns.selectors import (
    computed_values,
    evaluation_of,
    grid_for_template,
    submission_computed_values,
)
from tests import evaluation_table, factories

# Bedfordshire's 2019/20 total allocation and QIPP gross savings (£000): DOMAIN.md.
ALLOCATION = Decimal("681172")
QIPP_GROSS = Decimal("29441")


def other_values(case):
    return {
        code: {tuple(name.split(".")): Decimal(value) for name, value in values.items()}
        for code, values in case["other"].items()
    }


@pytest.mark.parametrize("case", evaluation_table.MEASURE_CASES, ids=lambda case: case["name"])
def test_the_shared_measures_table_computes_and_shows_as_it_says(case):
    grid = evaluation_table.table_grid(rules=[], template=evaluation_table.MEASURES_TEMPLATE)
    raw = {tuple(name.split(".")): text for name, text in case["typed"].items()}
    typed, errors = parse_typed(grid, raw)
    assert errors == []

    values = grid.compute(typed, other_values(case))

    for name, expected in case["values"].items():
        value = values[tuple(name.split("."))]
        assert value == (None if expected is None else Decimal(expected)), name
    units = {line.code: line.unit for s in grid.grid_sections for line in s.lines}
    shown = {
        name: format_value(values[tuple(name.split("."))], units[name.split(".")[0]])
        for name in case["shown"]
    }
    assert shown == case["shown"]


def grid_of(line_formulas=(), column_formulas=(), rules=()):
    """A one-section grid with lines a, b (typed), the `line_formulas` lines and columns x (typed),
    y and the `column_formulas` columns, built without the database."""
    section = SimpleNamespace(pk=1, code="s", is_narrative=False)
    columns = [
        SimpleNamespace(
            section_id=1, code=code, label=code, unit="", formula=formula, allow_negative=True
        )
        for code, formula in [("x", ""), ("y", ""), *column_formulas]
    ]
    for column in columns:
        column.sums_lines = True
    lines = [
        SimpleNamespace(
            section_id=1, code=code, label=code, unit="£000", formula=formula, allow_negative=True
        )
        for code, formula in [("a", ""), ("b", ""), *line_formulas]
    ]
    return TemplateGrid.build(SimpleNamespace(rules=list(rules)), [section], columns, lines)


def test_other_templates_are_found_in_line_and_column_formulas_as_well_as_rules():
    grid = grid_of(
        line_formulas=[("pct", "qipp:total.gross / a.x * 100")],
        column_formulas=[("vs_plan", "x - plans:a.x")],
        rules=[{"require": "a.x >= finance:total_income.budget"}],
    )
    assert other_template_codes(grid) == {"qipp", "plans", "finance"}
    assert other_template_codes(grid_of(line_formulas=[("t", "a + b")])) == set()


def test_a_column_formula_can_read_another_templates_cell_and_a_line_its_same_column():
    grid = grid_of(
        line_formulas=[("from_other", "other:a + b")],
        column_formulas=[("vs_other", "x - other:a.x")],
    )
    values = grid.compute(
        {("a", "x"): Decimal(10), ("b", "x"): Decimal(1), ("b", "y"): Decimal(2)},
        {"other": {("a", "x"): Decimal(4), ("a", "y"): Decimal(7)}},
    )
    assert values[("a", "vs_other")] == 6
    assert values[("from_other", "x")] == 5  # other's a.x + this b.x
    assert values[("from_other", "y")] == 9  # other's a.y + this b.y


def test_a_measure_with_no_value_from_the_other_template_is_blank_not_zero():
    grid = grid_of(line_formulas=[("pct", "qipp:total.gross / a.x * 100")])
    typed = {("a", "x"): ALLOCATION}

    assert grid.compute(typed)[("pct", "x")] is None
    assert grid.compute(typed, {"qipp": {}})[("pct", "x")] is None
    assert grid.compute(typed, {"qipp": {("total", "gross"): None}})[("pct", "x")] is None
    pct = grid.compute(typed, {"qipp": {("total", "gross"): QIPP_GROSS}})[("pct", "x")]
    assert round_half_up(pct, 2) == Decimal("4.32")


def test_a_total_of_plain_lines_still_counts_a_blank_part_as_zero():
    grid = grid_of(line_formulas=[("total", "a + b")])
    assert grid.compute({("a", "x"): Decimal(5)})[("total", "x")] == 5
    assert grid.compute({})[("total", "x")] is None


# The real templates ---------------------------------------------------------------------------------


@pytest.fixture
def finance_figures():
    """Bedfordshire's finance plan, from the demo's figures (those the templates helper keeps)."""
    from submissions.demo import seed_figures

    return seed_figures.finance_cells()


@pytest.fixture
def qipp_figures():
    from submissions.demo import seed_figures

    return seed_figures.qipp_cells()


def qipp_pct(values):
    return values[("qipp_pct_allocation", "budget")]


@pytest.mark.django_db
def test_qipp_as_a_percentage_of_allocation_reads_the_saved_qipp_plan(
    bedfordshire, finance_figures, qipp_figures
):
    finance = factories.saved_return(bedfordshire, "finance", finance_figures)
    assert qipp_pct(computed_values(finance)) is None  # no QIPP plan yet: blank, not 0%

    factories.saved_return(bedfordshire, "qipp", qipp_figures)

    values = computed_values(finance)
    assert values[("total_income", "budget")] == ALLOCATION
    assert round_half_up(qipp_pct(values), 2) == Decimal("4.32")  # 29,441 / 681,172
    assert qipp_pct(evaluation_of(finance).values) == qipp_pct(values)


@pytest.mark.django_db
def test_another_organisations_or_stages_qipp_plan_is_never_used(
    bedfordshire, luton, beds_lead, finance_figures, qipp_figures
):
    draft = factories.submitted_return(bedfordshire, "finance", finance_figures, lead=beds_lead)
    final = factories.saved_return(
        bedfordshire, "finance", finance_figures, stage="final", lead=beds_lead
    )
    factories.saved_return(bedfordshire, "qipp", qipp_figures, lead=beds_lead)
    factories.saved_return(luton, "qipp", qipp_figures)

    assert qipp_pct(computed_values(final)) is None  # the final finance plan: no final QIPP plan
    assert qipp_pct(computed_values(draft)) is not None


@pytest.mark.django_db
def test_readers_get_the_submitted_qipp_plan_not_the_one_being_amended(
    bedfordshire, beds_lead, ics_lead, finance_figures, qipp_figures
):
    qipp = factories.submitted_return(bedfordshire, "qipp", qipp_figures, lead=beds_lead)
    finance = factories.submitted_return(bedfordshire, "finance", finance_figures, lead=beds_lead)
    # The QIPP plan is sent back and its lead types more savings, not yet submitted.
    qipp = services.return_send_back(
        user=ics_lead,
        ret=qipp,
        reason="Check the unidentified QIPP",
        submission_number=qipp.submission.number,
    )
    fill(
        user=beds_lead,
        ret=Return.objects.get(pk=qipp.pk),
        cells={("unidentified", "gross"): "80,000"},
    )

    read = submission_computed_values(finance.submission)
    assert round_half_up(qipp_pct(read), 2) == Decimal("4.32")
    assert qipp_pct(computed_values(finance)) > 10  # the page works with what is being typed


@pytest.mark.django_db
def test_a_measure_reads_the_other_template_in_a_fixed_number_of_queries(
    bedfordshire, beds_lead, finance_figures, qipp_figures
):
    finance = factories.saved_return(bedfordshire, "finance", finance_figures, lead=beds_lead)
    grid = grid_for_template(finance.template)
    qipp = factories.saved_return(bedfordshire, "qipp", {("acute", "gross"): "1"}, lead=beds_lead)
    with CaptureQueriesContext(connection) as one_cell:
        evaluation_of(finance, grid=grid)
    fill(user=beds_lead, ret=Return.objects.get(pk=qipp.pk), cells=qipp_figures)
    assert Value.objects.filter(ret=qipp).count() > 10
    with CaptureQueriesContext(connection) as every_cell:
        evaluation_of(finance, grid=grid)
    assert len(every_cell) == len(one_cell)


# The data entry page --------------------------------------------------------------------------------


def embedded_definition(html):
    match = re.search(r'<script id="grid-definition" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


@pytest.mark.django_db
def test_the_page_says_which_figures_come_from_the_qipp_plan_and_embeds_them(
    client, bedfordshire, beds_lead, finance_figures, qipp_figures
):
    factories.saved_return(bedfordshire, "finance", finance_figures, lead=beds_lead)
    factories.saved_return(bedfordshire, "qipp", qipp_figures, lead=beds_lead)
    client.force_login(beds_lead)

    html = client.get(factories.return_url(template_code="finance")).content.decode()

    source = re.search(r'<span [^>]*id="line-qipp_pct_allocation-source"[^>]*>([^<]*)<', html)
    assert source and source.group(1) == "From your QIPP plan"
    assert 'aria-describedby="line-qipp_pct_allocation-source"' in html
    assert (
        '<output class="app-cell app-cell--computed" id="cell-qipp_pct_allocation-budget"' in html
    )
    assert ">4.3</output>" in html  # 4.32% at the % unit's one place
    definition = embedded_definition(html)
    assert definition["other_values"]["qipp"]["total.gross"] == "29441"
    assert 'id="line-programme_growth_pct-source"' not in html  # its own figures only


@pytest.mark.django_db
def test_the_page_embeds_nothing_from_a_qipp_plan_not_started(
    client, bedfordshire, beds_lead, finance_figures
):
    factories.saved_return(bedfordshire, "finance", finance_figures, lead=beds_lead)
    client.force_login(beds_lead)

    html = client.get(factories.return_url(template_code="finance")).content.decode()

    assert embedded_definition(html)["other_values"] == {}
    assert 'id="line-qipp_pct_allocation-source"' in html  # still says where it would come from
