"""Plan pages given what no form of theirs sends: a stage that is not a return stage, and an
organisation that is not an id. Each is a 404 or a message, never a server error, and no plan or
plan state is stored for a made-up stage."""

import pytest

from submissions.models import PlanState, Return, SystemPlan

pytestmark = pytest.mark.django_db

PLAN = "/systems/BLMK/rounds/2019/plans/activity/{stage}/"


@pytest.mark.parametrize("stage", ["bogus", "draftdraftx", "DRAFT", "final-ish"])
@pytest.mark.parametrize(
    "page, method",
    [
        ("", "get"),
        ("status/", "get"),
        ("build/", "post"),
        ("approve/", "get"),
        ("approve/", "post"),
        ("approve/withdraw/", "post"),
        ("return/", "post"),
        ("lines/gp_referrals/", "get"),
        ("export.csv", "get"),
        ("export.json", "get"),
    ],
)
def test_every_plan_page_is_a_404_for_a_stage_that_is_not_a_return_stage(
    client, lead, built, stage, page, method
):
    client.force_login(lead)
    response = getattr(client, method)(PLAN.format(stage=stage) + page)
    assert response.status_code == 404
    assert not SystemPlan.objects.exclude(stage__in=Return.Stage.values).exists()
    assert not PlanState.objects.exclude(stage__in=Return.Stage.values).exists()


def test_the_plan_pages_of_each_real_stage_still_answer(client, lead, built):
    client.force_login(lead)
    for stage in Return.Stage.values:
        assert client.get(PLAN.format(stage=stage)).status_code == 200


@pytest.mark.parametrize("organisation", ["abc", "1.5", "١", "9" * 5000, ""])
def test_returning_inputs_with_an_organisation_that_is_not_an_id_is_a_message_not_an_error(
    client, lead, built, organisation
):
    client.force_login(lead)
    response = client.post(
        PLAN.format(stage="draft") + "return/",
        {"organisation": organisation, "comment": "Check it"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose the organisations to return" in response.content.decode()
    assert Return.objects.get(organisation__ods_code="06F").status == "submitted"


def test_returning_inputs_ignores_a_bad_id_beside_a_good_one(client, lead, built, blmk):
    client.force_login(lead)
    response = client.post(
        PLAN.format(stage="draft") + "return/",
        {"organisation": ["abc", str(blmk.beds.pk)], "comment": "Check it"},
    )
    assert response.status_code == 302
    assert Return.objects.get(organisation=blmk.beds).status == "returned"
