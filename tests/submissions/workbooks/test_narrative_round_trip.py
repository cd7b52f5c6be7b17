"""Narrative answers through the Excel round trip: download the narrative return's workbook, change
an answer in Excel (openpyxl here), upload, check the preview, confirm. A changed answer is saved
and shown on the return; a cleared one is cleared; one left alone stays exactly as it was; one over
the limit is refused with a message and nothing is saved."""

import pytest

from submissions.models import Change, NarrativeAnswer, Return, Upload
from submissions.models.returns import ANSWER_MAX_LENGTH
from submissions.returns import services as return_services
from tests import factories

pytestmark = pytest.mark.django_db

NARRATIVE = {"template_code": "narrative"}


def saved_answers():
    return dict(NarrativeAnswer.objects.values_list("line__code", "text"))


@pytest.fixture
def narrative_return(beds, lead):
    """Bedfordshire's draft narrative return with two questions answered by its lead."""
    ret = Return(organisation=beds, template=factories.template("narrative"), stage="draft")
    return return_services.return_save(
        user=lead,
        ret=ret,
        base_version=ret.version,
        raw_cells={},
        raw_answers={
            "main_priorities": "Fewer referrals",
            "main_risks": "Winter pressures on beds",
        },
        raw_explanations={},
    )


@pytest.fixture
def edited(client, lead, narrative_return, download, upload, cell_of, as_bytes):
    """Download the narrative workbook as Bedfordshire's lead, `change(workbook, cell_of)` it and
    upload it: the preview's address (or the refusal, when the upload is not redirected)."""
    client.force_login(lead)

    def edit(change):
        workbook = download(client, **NARRATIVE)
        change(workbook, cell_of)
        response = upload(client, as_bytes(workbook), name="narrative.xlsx", **NARRATIVE)
        assert response.status_code == 302, response.content.decode()[:500]
        return response["Location"]

    return edit


def answer_cell(line):
    return lambda workbook, cell_of, value: setattr(
        cell_of(workbook, line, "answer"), "value", value
    )


def set_answer(line, value):
    return lambda workbook, cell_of: answer_cell(line)(workbook, cell_of, value)


def test_the_workbook_holds_the_saved_answers(client, lead, narrative_return, download, cell_of):
    client.force_login(lead)
    workbook = download(client, **NARRATIVE)

    assert cell_of(workbook, "main_priorities", "answer").value == "Fewer referrals"
    assert cell_of(workbook, "main_risks", "answer").value == "Winter pressures on beds"
    assert cell_of(workbook, "long_term_plan", "answer").value is None


def test_an_answer_changed_in_the_workbook_is_saved_and_shown_on_the_return(
    client, narrative_return, edited, download, cell_of
):
    preview = edited(set_answer("main_priorities", "  Shorter waits for planned care\n"))

    page = client.get(preview).content.decode()
    assert "1 cell would change" in page
    assert "Fewer referrals" in page and "Shorter waits for planned care" in page
    assert saved_answers()["main_priorities"] == "Fewer referrals"  # not before confirming

    confirmed = client.post(preview + "confirm/", {"decision": "apply"}, follow=True)

    assert "Applied 1 changes from narrative.xlsx." in confirmed.content.decode()
    assert saved_answers() == {
        "main_priorities": "Shorter waits for planned care",  # trimmed, as the page trims
        "main_risks": "Winter pressures on beds",
    }
    change = Change.objects.get(kind="answer", note="Uploaded from narrative.xlsx")
    assert (change.line.code, change.old, change.new) == (
        "main_priorities",
        "Fewer referrals",
        "Shorter waits for planned care",
    )
    shown = client.get(factories.return_url(**NARRATIVE)).content.decode()
    assert "Shorter waits for planned care" in shown and "Fewer referrals" not in shown
    again = download(client, **NARRATIVE)
    assert cell_of(again, "main_priorities", "answer").value == "Shorter waits for planned care"


def test_a_question_first_answered_in_the_workbook_is_saved(client, narrative_return, edited):
    preview = edited(set_answer("long_term_plan", "Primary care networks in every locality"))

    client.post(preview + "confirm/", {"decision": "apply"})

    assert saved_answers()["long_term_plan"] == "Primary care networks in every locality"
    assert len(saved_answers()) == 3


@pytest.mark.parametrize("cleared", [None, "", "   "])
def test_an_answer_cleared_in_the_workbook_is_cleared(client, narrative_return, edited, cleared):
    preview = edited(set_answer("main_risks", cleared))

    page = client.get(preview).content.decode()
    assert "1 cell would change" in page and "(blank)" in page
    client.post(preview + "confirm/", {"decision": "apply"})

    assert saved_answers() == {"main_priorities": "Fewer referrals"}
    change = Change.objects.get(kind="answer", note="Uploaded from narrative.xlsx")
    assert (change.line.code, change.old, change.new) == (
        "main_risks",
        "Winter pressures on beds",
        "",
    )


def test_a_workbook_whose_answers_were_left_alone_changes_nothing(client, narrative_return, edited):
    version = narrative_return.version
    preview = edited(lambda workbook, cell_of: None)

    page = client.get(preview).content.decode()
    assert "nothing would change" in page
    client.post(preview + "confirm/", {"decision": "apply"})

    assert saved_answers() == {
        "main_priorities": "Fewer referrals",
        "main_risks": "Winter pressures on beds",
    }
    narrative_return.refresh_from_db()
    assert narrative_return.version == version


def test_an_answer_at_the_limit_is_saved(client, narrative_return, edited):
    text = "x" * ANSWER_MAX_LENGTH
    preview = edited(set_answer("main_priorities", text))

    client.post(preview + "confirm/", {"decision": "apply"})

    assert saved_answers()["main_priorities"] == text


def test_an_answer_over_the_limit_is_a_problem_in_the_preview_and_is_not_applied(
    client, narrative_return, edited
):
    preview = edited(
        lambda workbook, cell_of: (
            set_answer("main_priorities", "y" * (ANSWER_MAX_LENGTH + 1))(workbook, cell_of),
            set_answer("main_risks", "Staffing")(workbook, cell_of),
        )
    )
    page = client.get(preview).content.decode()
    message = (
        "What are your main priorities for 2019/20?: the answer can be at most 10,000 characters "
        "(it has 10,001)"
    )
    assert message in page  # said before anything is applied, at its cell
    assert "y" * 100 not in page

    response = client.post(preview + "confirm/", {"decision": "apply"}, follow=True)

    assert response.status_code == 200
    assert "y" * 100 not in response.content.decode()
    assert saved_answers() == {
        "main_priorities": "Fewer referrals",  # kept as it was
        "main_risks": "Staffing",  # the valid change beside it is applied, as for cells
    }
    assert Upload.objects.get().status == "applied"


@pytest.mark.parametrize("answer", ["- Fewer referrals\n- Shorter waits", "=1+1 risks"])
def test_an_answer_starting_like_a_formula_comes_back_from_the_workbook_unchanged(
    client, lead, narrative_return, edited, answer
):
    saved = return_services.return_save(
        user=lead,
        ret=narrative_return,
        base_version=narrative_return.version,
        raw_cells={},
        raw_answers={"main_priorities": answer},
        raw_explanations={},
    )
    preview = edited(lambda workbook, cell_of: None)

    assert "nothing would change" in client.get(preview).content.decode()
    client.post(preview + "confirm/", {"decision": "apply"})
    assert saved_answers()["main_priorities"] == answer
    saved.refresh_from_db()
    assert not Change.objects.filter(ret=saved, note__startswith="Uploaded from").exists()


def test_a_colleagues_answer_saved_after_the_download_is_not_undone_by_the_workbook(
    client, beds, narrative_return, download, upload, cell_of, as_bytes, lead
):
    client.force_login(lead)
    workbook = download(client, **NARRATIVE)  # main_risks: "Winter pressures on beds"
    colleague = factories.planning_lead(beds)
    saved = return_services.return_save(
        user=colleague,
        ret=narrative_return,
        base_version=narrative_return.version,
        raw_cells={},
        raw_answers={"main_risks": "Winter pressures and the new stroke pathway"},
        raw_explanations={},
    )
    assert saved.version == narrative_return.version + 1
    cell_of(workbook, "main_priorities", "answer").value = "Shorter waits"
    preview = upload(client, as_bytes(workbook), name="narrative.xlsx", **NARRATIVE)["Location"]

    client.post(preview + "confirm/", {"decision": "apply"})

    assert saved_answers() == {
        "main_priorities": "Shorter waits",
        "main_risks": "Winter pressures and the new stroke pathway",
    }
