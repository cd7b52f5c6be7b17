"""The data blocks of a paper, read from the returns without rendering: Bedfordshire's published
summary of spend, a missing return, partners' returns outstanding, and only the blocks chosen."""

import pytest

from planning.models import Membership, Organisation
from submissions.demo import seed_figures
from submissions.models import Paper
from submissions.papers.blocks import paper_data
from submissions.plans.services import build_system_plan
from tests import factories

pytestmark = pytest.mark.django_db

# Bedfordshire CCG's 2019/20 budget as published (£000): DOMAIN.md, "Figures to test against".
# The published categories are net of QIPP; the template's are before efficiencies, with the QIPP
# return's gross savings as the bridge (submissions/demo/seed_figures.py, FINANCE), and reach the
# published net commissioned expenditure and surplus.
PUBLISHED_BUDGET = {
    "Total allocation": "681,172",
    "Net commissioned expenditure": "659,649",
    "Contingency": "3,406",
    "Other reserves": "2,109",
    "Total reserves": "5,515",
    "Running costs": "9,908",
    "In-year surplus/(deficit)": "6,100",
    "Cumulative surplus/(deficit) (control total)": "6,100",
}
BEFORE_EFFICIENCIES = {
    "Acute services": "377,650",
    "Mental health services": "63,196",
    "Community health services": "42,441",
    "Continuing care services": "39,105",
    "Primary care services": "75,409",
    "Primary care co-commissioning (delegated)": "65,365",
    "Other programme services": "25,924",
    "Expenditure before efficiencies": "689,090",
    "QIPP efficiencies": "(29,441)",
}


def test_summary_of_spend_holds_bedfordshires_published_figures(beds):
    paper = factories.paper(organisation=beds, blocks=["summary_of_spend"])

    block = paper_data(paper)["summary_of_spend"]

    assert block["template"] == "Finance plan" and block["status"] == "Submitted"
    assert block["columns"] == [
        "2019/20 budget",
        "2018/19 forecast outturn",
        "Variance",
        "Variance %",
    ]
    rows = {row["label"]: row for row in block["rows"]}
    assert {label: rows[label]["cells"][0] for label in PUBLISHED_BUDGET} == PUBLISHED_BUDGET
    assert {label: rows[label]["cells"][0] for label in BEFORE_EFFICIENCIES} == BEFORE_EFFICIENCIES
    assert rows["Net commissioned expenditure"]["cells"] == [
        "659,649",
        "579,073",
        "80,576",
        "12.2%",
    ]
    assert rows["In-year surplus/(deficit)"]["cells"][:3] == ["6,100", "10,000", "(3,900)"]
    assert rows["Net commissioned expenditure"]["total"]
    assert rows["Expenditure before efficiencies"]["total"]
    assert not rows["Acute services"]["total"]


def test_a_block_whose_return_is_not_submitted_says_it_is_missing(blmk):
    luton = factories.luton(in_system=blmk)
    factories.saved_return(luton, "finance", seed_figures.finance_cells())  # saved, not submitted
    paper = factories.paper(organisation=luton, blocks=["summary_of_spend", "qipp"])

    data = paper_data(paper)

    assert data["summary_of_spend"] == {"missing": True, "template": "Finance plan"}
    assert data["qipp"] == {"missing": True, "template": "QIPP plan"}


def test_outstanding_lists_each_partners_returns_on_the_systems_paper_only(beds, blmk):
    luton = factories.luton(in_system=blmk)
    factories.submitted_return(luton, "qipp", seed_figures.qipp_cells())
    hospital = factories.organisation(
        "RC1", kind=Organisation.Kind.ACUTE, name="Bedford Hospital NHS Trust"
    )
    factories.membership(hospital, blmk, role=Membership.Role.PROVIDER)
    later = (
        "Primary care workforce plan",
        "Performance trajectories",
        "Operational plan narrative",
    )
    system_paper = factories.paper(system=blmk, blocks=["outstanding"])

    rows = paper_data(system_paper)["outstanding"]

    assert {row["system"] for row in rows} == {"BLMK"}
    assert {(row["organisation"], row["template"]) for row in rows} == {
        *(("NHS Bedfordshire CCG", name) for name in later),
        ("NHS Luton CCG", "Finance plan"),
        ("NHS Luton CCG", "Activity plan"),
        *(("NHS Luton CCG", name) for name in later),
        ("Bedford Hospital NHS Trust", "Activity plan"),
        ("Bedford Hospital NHS Trust", "Performance trajectories"),
        ("Bedford Hospital NHS Trust", "Operational plan narrative"),
        ("Bedford Hospital NHS Trust", "Provider finance plan"),
    }
    # Bedfordshire's own paper is read by people who may not read Luton's or the trust's returns.
    own = paper_data(factories.paper(organisation=beds, blocks=["outstanding"]))["outstanding"]
    assert {(row["organisation"], row["template"]) for row in own} == {
        ("NHS Bedfordshire CCG", name) for name in later
    }


def test_an_organisations_paper_shows_the_partners_surpluses_only_once_the_plan_is_approved(
    beds, blmk
):
    luton = factories.luton(in_system=blmk)
    factories.submitted_return(luton, "finance", {("core_programme", "budget"): "1,000"})
    plan, _ = build_system_plan(system=blmk, template=factories.template("finance"), stage="draft")
    paper = factories.paper(organisation=beds, blocks=[Paper.Block.SYSTEM_PLAN])

    (unapproved,) = paper_data(paper)["system_plan"]
    assert unapproved["plan"] is None and "NHS Luton CCG" not in str(unapproved)
    lead_paper = factories.paper(system=blmk, blocks=[Paper.Block.SYSTEM_PLAN])
    assert "NHS Luton CCG" in str(paper_data(lead_paper)["system_plan"])

    factories.approve(plan, factories.ics_lead(blmk))
    (approved,) = paper_data(paper)["system_plan"]
    assert approved["plan"]["version"] == plan.version
    assert [r["name"] for r in approved["rows"]] == ["NHS Bedfordshire CCG", "NHS Luton CCG"]


def test_only_the_chosen_blocks_appear(beds):
    paper = factories.paper(organisation=beds, blocks=["qipp", "timetable"])

    data = paper_data(paper)

    assert set(data) == {"cover", "subject", "round", "qipp", "timetable"}
    assert data["qipp"]["template"] == "QIPP plan"
    assert data["cover"]["title"] == paper.title and data["subject"] == "NHS Bedfordshire CCG"


def test_a_blank_base_prints_a_blank_variance_never_100_percent(blmk, pdf_pages):
    ccg = factories.luton(in_system=blmk)
    factories.submitted_return(
        ccg, "finance", {("core_programme", "budget"): "1,000", ("acute", "budget"): "900"}
    )
    paper = factories.paper(organisation=ccg, blocks=[Paper.Block.SUMMARY_OF_SPEND])

    rows = {r["label"]: r["cells"] for r in paper_data(paper)["summary_of_spend"]["rows"]}

    acute = next(cells for label, cells in rows.items() if label.startswith("Acute"))
    assert acute[0] == "900" and acute[1:] == ["", "", ""]  # no forecast: no variance, no %
    text = "\n".join(pdf_pages(factories.rendered(paper)))
    assert "100.0%" not in text


def test_the_control_total_says_when_rounded_surpluses_do_not_add_up(blmk):
    for ods in ("H1", "H2"):
        ccg = factories.organisation(ods, name=f"Half CCG {ods}")
        factories.membership(ccg, blmk, share="0.5")
        factories.submitted_return(ccg, "finance", {("core_programme", "budget"): "1,001"})
    build_system_plan(system=blmk, template=factories.template("finance"), stage="draft")
    paper = factories.paper(system=blmk, blocks=[Paper.Block.SYSTEM_PLAN])

    (summary,) = paper_data(paper)["system_plan"]

    assert [r["value"] for r in summary["rows"]] == ["501", "501"]  # 500.5 each, half up
    assert summary["total"] == "1,001" and summary["rounded"]
