"""A planning lead can choose the performance block on the paper form: the paper then prints each
rate of the organisation's submitted performance trajectories against its national standard."""

import pytest
from django.urls import reverse

from planning.models import Membership, Organisation
from submissions.models import Paper
from submissions.papers.blocks import paper_data
from tests import factories

pytestmark = pytest.mark.django_db

PERFORMANCE = "Performance against the national standards"
# 9,120 of 10,000 is 91.2%, below the 95% A&E standard; 1,334 of 2,000 is 66.7%, two thirds.
COUNTS = {
    ("ae_within_4h", "q4"): "9,120",
    ("ae_attendances", "q4"): "10,000",
    ("dementia_diagnosed", "q4"): "1,334",
    ("dementia_prevalence", "q4"): "2,000",
}


@pytest.fixture
def hospital(blmk):
    trust = factories.organisation(
        "RC1", name="Bedford Hospital NHS Trust", kind=Organisation.Kind.ACUTE
    )
    factories.membership(trust, blmk, role=Membership.Role.PROVIDER)
    return trust


def form_data(**fields):
    return {
        "body": "Trust Board",
        "meeting_date": "2019-03-28",
        "agenda_item": "9",
        "title": "Operational plan 2019/20",
        "author": "B Planner",
        "presented_by": "B Planner",
        "responsible_director": "Director of Finance",
        "purpose": "The performance trajectories of the plan.",
        "action_required": "note",
        "recommendation": "Note the trajectories.",
        **{f"implication_{key}": "na" for key, _ in Paper.IMPLICATIONS},
        **fields,
    }


def test_the_paper_form_offers_the_performance_block_and_the_pdf_prints_rates_against_standards(
    hospital, client, django_capture_on_commit_callbacks, pdf_pages
):
    factories.submitted_return(hospital, "performance", COUNTS)
    client.force_login(factories.planning_lead(hospital))
    url = reverse("submissions:paper_new") + "?organisation=RC1&year=2019"

    form = client.get(url + "&step=figures").content.decode()  # step 5, figures to include
    assert PERFORMANCE in form and 'value="performance"' in form

    response = client.post(url, form_data(blocks=["performance"]))
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert paper.blocks == [Paper.Block.PERFORMANCE]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("submissions:paper_render", args=[paper.pk]))
    text = "\n".join(pdf_pages(paper.renders.get()))

    assert PERFORMANCE in text
    assert "A&E: % within 4 hours: 91.2% planned (Q4 2019/20) against the 95% standard" in text
    assert (
        "Dementia diagnosis rate (aged 65 and over): 66.7% planned (Q4 2019/20) against the "
        "66.7% standard"
    ) in text
    # No counts given for referral to treatment: no rate, not 0%.
    assert (
        "Referral to treatment: % of incomplete pathways within 18 weeks: no plan given "
        "(Q4 2019/20) against the 92% standard"
    ) in text


def test_a_paper_without_the_performance_block_prints_no_rates(hospital, pdf_pages):
    factories.submitted_return(hospital, "performance", COUNTS)
    paper = factories.paper(organisation=hospital, blocks=[Paper.Block.TIMETABLE])

    text = "\n".join(pdf_pages(factories.rendered(paper)))

    assert "performance" not in paper_data(paper)
    assert PERFORMANCE not in text and "91.2%" not in text


def test_the_performance_block_says_when_no_trajectories_have_been_submitted(hospital, pdf_pages):
    factories.saved_return(hospital, "performance", COUNTS)  # saved, not submitted
    paper = factories.paper(organisation=hospital, blocks=[Paper.Block.PERFORMANCE])

    text = "\n".join(pdf_pages(factories.rendered(paper)))

    assert "Performance trajectories: no return has been submitted yet." in text
    assert "91.2%" not in text
