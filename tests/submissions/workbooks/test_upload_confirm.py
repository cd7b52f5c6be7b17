"""Confirming or cancelling an uploaded workbook's preview: applied once however often Confirm is
pressed (one after the other or at the same moment), never over a return that changed or was
submitted since, and only by the person who uploaded it, at that return's own address. What
test_upload_page.py already covers (a colleague's save in between, cancel then apply, a colleague
applying) is not repeated here."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from submissions.demo.returns import fill
from submissions.models import Change, Return, Upload, Value
from submissions.workbooks import services
from tests import factories


def gp_trend():
    return Value.objects.get(line__code="gp_referrals", column__code="trend").value


def uploaded_changes():
    return Change.objects.filter(note__startswith="Uploaded from").count()


@pytest.fixture
def preview(lead_client, download, upload, cell_of, as_bytes):
    """The address of a pending upload by Bedfordshire's lead that changes one cell (GP referrals'
    trend, 6,998 to 7,000)."""
    workbook = download(lead_client)
    cell_of(workbook, "gp_referrals", "trend").value = 7000
    response = upload(lead_client, as_bytes(workbook))
    assert response.status_code == 302
    return response["Location"]


@pytest.mark.django_db
def test_confirming_twice_applies_the_upload_once_and_says_so(
    lead_client, activity_return, preview
):
    version = activity_return.version

    first = lead_client.post(preview + "confirm/", {"decision": "apply"}, follow=True)
    second = lead_client.post(preview + "confirm/", {"decision": "apply"}, follow=True)

    assert "Applied 1 changes from activity.xlsx." in first.content.decode()
    page = second.content.decode()
    assert "That upload was already" in page
    assert "changed by someone else" not in page and "nothing was applied" not in page
    activity_return.refresh_from_db()
    assert activity_return.version == version + 1
    assert uploaded_changes() == 1 and gp_trend() == 7000
    assert Upload.objects.get().status == "applied"


@pytest.mark.django_db
def test_cancelling_an_upload_that_was_applied_keeps_it_recorded_as_applied(
    lead_client, activity_return, preview
):
    lead_client.post(preview + "confirm/", {"decision": "apply"})

    response = lead_client.post(preview + "confirm/", {"decision": "cancel"}, follow=True)

    page = response.content.decode()
    assert "That upload was already dealt with." in page
    assert "the return is unchanged" not in page  # it was changed, by this upload
    assert Upload.objects.get().status == "applied"
    assert gp_trend() == 7000


@pytest.mark.django_db
def test_a_cancel_that_lost_the_race_to_an_apply_does_not_mark_the_applied_upload_cancelled(
    lead, lead_client, activity_return, preview
):
    record = Upload.objects.get()  # read as pending by the Cancel request...
    services.upload_apply(user=lead, ret=activity_return, upload=Upload.objects.get())  # ...then

    with pytest.raises(services.AlreadyDealtWith):
        services.upload_cancel(upload=record)
    assert Upload.objects.get().status == "applied"


@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_the_same_moment_apply_once_and_the_second_says_it_was_applied(
    lead, activity_return, download, upload, cell_of, as_bytes, monkeypatch
):
    """A double click: the second request reads the upload as pending while the first is still
    applying it. It must wait for the first and say the upload was applied, not that the return
    changed and nothing was applied."""
    first_client, second_client = Client(), Client()
    first_client.force_login(lead)
    second_client.force_login(lead)
    workbook = download(first_client)
    cell_of(workbook, "gp_referrals", "trend").value = 7000
    preview = upload(first_client, as_bytes(workbook))["Location"]
    version = Return.objects.get(pk=activity_return.pk).version

    applying = threading.Event()
    real_save = services.return_save

    def slow_first_save(**kwargs):
        first = not applying.is_set()
        applying.set()
        if first:
            time.sleep(1.5)  # the first click is still applying when the second arrives
        return real_save(**kwargs)

    monkeypatch.setattr(services, "return_save", slow_first_save)
    pages = {}

    def click(name, client):
        try:
            pages[name] = client.post(
                preview + "confirm/", {"decision": "apply"}, follow=True
            ).content.decode()
        finally:
            connection.close()

    first = threading.Thread(target=click, args=("first", first_client))
    first.start()
    assert applying.wait(timeout=30)
    second = threading.Thread(target=click, args=("second", second_client))
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)

    assert "Applied 1 changes from activity.xlsx." in pages["first"]
    assert "That upload was already applied." in pages["second"]
    assert "changed by someone else" not in pages["second"]
    assert Return.objects.get(pk=activity_return.pk).version == version + 1
    assert uploaded_changes() == 1 and gp_trend() == 7000
    assert Upload.objects.get().status == "applied"


@pytest.mark.django_db
def test_a_colleague_cannot_cancel_someone_elses_upload(client, beds, lead, preview):
    client.force_login(factories.planning_lead(beds))

    response = client.post(preview + "confirm/", {"decision": "cancel"})

    assert response.status_code == 403
    assert Upload.objects.get().status == "pending"
    client.force_login(lead)  # the person who uploaded it still can apply it
    client.post(preview + "confirm/", {"decision": "apply"})
    assert gp_trend() == 7000


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["apply", "cancel"])
def test_another_organisations_lead_cannot_see_or_confirm_an_upload(
    client, blmk, preview, decision
):
    client.force_login(factories.planning_lead(factories.luton(in_system=blmk)))

    assert client.get(preview).status_code == 404
    assert client.post(preview + "confirm/", {"decision": decision}).status_code == 404
    assert Upload.objects.get().status == "pending"
    assert gp_trend() == 6998


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["apply", "cancel"])
def test_an_upload_cannot_be_confirmed_at_another_returns_address(
    lead_client, beds, lead, preview, decision
):
    factories.saved_return(beds, "qipp", {("acute", "gross"): "100"}, lead=lead)
    upload_id = Upload.objects.get().pk
    elsewhere = factories.return_url(template_code="qipp", view="submissions:upload")

    assert lead_client.get(f"{elsewhere}{upload_id}/").status_code == 404
    response = lead_client.post(f"{elsewhere}{upload_id}/confirm/", {"decision": decision})

    assert response.status_code == 404
    assert Upload.objects.get().status == "pending"
    assert gp_trend() == 6998


@pytest.mark.django_db
def test_an_upload_is_not_applied_to_a_return_submitted_since(
    lead_client, lead, activity_return, preview
):
    submitted = fill(
        user=lead, ret=activity_return, cells={}, explain=lambda w: "Explained", submit=True
    )
    version = submitted.version

    response = lead_client.post(preview + "confirm/", {"decision": "apply"})

    assert response.status_code == 403
    assert gp_trend() == 6998
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and submitted.version == version
    assert Upload.objects.get().status == "pending"


@pytest.mark.django_db
def test_after_a_refused_confirm_the_same_workbook_uploaded_again_applies(
    client, beds, lead, activity_return, download, upload, cell_of, as_bytes
):
    """The message after a stale confirm says to upload again: doing so gives a fresh preview,
    stamped with the return as it is now, which applies without undoing the colleague's save."""
    client.force_login(lead)
    workbook = download(client)
    cell_of(workbook, "gp_referrals", "trend").value = 7000
    data = as_bytes(workbook)
    stale = upload(client, data)["Location"]
    colleague = Client()
    colleague.force_login(factories.planning_lead(beds))
    colleague.post(
        factories.return_url(),
        factories.entry_form({("day_case", "trend"): "5,000"}, activity_return.version),
    )
    refused = client.post(stale + "confirm/", {"decision": "apply"}, follow=True)
    assert "changed by someone else" in refused.content.decode()

    fresh = upload(client, data)["Location"]
    applied = client.post(fresh + "confirm/", {"decision": "apply"}, follow=True)

    assert "Applied 1 changes from activity.xlsx." in applied.content.decode()
    assert gp_trend() == 7000
    assert Value.objects.get(line__code="day_case", column__code="trend").value == 5000
