"""Shared setup for workbook tests: Bedfordshire CCG in BLMK with its 2019/20 activity return
saved by its planning lead, and helpers to download, change and upload that return's workbook."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from submissions.demo import seed_figures
from submissions.workbooks import writing
from tests import factories


@pytest.fixture
def blmk(db):
    """Every template of both rounds loaded, and the BLMK system."""
    factories.templates()
    return factories.blmk()


@pytest.fixture
def beds(blmk):
    return factories.bedfordshire(in_system=blmk)


@pytest.fixture
def lead(beds):
    return factories.planning_lead(beds)


@pytest.fixture
def activity_return(beds, lead):
    """Bedfordshire's draft activity return with the seed plan's figures, saved by its lead."""
    return factories.saved_return(beds, "activity", seed_figures.activity_cells(), lead=lead)


@pytest.fixture
def lead_client(client, lead, activity_return):
    """A client logged in as Bedfordshire's planning lead, the activity return saved."""
    client.force_login(lead)
    return client


@pytest.fixture
def as_bytes():
    """An openpyxl workbook saved as .xlsx bytes."""

    def save(workbook):
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    return save


@pytest.fixture
def download():
    """Download a return's workbook through its page and open it."""

    def get(client, template_code="activity", ods="06F"):
        response = client.get(factories.return_url(ods, template_code, view="submissions:download"))
        assert response.status_code == 200
        return load_workbook(io.BytesIO(response.content))

    return get


@pytest.fixture
def upload():
    """Post a file to a return's upload page."""

    def post(client, data, name="activity.xlsx", template_code="activity"):
        return client.post(
            factories.return_url(template_code=template_code, view="submissions:upload"),
            {"workbook": SimpleUploadedFile(name, data)},
        )

    return post


@pytest.fixture
def cell_of():
    """Find a cell by its hidden line and column codes, as reading does, not by position."""

    def find(workbook, line, column):
        for sheet in workbook.worksheets:
            if sheet.title == writing.META_SHEET:
                continue
            columns = {
                sheet.cell(row=writing.CODE_ROW, column=c).value: c
                for c in range(1, sheet.max_column + 1)
            }
            for r in range(writing.FIRST_ROW, sheet.max_row + 1):
                if sheet.cell(row=r, column=1).value == line and column in columns:
                    return sheet.cell(row=r, column=columns[column])
        raise KeyError((line, column))

    return find
