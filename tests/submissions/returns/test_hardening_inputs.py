"""Hostile or careless input on the data entry page: numbers of any size or exponent, digits of
other scripts, explanations of warnings that do not exist, and text far too long. Each is refused
(or ignored) with a message, never a server error, and never echoed back whole."""

from decimal import Decimal

import pytest
from django.urls import reverse

from submissions.demo import seed_figures
from submissions.models import Change, Explanation, NarrativeAnswer, Return, Value
from submissions.models.returns import ANSWER_MAX_LENGTH
from submissions.returns import presenters, services
from submissions.returns.evaluation import parse_cell
from tests import factories

GP_FOT = ("gp_referrals", "fot")


# 1. Numbers of any size or exponent --------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, message",
    [
        ("1e1000000", "too large: it can be at most 99,999,999,999.9999"),
        ("-1e1000000", "too far below zero: it can be at least -99,999,999,999.9999"),
        ("(1e1000000)", "too far below zero: it can be at least -99,999,999,999.9999"),
        ("1e99999999999999999999", "too large: it can be at most 99,999,999,999.9999"),
        ("1e-1000000", "at most 4 decimal places"),
        ("1e-99999999999999999999", "at most 4 decimal places"),
        ("9" * 100_000, "too large: it can be at most 99,999,999,999.9999"),
    ],
)
def test_a_huge_number_or_exponent_is_a_cell_error_not_an_exception(raw, message):
    value, error = parse_cell(raw)
    assert value is None and message in error


def test_a_small_exponent_is_still_read_as_the_browser_reads_it():
    assert parse_cell("1E+2") == (Decimal(100), None)
    assert parse_cell("0.0001e4") == (Decimal(1), None)


@pytest.mark.django_db
def test_a_cell_of_1e1000000_is_refused_next_to_the_cell_not_a_server_error(client, beds_lead):
    client.force_login(beds_lead)
    response = client.post(
        factories.return_url(), factories.entry_form({GP_FOT: "1e1000000"}, 0, submit="1")
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert (
        'id="cell-gp_referrals-fot-message"' in html
        and "too large: it can be at most 99,999,999,999.9999" in html
    )
    assert not Value.objects.exists()


# 2. Digits of other scripts ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["１２３", "١٢٣", "𝟏𝟐𝟑", "۱۲۳", "1２3", "१२३"])
def test_digits_other_than_0_to_9_are_refused_with_a_clear_message(raw):
    value, error = parse_cell(raw, label="GP referrals, forecast outturn")
    assert value is None
    assert (
        error
        == f"GP referrals, forecast outturn: {raw!r} is not a number: type it with the digits 0 to 9"
    )


@pytest.mark.django_db
def test_full_width_digits_are_not_stored_as_a_number(client, beds_lead):
    client.force_login(beds_lead)
    response = client.post(factories.return_url(), factories.entry_form({GP_FOT: "１２３"}, 0))
    assert response.status_code == 422
    assert "type it with the digits 0 to 9" in response.content.decode()
    assert not Value.objects.exists()


# 3. Explanations of warnings that do not exist ---------------------------------------------------


@pytest.mark.django_db
def test_an_explanation_of_a_warning_the_return_does_not_have_is_ignored(client, beds_lead):
    client.force_login(beds_lead)
    response = client.post(
        factories.return_url(),
        factories.entry_form(
            {GP_FOT: "94,810"},
            0,
            **{"explain:" + "k" * 500: "why not", "explain:made_up": "because"},
        ),
    )
    assert response.status_code == 302
    assert not Explanation.objects.exists()
    assert not Change.objects.filter(kind="explanation").exists()


@pytest.mark.django_db
def test_an_explanation_of_a_warning_the_return_has_is_stored(client, bedfordshire, beds_lead):
    factories.saved_return(bedfordshire, "activity", seed_figures.activity_cells(), lead=beds_lead)
    client.force_login(beds_lead)
    warnings = client.get(factories.return_url()).context["warnings"]
    assert warnings
    explained = {f"explain:{w['message'].key}": "Modelled with local hospitals" for w in warnings}
    response = client.post(
        factories.return_url(), factories.entry_form({}, 1, **explained, **{"explain:nope": "x"})
    )
    assert response.status_code == 302
    assert set(Explanation.objects.values_list("key", flat=True)) == {
        w["message"].key for w in warnings
    }


# 6. Text far too long ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_5_mb_cell_is_refused_with_a_short_excerpt_not_echoed_whole(client, beds_lead):
    client.force_login(beds_lead)
    response = client.post(
        factories.return_url(), factories.entry_form({GP_FOT: "x" * 5_000_000}, 0)
    )
    assert response.status_code == 422
    assert len(response.content) < 200_000
    html = response.content.decode()
    assert "is not a number" in html and "x" * 41 + "'" not in html
    assert 'value="' + "x" * presenters.CELL_SHOWN_LENGTH + '"' in html  # shown again, bounded


@pytest.mark.django_db
def test_a_narrative_answer_over_the_limit_is_refused_next_to_its_field(client, beds_lead):
    client.force_login(beds_lead)
    url = factories.return_url(template_code="narrative")
    response = client.post(
        url,
        factories.entry_form(
            {}, 0, **{"answer:main_priorities": "a" * 5_000_000, "answer:main_risks": "Workforce"}
        ),
    )
    assert response.status_code == 422
    assert len(response.content) < 100_000
    html = response.content.decode()
    assert 'href="#answer-main_priorities"' in html and "at most 10,000 characters" in html
    assert f'maxlength="{ANSWER_MAX_LENGTH}"' in html
    assert not NarrativeAnswer.objects.exists()  # nothing is saved


@pytest.mark.django_db
def test_an_answer_of_exactly_the_limit_is_stored(bedfordshire, beds_lead):
    ret = Return(organisation=bedfordshire, template=factories.template("narrative"), stage="draft")
    services.return_save(
        user=beds_lead,
        ret=ret,
        base_version=0,
        raw_cells={},
        raw_answers={"main_priorities": "a" * ANSWER_MAX_LENGTH},
        raw_explanations={},
    )
    assert len(NarrativeAnswer.objects.get().text) == ANSWER_MAX_LENGTH


@pytest.mark.django_db
def test_an_over_long_explanation_is_refused(bedfordshire, beds_lead):
    ret = Return(organisation=bedfordshire, template=factories.template("activity"), stage="draft")
    with pytest.raises(services.ReturnInvalid, match="at most 10,000 characters"):
        services.return_save(
            user=beds_lead,
            ret=ret,
            base_version=0,
            raw_cells={GP_FOT: "1"},
            raw_answers={},
            raw_explanations={"anything": "b" * 10_001},
        )
    assert not Return.objects.exists()


# A year in the query that is not a year ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["9" * 5000, "١٩", "2019x"])
def test_the_return_list_with_a_year_that_is_not_a_year_is_not_a_server_error(
    client, beds_lead, year
):
    client.force_login(beds_lead)
    assert client.get(reverse("submissions:list"), {"year": year}).status_code in (200, 404)
