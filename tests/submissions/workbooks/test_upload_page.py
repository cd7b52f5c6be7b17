"""Uploading a completed workbook to a return: a preview of exactly what would change, applied
only when the planning lead confirms; problems named by sheet and cell; hostile files and another
organisation's, template's or round's workbook refused before anything is kept."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from submissions.models import Change, Return, Upload, Value
from submissions.workbooks import selectors as workbooks
from submissions.workbooks import services
from tests import factories

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def saved_values():
    return {
        (v.line.code, v.column.code): v.value
        for v in Value.objects.select_related("line", "column")
    }


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_entity_expansion(data):
    """A real workbook whose first sheet's XML declares nested entities (billion laughs)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {}
    for info in source.infolist():
        content = source.read(info.filename)
        if info.filename == "xl/worksheets/sheet1.xml":
            body = content.split(b"?>", 1)[-1]
            content = BILLION_LAUGHS.encode() + body.replace(
                b"<sheetData>", b"<sheetData><!-- &lol3; -->", 1
            )
        members[info.filename] = content
    return zipped(members)


def test_round_trip_applies_exactly_the_three_changed_cells(
    lead_client, activity_return, download, upload, cell_of, as_bytes
):
    workbook = download(lead_client)
    cell_of(workbook, "gp_referrals", "trend").value = 7000
    cell_of(workbook, "day_case", "transformation").value = -400
    cell_of(workbook, "ae_other", "policy").value = 10500
    before = saved_values()
    version = activity_return.version

    response = upload(lead_client, as_bytes(workbook))
    assert response.status_code == 302
    preview = lead_client.get(response["Location"])
    html = preview.content.decode()
    assert "3 cells would change" in html and "6,998" in html and "7,000" in html
    assert (
        Value.objects.get(line__code="gp_referrals", column__code="trend").value == 6998
    )  # not yet

    confirm = lead_client.post(response["Location"] + "confirm/", {"decision": "apply"})
    assert confirm.status_code == 302
    after = saved_values()
    changed = {k for k in after if after[k] != before.get(k)} | {
        k for k in before if k not in after
    }
    assert changed == {
        ("gp_referrals", "trend"),
        ("day_case", "transformation"),
        ("ae_other", "policy"),
    }
    assert after[("ae_other", "policy")] == 10500
    changes = Change.objects.filter(ret=activity_return, version=version + 1)
    assert changes.count() == 3 and all(c.note == "Uploaded from activity.xlsx" for c in changes)
    assert Upload.objects.get().status == "applied"


def test_upload_errors_name_the_sheet_and_cell_and_only_the_valid_changes_can_be_applied(
    lead_client, download, upload, cell_of, as_bytes
):
    workbook = download(lead_client)
    bad = cell_of(workbook, "day_case", "trend")
    bad.value = "abc"
    cell_of(workbook, "gp_referrals", "trend").value = 1
    cell_of(workbook, "total_referrals", "plan").value = 1  # a typed total that does not add up
    response = upload(lead_client, as_bytes(workbook))
    html = lead_client.get(response["Location"]).content.decode()
    assert (
        f"&#x27;{bad.parent.title}&#x27;!{bad.coordinate}: &#x27;abc&#x27; is not a number" in html
    )
    assert "Total referrals (general and acute): 19/20 annual plan is 1" in html
    assert "Nothing has been applied" in html and "Apply the 1 valid change only" in html
    assert Value.objects.get(line__code="gp_referrals", column__code="trend").value == 6998

    confirm = lead_client.post(
        response["Location"] + "confirm/", {"decision": "apply"}, follow=True
    )

    assert "The 2 cells with problems were not applied" in confirm.content.decode()
    assert Value.objects.get(line__code="gp_referrals", column__code="trend").value == 1
    assert Value.objects.get(line__code="day_case", column__code="trend").value == 5178


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
    lead_client, activity_return, upload, as_bytes, settings, case, message
):
    files = {
        "text": lambda: (b"this is not a workbook", "activity.xlsx"),
        "csv_name": lambda: (b"a,b\n1,2\n", "activity.csv"),
        "xlsm": lambda: (b"PK\x03\x04", "activity.xlsm"),
        "vba_inside": lambda: (
            zipped({"[Content_Types].xml": "<Types/>", "xl/vbaProject.bin": b"\0" * 100}),
            "a.xlsx",
        ),
        "zip_bomb": lambda: (
            zipped({"[Content_Types].xml": "<Types/>", "xl/big.xml": b"0" * (60 * 1024 * 1024)}),
            "a.xlsx",
        ),
        "entities": lambda: (
            with_entity_expansion(workbooks.return_workbook(activity_return)),
            "activity.xlsx",
        ),
        "too_big": lambda: (b"0" * 2048, "activity.xlsx"),
        "foreign": lambda: (as_bytes(Workbook()), "activity.xlsx"),
    }
    data, name = files[case]()
    if case == "too_big":
        settings.UPLOAD_MAX_BYTES = 1024
    before = list(Value.objects.values_list("id", "value"))
    response = upload(lead_client, data, name=name)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert list(Value.objects.values_list("id", "value")) == before
    assert not Upload.objects.exists()


@pytest.mark.parametrize(
    "ods, template_code, year, message",
    [
        ("06P", "activity", 2019, "is for organisation 06P, not NHS Bedfordshire CCG (06F)"),
        ("06F", "qipp", 2019, "is for another template (qipp), not the Activity plan"),
        ("06F", "activity", 2020, "is for the 2020 round, not 2019/20"),
    ],
)
def test_a_workbook_for_another_organisation_template_or_round_is_refused(
    lead_client, beds, upload, ods, template_code, year, message
):
    organisation = factories.luton() if ods == "06P" else beds
    other = Return(
        organisation=organisation,
        template=factories.template(template_code, year),
        stage="draft",
    )
    response = upload(lead_client, workbooks.return_workbook(other))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Upload.objects.exists()


def test_choosing_no_file_asks_for_one(lead_client):
    response = lead_client.post(factories.return_url(view="submissions:upload"), {})
    assert response.status_code == 422
    assert "Choose the completed workbook to upload." in response.content.decode()


def test_only_the_organisations_planning_lead_may_upload(client, blmk, activity_return):
    upload_page = factories.return_url(view="submissions:upload")
    client.force_login(factories.planning_lead(factories.luton()))
    assert client.get(upload_page).status_code == 404
    client.force_login(factories.ics_lead(blmk))
    assert client.get(upload_page).status_code == 403
    download = factories.return_url(view="submissions:download")
    assert client.get(download).status_code == 200  # the ICS lead may read it


def test_cancelling_an_upload_leaves_the_return_unchanged(
    lead_client, download, upload, cell_of, as_bytes
):
    workbook = download(lead_client)
    cell_of(workbook, "gp_referrals", "trend").value = 7000
    before = saved_values()
    preview = upload(lead_client, as_bytes(workbook))["Location"]

    response = lead_client.post(preview + "confirm/", {"decision": "cancel"}, follow=True)

    assert "The upload was cancelled; the return is unchanged." in response.content.decode()
    assert saved_values() == before
    assert Upload.objects.get().status == "cancelled"
    again = lead_client.post(preview + "confirm/", {"decision": "apply"}, follow=True)
    assert "That upload was already dealt with." in again.content.decode()
    assert saved_values() == before


def test_an_upload_is_not_applied_over_a_save_made_after_it_was_read(
    client, beds, lead, activity_return, download, upload, cell_of, as_bytes
):
    client.force_login(lead)
    workbook = download(client)
    cell_of(workbook, "gp_referrals", "trend").value = 7000
    preview = upload(client, as_bytes(workbook))["Location"]
    colleague = factories.planning_lead(beds)
    client.force_login(colleague)
    saved = client.post(
        factories.return_url(),
        factories.entry_form({("day_case", "trend"): "5,000"}, activity_return.version),
    )
    assert saved.status_code == 302

    client.force_login(lead)
    response = client.post(preview + "confirm/", {"decision": "apply"}, follow=True)

    assert "changed by someone else after you uploaded the workbook" in response.content.decode()
    assert Value.objects.get(line__code="gp_referrals", column__code="trend").value == 6998
    assert Value.objects.get(line__code="day_case", column__code="trend").value == 5000
    assert Upload.objects.get().status == "pending"


def test_only_the_person_who_uploaded_may_see_or_confirm_the_preview(
    client, beds, lead, activity_return, download, upload, cell_of, as_bytes
):
    client.force_login(lead)
    workbook = download(client)
    cell_of(workbook, "gp_referrals", "trend").value = 7000
    preview = upload(client, as_bytes(workbook))["Location"]

    client.force_login(factories.planning_lead(beds))

    assert client.get(preview).status_code == 403
    assert client.post(preview + "confirm/", {"decision": "apply"}).status_code == 403
    assert Value.objects.get(line__code="gp_referrals", column__code="trend").value == 6998
    missing = factories.return_url(view="submissions:upload") + "999999/"
    assert client.get(missing).status_code == 404


def test_an_old_workbook_keeps_others_later_edits_and_shows_its_own_as_conflicts(
    client, beds, lead, activity_return, download, upload, cell_of, as_bytes
):
    client.force_login(lead)
    workbook = download(client)  # stamped with the return's version now
    colleague = factories.planning_lead(beds, first_name="Colin", last_name="Jones")
    client.force_login(colleague)
    client.post(
        factories.return_url(),
        factories.entry_form(
            {("day_case", "trend"): "5,000", ("gp_referrals", "trend"): "7,100"},
            activity_return.version,
        ),
    )
    client.force_login(lead)
    cell_of(workbook, "gp_referrals", "trend").value = 7000  # changed by both
    cell_of(workbook, "other_referrals", "trend").value = 1300  # only in the workbook

    preview = upload(client, as_bytes(workbook))["Location"]
    page = client.get(preview).content.decode()

    assert "Conflict" in page and "Colin Jones changed this after you downloaded" in page
    assert "Kept" in page  # day case: the workbook still holds the figure it was downloaded with
    client.post(preview + "confirm/", {"decision": "apply"})
    values = saved_values()
    assert values[("day_case", "trend")] == 5000  # their later edit is not undone
    assert values[("gp_referrals", "trend")] == 7000  # the conflict, shown, then applied
    assert values[("other_referrals", "trend")] == 1300


def test_a_second_confirm_that_lost_the_race_says_the_upload_was_applied(
    lead, activity_return, download, upload, cell_of, as_bytes, client
):
    client.force_login(lead)
    workbook = download(client)
    cell_of(workbook, "gp_referrals", "trend").value = 7000
    upload(client, as_bytes(workbook))
    record = Upload.objects.get()
    services.upload_apply(user=lead, ret=activity_return, upload=record)
    activity_return.refresh_from_db()

    # The second click read the upload as pending before the first one committed.
    with pytest.raises(services.AlreadyDealtWith, match="applied"):
        services.upload_apply(user=lead, ret=activity_return, upload=record)
    assert Value.objects.get(line__code="gp_referrals", column__code="trend").value == 7000
