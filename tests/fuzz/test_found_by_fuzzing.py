"""What the POST fuzz test found, each pinned by a test of its own."""

import pytest
from django.urls import reverse

from submissions.models import Return
from submissions.plans.services import build_system_plan
from tests import factories

HUGE = "z" * 120_000
NUL = "Late\x00"
PLAN = ["BLMK", 2019, "activity", "draft"]
RETURN = [2019, "06F", "activity", "draft"]


@pytest.fixture
def blmk(db):
    return factories.blmk()


def test_a_refused_milestone_does_not_send_a_huge_date_title_or_choice_back(client, blmk):
    factories.planning_round(2019)
    client.force_login(factories.ics_lead(blmk))
    url = reverse("planning:milestone_add", args=["BLMK", 2019])
    fields = ("title", "date", "end_date", "date_note", "kind", "level", "stage")

    response = client.post(url, dict.fromkeys(fields, HUGE))

    page = response.content.decode()
    assert "Select one of the options shown." in page
    assert "z" * 301 not in page
    assert len(response.content) < 100_000
    assert not blmk.milestones.exists()


def test_a_refused_paper_does_not_send_a_huge_date_or_choice_back(client, blmk):
    beds = factories.bedfordshire(in_system=blmk)
    paper = factories.paper(organisation=beds)
    client.force_login(factories.planning_lead(beds))
    posted = {
        "title": "Operational planning",
        "meeting_date": HUGE,
        "action_required": HUGE,
        "blocks": HUGE,
        "implication_finance": HUGE,
    }

    response = client.post(reverse("submissions:paper_edit", args=[paper.pk]), posted)

    assert response.status_code == 422
    page = response.content.decode()
    assert "Select one of the options shown." in page
    assert "z" * 11 not in page
    paper.refresh_from_db()
    assert paper.title == "Operational planning 2019/20"


@pytest.fixture
def reviewed(blmk):
    """BLMK's draft activity plan built from Bedfordshire's submission, Luton yet to submit; the
    people who review and submit it."""
    factories.templates()
    beds = factories.bedfordshire(in_system=blmk)
    luton = factories.luton(in_system=blmk)
    lead = factories.planning_lead(beds)
    factories.submitted_return(beds, "activity", {("gp_referrals", "fot"): "94,810"}, lead=lead)
    plan, _ = build_system_plan(
        system=blmk, template=factories.template("activity"), stage=Return.Stage.DRAFT
    )
    return {
        "ics_lead": factories.ics_lead(blmk),
        "planning_lead": lead,
        "plan": plan,
        "beds": beds,
        "luton": luton,
    }


def test_approving_a_plan_with_an_empty_exception_is_refused_not_a_500(client, reviewed):
    client.force_login(reviewed["ics_lead"])
    posted = {"version": "1", "exception": ["", reviewed["luton"].pk], "note": "Late"}

    response = client.post(reverse("submissions:plan_approve", args=PLAN), posted)

    assert response.status_code == 422
    reviewed["plan"].refresh_from_db()
    assert reviewed["plan"].approved_at is None


@pytest.mark.parametrize(
    ("name", "args", "role", "posted"),
    [
        pytest.param(
            "submissions:review",
            RETURN,
            "ics_lead",
            {"decision": "return", "reason": NUL},
            id="return-for-amendment-reason",
        ),
        pytest.param(
            "submissions:review",
            RETURN,
            "planning_lead",
            {"decision": "withdraw", "reason": NUL},
            id="withdraw-reason",
        ),
        pytest.param(
            "submissions:plan_return",
            PLAN,
            "ics_lead",
            {"organisation": ["beds"], "comment": NUL},
            id="plan-return-inputs-comment",
        ),
        pytest.param(
            "submissions:plan_approve",
            PLAN,
            "ics_lead",
            {"exception": ["beds", "luton"], "note": NUL},
            id="plan-approval-note",
        ),
        pytest.param(
            "submissions:plan_withdraw_approval",
            PLAN,
            "ics_lead",
            {"reason": NUL},
            id="plan-approval-withdrawal-reason",
        ),
        pytest.param(
            "submissions:return",
            RETURN,
            "planning_lead",
            {"cell:gp_referrals:fot": NUL},
            id="return-cell",
        ),
    ],
)
def test_a_nul_character_in_typed_text_is_refused_not_a_500(
    client, reviewed, name, args, role, posted
):
    data = {"submission": "1", "version": "1"}
    for key, value in posted.items():
        data[key] = [reviewed[v].pk for v in value] if isinstance(value, list) else value
    if name == "submissions:plan_withdraw_approval":
        factories.approve(reviewed["plan"], reviewed["ics_lead"])
    client.force_login(reviewed[role])

    response = client.post(reverse(name, args=args), data)

    assert response.status_code < 500
