"""What the plan pages and exports show, called directly (no HTTP) on a real built plan."""

from decimal import Decimal

import pytest

from submissions.plans import selectors as plan_selectors
from submissions.plans.presenters import (
    EXPORT_FIELDS,
    alignment_rows,
    chart,
    export_document,
    export_name,
    export_rows,
    line_rows,
    line_total,
    plan_sections,
)
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(blmk):
    """Bedfordshire: 60,000 GP and 30,000 other referrals; a CCG counted at half: 60,000 GP
    referrals. The system (commissioners') plan: 90,000 GP referrals, 30,000 other, 120,000 in
    total. Beside it, the hospital (a provider, at half): 60,000 GP referrals, so 30,000."""
    half = factories.organisation("99H", name="Half CCG")
    factories.membership(half, blmk.system, share="0.5")
    submitted(
        blmk.beds,
        "activity",
        {("gp_referrals", "fot"): "60,000", ("other_referrals", "fot"): "30,000"},
    )
    submitted(half, "activity", {("gp_referrals", "fot"): "60,000"})
    submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "60,000"})
    plan, _ = blmk.build()
    return plan


@pytest.fixture
def figures(plan):
    return plan_selectors.figures(plan)


def rows_by_line(section):
    return {row["line"].code: row for row in section["rows"]}


def test_plan_sections_format_cells_with_thousands_separators(figures):
    (section,) = plan_sections(figures)
    rows = rows_by_line(section)
    column_codes = [c.code for c in section["columns"]]

    total = dict(zip(column_codes, rows["total_referrals"]["cells"], strict=True))
    assert total["fot"] == "120,000" and total["plan"] == "120,000"
    assert total["growth"] == "0.0"  # a % column: one decimal place
    assert total["coding"] == ""  # nothing typed
    assert section["headline"].code == "plan"
    assert rows["gp_referrals"]["headline"] == Decimal("90000")
    assert rows["gp_referrals"]["previous"] == "" and rows["gp_referrals"]["change"] == ""


def test_plan_sections_show_the_change_against_last_rounds_values(figures):
    previous_values = {
        ("gp_referrals", "plan"): Decimal("80000"),
        ("other_referrals", "plan"): Decimal("0"),
    }
    (section,) = plan_sections(figures, previous_values)
    rows = rows_by_line(section)

    assert rows["gp_referrals"]["previous"] == "80,000"
    assert rows["gp_referrals"]["change"] == "12.5"  # 80,000 -> 90,000
    assert rows["other_referrals"]["change"] == ""  # no change % against nothing
    assert rows["total_referrals"]["previous"] == "" and rows["total_referrals"]["change"] == ""


def test_headline_chart_bars_are_proportional_with_the_largest_full_width(figures):
    (section,) = plan_sections(figures)
    labels = [row["line"].label for row in section["rows"]]
    bars = {bar["label"]: bar for bar in section["chart"]["bars"]}
    by_code = {row["line"].code: row["line"].label for row in section["rows"]}

    assert section["chart"]["width"] == 480
    assert section["chart"]["height"] == 28 * len(labels)
    assert [bar["y"] for bar in section["chart"]["bars"]] == [28 * i for i in range(len(labels))]
    assert bars[by_code["total_referrals"]]["length"] == 480
    assert bars[by_code["gp_referrals"]]["length"] == 360  # 90,000 of 120,000
    assert bars[by_code["other_referrals"]]["length"] == 120
    assert bars[by_code["gp_referrals"]]["value"] == "90,000"
    assert bars[by_code["day_case"]]["length"] == 0 and bars[by_code["day_case"]]["value"] == ""


def test_chart_draws_a_negative_value_as_a_negative_bar_of_its_size(figures):
    lines = figures.grid.lines_by_code()
    bars = chart(
        [
            {"line": lines["gp_referrals"], "headline": Decimal("-50")},
            {"line": lines["other_referrals"], "headline": Decimal("100")},
            {"line": lines["day_case"], "headline": None},
        ]
    )["bars"]

    assert [bar["length"] for bar in bars] == [240, 480, 0]
    assert [bar["negative"] for bar in bars] == [True, False, False]
    assert bars[0]["value"] == "-50"


def test_chart_of_nothing_has_empty_bars(figures):
    lines = figures.grid.lines_by_code()
    bars = chart([{"line": lines["gp_referrals"], "headline": None}])["bars"]
    assert bars[0]["length"] == 0 and not bars[0]["negative"]


def test_line_rows_show_each_included_partners_share_and_contribution(plan, figures):
    section = figures.grid.section_of_line()["gp_referrals"]
    line = figures.grid.lines_by_code()["gp_referrals"]
    per_org = plan_selectors.contributions_by_organisation(plan, figures.grid)

    rows = line_rows(plan, section, line, per_org)

    fot = [c.code for c in section.columns].index("fot")
    shown = {r["input"]["ods_code"]: (r["share_pct"], r["cells"][fot], r["in_total"]) for r in rows}
    assert shown == {  # Luton has not submitted; the provider is shown beside, not added in
        "06F": ("100", "60,000", True),
        "99H": ("50", "30,000", True),
        "RC1": ("50", "30,000", False),
    }
    assert line_total(figures, section, line)[fot] == "90,000"


def test_alignment_rows_format_each_figure(plan):
    rows = alignment_rows(plan_selectors.alignment(plan=plan, threshold=Decimal(5)))
    display = {r["line"].code: r["display"] for r in rows}

    assert display["gp_referrals"] == {
        "commissioners": "90,000",
        "providers": "30,000",
        "gap": "-60,000",
        "gap_pct": "-66.7",
    }
    # The hospital planned no other referrals: the whole commissioners' figure is the gap.
    assert display["other_referrals"] == {
        "commissioners": "30,000",
        "providers": "",
        "gap": "-30,000",
        "gap_pct": "-100.0",
    }


def test_export_rows_are_one_row_per_cell_with_exactly_the_export_fields(plan, figures):
    rows = list(export_rows(plan, figures))

    cells = sum(len(s.lines) * len(s.columns) for s in figures.grid.grid_sections)
    assert len(rows) == cells
    assert all(list(row) == EXPORT_FIELDS for row in rows)
    by_cell = {(r["line_code"], r["column_code"]): r for r in rows}
    gp_fot = by_cell[("gp_referrals", "fot")]
    assert gp_fot["value"] == "90000.000000" and gp_fot["unit"] == "count"
    assert gp_fot["system"] == "BLMK" and gp_fot["plan_version"] == 1
    assert gp_fot["approved_at"] == ""
    assert by_cell[("day_case", "fot")]["value"] == ""


def test_export_rows_flag_totals_and_derived_cells(plan, figures):
    by_cell = {(r["line_code"], r["column_code"]): r for r in export_rows(plan, figures)}

    assert not by_cell[("gp_referrals", "fot")]["is_total_or_derived"]  # typed by partners
    assert by_cell[("total_referrals", "fot")]["is_total_or_derived"]  # a sum of lines
    assert by_cell[("gp_referrals", "plan")]["is_total_or_derived"]  # a formula column
    assert by_cell[("gp_referrals", "growth")]["unit"] == "%"


def test_export_document_lists_the_inputs_and_every_cell(plan, figures, lead):
    plan = factories.approve(plan, lead)

    document = export_document(plan, figures)

    assert document["plan_version"] == 1 and document["template"] == "activity"
    assert document["approved_by"] == lead.get_username()
    assert document["approved_at"] == plan.approved_at.isoformat()
    assert [(i["ods_code"], i["included"], i["status"]) for i in document["inputs"]] == [
        ("RC1", True, "submitted"),
        ("99H", True, "submitted"),
        ("06F", True, "submitted"),
        ("06P", False, "not_started"),
    ]
    assert {i["ods_code"]: i["return_version"] for i in document["inputs"]}["06P"] is None
    assert document["cells"] == list(export_rows(plan, figures))
    assert document["cells"][0]["approved_at"] == plan.approved_at.isoformat()


def test_export_name_says_which_plan_version_it_is(plan):
    assert export_name(plan) == "BLMK-activity-2019-draft-v1"
