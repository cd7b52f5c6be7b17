"""A paper's text has stated limits: the form says them, refuses more with a message next to the
field (not echoing megabytes back), and the model refuses more too."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from submissions.models import Paper
from submissions.models.papers import PAPER_TEXT_MAX_LENGTH, SECTION_TEXT_MAX_LENGTH
from submissions.papers.forms import PaperForm
from tests import factories

pytestmark = pytest.mark.django_db

DATA = {
    "body": "Governing Body",
    "meeting_date": "2020-01-16",
    "agenda_item": "7",
    "held_in_public": "on",
    "title": "Operational planning 2019/20",
    "author": "R Kendall",
    "presented_by": "S Hunter",
    "responsible_director": "S Hunter",
    "purpose": "An overview of the plan.",
    "action_required": "note",
    "recommendation": "Note the report.",
    "objectives_text": "[x] Prevention at scale",
    "narrative": "# Introduction\nGuidance was published.",
    **{f"implication_{key}": "na" for key, _ in Paper.IMPLICATIONS},
}


def new_paper_url():
    return reverse("submissions:paper_new") + "?organisation=06F&year=2019"


def test_a_1_mb_purpose_is_refused_next_to_the_field_and_not_echoed_whole(beds, client):
    client.force_login(factories.planning_lead(beds))
    response = client.post(new_paper_url(), {**DATA, "purpose": "p" * 1_000_000})
    assert response.status_code == 422
    assert len(response.content) < 200_000
    html = response.content.decode()
    assert f"This can be at most {PAPER_TEXT_MAX_LENGTH:,} characters." in html
    assert f'maxlength="{PAPER_TEXT_MAX_LENGTH}"' in html
    assert not Paper.objects.exists()


def test_a_2_mb_section_is_refused_next_to_the_report(beds, client):
    client.force_login(factories.planning_lead(beds))
    response = client.post(new_paper_url(), {**DATA, "narrative": "# Big\n" + "s" * 2_000_000})
    assert response.status_code == 422
    assert len(response.content) < 300_000
    assert "at most" in response.content.decode()
    assert not Paper.objects.exists()


def test_one_section_over_its_limit_inside_a_report_within_its_own_is_refused(beds):
    narrative = "# Long\n" + "s" * (SECTION_TEXT_MAX_LENGTH + 1) + "\n# Short\nFine."
    form = PaperForm({**DATA, "narrative": narrative}, instance=Paper(organisation=beds))
    assert not form.is_valid()
    assert (
        f"A section can be at most {SECTION_TEXT_MAX_LENGTH:,} characters."
        in (form.errors["narrative"])
    )


def test_an_objective_over_its_limit_is_refused(beds):
    form = PaperForm({**DATA, "objectives_text": "o" * 301}, instance=Paper(organisation=beds))
    assert not form.is_valid() and "objectives_text" in form.errors


def test_text_at_the_limits_is_saved(beds, client):
    client.force_login(factories.planning_lead(beds))
    response = client.post(
        new_paper_url(),
        {
            **DATA,
            "purpose": "p" * PAPER_TEXT_MAX_LENGTH,
            "narrative": "# Full\n" + "s" * SECTION_TEXT_MAX_LENGTH,
        },
    )
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert len(paper.purpose) == PAPER_TEXT_MAX_LENGTH
    assert len(paper.sections[0]["text"]) == SECTION_TEXT_MAX_LENGTH


def test_the_model_refuses_text_over_the_limits(beds):
    paper = factories.paper(organisation=beds)
    paper.purpose = "p" * (PAPER_TEXT_MAX_LENGTH + 1)
    paper.sections = [{"heading": "H", "text": "s" * (SECTION_TEXT_MAX_LENGTH + 1)}]
    with pytest.raises(ValidationError) as refused:
        paper.full_clean()
    assert {"purpose", "sections"} <= set(refused.value.message_dict)


def test_a_1_mb_title_is_refused_and_shown_again_only_up_to_its_limit(beds, client):
    client.force_login(factories.planning_lead(beds))
    response = client.post(new_paper_url(), {**DATA, "title": "t" * 1_000_000})
    assert response.status_code == 422
    assert len(response.content) < 200_000
    assert 'value="' + "t" * 300 + '"' in response.content.decode()
    assert not Paper.objects.exists()
