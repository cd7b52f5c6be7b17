"""A plan page's figures are rendered once per plan version and kept (`plans.views._figures_html`),
and never shown stale: a new version, an edited template, a new plan of another template its
measures read, last round's approved plan and the system's alignment threshold each show at once."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from planning.models import Line
from submissions.demo import seed_figures
from submissions.plans import selectors as plan_selectors
from tests import factories
from tests.factories import submitted_return as submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def without_tokens(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def page(client, lead, url):
    client.force_login(lead)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_view_of_the_same_version_does_not_work_its_figures_out_again(
    client, blmk, lead, built, plan_url, monkeypatch
):
    first = page(client, lead, plan_url())

    def not_again(*args, **kwargs):
        raise AssertionError("figures worked out again")

    monkeypatch.setattr(plan_selectors, "figures", not_again)
    monkeypatch.setattr(plan_selectors, "alignment", not_again)
    again = page(client, lead, plan_url())
    assert "94,810" in again
    assert without_tokens(again) == without_tokens(first)


def test_a_new_version_shows_its_own_figures(client, blmk, lead, built, plan_url):
    assert "94,810" in page(client, lead, plan_url())
    submitted(blmk.luton, "activity", {("gp_referrals", "fot"): "1,000"})
    blmk.build()
    html = page(client, lead, plan_url())
    assert "95,810" in html
    # An older version asked for by number still shows its own.
    assert "95,810" not in page(client, lead, plan_url() + "?version=1")


def test_an_edited_line_label_shows_at_once(client, blmk, lead, built, plan_url):
    assert ">GP referrals (general and acute)</a>" in page(client, lead, plan_url())
    Line.objects.filter(template=blmk.activity, code="gp_referrals").update(
        label="GP referrals (written)"
    )
    assert ">GP referrals (written)</a>" in page(client, lead, plan_url())


def test_the_providers_plan_follows_the_systems_alignment_threshold(client, blmk, lead, plan_url):
    # Commissioners 1,000; the hospital's 2,200 at half is 1,100: a 10% gap.
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1,000"})
    submitted(blmk.hospital, "activity", {("gp_referrals", "fot"): "2,200"})
    blmk.build()
    blmk.system.alignment_threshold = Decimal("5")
    blmk.system.save()

    def gp_row(html):
        table = html[html.index('data-testid="providers-beside"') :]
        start = table.index(">GP referrals")
        return table[start : table.index("</tr>", start)]

    assert "Gap" in gp_row(page(client, lead, plan_url()))
    blmk.system.alignment_threshold = Decimal("20")
    blmk.system.save()
    assert "Gap" not in gp_row(page(client, lead, plan_url()))


def test_last_rounds_approval_and_its_withdrawal_show_at_once(client, blmk, lead, plan_url):
    from submissions.plans import services as plan_services

    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1,000"})
    last_round, _ = blmk.build()
    submitted(blmk.beds, "activity", {("gp_referrals", "fot"): "1,100"}, financial_year=2020)
    blmk.build(template=factories.template("activity", financial_year=2020))
    assert "last round (approved)" not in page(client, lead, plan_url(year=2020))

    factories.approve(last_round, lead)
    assert "last round (approved)" in page(client, lead, plan_url(year=2020))

    plan_services.plan_withdraw_approval(user=lead, plan=last_round, reason="Figures wrong")
    assert "last round (approved)" not in page(client, lead, plan_url(year=2020))


def test_a_measure_reads_the_newest_plan_of_the_template_it_refers_to(client, blmk, lead, plan_url):
    submitted(blmk.beds, "qipp", seed_figures.qipp_cells())
    submitted(blmk.beds, "finance", seed_figures.finance_cells())
    blmk.build(template=factories.template("finance"))
    html = page(client, lead, plan_url(template="finance"))
    assert "Measures that refer to the QIPP plan are blank" in html

    blmk.build(template=factories.template("qipp"))  # no new finance version
    html = page(client, lead, plan_url(template="finance"))
    assert "Measures that refer to the QIPP plan read its newest version, version 1." in html
    start = html.index(">QIPP gross savings as % of total allocation</a>")
    row = html[start : html.index("</tr>", start)]
    assert ">4.3<" in row  # 29,441 of 681,172
