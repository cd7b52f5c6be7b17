"""A return's workbook download: laid out like its template, its totals live Excel formulas that
compute what the app computes, locked; the cells people type in unlocked and validated; nobody's
text able to become a formula."""

import io

import pytest
from openpyxl import load_workbook
from pycel import ExcelCompiler

from submissions.demo import seed_figures
from submissions.formatting import neutralise
from submissions.models import NarrativeAnswer, Return
from submissions.returns.selectors import evaluation_of
from submissions.workbooks import selectors as workbooks
from submissions.workbooks import writing
from tests import factories

pytestmark = pytest.mark.django_db


def test_downloaded_formulas_compute_the_same_totals_as_the_app(
    lead_client, activity_return, cell_of, tmp_path
):
    path = tmp_path / "activity.xlsx"
    path.write_bytes(lead_client.get(factories.return_url(view="submissions:download")).content)
    workbook = load_workbook(path)
    compiler = ExcelCompiler(filename=str(path))
    values = evaluation_of(activity_return).values
    checked = 0
    for line in seed_figures.ACTIVITY:
        for column in ("fot", "trend", "plan", "growth"):
            cell = cell_of(workbook, line, column)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                result = compiler.evaluate(f"{cell.parent.title}!{cell.coordinate}")
                assert result == pytest.approx(float(values[(line, column)]), abs=1e-6), (
                    line,
                    column,
                )
                checked += 1
    assert checked >= 16 * 2 + 5 * 2  # plan and growth on every line, fot and trend on totals


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
