"""Returns: saving, submitting, reviewing, history, conflicts and who may do what."""

import datetime

import pytest
from django.urls import reverse

from planning.models import Round
from planning.template_loader import load_all
from submissions.demo import seed_figures
from submissions.models import Change, Explanation, Return, Value
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def blmk():
    load_all()
    round_ = Round.objects.get(financial_year=2019)
    system = factories.system("BLMK", name="BLMK ICS")
    dorset = factories.system("DORSET", name="Dorset ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    luton = factories.organisation("06P", name="NHS Luton CCG")
    dorset_ccg = factories.organisation("11J", name="NHS Dorset CCG")
    factories.membership(beds, system)
    factories.membership(luton, system)
    factories.membership(dorset_ccg, dorset)
    return {
        "round": round_,
        "system": system,
        "beds": beds,
        "luton": luton,
        "dorset": dorset_ccg,
        "beds_lead": factories.planning_lead(beds, first_name="Bea"),
        "ics_lead": factories.ics_lead(system),
    }


def url(ods="06F", template="activity", stage="draft", view="submissions:return"):
    return reverse(view, args=[2019, ods, template, stage])


def post_cells(cells, version, **extra):
    data = {f"cell:{line}:{column}": value for (line, column), value in cells.items()}
    data["version"] = str(version)
    data.update(extra)
    return data


def save(client, cells, version=0, template="activity", **extra):
    return client.post(url(template=template), post_cells(cells, version, **extra))


def test_planning_lead_saves_an_incomplete_draft(client, blmk):
    client.force_login(blmk["beds_lead"])
    response = save(client, {("gp_referrals", "fot"): "94,810"})
    assert response.status_code == 302
    ret = Return.objects.get()
    assert ret.status == "draft" and ret.version == 1
    assert Value.objects.get().value == 94810


def test_saving_the_bedfordshire_activity_table_shows_the_published_totals(client, blmk):
    client.force_login(blmk["beds_lead"])
    save(client, seed_figures.activity_cells())
    html = client.get(url()).content.decode()
    assert 'id="cell-total_referrals-plan"' in html
    assert ">163,952</output>" in html
    assert ">401,153</output>" in html  # total outpatients plan
    assert ">2.5</output>" in html  # total referrals planned growth %


def test_invalid_save_keeps_every_typed_value_and_puts_the_error_by_its_cell(client, blmk):
    client.force_login(blmk["beds_lead"])
    cells = {**seed_figures.activity_cells(), ("day_case", "trend"): "5,17B"}
    response = save(client, cells)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'href="#cell-day_case-trend"' in html
    assert 'id="cell-day_case-trend-message"' in html and "is not a number" in html
    assert 'value="5,17B"' in html and 'value="94,810"' in html  # nothing typed is lost
    assert not Return.objects.exists()  # and nothing half-saved


def test_submit_is_blocked_until_warnings_are_explained_then_succeeds(client, blmk):
    client.force_login(blmk["beds_lead"])
    save(client, seed_figures.activity_cells())
    response = client.post(url(), post_cells({**seed_figures.activity_cells()}, 1, submit="1"))
    assert response.status_code == 422
    assert "Explain this warning before you submit" in response.content.decode()
    ret = Return.objects.get()
    assert ret.status == "draft"

    keys = list(response.context["warnings"])
    explanations = {f"explain:{w['message'].key}": "Modelled with local hospitals" for w in keys}
    response = client.post(
        url(), post_cells(seed_figures.activity_cells(), ret.version, submit="1", **explanations)
    )
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == "submitted" and ret.submitted_by == blmk["beds_lead"]
    assert Explanation.objects.filter(ret=ret).count() == len(keys)


def test_submitting_after_the_deadline_marks_the_return_late_but_accepts_it(client, blmk):
    factories.milestone(
        blmk["round"],
        "2019-02-12",
        "Draft plans",
        kind="submission",
        stage="draft",
        level="organisation",
    )
    client.force_login(blmk["beds_lead"])
    client.post(url(template="qipp"), post_cells({("acute", "gross"): "100"}, 0, submit="1"))
    ret = Return.objects.get()
    assert ret.status == "submitted" and ret.is_late  # today is long after 12 February 2019
    assert "Late" in client.get(url(template="qipp")).content.decode()


def test_submitting_before_the_deadline_is_not_late(client, blmk):
    factories.milestone(
        blmk["round"],
        datetime.date.today() + datetime.timedelta(days=3),
        "Draft plans",
        kind="submission",
        stage="draft",
        level="organisation",
    )
    client.force_login(blmk["beds_lead"])
    client.post(url(template="qipp"), post_cells({("acute", "gross"): "100"}, 0, submit="1"))
    assert not Return.objects.get().is_late


def test_final_return_needs_a_submitted_draft_first(client, blmk):
    client.force_login(blmk["beds_lead"])
    response = client.post(
        url(template="qipp", stage="final"), post_cells({("acute", "gross"): "1"}, 0)
    )
    assert response.status_code == 422
    assert "Submit the draft return before starting the final one" in response.content.decode()
    assert not Return.objects.exists()


def test_ics_lead_accepts_or_returns_with_a_reason_shown_on_the_leads_home_page(client, blmk):
    client.force_login(blmk["beds_lead"])
    client.post(url(template="qipp"), post_cells({("acute", "gross"): "100"}, 0, submit="1"))
    client.force_login(blmk["ics_lead"])

    missing = client.post(url(template="qipp", view="submissions:review"), {"decision": "return"})
    assert missing.status_code == 422 and "Say why" in missing.content.decode()

    client.post(
        url(template="qipp", view="submissions:review"),
        {"decision": "return", "reason": "Acute QIPP does not match the contract"},
    )
    ret = Return.objects.get()
    assert ret.status == "returned"

    client.force_login(blmk["beds_lead"])
    home = client.get(reverse("home")).content.decode()
    assert "Acute QIPP does not match the contract" in home
    # Back to draft: the lead can edit and resubmit; the ICS lead then accepts.
    client.post(
        url(template="qipp"), post_cells({("acute", "gross"): "90"}, ret.version, submit="1")
    )
    client.force_login(blmk["ics_lead"])
    client.post(url(template="qipp", view="submissions:review"), {"decision": "accept"})
    ret.refresh_from_db()
    assert ret.status == "accepted"
    kinds = list(ret.changes.filter(kind="status").values_list("new", flat=True))
    assert kinds == ["Accepted", "Submitted", "Returned for amendment", "Submitted"]


def test_every_change_is_recorded_with_who_old_and_new(client, blmk):
    client.force_login(blmk["beds_lead"])
    save(client, {("gp_referrals", "fot"): "94,810"})
    save(client, {("gp_referrals", "fot"): "95,000"}, version=1)
    change = Change.objects.filter(kind="value").order_by("-version").first()
    assert (change.old, change.new, change.user, change.version) == (
        "94,810",
        "95,000",
        blmk["beds_lead"],
        2,
    )
    history = client.get(url(view="submissions:history")).content.decode()
    assert "GP referrals (general and acute), CCG adjusted forecast outturn" in history
    assert "94,810" in history and "95,000" in history


def test_second_save_from_a_stale_page_is_refused_and_loses_nothing(client, blmk):
    client.force_login(blmk["beds_lead"])
    colleague = factories.planning_lead(blmk["beds"], first_name="Colin")
    save(client, {("gp_referrals", "fot"): "94,810", ("other_referrals", "fot"): "65,085"})

    # Both open version 1. The colleague changes GP referrals and saves first.
    client.force_login(colleague)
    save(
        client, {("gp_referrals", "fot"): "90,000", ("other_referrals", "fot"): "65,085"}, version=1
    )

    # The lead, still on version 1, changed Other referrals and GP trend.
    client.force_login(blmk["beds_lead"])
    response = save(
        client,
        {
            ("gp_referrals", "fot"): "94,810",
            ("other_referrals", "fot"): "70,000",
            ("gp_referrals", "trend"): "6,998",
        },
        version=1,
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this return" in html
    assert "Colin" in html and "90,000</td>" in html  # which cells the other person changed
    assert 'value="70,000"' in html and 'value="6,998"' in html  # the lead's typing is still there
    assert (
        'value="90,000"' in html
    )  # and the colleague's saved value is kept where the lead did not type
    assert Value.objects.get(line__code="other_referrals", column__code="fot").value == 65085

    # Saving again from the merged page applies the lead's changes on top of the colleague's.
    version = Return.objects.get().version
    save(
        client,
        {
            ("gp_referrals", "fot"): "90,000",
            ("other_referrals", "fot"): "70,000",
            ("gp_referrals", "trend"): "6,998",
        },
        version=version,
    )
    values = {
        (v.line.code, v.column.code): v.value
        for v in Value.objects.select_related("line", "column")
    }
    assert values[("gp_referrals", "fot")] == 90000 and values[("other_referrals", "fot")] == 70000


def test_a_locked_round_makes_returns_read_only(client, blmk):
    client.force_login(blmk["beds_lead"])
    save(client, {("gp_referrals", "fot"): "1"})
    Round.objects.filter(pk=blmk["round"].pk).update(is_open=False)
    page = client.get(url()).content.decode()
    assert "Round locked" in page and 'name="cell:gp_referrals:fot"' not in page
    assert save(client, {("gp_referrals", "fot"): "2"}, version=1).status_code == 403
    assert Value.objects.get().value == 1


def test_compare_draft_and_final_marks_the_changes(client, blmk):
    client.force_login(blmk["beds_lead"])
    client.post(
        url(template="qipp"),
        post_cells({("acute", "gross"): "100", ("community", "gross"): "5"}, 0, submit="1"),
    )
    client.post(
        url(template="qipp", stage="final"),
        post_cells({("acute", "gross"): "120", ("community", "gross"): "5"}, 0),
    )
    response = client.get(reverse("submissions:compare", args=[2019, "06F", "qipp"]))
    assert response.status_code == 200
    assert response.context["changed"] == 1
    assert "Changed: </span>120" in response.content.decode()


@pytest.mark.parametrize(
    "who", ["other_lead", "other_system_ics_lead", "governing_body", "no_role"]
)
def test_people_without_a_claim_cannot_read_or_change_bedfordshires_return(client, blmk, who):
    users = {
        "other_lead": factories.planning_lead(blmk["luton"]),
        "other_system_ics_lead": factories.ics_lead(factories.system("LLR")),
        "governing_body": factories.governing_body_member(blmk["beds"]),
        "no_role": factories.user(),
    }
    client.force_login(blmk["beds_lead"])
    save(client, {("gp_referrals", "fot"): "1"})
    client.force_login(users[who])
    for view in ("submissions:return", "submissions:history"):
        assert client.get(url(view=view)).status_code == 404
    assert save(client, {("gp_referrals", "fot"): "2"}, version=1).status_code == 404
    assert client.post(url(view="submissions:review"), {"decision": "accept"}).status_code == 404
    assert Value.objects.get().value == 1


def test_ics_lead_reads_but_cannot_edit_and_analyst_reads_only(client, blmk):
    client.force_login(blmk["beds_lead"])
    save(client, {("gp_referrals", "fot"): "1"})
    for reader in (blmk["ics_lead"], factories.analyst()):
        client.force_login(reader)
        page = client.get(url())
        assert (
            page.status_code == 200 and 'name="cell:gp_referrals:fot"' not in page.content.decode()
        )
        assert save(client, {("gp_referrals", "fot"): "2"}, version=1).status_code == 403
    assert Value.objects.get().value == 1


def test_a_template_the_organisation_does_not_complete_is_not_found(client, blmk):
    trust = factories.organisation("RC1", kind="acute")
    client.force_login(factories.planning_lead(trust))
    assert client.get(url(ods="RC1", template="finance")).status_code == 404
    assert client.get(url(ods="RC1", template="performance")).status_code == 200


def test_data_entry_page_query_count_does_not_grow_with_lines(client, blmk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(blmk["beds_lead"])
    save(client, {("gp_referrals", "fot"): "1"})
    client.get(url())
    with CaptureQueriesContext(connection) as one_line:
        client.get(url())
    save(client, seed_figures.activity_cells(), version=1)
    with CaptureQueriesContext(connection) as all_lines:
        client.get(url())
    assert len(all_lines) == len(one_line)
    # The finance template has twice the lines of QIPP and the same number of queries.
    client.get(url(template="qipp"))
    with CaptureQueriesContext(connection) as qipp:
        client.get(url(template="qipp"))
    with CaptureQueriesContext(connection) as finance:
        client.get(url(template="finance"))
    assert len(finance) <= len(qipp) + 1  # QIPP reads the finance return for its 4% rule


def test_returns_list_shows_each_reader_only_the_organisations_they_may_read(client, blmk):
    client.force_login(blmk["beds_lead"])
    client.post(url(template="qipp"), post_cells({("acute", "gross"): "100"}, 0, submit="1"))
    list_url = reverse("submissions:list") + "?year=2019"

    html = client.get(list_url).content.decode()
    assert 'data-testid="returns-06F"' in html and "06P" not in html
    assert "Submitted" in html and "Not started" in html

    client.force_login(blmk["ics_lead"])
    html = client.get(list_url).content.decode()
    assert 'data-testid="returns-06F"' in html and 'data-testid="returns-06P"' in html
    assert "11J" not in html

    client.force_login(factories.governing_body_member(blmk["beds"]))
    assert "06F" not in client.get(list_url).content.decode()


def test_a_save_changes_only_the_cells_it_carries_and_clears_cells_sent_empty(client, blmk):
    client.force_login(blmk["beds_lead"])
    save(client, {("gp_referrals", "fot"): "94,810", ("other_referrals", "fot"): "65,085"})
    client.post(url(), {"version": "1", "cell:gp_referrals:fot": ""})
    values = {v.line.code: v.value for v in Value.objects.select_related("line")}
    assert values == {"other_referrals": 65085}
