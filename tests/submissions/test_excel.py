"""Excel round trip: the downloaded workbook, uploads with a preview, hostile files, plan exports."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from planning.template_loader import load_all
from submissions.demo import seed_figures
from submissions.formatting import neutralise
from submissions.models import Change, Return, Upload, Value
from submissions.workbooks import selectors as workbooks
from submissions.workbooks import writing as excel
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def beds(client):
    load_all()
    system = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    factories.membership(beds, system)
    lead = factories.planning_lead(beds)
    ret = Return.objects.create(organisation=beds, template=_template("activity"), stage="draft")
    from submissions.returns import services

    ret = services.return_save(
        user=lead,
        ret=ret,
        base_version=0,
        raw_cells=seed_figures.activity_cells(),
        raw_answers={},
        raw_explanations={},
    )
    client.force_login(lead)
    return {"org": beds, "lead": lead, "ret": ret, "system": system}


def _template(code, year=2019):
    from planning.models import Template

    return Template.objects.get(round__financial_year=year, code=code)


def url(name, template="activity", ods="06F", stage="draft"):
    return reverse(name, args=[2019, ods, template, stage])


def download(client, template="activity", ods="06F"):
    response = client.get(url("submissions:download", template, ods))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def upload(client, data, name="activity.xlsx", template="activity"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        url("submissions:upload", template), {"workbook": SimpleUploadedFile(name, data)}
    )


def saved(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_of(workbook, line, column):
    """Find a cell by its hidden codes, as the upload does, not by position."""
    for sheet in workbook.worksheets:
        if sheet.title == excel.META_SHEET:
            continue
        columns = {
            sheet.cell(row=excel.CODE_ROW, column=c).value: c
            for c in range(1, sheet.max_column + 1)
        }
        for r in range(excel.FIRST_ROW, sheet.max_row + 1):
            if sheet.cell(row=r, column=1).value == line and column in columns:
                return sheet.cell(row=r, column=columns[column])
    raise KeyError((line, column))


def test_round_trip_applies_exactly_the_three_changed_cells(client, beds):
    workbook = download(client)
    cell_of(workbook, "gp_referrals", "trend").value = 7000
    cell_of(workbook, "day_case", "transformation").value = -400
    cell_of(workbook, "ae_other", "policy").value = 10500
    before = {
        (v.line.code, v.column.code): v.value
        for v in Value.objects.select_related("line", "column")
    }
    version = beds["ret"].version

    response = upload(client, saved(workbook))
    assert response.status_code == 302
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert "3 cells would change" in html and "6,998" in html and "7,000" in html
    assert (
        Value.objects.get(line__code="gp_referrals", column__code="trend").value == 6998
    )  # not yet

    confirm = client.post(response["Location"] + "confirm/", {"decision": "apply"})
    assert confirm.status_code == 302
    after = {
        (v.line.code, v.column.code): v.value
        for v in Value.objects.select_related("line", "column")
    }
    changed = {k for k in after if after[k] != before.get(k)} | {
        k for k in before if k not in after
    }
    assert changed == {
        ("gp_referrals", "trend"),
        ("day_case", "transformation"),
        ("ae_other", "policy"),
    }
    assert after[("ae_other", "policy")] == 10500
    changes = Change.objects.filter(ret=beds["ret"], version=version + 1)
    assert changes.count() == 3 and all(c.note == "Uploaded from activity.xlsx" for c in changes)
    assert Upload.objects.get().status == "applied"


def test_downloaded_formulas_compute_the_same_totals_as_the_app(client, beds, tmp_path):
    from pycel import ExcelCompiler

    from submissions.returns.selectors import evaluation_of

    path = tmp_path / "activity.xlsx"
    path.write_bytes(client.get(url("submissions:download")).content)
    workbook = load_workbook(path)
    compiler = ExcelCompiler(filename=str(path))
    values = evaluation_of(beds["ret"]).values
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
    client, beds
):
    workbook = download(client)
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
        and workbook[excel.META_SHEET].sheet_state == "veryHidden"
    )


def test_upload_errors_name_the_sheet_and_cell_and_nothing_is_applied(client, beds):
    workbook = download(client)
    bad = cell_of(workbook, "day_case", "trend")
    bad.value = "abc"
    cell_of(workbook, "gp_referrals", "trend").value = 1
    cell_of(workbook, "total_referrals", "plan").value = 1  # a typed total that does not add up
    response = upload(client, saved(workbook))
    html = client.get(response["Location"]).content.decode()
    assert (
        f"&#x27;{bad.parent.title}&#x27;!{bad.coordinate}: &#x27;abc&#x27; is not a number" in html
    )
    assert "Total referrals (general and acute): 19/20 annual plan is 1" in html
    assert "Apply" not in html
    assert client.post(response["Location"] + "confirm/", {"decision": "apply"}).status_code == 403
    assert Value.objects.get(line__code="gp_referrals", column__code="trend").value == 6998


def hostile_zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def entity_expansion(client):
    """A real workbook whose sheet XML declares nested entities (billion laughs)."""
    data = client.get(url("submissions:download")).content
    source = zipfile.ZipFile(io.BytesIO(data))
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    members = {}
    for info in source.infolist():
        content = source.read(info.filename)
        if info.filename == "xl/worksheets/sheet1.xml":
            body = content.split(b"?>", 1)[-1]
            content = bomb.encode() + body.replace(b"<sheetData>", b"<sheetData><!-- &lol3; -->", 1)
        members[info.filename] = content
    return hostile_zip(members)


@pytest.mark.parametrize(
    "case, message",
    [
        ("text", "not an Excel workbook"),
        ("csv_name", "Choose an Excel workbook (.xlsx)"),
        ("xlsm", "Workbooks with macros are not accepted"),
        ("vba_inside", "contains macros"),
        ("zip_bomb", "expands to far more"),
        ("entities", "XML entity declarations"),
        ("too_big", "larger than"),
        ("foreign", "not downloaded from this service"),
    ],
)
def test_hostile_or_wrong_files_are_refused_with_a_clear_message(
    client, beds, settings, case, message
):
    files = {
        "text": lambda: (b"this is not a workbook", "activity.xlsx"),
        "csv_name": lambda: (b"a,b\n1,2\n", "activity.csv"),
        "xlsm": lambda: (b"PK\x03\x04", "activity.xlsm"),
        "vba_inside": lambda: (
            hostile_zip({"[Content_Types].xml": "<Types/>", "xl/vbaProject.bin": b"\0" * 100}),
            "a.xlsx",
        ),
        "zip_bomb": lambda: (
            hostile_zip(
                {"[Content_Types].xml": "<Types/>", "xl/big.xml": b"0" * (60 * 1024 * 1024)}
            ),
            "a.xlsx",
        ),
        "entities": lambda: (entity_expansion(client), "activity.xlsx"),
        "too_big": lambda: (b"0" * 2048, "activity.xlsx"),
        "foreign": lambda: (saved(Workbook()), "activity.xlsx"),
    }
    data, name = files[case]()
    if case == "too_big":
        settings.UPLOAD_MAX_BYTES = 1024
    before = list(Value.objects.values_list("id", "value"))
    response = upload(client, data, name=name)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert list(Value.objects.values_list("id", "value")) == before
    assert not Upload.objects.exists()


@pytest.mark.parametrize(
    "ods, template, stage, year, message",
    [
        (
            "06P",
            "activity",
            "draft",
            2019,
            "is for organisation 06P, not NHS Bedfordshire CCG (06F)",
        ),
        ("06F", "qipp", "draft", 2019, "is the qipp template, not the activity plan"),
        ("06F", "activity", "draft", 2020, "is for the 2020 round, not 2019/20"),
    ],
)
def test_a_workbook_for_another_organisation_template_or_round_is_refused(
    client, beds, ods, template, stage, year, message
):
    other = factories.organisation("06P", name="NHS Luton CCG") if ods == "06P" else beds["org"]
    ret = Return(organisation=other, template=_template(template, year), stage=stage)
    response = upload(client, workbooks.return_workbook(ret))
    assert response.status_code == 422
    assert message in response.content.decode()


def test_only_the_organisations_planning_lead_may_upload(client, beds):
    client.force_login(factories.planning_lead(factories.organisation("06P")))
    assert client.get(url("submissions:upload")).status_code == 404
    client.force_login(factories.ics_lead(beds["system"]))
    assert client.get(url("submissions:upload")).status_code == 403
    assert client.get(url("submissions:download")).status_code == 200  # the ICS lead may read it


def test_user_text_in_exports_cannot_become_a_formula(client, beds):
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert neutralise("@SUM(A1)") == "'@SUM(A1)" and neutralise("Plain") == "Plain"
    factories.organisation("X1", name="=cmd|'/c calc'!A1", kind="acute")
    from submissions.models import NarrativeAnswer

    narrative = Return.objects.create(
        organisation=beds["org"], template=_template("narrative"), stage="draft"
    )
    line = narrative.template.lines.first()
    NarrativeAnswer.objects.create(ret=narrative, line=line, text="=1+1 risks")
    workbook = load_workbook(io.BytesIO(workbooks.return_workbook(narrative)))
    answer = cell_of(workbook, line.code, "answer")
    assert answer.value == "'=1+1 risks" and answer.data_type == "s"


def test_system_plan_exports_as_a_workbook_with_a_sheet_per_organisation(client, beds):
    from submissions.models import Return as R
    from submissions.plans.services import build_system_plan

    R.objects.filter(pk=beds["ret"].pk).update(status="submitted")
    build_system_plan(system=beds["system"], template=beds["ret"].template, stage="draft")
    client.force_login(factories.ics_lead(beds["system"]))
    response = client.get(
        reverse("submissions:plan_xlsx", args=["BLMK", 2019, "activity", "draft"])
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Summary", "NHS Bedfordshire CCG"]
    rows = list(workbook["Summary"].iter_rows(values_only=True))
    assert any(row[0] == "GP referrals (general and acute)" and row[1] == 94810 for row in rows)
