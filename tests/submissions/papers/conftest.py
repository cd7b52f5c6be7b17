"""Shared setup for papers: BLMK with Bedfordshire's published 2019/20 plan submitted, a paper about
it, and a way to read a rendered PDF's words."""

import io

import pytest
from pypdf import PdfReader

from submissions.demo import seed_figures
from submissions.models import Paper
from tests import factories


@pytest.fixture
def blmk(db):
    """The BLMK system, with every return template of the 2019/20 and 2020/21 rounds loaded."""
    factories.templates()
    return factories.blmk()


@pytest.fixture
def beds(blmk):
    """NHS Bedfordshire CCG in BLMK, with its published finance, QIPP and activity plans submitted."""
    beds = factories.bedfordshire(in_system=blmk)
    factories.submitted_return(beds, "finance", seed_figures.finance_cells())
    factories.submitted_return(beds, "qipp", seed_figures.qipp_cells())
    factories.submitted_return(beds, "activity", seed_figures.activity_cells())
    return beds


@pytest.fixture
def paper(beds):
    """Bedfordshire's paper showing every block of figures, not yet rendered."""
    return factories.paper(organisation=beds, blocks=list(Paper.Block.values))


@pytest.fixture
def pdf_pages():
    """Read a render's PDF as the words on each page, whatever the line breaks in table cells."""

    def read(render):
        with render.file.open("rb") as handle:
            reader = PdfReader(io.BytesIO(handle.read()))
        return [" ".join(page.extract_text().split()) for page in reader.pages]

    return read
