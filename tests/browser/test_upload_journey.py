"""A planning lead uploads a completed workbook and confirms the preview (Chromium)."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from submissions.models import Return, Value
from submissions.workbooks import selectors as workbooks
from submissions.workbooks import writing as excel
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_planning_lead_uploads_a_workbook_and_confirms_the_preview(page, log_in, assert_accessible):
    factories.templates()
    beds = factories.bedfordshire(in_system=factories.blmk())
    template = factories.template("qipp")
    ret = Return(organisation=beds, template=template, stage="draft")
    workbook = load_workbook(io.BytesIO(workbooks.return_workbook(ret)))
    sheet = workbook.worksheets[0]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(excel.FIRST_ROW, sheet.max_row + 1)}
    sheet.cell(row=rows["acute"], column=excel.FIRST_COLUMN).value = 18578
    sheet.cell(row=rows["acute"], column=excel.FIRST_COLUMN + 1).value = 1634
    buffer = io.BytesIO()
    workbook.save(buffer)

    log_in(factories.planning_lead(beds))
    page.goto("/returns/2019/06F/qipp/draft/")
    page.get_by_role("link", name="Upload a completed workbook").click()
    assert_accessible(page)
    page.get_by_label("Excel workbook (.xlsx)").set_input_files(
        files=[
            {
                "name": "qipp.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": buffer.getvalue(),
            }
        ]
    )
    page.get_by_role("button", name="Check the workbook").click()
    changes = page.get_by_test_id("upload-changes")
    expect(changes).to_contain_text("2 cells would change")
    expect(changes).to_contain_text("18,578")
    assert_accessible(page)
    assert not Value.objects.exists()  # nothing applied before confirming

    page.get_by_role("button", name="Apply 2 changes").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Applied 2 changes from qipp.xlsx"
    )
    expect(page.locator("#cell-total-net")).to_have_text("16,944")
    assert Value.objects.count() == 2
