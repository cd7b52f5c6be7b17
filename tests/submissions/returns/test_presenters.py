"""What the return pages show, built by `presenters` from evaluations and saved rows, without HTTP:
the list's rows, the data entry grid (with why a calculated cell is blank, and what grid.js is
given), the merge after a stale save and the draft/final comparison."""

from decimal import Decimal

import pytest

from submissions.demo import seed_figures
from submissions.models import Change
from submissions.returns.evaluation import Message, evaluate, parse_typed
from submissions.returns.presenters import (
    blank_hint_text,
    comparison,
    entry_sections,
    grid_definition,
    in_sentence,
    merge_conflict,
    return_list_rows,
    typed_from_raw,
)
from submissions.returns.selectors import returns_for_organisations
from tests import evaluation_table, factories

pytestmark = pytest.mark.django_db

GP_FOT = ("gp_referrals", "fot")
OTHER_FOT = ("other_referrals", "fot")
GP_TREND = ("gp_referrals", "trend")


def in_order(templates):
    return sorted(templates.values(), key=lambda t: t.order)


def evaluation_of(grid, cells, other_values=None):
    typed, errors = parse_typed(grid, cells)
    assert errors == []
    return evaluate(grid, typed, other_values)


def entry_cells(sections):
    """{(line code, column code): cell} of the data entry grid."""
    return {
        (cell["line"].code, cell["column"].code): cell
        for s in sections
        for row in s["rows"]
        for cell in row["cells"]
    }


def compared_cells(result):
    """{(line code, column code): cell} of a comparison."""
    return {
        (row["line"].code, column.code): cell
        for s in result["sections"]
        for row in s["rows"]
        for column, cell in zip(s["columns"], row["cells"], strict=True)
    }


def value_change(grid, key, old, new):
    """A saved change of one activity cell, as `selectors.changes_since` gives it (unsaved here)."""
    line, column = key
    return Change(
        kind=Change.Kind.VALUE,
        line=grid.lines_by_code()[line],
        column=grid.columns_by_key()[("growth", column)],
        old=old,
        new=new,
    )


# The list of returns ------------------------------------------------------------------------------


def test_list_rows_hold_only_the_templates_an_organisation_completes(templates, bedfordshire):
    trust = factories.organisation("RC1", kind="acute")
    council = factories.organisation("LA1", kind="local_authority")

    rows = return_list_rows([bedfordshire, trust, council], in_order(templates), {})

    assert [row["organisation"] for row in rows] == [
        bedfordshire,
        trust,
    ]  # the council completes none
    trust_cells = [(c["template"].code, c["stage"].value) for c in rows[1]["cells"]]
    assert trust_cells == [
        ("activity", "draft"),
        ("activity", "final"),
        ("performance", "draft"),
        ("performance", "final"),
        ("narrative", "draft"),
        ("narrative", "final"),
        ("provider_finance", "draft"),
        ("provider_finance", "final"),
    ]
    bedfordshire_templates = {c["template"].code for c in rows[0]["cells"]}
    assert "provider_finance" not in bedfordshire_templates  # a CCG's finance plan is "finance"


def test_list_rows_have_a_cell_per_template_and_stage_with_the_saved_return_or_none(
    templates, round_2019, bedfordshire, beds_lead
):
    ret = factories.saved_return(bedfordshire, "activity", {GP_FOT: "1"}, lead=beds_lead)
    existing = returns_for_organisations(organisations=[bedfordshire], round_=round_2019)

    [row] = return_list_rows([bedfordshire], in_order(templates), existing)

    cells = {(c["template"].code, c["stage"].value): c["ret"] for c in row["cells"]}
    # a CCG completes every template made for CCGs (not the providers' finance plan), draft and final
    ccg_templates = [t for t in templates.values() if "ccg" in t.organisation_kinds]
    assert "provider_finance" not in {t.code for t in ccg_templates}
    assert len(cells) == 2 * len(ccg_templates)
    assert cells.pop(("activity", "draft")) == ret
    assert set(cells.values()) == {None}


# The data entry grid ------------------------------------------------------------------------------


def test_entry_grid_shows_typed_text_as_typed_even_when_it_is_not_a_number(grids):
    raw = {
        **seed_figures.activity_cells(),
        ("gp_referrals", "transformation"): "(4,227)",
        ("day_case", "trend"): "5,17B",
    }
    evaluation = evaluate(grids["activity"], typed_from_raw(raw))

    cells = entry_cells(entry_sections(evaluation, raw_cells=raw))

    assert cells[("gp_referrals", "transformation")]["display"] == "(4,227)"
    assert cells[("day_case", "trend")]["display"] == "5,17B"
    assert cells[GP_FOT]["display"] == "94,810"
    # Totals are computed around what was typed: (4,227) counts as -4,227.
    assert cells[("total_referrals", "plan")]["display"] == "163,952"


def test_entry_grid_formats_computed_totals_and_keeps_every_typed_decimal(grids):
    cells_typed = {**seed_figures.activity_cells(), ("gp_referrals", "last_year_growth"): "7.04"}
    evaluation = evaluation_of(grids["activity"], cells_typed)

    cells = entry_cells(entry_sections(evaluation))

    assert cells[("total_referrals", "plan")]["display"] == "163,952"
    assert cells[("total_outpatients", "plan")]["display"] == "401,153"
    assert cells[("total_referrals", "growth")]["display"] == "2.5"  # a % to one decimal place
    assert cells[("gp_referrals", "growth")]["display"] == "2.9"
    assert cells[("gp_referrals", "last_year_growth")]["display"] == "7.04"  # typed, so exact
    assert cells[GP_FOT]["display"] == "94,810"
    assert not cells[("total_referrals", "fot")]["is_input"]
    assert cells[("total_referrals", "last_year_growth")]["is_input"]  # a rate is not summed
    assert cells[GP_FOT]["name"] == "cell:gp_referrals:fot"
    assert cells[GP_FOT]["id"] == "cell-gp_referrals-fot"


def test_a_message_lands_on_its_cell_and_a_problem_comes_before_a_warning(grids):
    evaluation = evaluation_of(grids["activity"], seed_figures.activity_cells())
    not_a_number = Message("error", "'5,17B' is not a number", "day_case", "trend")
    on_a_warned_cell = Message("error", "Check this", "ae_type_1", "growth")
    about_the_return = Message("error", "Submit the draft first")

    cells = entry_cells(
        entry_sections(evaluation, problems=[not_a_number, on_a_warned_cell, about_the_return])
    )

    assert cells[("day_case", "trend")]["message"] == not_a_number
    assert cells[("ae_other", "growth")]["message"].key == "growth_against_last_year:ae_other"
    assert cells[("ae_type_1", "growth")]["message"] == on_a_warned_cell
    assert cells[GP_FOT]["message"] is None
    assert about_the_return not in [cell["message"] for cell in cells.values()]


def test_entry_grid_marks_the_cells_both_people_changed(grids):
    evaluation = evaluation_of(grids["activity"], {GP_FOT: "1"})

    cells = entry_cells(entry_sections(evaluation, conflict_cells={GP_FOT}))

    assert [key for key, cell in cells.items() if cell["conflict"]] == [GP_FOT]


def test_a_rule_message_names_its_rule_and_a_problem_names_none(grids):
    cells = {**seed_figures.finance_cells(), ("contingency", "budget"): "3,405"}
    evaluation = evaluation_of(grids["finance"], cells)
    not_a_number = Message("error", "'1x' is not a number", "acute", "budget")

    entry = entry_cells(entry_sections(evaluation, problems=[not_a_number]))

    contingency = entry[("contingency", "budget")]
    assert contingency["message"].key == "contingency_minimum"
    assert contingency["rule"] == "contingency_minimum"  # grid.js may take it away once fixed
    assert contingency["describedby"] == "cell-contingency-budget-message"
    assert entry[("acute", "budget")]["rule"] == ""  # the server's to take away, on the next save
    assert entry[("surplus", "budget")]["describedby"] == ""  # a total: no message, no hint


# Why a calculated cell is blank -------------------------------------------------------------------


def test_a_blank_forecast_blanks_the_variance_and_the_cell_says_why(grids):
    cells = seed_figures.finance_cells()
    del cells[("acute", "forecast")]
    evaluation = evaluation_of(grids["finance"], cells)

    entry = entry_cells(entry_sections(evaluation))

    for column in ("variance", "variance_pct"):
        cell = entry[("acute", column)]
        assert cell["display"] == ""  # blank, never 0 or 100%
        assert cell["hint"] == "Blank: no 2018/19 forecast outturn yet"
        assert cell["describedby"] == f"cell-acute-{column}-hint"  # read with the cell
    # The seed plan has no contingency last year: its variance says so too.
    assert entry[("contingency", "variance")]["hint"] == "Blank: no 2018/19 forecast outturn yet"
    # Totals count a blank part as 0, so the total's variance is there, with no hint.
    assert entry[("total_commissioned", "variance")]["display"] != ""
    assert entry[("total_commissioned", "variance")]["hint"] == ""
    assert entry[("mental_health", "variance_pct")]["hint"] == ""
    assert entry[("mental_health", "budget")]["hint"] == ""  # typed cells never have one


def test_a_division_by_zero_has_nothing_to_compare_with_and_an_empty_row_says_nothing(grids):
    cells = {("gp_referrals", "fot"): "0", ("gp_referrals", "trend"): "10"}
    evaluation = evaluation_of(grids["activity"], cells)

    entry = entry_cells(entry_sections(evaluation))

    assert entry[("gp_referrals", "plan")]["display"] == "10"
    assert entry[("gp_referrals", "growth")]["display"] == ""
    assert entry[("gp_referrals", "growth")]["hint"] == "Blank: nothing to compare with"
    # A row nobody has started: blank says itself.
    assert entry[("day_case", "plan")]["hint"] == entry[("day_case", "growth")]["hint"] == ""


def test_a_blank_forecast_outturn_blanks_the_plan_even_with_a_bridge_typed(grids):
    evaluation = evaluation_of(grids["activity"], {("gp_referrals", "trend"): "10"})

    entry = entry_cells(entry_sections(evaluation))

    hint = "Blank: no CCG adjusted forecast outturn yet"
    assert entry[("gp_referrals", "plan")]["hint"] == hint
    assert entry[("gp_referrals", "growth")]["hint"] == hint  # through the plan it is made from
    assert entry[("total_referrals", "plan")]["hint"] == hint  # the total's fot is blank too


def test_a_hint_on_a_cell_with_a_message_is_read_after_the_message(grids):
    evaluation = evaluation_of(grids["qipp"], {("acute", "investment"): "5"})
    check = Message("error", "Check the gross savings", "acute", "net")

    cell = entry_cells(entry_sections(evaluation, problems=[check]))[("acute", "net")]

    assert cell["hint"] == "Blank: no planned gross savings yet"
    assert cell["describedby"] == "cell-acute-net-message cell-acute-net-hint"


@pytest.mark.parametrize(
    "case", [c for c in evaluation_table.CASES if "hints" in c], ids=lambda case: case["name"]
)
def test_the_shared_tables_hints_are_the_servers(case):
    # The same table is checked against grid.js `computeGrid` in
    # tests/browser/test_grid_arithmetic_matches_the_server.py.
    grid = evaluation_table.table_grid(rules=[])
    raw = {tuple(name.split(".")): text for name, text in case["typed"].items()}
    evaluation = evaluate(grid, typed_from_raw(raw))

    cells = entry_cells(entry_sections(evaluation, raw_cells=raw))

    hints = {f"{line}.{column}": cell["hint"] for (line, column), cell in cells.items()}
    assert {name: hint for name, hint in hints.items() if hint} == case["hints"]


@pytest.mark.parametrize(
    "missing, text",
    [
        ([], "Blank: nothing to compare with"),
        (["2018/19 forecast outturn"], "Blank: no 2018/19 forecast outturn yet"),
        (["budget", "forecast"], "Blank: no budget or forecast yet"),
        (["a", "b", "c"], "Blank: no a, b or c yet"),
    ],
)
def test_blank_hint_text(missing, text):
    assert blank_hint_text(missing) == text


@pytest.mark.parametrize(
    "label, named",
    [
        ("Planned gross savings", "planned gross savings"),
        ("Variance", "variance"),
        ("Change (WTE)", "change (WTE)"),
        ("2018/19 forecast outturn", "2018/19 forecast outturn"),
        ("CCG adjusted forecast outturn", "CCG adjusted forecast outturn"),
        ("RAG-assured value", "RAG-assured value"),
        ("March 2020 planned WTE", "March 2020 planned WTE"),
        ("Q1 2019/20", "Q1 2019/20"),
    ],
)
def test_a_column_is_named_in_a_sentence_without_losing_acronyms_or_months(label, named):
    assert in_sentence(label) == named


def test_the_grid_definition_gives_grid_js_labels_names_and_rules(grids):
    definition = grid_definition(grids["finance"])

    summary = next(s for s in definition["sections"] if s["code"] == "summary")
    forecast = next(c for c in summary["columns"] if c["code"] == "forecast")
    assert forecast["label"] == "2018/19 forecast outturn"
    assert forecast["in_sentence"] == "2018/19 forecast outturn"
    assert summary["lines"][0]["label"] == "Core programme allocation"
    assert [rule["code"] for rule in definition["rules"]] == [
        "contingency_minimum",
        "mental_health_investment_standard",
        "running_costs_within_allowance",
        "qipp_efficiencies_negative",
    ]
    # It names the QIPP return's cells (qipp:total.gross): the server checks it on every save.
    assert definition["rules_left_to_server"] == ["qipp_efficiencies_match_qipp"]


# The merge after a stale save ---------------------------------------------------------------------


def test_merge_keeps_their_change_and_puts_my_edits_on_top(grids):
    # Both opened GP 94,810 and Other 65,085; they saved GP 90,000 first.
    current = {GP_FOT: Decimal(90000), OTHER_FOT: Decimal(65085)}
    theirs = [value_change(grids["activity"], GP_FOT, "94,810", "90,000")]
    mine = {GP_FOT: "94,810", OTHER_FOT: "70,000", GP_TREND: "6,998"}

    merged, changed_by_me, changed_by_both = merge_conflict(current, theirs, mine)

    assert merged == {GP_FOT: "90,000", OTHER_FOT: "70,000", GP_TREND: "6,998"}
    assert changed_by_me == {OTHER_FOT, GP_TREND}
    assert changed_by_both == set()


def test_merge_reports_a_cell_both_changed_and_shows_my_value_there(grids):
    current = {GP_FOT: Decimal(90000), OTHER_FOT: Decimal(65085)}
    theirs = [value_change(grids["activity"], GP_FOT, "94,810", "90,000")]
    mine = {GP_FOT: "95,000", OTHER_FOT: ""}

    merged, changed_by_me, changed_by_both = merge_conflict(current, theirs, mine)

    assert merged == {GP_FOT: "95,000", OTHER_FOT: ""}  # clearing a cell is an edit too
    assert changed_by_me == {GP_FOT, OTHER_FOT}
    assert changed_by_both == {GP_FOT}


def test_merge_compares_my_edits_with_the_version_i_started_from(grids):
    # Two saves by others since: 94,810 -> 90,000 -> 91,000, oldest first as changes_since gives.
    current = {GP_FOT: Decimal(91000)}
    theirs = [
        value_change(grids["activity"], GP_FOT, "94,810", "90,000"),
        value_change(grids["activity"], GP_FOT, "90,000", "91,000"),
    ]

    merged, changed_by_me, changed_by_both = merge_conflict(current, theirs, {GP_FOT: "94,810"})

    assert merged == {GP_FOT: "91,000"}  # I did not touch it, so their latest value stands
    assert changed_by_me == set() and changed_by_both == set()


# The draft and final side by side -----------------------------------------------------------------


def test_comparison_marks_the_cells_that_differ_and_counts_only_typed_ones(grids):
    draft = evaluation_of(grids["qipp"], {("acute", "gross"): "100", ("community", "gross"): "5"})
    final = evaluation_of(grids["qipp"], {("acute", "gross"): "120", ("community", "gross"): "5"})

    result = comparison(draft, final, {}, {})

    cells = compared_cells(result)
    assert cells[("acute", "gross")] == {"draft": "100", "final": "120", "differs": True}
    assert cells[("total", "gross")] == {"draft": "105", "final": "125", "differs": True}
    assert cells[("total", "net")]["differs"]  # computed, so marked but not counted
    assert not cells[("community", "gross")]["differs"]
    assert [key for key, cell in cells.items() if cell["differs"]] == [
        ("acute", "gross"),
        ("acute", "net"),
        ("total", "gross"),
        ("total", "net"),
    ]
    assert result["changed"] == 1


def test_comparison_shows_both_answers_to_each_question(grids):
    empty = evaluate(grids["narrative"], {})

    result = comparison(empty, empty, {"main_priorities": "Urgent care"}, {"main_risks": "Staff"})

    answers = {n["line"].code: (n["draft"], n["final"]) for n in result["narratives"]}
    assert answers["main_priorities"] == ("Urgent care", "")
    assert answers["main_risks"] == ("", "Staff")
    assert result["sections"] == [] and result["changed"] == 0
