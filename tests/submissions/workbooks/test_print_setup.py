"""Workbooks print as planners print them: every sheet A4 landscape, fitted to one page wide (as
many pages long as it needs), with the column headings and the line names repeated on each page."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from submissions.demo import seed_figures
from submissions.plans.services import build_system_plan
from submissions.workbooks import writing
from tests import factories

pytestmark = pytest.mark.django_db


def titles(reference):
    """A print titles reference as written ("4:5"); openpyxl reads it back absolute ("$4:$5")."""
    return (reference or "").replace("$", "")


def assert_prints_landscape_one_page_wide(sheet):
    setup = sheet.page_setup
    assert setup.orientation == "landscape", sheet.title
    assert int(setup.paperSize) == int(sheet.PAPERSIZE_A4), sheet.title  # 9, A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, sheet.title
    assert setup.fitToWidth == 1, sheet.title
    assert setup.fitToHeight == 0, sheet.title


def test_every_sheet_of_a_return_workbook_prints_with_its_headings_and_line_names(
    blmk, beds, lead, download, client
):
    # Finance has two grid sections (two sheets); narrative is a sheet of its own.
    factories.saved_return(beds, "finance", seed_figures.finance_cells(), lead=lead)
    factories.saved_return(beds, "narrative", {}, lead=lead)
    client.force_login(lead)
    for template_code in ("finance", "narrative", "activity"):
        workbook = download(client, template_code)
        for sheet in workbook.worksheets:
            assert_prints_landscape_one_page_wide(sheet)
            if sheet.title == writing.META_SHEET:
                continue
            # The heading row (and the hidden codes under it) repeat on every page.
            assert titles(sheet.print_title_rows) == f"{writing.HEADER_ROW}:{writing.CODE_ROW}", (
                template_code,
                sheet.title,
            )
            heading = [c.value for c in sheet[writing.HEADER_ROW]]
            assert heading[1] in ("Line", "Question"), heading
            if sheet.title != "Narrative":
                # The hidden line codes and the line names repeat on every page.
                assert titles(sheet.print_title_cols) == "A:B", (template_code, sheet.title)


def test_every_sheet_of_a_plan_workbook_prints_with_its_headings_and_line_names(client, blmk, beds):
    submitted = factories.submitted_return(beds, "activity", seed_figures.activity_cells())
    build_system_plan(system=blmk, template=submitted.template, stage="draft")
    client.force_login(factories.ics_lead(blmk))

    response = client.get(
        reverse("submissions:plan_xlsx", args=["BLMK", 2019, "activity", "draft"])
    )

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Summary", "NHS Bedfordshire CCG"]
    for sheet in workbook.worksheets:
        assert_prints_landscape_one_page_wide(sheet)
        assert titles(sheet.print_title_cols) == "A:A", sheet.title
        # The repeated row is the one with the column headings: the section, then its columns.
        first, last = titles(sheet.print_title_rows).split(":")
        assert first == last, titles(sheet.print_title_rows)
        row = [c.value for c in sheet[int(first)]]
        assert row[:2] == ["Local activity growth assumptions", "CCG adjusted forecast outturn"]


def test_a_finance_plan_with_a_control_total_prints_each_sheet_landscape(client, blmk, beds):
    submitted = factories.submitted_return(beds, "finance", seed_figures.finance_cells())
    build_system_plan(system=blmk, template=submitted.template, stage="draft")
    client.force_login(factories.ics_lead(blmk))

    response = client.get(reverse("submissions:plan_xlsx", args=["BLMK", 2019, "finance", "draft"]))

    workbook = load_workbook(io.BytesIO(response.content))
    assert "Control total" in workbook.sheetnames, workbook.sheetnames
    for sheet in workbook.worksheets:
        assert_prints_landscape_one_page_wide(sheet)
        assert sheet.print_title_rows, sheet.title
        assert titles(sheet.print_title_cols) == "A:A", sheet.title
    sheet = workbook["Control total"]
    first = int(titles(sheet.print_title_rows).split(":")[0])
    assert sheet.cell(row=first, column=1).value == "Partner"
