"""Measures and rates on a system plan: worked out from the system's summed figures (a rate from
its summed numerators and denominators, QIPP as % of allocation from the system QIPP plan), and
percentages each partner types left blank with a note, never added up."""

import csv
import io
from decimal import Decimal

import pytest

from submissions.demo import seed_figures
from submissions.plans import selectors as plan_selectors
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db

LUTON_FINANCE = {
    ("core_programme", "budget"): "10,000",
    ("core_programme", "forecast"): "9,500",
    ("acute", "budget"): "9,000",
}


def build(blmk, code):
    plan, _ = blmk.build(template=factories.template(code))
    return plan


def row_of(html, label):
    """The plan table row whose line is `label`, as HTML."""
    start = html.index(f">{label}</a>")
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def finance_and_qipp(blmk):
    """Bedfordshire's seed finance (allocation 681,172) and QIPP (gross 29,441) returns and Luton's
    (allocation 10,000, gross 1,000), all submitted; both system plans built."""
    submitted(blmk.beds, "qipp", seed_figures.qipp_cells())
    submitted(blmk.beds, "finance", seed_figures.finance_cells())
    submitted(blmk.luton, "qipp", {("acute", "gross"): "1,000"})
    submitted(blmk.luton, "finance", LUTON_FINANCE)
    build(blmk, "qipp")
    return build(blmk, "finance")


def test_qipp_as_percent_of_allocation_on_the_plan_reads_the_system_qipp_plan(
    client, blmk, lead, finance_and_qipp, plan_url
):
    values = plan_selectors.figures(finance_and_qipp).values

    # (29,441 + 1,000) / (681,172 + 10,000) * 100 = 4.404...: the system's, from summed figures.
    assert round(values[("qipp_pct_allocation", "budget")], 2) == Decimal("4.40")
    assert values[("total_income", "budget")] == Decimal("691172")
    client.force_login(lead)
    html = client.get(plan_url(template="finance")).content.decode()
    assert ">4.4<" in row_of(html, "QIPP gross savings as % of total allocation")
    assert "Measures that refer to the QIPP plan read its newest version, version 1." in html


def test_a_measure_on_another_template_is_blank_until_that_plan_is_built(
    client, blmk, lead, plan_url
):
    submitted(blmk.luton, "finance", LUTON_FINANCE)
    plan = build(blmk, "finance")

    values = plan_selectors.figures(plan).values

    assert values[("qipp_pct_allocation", "budget")] is None  # no QIPP plan is not 0%
    assert values[("programme_growth_pct", "budget")] is not None
    client.force_login(lead)
    html = client.get(plan_url(template="finance")).content.decode()
    assert "Measures that refer to the QIPP plan are blank" in html


def test_a_measure_reads_the_qipp_plan_of_the_same_stage_only(blmk, finance_and_qipp):
    qipp = factories.template("qipp")
    submitted(blmk.luton, "qipp", {("acute", "gross"): "5,000"}, stage="final")
    blmk.build(template=qipp, stage="final")
    submitted(blmk.beds, "qipp", {("acute", "gross"): "9,000"}, stage="final")
    final, _ = blmk.build(template=qipp, stage="final")
    assert final.version == 2  # newer than the draft QIPP plan's version 1

    values = plan_selectors.figures(finance_and_qipp).values

    assert round(values[("qipp_pct_allocation", "budget")], 2) == Decimal("4.40")


def test_finance_plan_exports_carry_the_measures(client, blmk, lead, finance_and_qipp, plan_url):
    client.force_login(lead)
    text = client.get(plan_url("submissions:plan_csv", template="finance")).content.decode()
    cells = {(r["line_code"], r["column_code"]): r for r in csv.DictReader(io.StringIO(text))}
    measure = cells[("qipp_pct_allocation", "budget")]
    assert round(Decimal(measure["value"]), 2) == Decimal("4.40") and measure["unit"] == "%"
    body = client.get(plan_url("submissions:plan_json", template="finance")).json()
    (cell,) = [c for c in body["cells"] if c["line_code"] == "qipp_pct_allocation"]
    assert round(Decimal(cell["value"]), 2) == Decimal("4.40")


@pytest.fixture
def performance(blmk):
    """Bedfordshire plans 900 of 1,000 A&E attendances within 4 hours in Q4 (90%), Luton 1,900
    of 2,000 (95%); each types its IAPT access rate. The system plan is built."""
    submitted(
        blmk.beds,
        "performance",
        {
            ("ae_within_4h", "q4"): "900",
            ("ae_attendances", "q4"): "1,000",
            ("iapt_access", "q4"): "20",
        },
    )
    submitted(
        blmk.luton,
        "performance",
        {
            ("ae_within_4h", "q4"): "1,900",
            ("ae_attendances", "q4"): "2,000",
            ("iapt_access", "q4"): "24",
        },
    )
    return build(blmk, "performance")


def test_the_system_ae_rate_is_the_rate_of_summed_counts_not_a_sum_of_rates(
    client, blmk, lead, performance, plan_url
):
    values = plan_selectors.figures(performance).values

    # 2,800 of 3,000: 93.3%, neither 185% (a sum of rates) nor 92.5% (their plain average).
    assert values[("ae_within_4h", "q4")] == 2800 and values[("ae_attendances", "q4")] == 3000
    assert round(values[("ae_4h_pct", "q4")], 2) == Decimal("93.33")
    client.force_login(lead)
    html = client.get(plan_url(template="performance")).content.decode()
    row = row_of(html, "A&amp;E: % within 4 hours")
    assert ">93.3<" in row and "(standard 95.0%)" in row


def test_typed_percentages_are_left_blank_on_the_plan_with_a_note(
    client, blmk, lead, performance, plan_url
):
    assert plan_selectors.figures(performance).values[("iapt_access", "q4")] is None
    client.force_login(lead)
    html = client.get(plan_url(template="performance")).content.decode()

    row = row_of(html, "IAPT access rate (annualised)")
    assert ">44.0<" not in row and ">22.0<" not in row  # neither a sum nor an average
    note = html[html.index('data-testid="not-added-up-trajectories"') :]
    note = note[: note.index("</p>")]
    assert "IAPT access rate (annualised)" in note
    assert "Delayed transfers of care" in note
    assert 'data-testid="not-added-up-rates"' not in html  # rates worked out from counts


def test_a_typed_percentage_column_is_named_in_the_note(client, lead, built, plan_url):
    client.force_login(lead)
    html = client.get(plan_url()).content.decode()
    note = html[html.index('data-testid="not-added-up-growth"') :]
    assert "18/19 actual growth %" in note[: note.index("</p>")]


def test_a_rate_lines_partners_are_not_said_to_be_rounded(
    client, blmk, lead, performance, plan_url
):
    client.force_login(lead)
    html = client.get(plan_url("submissions:plan_line", "ae_4h_pct", template="performance"))
    html = html.content.decode()
    assert ">90.0<" in html and ">95.0<" in html and ">93.3<" in html
    assert 'data-testid="rounded"' not in html  # 90 + 95 is not 93.3, and need not be
