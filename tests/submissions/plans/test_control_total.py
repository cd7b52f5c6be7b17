"""The system control total: commissioners' plus providers' control totals, each partner's
share-weighted, on the finance plans' pages and in their CSV, JSON and Excel exports."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from planning.models import Membership, Organisation
from submissions.demo.returns import fill
from submissions.models import Return
from submissions.plans import selectors as plan_selectors
from submissions.returns import services as return_services
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


def ccg_finance(surplus):
    """A CCG finance return whose in-year surplus, and so cumulative surplus (its control total,
    nothing brought forward), is `surplus` (£000)."""
    return {("core_programme", "budget"): "10,000", ("acute", "budget"): f"{10000 - surplus:,}"}


def provider_finance(control_total):
    return {("income_ccg", "plan"): "50,000", ("control_total", "plan"): f"{control_total:,}"}


def build(blmk, code):
    plan, _ = blmk.build(template=factories.template(code))
    return plan


def control_total_of(blmk, stage="draft", **options):
    round_ = factories.planning_round(2019)
    return plan_selectors.system_control_total(
        system=blmk.system, round_=round_, stage=stage, **options
    )


@pytest.fixture
def both(blmk):
    """Bedfordshire (control total 6,100) and Luton (100), commissioners at whole shares, and
    Bedford Hospital (control total -2,000, a deficit), a provider counted at half, all submitted;
    the finance and provider finance plans built."""
    submitted(blmk.beds, "finance", ccg_finance(6100))
    submitted(blmk.luton, "finance", ccg_finance(100))
    submitted(blmk.hospital, "provider_finance", provider_finance(-2000))
    return build(blmk, "finance"), build(blmk, "provider_finance")


def test_system_control_total_is_commissioners_plus_providers_share_weighted(blmk, both):
    control = control_total_of(blmk)

    assert control["commissioners"] == Decimal("6200")
    assert control["providers"] == Decimal("-1000")  # -2,000 counted at half
    assert control["total"] == Decimal("5200")
    partners = {p["organisation"].ods_code: p for p in control["partners"]}
    assert partners["RC1"]["role"] == "provider" and partners["06F"]["role"] == "commissioner"
    assert partners["RC1"]["control_total"] == Decimal("-2000")
    assert partners["RC1"]["weighted"] == Decimal("-1000")
    assert partners["RC1"]["share"] == Decimal("0.5")
    assert partners["RC1"]["template_code"] == "provider_finance"
    assert [p["organisation"].name for p in control["partners"]] == [
        "NHS Bedfordshire CCG",
        "NHS Luton CCG",
        "Bedford Hospital",
    ]
    assert control["missing"] == []


def test_a_provider_at_half_share_counts_half_its_control_total(blmk):
    submitted(blmk.hospital, "provider_finance", provider_finance(3001))
    build(blmk, "provider_finance")

    control = control_total_of(blmk)

    (hospital,) = [p for p in control["partners"] if p["role"] == "provider"]
    assert hospital["control_total"] == Decimal("3001")
    assert hospital["weighted"] == Decimal("1500.5")
    assert control["providers"] == Decimal("1500.5")


def test_a_partner_with_no_submission_leaves_its_part_blank_and_is_named(
    client, blmk, lead, plan_url
):
    submitted(blmk.beds, "finance", ccg_finance(6100))
    build(blmk, "finance")  # no provider has submitted: no provider finance plan is built

    control = control_total_of(blmk)

    assert control["providers"] is None  # blank, not 0
    assert control["commissioners"] == Decimal("6100") and control["total"] == Decimal("6100")
    missing = {p["organisation"].ods_code for p in control["missing"]}
    assert missing == {"06P", "RC1"}
    client.force_login(lead)
    html = client.get(plan_url(template="finance")).content.decode()
    assert "providers (no figure) = system 6,100" in html
    callout = html[html.index('data-testid="control-total-missing"') :]
    assert "NHS Luton CCG has not submitted its finance plan" in callout
    assert "Bedford Hospital has not submitted its provider finance plan" in callout


def test_a_submission_that_leaves_the_control_total_blank_is_named_not_counted_as_zero(blmk):
    submitted(blmk.beds, "finance", ccg_finance(6100))
    submitted(blmk.hospital, "provider_finance", {("income_ccg", "plan"): "50,000"})
    build(blmk, "finance")
    build(blmk, "provider_finance")

    control = control_total_of(blmk)

    assert control["providers"] is None and control["total"] == Decimal("6100")
    hospital = next(p for p in control["missing"] if p["organisation"] == blmk.hospital)
    assert hospital["included"] and hospital["weighted"] is None


def test_an_organisation_with_both_roles_counts_in_both_parts(blmk):
    """A trust counted in the system as a commissioner that sends a provider finance plan: its
    control total is a provider's, and the providers' part keeps every provider (the provider
    finance plan's own totals are its commissioners' only, which must not be what counts)."""
    trust = factories.organisation("RY4", name="Community Trust", kind=Organisation.Kind.COMMUNITY)
    factories.membership(trust, blmk.system, role=Membership.Role.COMMISSIONER, share="1")
    submitted(blmk.beds, "finance", ccg_finance(6100))
    submitted(trust, "provider_finance", provider_finance(400))
    submitted(blmk.hospital, "provider_finance", provider_finance(-2000))
    build(blmk, "finance")
    provider_plan = build(blmk, "provider_finance")

    control = control_total_of(blmk)

    # The plan's population is its commissioners (the trust alone): not the providers' part.
    assert plan_selectors.plan_typed_values(provider_plan)[("control_total", "plan")] == 400
    assert control["providers"] == Decimal("-600")  # 400 + half of -2,000
    roles = {p["organisation"].ods_code: p["role"] for p in control["partners"]}
    assert roles["RY4"] == "provider"
    assert control["total"] == Decimal("5500")


def test_an_organisation_sending_both_finance_plans_counts_in_both_parts(blmk):
    template = factories.template("provider_finance")
    template.organisation_kinds = [*template.organisation_kinds, Organisation.Kind.CCG]
    template.save()
    submitted(blmk.beds, "finance", ccg_finance(6100))
    submitted(blmk.beds, "provider_finance", provider_finance(-300))
    build(blmk, "finance")
    build(blmk, "provider_finance")

    control = control_total_of(blmk)

    beds = [p for p in control["partners"] if p["organisation"] == blmk.beds]
    assert {(p["role"], p["weighted"]) for p in beds} == {
        ("commissioner", Decimal("6100")),
        ("provider", Decimal("-300")),
    }
    assert control["total"] == Decimal("5800")


def test_an_approved_version_reads_its_own_figures_after_a_partner_resubmits(
    client, blmk, lead, both, plan_url
):
    finance_v1, _ = both
    factories.approve(finance_v1, lead)
    ret = Return.objects.get(organisation=blmk.beds, template__code="finance", stage="draft")
    return_services.return_send_back(
        user=lead, ret=ret, reason="Check the surplus", submission_number=1
    )
    ret.refresh_from_db()
    beds_lead = factories.planning_lead(blmk.beds)
    fill(user=beds_lead, ret=ret, cells=ccg_finance(7100), explain=lambda w: "Explained")
    return_services.return_submit(user=beds_lead, ret=Return.objects.get(pk=ret.pk))
    finance_v2 = build(blmk, "finance")
    assert finance_v2.version == 2

    newest = control_total_of(blmk)
    approved = control_total_of(blmk, approved_only=True)
    shown = control_total_of(blmk, plans={finance_v1.template_id: finance_v1})

    assert newest["commissioners"] == Decimal("7200")
    assert approved["commissioners"] == shown["commissioners"] == Decimal("6200")
    assert approved["providers"] is None  # the provider plan has no approved version
    client.force_login(lead)
    html = client.get(plan_url(template="finance") + "?version=1").content.decode()
    assert "Commissioners 6,200 + providers -1,000 = system 5,200" in html
    html = client.get(plan_url(template="finance")).content.decode()
    assert "Commissioners 7,200 + providers -1,000 = system 6,200" in html


def test_plan_page_shows_the_split_and_each_partner_escaped(client, blmk, lead, both, plan_url):
    blmk.hospital.name = "<b>Bedford</b> Hospital"
    blmk.hospital.save()
    client.force_login(lead)

    for template in ("finance", "provider_finance"):
        html = client.get(plan_url(template=template)).content.decode()
        assert "Commissioners 6,200 + providers -1,000 = system 5,200" in html
        table = html[html.index('data-testid="control-total"') :]
        row = table[table.index('data-ods="RC1"') :]
        row = row[: row.index("</tr>")]
        assert "&lt;b&gt;Bedford&lt;/b&gt; Hospital" in row and "<b>" not in row
        assert ">Provider<" in row and ">50%<" in row and ">-2,000<" in row and ">-1,000<" in row
        assert "finance plan, version 1 (not yet approved)" in html


def test_activity_plan_page_has_no_control_total(client, blmk, lead, built, plan_url):
    client.force_login(lead)
    html = client.get(plan_url()).content.decode()
    assert 'data-testid="control-total"' not in html


def test_csv_export_carries_the_control_total_split(client, blmk, lead, both, plan_url):
    client.force_login(lead)
    text = client.get(plan_url("submissions:plan_csv", template="finance")).content.decode()
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["section"] == "system_control_total"]
    weighted = {r["line_code"]: r["value"] for r in rows if r["column_code"] == "weighted"}
    assert Decimal(weighted["commissioners"]) == 6200
    assert Decimal(weighted["providers"]) == -1000
    assert Decimal(weighted["system"]) == 5200
    assert Decimal(weighted["RC1"]) == -1000
    hospital = {r["column_code"]: r for r in rows if r["line_code"] == "RC1"}
    assert hospital["share"]["value"] == "50"
    assert Decimal(hospital["control_total"]["value"]) == -2000
    assert hospital["control_total"]["template"] == "provider_finance"


def test_csv_export_neutralises_a_partner_name_that_starts_a_formula(
    client, blmk, lead, both, plan_url
):
    blmk.hospital.name = "=HYPERLINK(1)"
    blmk.hospital.save()
    client.force_login(lead)
    text = client.get(plan_url("submissions:plan_csv", template="finance")).content.decode()
    assert "'=HYPERLINK(1) (provider)" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_json_export_carries_the_control_total_split(client, blmk, lead, both, plan_url):
    client.force_login(lead)
    body = client.get(plan_url("submissions:plan_json", template="provider_finance")).json()
    control = body["control_total"]
    assert Decimal(control["commissioners"]) == 6200
    assert Decimal(control["providers"]) == -1000
    assert Decimal(control["total"]) == 5200
    hospital = next(p for p in control["partners"] if p["ods_code"] == "RC1")
    assert hospital["role"] == "provider" and Decimal(hospital["share"]) == Decimal("0.5")
    assert Decimal(hospital["control_total"]) == -2000 and Decimal(hospital["weighted"]) == -1000
    assert [p["template"] for p in control["plans"]] == ["finance", "provider_finance"]


def test_json_export_keeps_a_missing_part_blank(client, blmk, lead, plan_url):
    submitted(blmk.beds, "finance", ccg_finance(6100))
    build(blmk, "finance")
    client.force_login(lead)
    control = client.get(plan_url("submissions:plan_json", template="finance")).json()[
        "control_total"
    ]
    assert control["providers"] is None and Decimal(control["total"]) == 6100
    assert "Bedford Hospital has not submitted its provider finance plan" in control["missing"]


def test_excel_export_carries_the_control_total_split(client, blmk, lead, both, plan_url):
    client.force_login(lead)
    response = client.get(plan_url("submissions:plan_xlsx", template="finance"))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Control total"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert rows["Commissioners, share-weighted"][0] == 6200
    assert rows["Providers, share-weighted"][0] == -1000
    assert rows["System control total"][0] == 5200
    assert rows["Bedford Hospital"][:5] == ("RC1", "provider", 0.5, -2000, -1000)  # 50%


def test_plan_page_queries_do_not_grow_with_partners(
    client, blmk, lead, plan_url, django_assert_max_num_queries
):
    def add_partners(count, start):
        """`count` more CCGs and trusts (at half), each submitted; both plans built again."""
        for n in range(start, start + count):
            ccg = factories.organisation(f"C{n:02d}", name=f"CCG {n}")
            factories.membership(ccg, blmk.system)
            submitted(ccg, "finance", ccg_finance(n))
            trust = factories.organisation(
                f"T{n:02d}", name=f"Trust {n}", kind=Organisation.Kind.ACUTE
            )
            factories.membership(trust, blmk.system, role=Membership.Role.PROVIDER, share="0.5")
            submitted(trust, "provider_finance", provider_finance(n))
        build(blmk, "finance")
        build(blmk, "provider_finance")

    client.force_login(lead)
    add_partners(2, 1)  # 2 CCGs and 2 trusts submitted
    client.get(plan_url(template="finance"))  # sessions and caches warmed up
    with CaptureQueriesContext(connection) as two:
        assert client.get(plan_url(template="finance")).status_code == 200
    add_partners(4, 10)  # 6 of each
    with django_assert_max_num_queries(len(two)):
        html = client.get(plan_url(template="finance")).content.decode()
    assert "Trust 13" in html and "CCG 13" in html
