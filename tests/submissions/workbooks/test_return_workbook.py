"""A return's workbook download: laid out like its template, its totals live Excel formulas that
compute what the app computes (blanks included: a blank is not 0 in Excel either), locked; the
cells people type in unlocked and validated; nobody's text able to become a formula. A % cell is an
Excel percentage, which Excel holds as a fraction: Excel's 0.025 is the app's 2.5."""

import io

import pytest
from openpyxl import load_workbook
from pycel import ExcelCompiler

from planning.formulas import Formula
from submissions.demo import seed_figures
from submissions.formatting import neutralise
from submissions.models import NarrativeAnswer, Return
from submissions.returns.selectors import evaluation_of
from submissions.workbooks import selectors as workbooks
from submissions.workbooks import writing
from tests import factories

pytestmark = pytest.mark.django_db


def as_the_app_shows(result, unit):
    """What Excel computed, in the app's terms: a % cell holds the percentage divided by 100."""
    if unit == "%" and isinstance(result, int | float):
        return result * 100
    return result


def test_downloaded_formulas_compute_the_same_totals_as_the_app(
    lead_client, activity_return, cell_of, tmp_path
):
    path = tmp_path / "activity.xlsx"
    path.write_bytes(lead_client.get(factories.return_url(view="submissions:download")).content)
    workbook = load_workbook(path)
    compiler = ExcelCompiler(filename=str(path))
    evaluation = evaluation_of(activity_return)
    values = evaluation.values
    checked = 0
    for line in seed_figures.ACTIVITY:
        for column in ("fot", "trend", "plan", "growth"):
            cell = cell_of(workbook, line, column)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                result = as_the_app_shows(
                    compiler.evaluate(f"{cell.parent.title}!{cell.coordinate}"),
                    evaluation.grid.unit_of(line, column),
                )
                assert result == pytest.approx(float(values[(line, column)]), abs=1e-6), (
                    line,
                    column,
                )
                checked += 1
    assert checked >= 16 * 2 + 5 * 2  # plan and growth on every line, fot and trend on totals


def computed_in_excel(path, workbook, grid):
    """{(line, column): what pycel computes, in the app's terms} for every formula cell of the
    downloaded workbook."""
    compiler = ExcelCompiler(filename=str(path))
    results = {}
    for sheet in workbook.worksheets:
        if sheet.title == writing.META_SHEET:
            continue
        columns = {
            c: sheet.cell(row=writing.CODE_ROW, column=c).value
            for c in range(writing.FIRST_COLUMN, sheet.max_column + 1)
        }
        for r in range(writing.FIRST_ROW, sheet.max_row + 1):
            line = sheet.cell(row=r, column=1).value
            for c, column in columns.items():
                cell = sheet.cell(row=r, column=c)
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    results[(line, column)] = as_the_app_shows(
                        compiler.evaluate(f"{sheet.title}!{cell.coordinate}"),
                        grid.unit_of(line, column),
                    )
    return results


def assert_excel_computes_what_the_app_computes(path, workbook, evaluation):
    """Every formula cell: the app's figure, or "" where the app's cell is blank."""
    results = computed_in_excel(path, workbook, evaluation.grid)
    assert results
    for key, result in results.items():
        expected = evaluation.values.get(key)
        if expected is None:
            assert result in ("", None), (key, result)
        else:
            assert result == pytest.approx(float(expected), abs=1e-6), (key, result, expected)
    return results


@pytest.fixture
def finance_download(lead_client, beds, lead, tmp_path):
    """Save Bedfordshire's finance return with `cells`; download it: (path, workbook, evaluation)."""

    def save_and_download(cells):
        ret = factories.saved_return(beds, "finance", cells, lead=lead)
        path = tmp_path / "finance.xlsx"
        url = factories.return_url(template_code="finance", view="submissions:download")
        path.write_bytes(lead_client.get(url).content)
        return path, load_workbook(path), evaluation_of(ret)

    return save_and_download


def test_a_blank_forecast_gives_a_blank_variance_in_the_workbook_as_in_the_app(
    finance_download, cell_of
):
    cells = seed_figures.finance_cells()
    del cells[("acute", "forecast")]

    path, workbook, evaluation = finance_download(cells)

    results = assert_excel_computes_what_the_app_computes(path, workbook, evaluation)
    assert evaluation.values[("acute", "variance_pct")] is None
    assert results[("acute", "variance")] == results[("acute", "variance_pct")] == ""
    assert results[("mental_health", "variance_pct")] == pytest.approx(
        float(evaluation.values[("mental_health", "variance_pct")])
    )
    budget, forecast = (cell_of(workbook, "acute", c).coordinate for c in ("budget", "forecast"))
    variance_pct = cell_of(workbook, "acute", "variance_pct").value
    assert variance_pct.startswith(f'=IF(OR(ISBLANK({budget}),ISBLANK({forecast})),"",')
    # A total counts a blank part as 0, in the workbook too.
    assert results[("total_commissioned", "forecast")] == float(
        evaluation.values[("total_commissioned", "forecast")]
    )


def test_a_column_nobody_filled_in_gives_blank_totals_and_no_100_percent(finance_download):
    cells = seed_figures.finance_cells()
    budgets_only = {key: text for key, text in cells.items() if key[1] == "budget"}

    path, workbook, evaluation = finance_download(budgets_only)

    results = assert_excel_computes_what_the_app_computes(path, workbook, evaluation)
    assert results[("total_income", "forecast")] == ""  # every part blank: blank, not 0
    assert results[("total_income", "variance_pct")] == ""  # never 100%
    assert results[("total_income", "budget")] == 681172


def test_a_division_by_zero_is_blank_and_sum_counts_a_blank_bridge_as_0(
    client, beds, lead, tmp_path
):
    cells = {
        ("gp_referrals", "fot"): "0",
        ("gp_referrals", "trend"): "10",
        ("other_referrals", "fot"): "1,000",
        ("other_referrals", "policy"): "25",
    }
    ret = factories.saved_return(beds, "activity", cells, lead=lead)
    client.force_login(lead)
    path = tmp_path / "activity.xlsx"
    path.write_bytes(client.get(factories.return_url(view="submissions:download")).content)

    results = assert_excel_computes_what_the_app_computes(
        path, load_workbook(path), evaluation_of(ret)
    )
    assert results[("gp_referrals", "plan")] == 10
    assert results[("gp_referrals", "growth")] == ""  # a growth on a forecast of 0
    assert results[("other_referrals", "plan")] == 1025  # no coding change: counted as 0
    assert results[("day_case", "plan")] == ""  # no forecast, no plan


def test_formulas_keep_the_blank_rule_of_the_template_language():
    fot = Formula("fot + sum(coding, trend)")
    growth = Formula("(plan - fot) / fot * 100")
    total = Formula("gp_referrals + other_referrals")
    cells = {"fot": "C6", "coding": "D6", "trend": "E6", "plan": "F6"}
    rows = {"gp_referrals": "C7", "other_referrals": "C8"}

    assert writing._excel_formula(fot, cells.get) == '=IF(ISBLANK(C6),"",(C6+SUM(D6,E6)))'
    assert writing._excel_formula(growth, cells.get, is_computed=lambda name: name == "plan") == (
        '=IF(OR(F6="",ISBLANK(C6)),"",IFERROR((((F6-C6)/C6)*100),""))'
    )
    assert writing._excel_formula(total, rows.get, total=True) == (
        '=IF(AND(ISBLANK(C7),ISBLANK(C8)),"",(N(C7)+N(C8)))'
    )
    assert writing._excel_formula(Formula("sum(coding, trend)"), cells.get) == "=SUM(D6,E6)"


def test_input_cells_are_unlocked_with_numeric_validation_and_totals_are_locked_formulas(
    lead_client, download, cell_of
):
    workbook = download(lead_client)
    typed, total, plan = (
        cell_of(workbook, *key)
        for key in (("gp_referrals", "fot"), ("total_referrals", "fot"), ("gp_referrals", "plan"))
    )
    sheet = typed.parent
    assert sheet.protection.sheet
    assert typed.protection.locked is False and total.protection.locked and plan.protection.locked
    assert str(total.value).startswith("=") and str(plan.value).startswith("=")
    assert typed.value == 94810
    validated = [v for v in sheet.data_validations.dataValidation if typed.coordinate in v.sqref]
    assert validated and validated[0].type == "decimal"
    # Excel refuses what the app would refuse: the cell limit, exact on every database.
    assert validated[0].formula2 == "99999999999.9999"
    assert (
        sheet.column_dimensions["A"].hidden
        and workbook[writing.META_SHEET].sheet_state == "veryHidden"
    )


def test_text_starting_like_a_formula_is_quoted():
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert neutralise("@SUM(A1)") == "'@SUM(A1)" and neutralise("Plain") == "Plain"


def test_a_narrative_answer_that_looks_like_a_formula_is_written_as_text(beds, cell_of):
    narrative = Return.objects.create(
        organisation=beds, template=factories.template("narrative"), stage="draft"
    )
    line = narrative.template.lines.first()
    NarrativeAnswer.objects.create(ret=narrative, line=line, text="=1+1 risks")
    workbook = load_workbook(io.BytesIO(workbooks.return_workbook(narrative)))
    answer = cell_of(workbook, line.code, "answer")
    assert answer.value == "'=1+1 risks" and answer.data_type == "s"


def test_an_organisation_name_that_looks_like_a_formula_is_written_as_text(blmk):
    hostile = factories.organisation("X1", name="=cmd|'/c calc'!A1", kind="acute")
    ret = Return(organisation=hostile, template=factories.template("activity"), stage="draft")
    workbook = load_workbook(io.BytesIO(workbooks.return_workbook(ret)))
    title = workbook.worksheets[0]["B1"]
    assert title.value.startswith("'=cmd|") and title.data_type == "s"
