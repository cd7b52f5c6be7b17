"""Workbook cells in the template's units: a % cell is an Excel percentage (Excel holds 2.5% as
0.025) and reads back as the percentage the planner typed, whether Excel stored it as a number
shown as a percentage or as the text "2.5%"; a number Excel stores as the nearest binary fraction
(103.49999999999999) reads at the template's precision, while a fifth decimal someone typed is
still refused; the plan workbook shows percentages as percentages and says figures are rounded."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pycel import ExcelCompiler

from planning.formulas import Formula
from planning.models import Column, Line, Section, Template
from submissions.demo import seed_figures
from submissions.models import Return, Value
from submissions.plans.services import build_system_plan
from submissions.returns import selectors as returns
from submissions.returns.evaluation import parse_cell
from submissions.workbooks import reading, writing
from tests import factories

pytestmark = pytest.mark.django_db


def saved(line, column):
    return Value.objects.get(line__code=line, column__code=column).value


def is_percentage(cell):
    return reading.is_percent_format(cell.number_format)


# Downloading, editing as Excel would, uploading -------------------------------------------------


def test_a_percentage_typed_in_excel_reads_back_as_the_percentage_and_is_saved_as_typed(
    lead_client, download, upload, cell_of, as_bytes
):
    workbook = download(lead_client)
    cell = cell_of(workbook, "gp_referrals", "last_year_growth")
    assert is_percentage(cell) and cell.value == pytest.approx(0.07)  # Excel shows 7.0%
    cell.value = 0.025  # typing 2.5% (or 2.5, with automatic percent entry) stores 0.025

    response = upload(lead_client, as_bytes(workbook))
    assert response.status_code == 302
    html = lead_client.get(response["Location"]).content.decode()
    assert "1 cell would change" in html  # the other percentages read as they were
    assert '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">2.5</td>' in html

    lead_client.post(response["Location"] + "confirm/", {"decision": "apply"})
    assert saved("gp_referrals", "last_year_growth") == Decimal("2.5")
    assert saved("other_referrals", "last_year_growth") == Decimal("1.6")


def test_a_percent_cells_validation_holds_the_apps_limit_as_a_fraction(
    lead_client, download, cell_of
):
    workbook = download(lead_client)
    cell = cell_of(workbook, "gp_referrals", "last_year_growth")
    (validation,) = [
        v for v in cell.parent.data_validations.dataValidation if cell.coordinate in v.sqref
    ]
    # 99,999,999,999.9999%, the most the app keeps, is 999,999,999.999999 as Excel holds it.
    assert (validation.formula1, validation.formula2) == ("-999999999.999999", "999999999.999999")


# Reading, without HTTP ---------------------------------------------------------------------------


@pytest.fixture
def finance(beds, lead):
    """Bedfordshire's saved finance return (£000, with a variance % column) and its workbook."""
    ret = factories.saved_return(beds, "finance", seed_figures.finance_cells(), lead=lead)
    ret = Return.objects.select_related("organisation", "template__round").get(pk=ret.pk)
    grid = returns.grid_for_template(ret.template)
    values = returns.typed_values(ret)
    return ret, grid, values, writing.return_workbook(ret, grid, values, {})


@pytest.fixture
def activity(activity_return):
    ret = Return.objects.select_related("organisation", "template__round").get(
        pk=activity_return.pk
    )
    grid = returns.grid_for_template(ret.template)
    values = returns.typed_values(ret)
    return ret, grid, values, writing.return_workbook(ret, grid, values, {})


class AsExcelWrites(str):
    """A number as Excel writes it into the file, to 17 significant digits: openpyxl writes a
    float to 16 (103.49999999999999 as 103.5), so this text is put into the sheet's XML itself."""


def read_with(fetched, cell_of, edits, name="return.xlsx"):
    """Read the return's workbook back with `edits` {(line, column): (value, number format or
    None to keep the download's)} made as a spreadsheet would save them."""
    ret, grid, values, data = fetched
    workbook = load_workbook(io.BytesIO(data))
    written = {}
    for (line, column), (value, number_format) in edits.items():
        cell = cell_of(workbook, line, column)
        if isinstance(value, AsExcelWrites):
            placeholder = 987654300 + len(written)
            written[f"<v>{placeholder}</v>".encode()] = f"<v>{value}</v>".encode()
            value = placeholder
        cell.value = value
        if number_format is not None:
            cell.number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if written:
        data = rewritten(data, written)
    return reading.read_workbook(ret, name, data, grid=grid, saved=values, saved_answers={})


def rewritten(data, replacements):
    """The .xlsx `data` with each of `replacements` {bytes: bytes} made once in its sheets."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer, made = io.BytesIO(), set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            for old, new in replacements.items():
                if old in content:
                    content = content.replace(old, new)
                    made.add(old)
            target.writestr(info, content)
    assert made == set(replacements)
    return buffer.getvalue()


def test_an_unchanged_workbook_reads_every_percentage_as_saved(activity):
    ret, grid, values, data = activity
    preview = reading.read_workbook(
        ret, "activity.xlsx", data, grid=grid, saved=values, saved_answers={}
    )
    assert preview.changes == [] and preview.errors == []
    assert preview.raw_cells[("ae_other", "last_year_growth")] == "21.9"
    assert preview.raw_cells[("ordinary_elective", "last_year_growth")] == "-3"


@pytest.mark.parametrize(
    "value, number_format, expected",
    [
        pytest.param(0.025, None, "2.5", id="a-number-shown-as-a-percentage"),
        pytest.param(0.025, "0.00%", "2.5", id="reformatted-as-Excel-does-typing-2.50%"),
        pytest.param(
            AsExcelWrites("2.4999999999999998E-2"), "0%", "2.5", id="2.5%-as-a-binary-fraction"
        ),
        pytest.param(
            AsExcelWrites("2.5500000000000002E-2"), None, "2.55", id="2.55%-as-a-binary-fraction"
        ),
        pytest.param(1, None, "100", id="a-whole-one-is-100%"),
        pytest.param("2.5%", None, "2.5", id="the-text-2.5%"),
        pytest.param(" 2.5 % ", "@", "2.5", id="the-text-2.5%-in-a-text-cell"),
        pytest.param(2.5, "0.0", "2.5", id="a-plain-number-in-an-old-download"),
        pytest.param(2.5, "General", "2.5", id="pasted-over-with-general"),
        pytest.param(2.5, '0.0"%"', "2.5", id="a-quoted-percent-sign-does-not-scale"),
    ],
)
def test_a_percent_cell_reads_as_the_percentage_the_planner_sees(
    activity, cell_of, value, number_format, expected
):
    key = ("gp_referrals", "last_year_growth")

    preview = read_with(activity, cell_of, {key: (value, number_format)})

    assert preview.errors == []
    assert parse_cell(preview.raw_cells[key])[0] == Decimal(expected)  # what confirming saves
    (change,) = preview.changes
    assert (change["old"], change["new"]) == ("7", expected)


def test_a_percentage_format_on_a_money_cell_does_not_scale_its_figure(finance, cell_of):
    preview = read_with(finance, cell_of, {("acute", "budget"): (359000, "0%")})
    assert preview.raw_cells[("acute", "budget")] == "359000" and preview.errors == []


def test_a_binary_fraction_in_a_thousands_cell_reads_at_the_templates_precision(finance, cell_of):
    preview = read_with(
        finance, cell_of, {("acute", "budget"): (AsExcelWrites("103.49999999999999"), None)}
    )

    assert preview.errors == []
    assert preview.raw_cells[("acute", "budget")] == "103.5"
    (change,) = preview.changes
    assert change["new"] == "103.5"


def test_a_fifth_decimal_typed_in_a_thousands_cell_is_still_refused(finance, cell_of):
    preview = read_with(finance, cell_of, {("acute", "budget"): (103.12345, None)})

    assert [(m.line, m.column) for m in preview.errors] == [("acute", "budget")]
    assert preview.errors[0].text.endswith("can have at most 4 decimal places")
    assert ("acute", "budget") not in preview.raw_cells


def test_a_fifth_decimal_of_a_percentage_is_refused(activity, cell_of):
    key = ("gp_referrals", "last_year_growth")
    preview = read_with(activity, cell_of, {key: (0.0212345, None)})  # 2.12345%
    assert [(m.line, m.column) for m in preview.errors] == [key]


def test_a_variance_percentage_pasted_as_a_figure_is_checked_as_a_percentage(finance, cell_of):
    """A computed % cell pasted over with its value (as "paste values" leaves it) is compared with
    what it is made from as the percentage Excel shows, not as the fraction it holds."""
    ret, grid, values, data = finance
    computed = grid.compute(values)[("mental_health", "variance_pct")]
    shown = float(computed) / 100

    fine = read_with(finance, cell_of, {("mental_health", "variance_pct"): (shown, None)})
    wrong = read_with(finance, cell_of, {("mental_health", "variance_pct"): (shown * 3, None)})

    assert fine.errors == []
    assert [(m.line, m.column) for m in wrong.errors] == [("mental_health", "variance_pct")]


# Writing ----------------------------------------------------------------------------------------


def test_each_cell_is_written_in_its_unit(finance, activity, cell_of):
    money = load_workbook(io.BytesIO(finance[3]))
    counts = load_workbook(io.BytesIO(activity[3]))

    assert cell_of(money, "acute", "budget").number_format == "#,##0;(#,##0)"
    assert cell_of(money, "acute", "variance_pct").number_format == "0.0%"
    assert cell_of(counts, "gp_referrals", "fot").number_format == "#,##0"
    assert cell_of(counts, "ae_other", "last_year_growth").value == pytest.approx(0.219)
    assert cell_of(counts, "ae_other", "growth").number_format == "0.0%"
    assert "Money is in £000" in money.worksheets[0]["B2"].value


def test_a_percentage_formula_gives_the_fraction_excel_shows_as_that_percentage():
    growth = Formula("(plan - fot) / fot * 100")
    cells = {"fot": "C6", "plan": "F6", "rate": "D6", "a": "C6", "b": "D6"}

    assert writing._excel_formula(
        growth, cells.get, is_computed=lambda name: name == "plan", as_percent=True
    ) == ('=IF(OR(F6="",ISBLANK(C6)),"",IFERROR(((F6-C6)/C6),""))')
    # No "* 100" to drop: the result is divided by 100, inside IFERROR.
    assert writing._excel_formula(Formula("a / b"), cells.get, as_percent=True) == (
        '=IF(OR(ISBLANK(C6),ISBLANK(D6)),"",IFERROR(((C6/D6)/100),""))'
    )
    # A % cell a formula uses holds a fraction: read times 100, as the app holds it.
    assert writing._excel_formula(
        Formula("fot * (1 + rate / 100)"), cells.get, percent=lambda name: name == "rate"
    ) == ('=IF(OR(ISBLANK(C6),ISBLANK(D6)),"",IFERROR((C6*(1+((D6*100)/100))),""))')


def test_a_formula_using_another_template_cannot_be_an_excel_formula():
    formula = Formula("qipp:total.gross / total_income.budget * 100")

    with pytest.raises(writing.NotAnExcelFormula):
        writing._excel_formula(formula, lambda name: "C6", as_percent=True)


@pytest.fixture
def rates_template(blmk):
    """A template of our own, made directly: counts with a rate worked out from them, a typed
    target %, a plan from the target, a share of the total (a measure: blank when a part is
    blank) and a measure using another template (QIPP)."""
    round_ = factories.template("activity").round
    template = Template.objects.create(
        round=round_, code="rates", name="Rates", kind="performance", organisation_kinds=["ccg"]
    )
    section = Section.objects.create(template=template, code="rates", title="Rates")
    for order, (code, unit, formula, sums_lines) in enumerate(
        [
            ("seen", "", "", True),
            ("attendances", "", "", True),
            ("rate", "%", "seen / attendances * 100", True),
            ("target", "%", "", False),
            ("planned_seen", "", "attendances * target / 100", True),
        ]
    ):
        Column.objects.create(
            section=section,
            code=code,
            label=code.replace("_", " ").capitalize(),
            unit=unit,
            formula=formula,
            sums_lines=sums_lines,
            allow_negative=False,
            order=order,
        )
    for order, (code, unit, formula) in enumerate(
        [
            ("type_1", "count", ""),
            ("other", "count", ""),
            ("total", "count", "type_1 + other"),
            ("type_1_share", "%", "type_1 / total * 100"),
            ("qipp_share", "%", "qipp:total.gross / total.attendances * 100"),
        ]
    ):
        Line.objects.create(
            template=template,
            section=section,
            code=code,
            label=code.replace("_", " ").capitalize(),
            unit=unit,
            formula=formula,
            order=order,
        )
    return template


RATES = {
    ("type_1", "seen"): Decimal(9400),
    ("type_1", "attendances"): Decimal(10000),
    ("type_1", "target"): Decimal("95.5"),
    ("other", "seen"): Decimal(1990),
    ("other", "attendances"): Decimal(2000),
    ("other", "target"): Decimal("99.25"),
    ("total", "target"): Decimal(95),
}


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(RATES, id="every-count-given"),
        pytest.param(
            {k: v for k, v in RATES.items() if k != ("type_1", "attendances")},
            id="type-1-attendances-blank",
        ),
    ],
)
def test_percentages_computed_in_the_workbook_are_what_the_app_computes(
    beds, rates_template, cell_of, tmp_path, typed
):
    ret = Return(organisation=beds, template=rates_template, stage="draft")
    grid = returns.grid_for_template(rates_template)
    computed = grid.compute(typed)
    path = tmp_path / "rates.xlsx"
    path.write_bytes(
        writing.return_workbook(
            ret, grid, typed, {}, computed={**computed, ("qipp_share", "seen"): Decimal("4.32")}
        )
    )
    workbook = load_workbook(path)
    compiler = ExcelCompiler(filename=str(path))

    checked = 0
    for line in ("type_1", "other", "total", "type_1_share"):
        for column in ("seen", "attendances", "rate", "planned_seen"):
            cell = cell_of(workbook, line, column)
            if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                continue
            result = compiler.evaluate(f"{cell.parent.title}!{cell.coordinate}")
            expected = computed[(line, column)]
            if expected is None:
                assert result in ("", None), (line, column, result)
            else:
                if grid.unit_of(line, column) == "%":
                    assert is_percentage(cell)
                    result *= 100
                assert result == pytest.approx(float(expected)), (line, column)
            checked += 1
    # rate and planned_seen on each line, the total's and the share's counts
    assert checked == 4 * 2 + 2 * 2
    assert computed[("type_1_share", "seen")] == Decimal(9400) / Decimal(11390) * 100
    # The measure from another template is the app's figure, locked, with a note saying so.
    measure = cell_of(workbook, "qipp_share", "seen")
    assert measure.value == pytest.approx(0.0432) and is_percentage(measure)
    assert measure.protection.locked and "not recalculated" in measure.comment.text
    assert cell_of(workbook, "qipp_share", "attendances").value is None  # the app has none


def test_a_measure_written_as_the_apps_figure_is_not_read_back_as_the_planners(
    beds, rates_template, cell_of
):
    """The workbook holds the measure as it was at the download; the QIPP return it comes from
    may have changed since, which is nothing the planner did in this workbook."""
    ret = Return.objects.create(organisation=beds, template=rates_template, stage="draft")
    ret = Return.objects.select_related("organisation", "template__round").get(pk=ret.pk)
    grid = returns.grid_for_template(rates_template)
    data = writing.return_workbook(
        ret, grid, {}, {}, computed={("qipp_share", "seen"): Decimal("4.32")}
    )
    computes = grid.compute
    grid.compute = lambda typed: {**computes(typed), ("qipp_share", "seen"): Decimal("5.1")}

    preview = reading.read_workbook(ret, "rates.xlsx", data, grid=grid, saved={}, saved_answers={})

    assert preview.errors == [] and preview.changes == []


# The plan workbook ------------------------------------------------------------------------------


def test_the_plan_workbook_shows_percentages_as_percentages_and_says_figures_are_rounded(
    client, blmk, beds
):
    submitted = factories.submitted_return(beds, "activity", seed_figures.activity_cells())
    build_system_plan(system=blmk, template=submitted.template, stage="draft")
    client.force_login(factories.ics_lead(blmk))

    response = client.get(
        reverse("submissions:plan_xlsx", args=["BLMK", 2019, "activity", "draft"])
    )

    workbook = load_workbook(io.BytesIO(response.content))
    summary, partner = workbook["Summary"], workbook["NHS Bedfordshire CCG"]
    for sheet in (summary, partner):
        assert any("shown rounded" in str(c.value) for c in sheet["A"][:3])
        headers = next(
            r for r in sheet.iter_rows() if r[0].value == "Local activity growth assumptions"
        )
        growth = next(c.column for c in headers if c.value == "19/20 planned growth %")
        fot = next(c.column for c in headers if c.value == "CCG adjusted forecast outturn")
        row = next(r for r in sheet.iter_rows() if r[0].value == "GP referrals (general and acute)")
        cell = row[growth - 1]
        assert is_percentage(cell) and cell.number_format == "0.0%"
        assert cell.value == pytest.approx((97581 - 94810) / 94810)  # Excel shows 2.9%
        assert row[fot - 1].value == 94810 and row[fot - 1].number_format == "#,##0"
