"""The plan page: building now, the finance control total, changes since approval and the
comparison with last round's approved plan."""

import pytest

from submissions.demo import seed_figures
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


def test_plan_page_shows_changes_since_the_approved_version(client, blmk, lead, built, plan_url):
    factories.approve(built, lead)
    submitted(blmk.luton, "activity", {("gp_referrals", "fot"): "1,000"})
    blmk.build()
    client.force_login(lead)
    html = client.get(plan_url()).content.decode()
    assert 'data-testid="changes-since-approval"' in html
    assert "94,810" in html and "95,810" in html


def test_build_now_from_the_page_and_control_total_of_a_finance_plan(client, blmk, lead, plan_url):
    submitted(blmk.beds, "finance", seed_figures.finance_cells())
    submitted(
        blmk.luton,
        "finance",
        {("core_programme", "budget"): "1,000", ("acute", "budget"): "900"},
    )
    client.force_login(lead)
    response = client.post(plan_url("submissions:plan_build", template="finance"))
    assert response.status_code == 302
    html = client.get(plan_url(template="finance")).content.decode()
    control = html[html.index('data-testid="control-total"') :]
    # 6,100 from Bedfordshire and 100 from Luton: the system control total is their sum.
    assert "6,100" in control and ">100<" in control and "6,200" in control


def test_plan_compares_with_the_previous_rounds_approved_plan(client, blmk, lead, plan_url):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1,000"})
    factories.approve(blmk.build()[0], lead)
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1,100"}, financial_year=2020)
    blmk.build(template=factories.template("activity", financial_year=2020))
    client.force_login(lead)
    html = client.get(plan_url(year=2020)).content.decode()
    assert "last round (approved)" in html
    assert "10.0" in html  # 1,000 -> 1,100
