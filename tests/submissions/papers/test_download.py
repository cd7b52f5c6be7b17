"""Downloading a version of a paper as PDF, with the hash of the data that went in."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_governing_body_member_downloads_the_pdf_with_its_data_hash(paper, client):
    render = factories.rendered(paper)
    client.force_login(factories.governing_body_member(paper.organisation))

    response = client.get(reverse("submissions:paper_download", args=[paper.pk, render.number]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["X-Data-Hash"] == render.data_hash


def test_a_version_not_rendered_cannot_be_downloaded(paper, client):
    render = factories.rendered(paper)
    client.force_login(factories.governing_body_member(paper.organisation))

    response = client.get(reverse("submissions:paper_download", args=[paper.pk, render.number + 1]))

    assert response.status_code == 404
