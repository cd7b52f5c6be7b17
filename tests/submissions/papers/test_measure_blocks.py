"""The measures a paper prints, computed from the submitted returns and never typed: QIPP as % of
allocation, growth, the Mental Health Investment Standard, running costs against the allowance and
contingency under the tables they come from; performance rates against their national standard;
and the system control total with its split between commissioners and providers."""

from decimal import Decimal

import pytest

from planning.models import Membership, Organisation
from submissions.demo import seed_figures
from submissions.demo.returns import fill
from submissions.models import Paper, Return
from submissions.papers import blocks
from submissions.papers.blocks import paper_data
from submissions.plans.services import build_system_plan
from submissions.returns import services
from tests import factories

pytestmark = pytest.mark.django_db


def measures(paper):
    return paper_data(paper)["summary_of_spend"]["measures"]


def test_bedfordshires_paper_prints_qipp_as_a_percentage_of_allocation(beds):
    paper = factories.paper(organisation=beds, blocks=["summary_of_spend", "qipp"])

    data = paper_data(paper)

    # 29,441 / 681,172 = 4.3221%: two decimals, as governing body papers quote it; over 4%.
    qipp = "QIPP 29,441, 4.32% of allocation, above the 4% reasonableness level"
    assert data["summary_of_spend"]["measures"][0] == qipp
    assert data["qipp"]["measures"] == [qipp]


def test_the_paper_prints_every_measure_from_a_second_ccgs_figures(blmk, pdf_pages):
    # Invented but balancing: allocations split five ways, 500,000 core programme last year.
    luton = factories.luton(in_system=blmk)
    finance = {
        ("core_programme", "budget"): "520,000",
        ("core_programme", "forecast"): "500,000",
        ("delegated_allocation", "budget"): "50,000",
        ("gp_extended_access", "budget"): "3,000",
        ("other_ring_fenced", "budget"): "2,000",
        ("running_cost_allowance", "budget"): "8,000",
        ("non_recurrent", "budget"): "2,000",
        ("mental_health", "budget"): "55,000",
        ("mental_health", "forecast"): "52,000",
        ("acute", "budget"): "350,000",
        ("community", "budget"): "80,000",
        ("primary_care_delegated", "budget"): "50,000",
        ("other_programme", "budget"): "15,000",
        ("qipp_efficiencies", "budget"): "-12,000",
        ("contingency", "budget"): "2,925",
        ("other_reserves", "budget"): "0",
        ("running_costs", "budget"): "7,500",
        ("surplus_brought_forward", "budget"): "1,000",
    }
    factories.submitted_return(luton, "qipp", {("acute", "gross"): "12,000"})
    factories.submitted_return(luton, "finance", finance)
    paper = factories.paper(organisation=luton, blocks=["summary_of_spend"])

    printed = measures(paper)

    # Allocation 585,000. QIPP 12,000 / 585,000 = 2.0513%; core programme 520,000 / 500,000 = 4%;
    # mental health 55,000 / 52,000 = 5.7692%; contingency 2,925 / 585,000 = 0.5%.
    assert printed == [
        "QIPP 12,000, 2.05% of allocation",
        "Programme allocation growth 4.00%",
        "Mental health spend growth 5.77% against programme allocation growth 4.00%: the Mental "
        "Health Investment Standard is met",
        "Running costs 7,500 against an allowance of 8,000: 500 below the allowance",
        "Contingency 2,925, 0.50% of allocation",
    ]
    text = "\n".join(pdf_pages(factories.rendered(paper)))
    assert "QIPP 12,000, 2.05% of allocation" in text
    assert "Health Investment Standard is met" in text


def test_the_allocations_block_prints_the_allocations_split_as_the_guidance_splits_them(blmk):
    luton = factories.luton(in_system=blmk)
    cells = {
        ("core_programme", "budget"): "520,000",
        ("delegated_allocation", "budget"): "50,000",
        ("gp_extended_access", "budget"): "3,000",
        ("other_ring_fenced", "budget"): "2,000",
        ("running_cost_allowance", "budget"): "8,000",
        ("non_recurrent", "budget"): "2,000",
    }
    factories.submitted_return(luton, "finance", cells)
    paper = factories.paper(organisation=luton, blocks=["allocations"])

    rows = paper_data(paper)["allocations"]["rows"]

    assert [row["cells"][0] for row in rows] == [
        "520,000",
        "50,000",
        "3,000",
        "2,000",
        "8,000",
        "2,000",
        "585,000",
    ]
    assert rows[-1]["total"] and rows[-1]["label"] == "Total allocation"


def test_mental_health_growing_slower_than_the_allocation_is_printed_as_not_met(blmk):
    luton = factories.luton(in_system=blmk)
    factories.submitted_return(
        luton,
        "finance",
        {
            ("core_programme", "budget"): "520,000",
            ("core_programme", "forecast"): "500,000",
            ("mental_health", "budget"): "54,000",  # 3.85%, below the allocation's 4%
            ("mental_health", "forecast"): "52,000",
        },
    )
    paper = factories.paper(organisation=luton, blocks=["summary_of_spend"])

    printed = measures(paper)

    assert (
        "Mental health spend growth 3.85% against programme allocation growth 4.00%: the Mental "
        "Health Investment Standard is not met"
    ) in printed
    assert "QIPP as % of allocation: no QIPP plan submitted yet" in printed


def test_the_paper_prints_the_submitted_qipp_plan_not_the_one_being_amended(beds, blmk):
    qipp = Return.objects.get(organisation=beds, template__code="qipp")
    services.return_send_back(
        user=factories.ics_lead(blmk),
        ret=qipp,
        reason="Check the unidentified QIPP",
        submission_number=qipp.submission.number,
    )
    fill(
        user=factories.planning_lead(beds),
        ret=Return.objects.get(pk=qipp.pk),
        cells={("unidentified", "gross"): "90,000"},
    )
    paper = factories.paper(organisation=beds, blocks=["summary_of_spend"])

    assert measures(paper)[0].startswith("QIPP 29,441, 4.32% of allocation")


def test_performance_rates_are_printed_against_their_national_standard(blmk):
    trust = factories.organisation("RC1", name="Bedford Hospital", kind=Organisation.Kind.ACUTE)
    factories.membership(trust, blmk, role=Membership.Role.PROVIDER)
    factories.submitted_return(
        trust,
        "performance",
        {
            ("ae_within_4h", "q4"): "9,120",
            ("ae_attendances", "q4"): "10,000",
            ("dementia_diagnosed", "q4"): "1,334",
            ("dementia_prevalence", "q4"): "2,000",
        },
    )
    paper = factories.paper(organisation=trust, blocks=[Paper.Block.PERFORMANCE])

    rows = {row["label"]: row["text"] for row in paper_data(paper)["performance"]["rows"]}

    ae = next(label for label in rows if label.startswith("A&E"))
    assert rows[ae] == f"{ae}: 91.2% planned (Q4 2019/20) against the 95% standard"
    dementia = next(label for label in rows if label.startswith("Dementia"))
    assert rows[dementia] == f"{dementia}: 66.7% planned (Q4 2019/20) against the 66.7% standard"
    rtt = next(label for label in rows if label.startswith("Referral"))
    assert rows[rtt] == f"{rtt}: no plan given (Q4 2019/20) against the 92% standard"


def test_the_system_control_total_is_printed_with_its_split(beds, blmk, pdf_pages):
    trust = factories.organisation("RC1", name="Bedford Hospital", kind=Organisation.Kind.ACUTE)
    factories.membership(trust, blmk, role=Membership.Role.PROVIDER, share="0.5")
    factories.submitted_return(trust, "provider_finance", seed_figures.provider_finance_cells())
    finance, _ = build_system_plan(
        system=blmk, template=factories.template("finance"), stage="draft"
    )
    build_system_plan(system=blmk, template=factories.template("provider_finance"), stage="draft")
    paper = factories.paper(system=blmk, blocks=[Paper.Block.SYSTEM_PLAN])

    (summary,) = paper_data(paper)["system_plan"]

    total = summary["system_control_total"]
    partners = {p["name"]: p for p in total["partners"]}
    ccg = partners["NHS Bedfordshire CCG"]
    hospital = partners["Bedford Hospital"]
    assert ccg["role"] == "Commissioner" and hospital["role"] == "Provider"
    assert hospital["share"] == "50%"
    control = Decimal(hospital["control_total"].replace(",", "").strip("()"))
    counted = Decimal(hospital["weighted"].replace(",", "").strip("()"))
    assert counted == control / 2
    assert total["commissioners"] == ccg["weighted"] and total["providers"] == hospital["weighted"]
    assert total["text"] == (
        f"System control total {total['total']}: commissioners {total['commissioners']} + "
        f"providers {total['providers']}"
    )
    text = "\n".join(pdf_pages(factories.rendered(paper)))
    assert total["text"] in text and "Bedford Hospital Provider 50%" in text


def test_an_organisations_paper_prints_the_system_control_total_of_approved_plans_only(beds, blmk):
    trust = factories.organisation("RC1", name="Bedford Hospital", kind=Organisation.Kind.ACUTE)
    factories.membership(trust, blmk, role=Membership.Role.PROVIDER)
    factories.submitted_return(trust, "provider_finance", seed_figures.provider_finance_cells())
    finance, _ = build_system_plan(
        system=blmk, template=factories.template("finance"), stage="draft"
    )
    build_system_plan(system=blmk, template=factories.template("provider_finance"), stage="draft")
    factories.approve(finance, factories.ics_lead(blmk))
    paper = factories.paper(organisation=beds, blocks=[Paper.Block.SYSTEM_PLAN])

    (summary,) = paper_data(paper)["system_plan"]

    # The providers' plan is not approved: the CCG's readers may not read the trust's figures.
    assert "Bedford Hospital" not in str(summary)
    assert summary["system_control_total"]["providers"] == ""
    assert summary["system_control_total"]["text"].endswith(
        f"commissioners {summary['system_control_total']['commissioners']}"
    )


def test_the_system_control_total_block_works_against_the_contract(beds, blmk, monkeypatch):
    # system_control_total's contract: {"total", "commissioners", "providers", "partners"}.
    trust = Organisation(name="A Trust")
    calls = []

    def fake(*, system, round_, stage, plans=None, approved_only=False):
        calls.append((system, stage, approved_only))
        return {
            "total": Decimal("-1500"),
            "commissioners": Decimal("6100"),
            "providers": Decimal("-7600"),
            "partners": [
                {
                    "organisation": trust,
                    "role": "provider",
                    "share": Decimal("0.25"),
                    "control_total": Decimal("-30400"),
                    "weighted": Decimal("-7600"),
                    "template_code": "provider_finance",
                }
            ],
        }

    monkeypatch.setattr(blocks, "system_control_total", fake)
    build_system_plan(system=blmk, template=factories.template("finance"), stage="draft")
    paper = factories.paper(system=blmk, blocks=[Paper.Block.SYSTEM_PLAN])

    (summary,) = paper_data(paper)["system_plan"]

    assert calls == [(blmk, "draft", False)]
    total = summary["system_control_total"]
    assert total["text"] == "System control total (1,500): commissioners 6,100 + providers (7,600)"
    assert total["partners"] == [
        {
            "name": "A Trust",
            "role": "Provider",
            "share": "25%",
            "control_total": "(30,400)",
            "weighted": "(7,600)",
        }
    ]
