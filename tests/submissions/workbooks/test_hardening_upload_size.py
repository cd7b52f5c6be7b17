"""An uploaded workbook over settings.UPLOAD_MAX_BYTES is refused from its size, before any of it
is read into memory; one within the limit is read as before."""

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile

from submissions.models import Upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(monkeypatch):
    """How many bytes the upload page asked to read from each uploaded file (None: all of it)."""
    asked = []

    def read(self, size=-1):
        if type(self) is InMemoryUploadedFile:  # what the server received, not the test's file
            asked.append(size)
        return self.file.read(size)

    monkeypatch.setattr(InMemoryUploadedFile, "read", read, raising=False)
    return asked


def test_a_workbook_over_the_limit_is_refused_before_it_is_read(
    lead_client, upload, settings, reads
):
    settings.UPLOAD_MAX_BYTES = 1024
    response = upload(lead_client, b"0" * 4096)
    assert response.status_code == 422
    assert "The file is larger than 1,024 bytes" in response.content.decode()
    assert reads == []
    assert not Upload.objects.exists()


def test_a_workbook_within_the_limit_is_read_at_most_to_the_limit(
    lead_client, activity_return, download, as_bytes, upload, settings, reads
):
    data = as_bytes(download(lead_client))
    settings.UPLOAD_MAX_BYTES = len(data) + 10
    response = upload(lead_client, data)
    assert response.status_code == 302
    assert reads == [len(data) + 11]
    assert Upload.objects.count() == 1
