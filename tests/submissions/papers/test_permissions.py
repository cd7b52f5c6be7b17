"""Who may reach a paper: its governing body members read it but do not write it; other
organisations' people, and analysts, find no such paper."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_other_organisations_cannot_see_or_download_the_paper(paper, client):
    render = factories.rendered(paper)
    download = reverse("submissions:paper_download", args=[paper.pk, render.number])
    luton = factories.luton()

    for stranger in (
        factories.governing_body_member(luton),
        factories.planning_lead(luton),
        factories.analyst(),
    ):
        client.force_login(stranger)
        assert client.get(download).status_code == 404
        assert client.get(reverse("submissions:paper", args=[paper.pk])).status_code == 404


def test_governing_body_members_read_but_do_not_write_or_render(paper, client):
    client.force_login(factories.governing_body_member(paper.organisation))

    assert client.get(reverse("submissions:paper", args=[paper.pk])).status_code == 200
    assert client.get(reverse("submissions:paper_edit", args=[paper.pk])).status_code == 403
    assert client.post(reverse("submissions:paper_render", args=[paper.pk])).status_code == 403
    assert not paper.renders.exists()


def test_the_papers_list_shows_only_papers_the_person_may_read(paper, client):
    luton = factories.luton()
    factories.paper(organisation=luton, title="Luton's operational plan")

    client.force_login(factories.governing_body_member(paper.organisation))
    page = client.get(reverse("submissions:papers")).content.decode()

    assert paper.title in page
    assert "Luton" not in page
