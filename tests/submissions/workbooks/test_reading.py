"""Reading a completed workbook back, without HTTP: `check_file` refuses what is not a safe .xlsx
before any XML is parsed, and `read_workbook` compares a workbook with the saved return, giving
each change and each problem with its sheet and cell, without touching the database."""

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from submissions.models import NarrativeAnswer, Return
from submissions.returns import selectors as returns
from submissions.workbooks import reading, writing
from tests import factories

pytestmark = pytest.mark.django_db


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def fetched(activity_return):
    """The activity return and everything `read_workbook` needs, fetched before it is called."""
    ret = Return.objects.select_related("organisation", "template__round").get(
        pk=activity_return.pk
    )
    grid = returns.grid_for_template(ret.template)
    saved = returns.typed_values(ret)
    answers = returns.answers(ret)
    return {
        "ret": ret,
        "grid": grid,
        "saved": saved,
        "saved_answers": answers,
        "workbook": writing.return_workbook(ret, grid, saved, answers),
    }


def read(fetched, data, name="activity.xlsx"):
    return reading.read_workbook(
        fetched["ret"],
        name,
        data,
        grid=fetched["grid"],
        saved=fetched["saved"],
        saved_answers=fetched["saved_answers"],
    )


def changed(data, edit):
    """The workbook `data` with `edit(workbook)` applied, as .xlsx bytes."""
    workbook = load_workbook(io.BytesIO(data))
    edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MACROS = "Workbooks with macros are not accepted"
NOT_XLSX = "not an Excel workbook (.xlsx), or it is damaged"


@pytest.mark.parametrize(
    "name, content, message",
    [
        pytest.param("plan.xlsm", b"PK\x03\x04", MACROS, id="xlsm"),
        pytest.param("plan.xlsb", b"PK\x03\x04", MACROS, id="xlsb"),
        pytest.param("plan.xltm", b"PK\x03\x04", MACROS, id="xltm"),
        pytest.param("PLAN.XLSM", b"PK\x03\x04", MACROS, id="xlsm-upper-case"),
        pytest.param("plan.csv", b"a,b\n1,2\n", "Choose an Excel workbook (.xlsx)", id="csv"),
        pytest.param("", b"", "Choose an Excel workbook (.xlsx)", id="no-name"),
        pytest.param("plan.xlsx", b"this is not a workbook", NOT_XLSX, id="not-a-zip"),
        pytest.param(
            "plan.xlsx",
            lambda: zipped({"xl/workbook.xml": "<workbook/>"}),
            NOT_XLSX,
            id="no-content-types",
        ),
        pytest.param(
            "plan.xlsx",
            lambda: zipped({"[Content_Types].xml": "<Types/>", "xl/vbaProject.bin": b"\0" * 100}),
            "contains macros",
            id="vba-project-inside",
        ),
        pytest.param(
            "plan.xlsx",
            lambda: zipped({"[Content_Types].xml": "<Types/>", "xl/big.xml": b"0" * (60 << 20)}),
            "expands to far more",
            id="zip-bomb",
        ),
        pytest.param(
            "plan.xlsx",
            lambda: zipped({"[Content_Types].xml": "<Types/>", "xl/big.xml": b"0" * (5 << 20)}),
            "compressed suspiciously well",
            id="compression-ratio",
        ),
    ],
)
def test_check_file_refuses_what_is_not_a_safe_xlsx(name, content, message):
    """`content` is the file's bytes, or makes them when the test runs (the zips are large)."""
    data = content() if callable(content) else content
    with pytest.raises(reading.WorkbookRejected, match=re.escape(message)):
        reading.check_file(name, data)


def test_check_file_refuses_a_file_larger_than_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    with pytest.raises(reading.WorkbookRejected, match="larger than 1 MB"):
        reading.check_file("plan.xlsx", b"0" * (1024 * 1024 + 1))


def test_check_file_accepts_a_workbook_this_service_wrote(fetched):
    assert reading.check_file("activity.xlsx", fetched["workbook"]) is None


def test_an_unchanged_workbook_reads_with_no_changes_and_no_errors(
    fetched, django_assert_num_queries
):
    with django_assert_num_queries(0):
        preview = read(fetched, fetched["workbook"])
    assert preview.changes == [] and preview.errors == []
    assert preview.raw_cells[("gp_referrals", "trend")] == "6998"


def test_one_changed_cell_gives_exactly_one_change_with_its_sheet_and_cell(
    fetched, cell_of, django_assert_num_queries
):
    located = {}

    def edit(workbook):
        cell = cell_of(workbook, "gp_referrals", "trend")
        cell.value = 7000
        located["ref"] = f"{cell.parent.title}!{cell.coordinate}"

    data = changed(fetched["workbook"], edit)

    with django_assert_num_queries(0):
        preview = read(fetched, data)

    assert preview.errors == []
    assert preview.changes == [
        {
            "ref": located["ref"],
            "line": "GP referrals (general and acute)",
            "column": "Underlying trend and demographic growth",
            "old": "6,998",
            "new": "7,000",
        }
    ]
    assert preview.raw_cells[("gp_referrals", "trend")] == "7000"


def test_a_cell_that_is_not_a_number_gives_an_error_naming_its_sheet_and_cell(
    fetched, cell_of, django_assert_num_queries
):
    located = {}

    def edit(workbook):
        cell = cell_of(workbook, "day_case", "trend")
        cell.value = "abc"
        located["sheet"], located["cell"] = cell.parent.title, cell.coordinate

    data = changed(fetched["workbook"], edit)

    with django_assert_num_queries(0):
        preview = read(fetched, data)

    sheet, cell = located["sheet"], located["cell"]
    reference = f"'{sheet}'!{cell}" if " " in sheet else f"{sheet}!{cell}"
    assert [(m.severity, m.text, m.line, m.column) for m in preview.errors] == [
        ("error", f"{reference}: 'abc' is not a number", "day_case", "trend")
    ]
    assert preview.changes == []
    assert ("day_case", "trend") not in preview.raw_cells


def test_a_typed_total_that_does_not_add_up_is_an_error_naming_its_line_and_column(
    fetched, cell_of, django_assert_num_queries
):
    def edit(workbook):
        cell_of(workbook, "total_referrals", "plan").value = 1

    data = changed(fetched["workbook"], edit)

    with django_assert_num_queries(0):
        preview = read(fetched, data)

    assert [(m.line, m.column) for m in preview.errors] == [("total_referrals", "plan")]
    assert preview.errors[0].text.startswith(
        "Total referrals (general and acute): 19/20 annual plan is 1 but"
    )


def test_a_changed_narrative_answer_is_a_change_of_its_narrative_cell(
    beds, django_assert_num_queries
):
    narrative = Return.objects.create(
        organisation=beds, template=factories.template("narrative"), stage="draft"
    )
    line = narrative.template.lines.first()
    NarrativeAnswer.objects.create(ret=narrative, line=line, text="Fewer referrals")
    ret = Return.objects.select_related("organisation", "template__round").get(pk=narrative.pk)
    grid = returns.grid_for_template(ret.template)
    answers = returns.answers(ret)
    data = writing.return_workbook(ret, grid, {}, answers)

    def edit(workbook):
        sheet = workbook["Narrative"]
        row = next(
            r
            for r in range(writing.FIRST_ROW, sheet.max_row + 1)
            if sheet.cell(row=r, column=1).value == line.code
        )
        sheet.cell(row=row, column=3).value = "  Shorter waits  "

    data = changed(data, edit)

    with django_assert_num_queries(0):
        preview = reading.read_workbook(
            ret, "narrative.xlsx", data, grid=grid, saved={}, saved_answers=answers
        )

    assert preview.errors == []
    assert [(c["line"], c["old"], c["new"]) for c in preview.changes] == [
        (line.label, "Fewer referrals", "Shorter waits")
    ]
    assert preview.changes[0]["ref"].startswith("Narrative!C")
    assert preview.raw_answers[line.code] == "Shorter waits"


def test_a_workbook_for_another_stage_is_refused(fetched):
    def edit(workbook):
        meta = workbook[writing.META_SHEET]
        for row in meta.iter_rows():
            if row[0].value == "stage":
                row[1].value = "final"

    with pytest.raises(reading.WorkbookRejected, match="is for the final stage, not the draft"):
        read(fetched, changed(fetched["workbook"], edit))


def test_a_workbook_declaring_xml_entities_is_refused(fetched):
    source = zipfile.ZipFile(io.BytesIO(fetched["workbook"]))
    members = {info.filename: source.read(info.filename) for info in source.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"].split(b"?>", 1)[-1]
    members["xl/worksheets/sheet1.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + sheet
    )

    with pytest.raises(reading.WorkbookRejected, match="XML entity declarations"):
        read(fetched, zipped(members))


def test_a_cleared_cell_is_shown_in_the_preview_as_the_change_it_will_make(fetched, cell_of):
    data = changed(
        fetched["workbook"],
        lambda workbook: setattr(cell_of(workbook, "day_case", "trend"), "value", None),
    )

    preview = read(fetched, data)

    (change,) = preview.changes
    assert (change["line"], change["old"], change["new"]) == (
        "Elective admissions: day case",
        "5,178",
        "",
    )
    assert preview.raw_cells[("day_case", "trend")] == ""  # confirming clears exactly that cell
