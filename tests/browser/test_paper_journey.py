"""A governing body member downloads their paper; another organisation's member cannot (Chromium)."""

import pytest
from playwright.sync_api import expect

from planning.template_loader import load_all
from submissions.demo import seed_figures
from submissions.models import PaperRender
from submissions.papers import services as papers
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paper():
    load_all()
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    factories.membership(beds, factories.system("BLMK"))
    factories.submitted_return(beds, "finance", seed_figures.finance_cells())
    paper = factories.paper(beds, blocks=["summary_of_spend"])
    papers.paper_render_run(PaperRender.objects.create(paper=paper, number=1).pk)
    return paper


def test_governing_body_member_downloads_the_paper(
    page, log_in, assert_accessible, paper, tmp_path
):
    log_in(factories.governing_body_member(paper.organisation, first_name="Heather"))
    page.get_by_role("link", name="Papers").first.click()
    expect(page.get_by_test_id("papers")).to_contain_text("Operational planning 2019/20")
    assert_accessible(page)
    page.get_by_role("link", name="Operational planning 2019/20").click()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download version 1 (PDF)").click()
    saved = tmp_path / "paper.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename == "Operational planning 2019-20 v1.pdf"
    # A governing body member reads papers but does not render or edit them.
    expect(page.get_by_role("button", name="Render a new PDF")).to_have_count(0)


def test_another_organisations_member_gets_not_found(page, log_in, paper):
    luton = factories.organisation("06P", name="NHS Luton CCG")
    log_in(factories.governing_body_member(luton))
    for url in (f"/papers/{paper.pk}/", f"/papers/{paper.pk}/versions/1.pdf"):
        response = page.request.get(url)
        assert response.status == 404, url
