"""What is shown adds up, or says it is rounded: one-third shares, half shares, share percentages."""

from decimal import Decimal

import pytest

from planning.forms import MembershipForm
from submissions.plans import selectors as plan_selectors
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


def third_of(organisation, system):
    form = MembershipForm(
        data={
            "organisation": organisation.pk,
            "system": system.pk,
            "role": "commissioner",
            "share": "1/3",
            "first_year": 2019,
        }
    )
    assert form.is_valid(), form.errors
    return form.save()


def test_three_thirds_add_up_to_the_whole_and_the_drill_down_says_its_figures_are_rounded(
    client, blmk, lead, plan_url
):
    for n in range(3):
        ccg = factories.organisation(f"T{n}", name=f"Third CCG {n}")
        third_of(ccg, blmk.system)
        submitted(ccg, "activity", {("gp_referrals", "fot"): "1,000"})
    plan, _ = blmk.build()
    total = plan_selectors.plan_typed_values(plan)[("gp_referrals", "fot")]
    assert abs(total - 1000) < Decimal("0.00001")

    client.force_login(lead)
    page = client.get(plan_url("submissions:plan_line", "gp_referrals")).content.decode()
    assert page.count(">333<") == 6 and ">1,000<" in page  # forecast outturn and annual plan
    assert 'data-testid="rounded"' in page  # 333 + 333 + 333 is not 1,000, and the page says so
    assert "33.3%" in page and "33%<" not in page


def test_figures_that_add_up_as_shown_carry_no_rounding_note(client, blmk, lead, plan_url):
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1,000"})
    submitted(blmk.luton, "activity", {("gp_referrals", "fot"): "2,000"})
    blmk.build()
    client.force_login(lead)
    page = client.get(plan_url("submissions:plan_line", "gp_referrals")).content.decode()
    assert ">3,000<" in page and 'data-testid="rounded"' not in page


def test_a_share_shows_the_same_percentage_on_every_page(client, blmk, lead, plan_url):
    eighth = factories.organisation("E8", name="Eighth CCG")
    factories.membership(eighth, blmk.system, share="0.125")
    submitted(eighth, "activity", {("gp_referrals", "fot"): "800"})
    blmk.build()
    client.force_login(lead)
    plan_page = client.get(plan_url()).content.decode()
    line_page = client.get(plan_url("submissions:plan_line", "gp_referrals")).content.decode()
    assert "12.5%" in plan_page and "12.5%" in line_page
    assert "13%" not in plan_page + line_page and "12%" not in plan_page + line_page
