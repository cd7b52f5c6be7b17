"""The completeness matrix's filters and count summary, and its table in a scroll box of its own so
that the page fits a phone."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from submissions.models import Return
from submissions.plans.views import MATRIX_PARTNERS_PER_PAGE
from tests import factories

pytestmark = pytest.mark.django_db

MATRIX = reverse("submissions:completeness", args=["BLMK", 2019])


def summary(html):
    return re.search(r'data-testid="list-summary">([^<]*)<', html).group(1).strip()


def partners(html):
    return re.findall(r'data-ods="([^"]+)"', html)


def columns(html):
    head = html.split('data-testid="completeness"')[1].split("</thead>")[0]
    return re.findall(r'scope="col">([^<]+)<', head)[1:]


def get(client, query=""):
    response = client.get(MATRIX + query)
    assert response.status_code == 200
    return response.content.decode()


def test_filters_narrow_the_matrix_and_the_summary_counts_the_filtered_returns(
    client, lead, built, blmk
):
    Return.objects.create(
        organisation=blmk.luton, template=blmk.activity, stage="draft", is_late=False
    )
    client.force_login(lead)
    html = get(client)
    assert partners(html) == ["06F", "06P", "RC1"]
    assert re.fullmatch(r"1 of \d+ returns submitted, \d+ late", summary(html))
    assert "Clear filters" not in html

    html = get(client, "?template=activity")
    assert columns(html) == ["Activity plan"]
    assert summary(html) == "1 of 3 returns submitted, 0 late"
    assert '<option value="activity" selected>' in html
    assert '<input type="hidden" name="stage" value="draft">' in html
    assert 'href="?stage=draft"' in html and "Clear filters" in html

    html = get(client, "?template=activity&status=submitted")
    assert partners(html) == ["06F"] and summary(html) == "1 of 1 return submitted, 0 late"
    assert 'value="submitted" checked' in html

    html = get(client, "?template=activity&status=in_progress&status=not_started")
    assert partners(html) == ["06P", "RC1"] and summary(html) == "0 of 2 returns submitted, 0 late"

    html = get(client, "?organisation=06p&template=activity")
    assert partners(html) == ["06P"] and '<option value="06P" selected>' in html

    html = get(client, "?template=activity&late=yes")
    assert partners(html) == [] and "No returns match these filters." in html
    assert summary(html) == "0 of 0 returns submitted, 0 late"


def test_a_past_deadline_makes_unsubmitted_returns_late(client, lead, built, blmk):
    round_ = blmk.activity.round
    factories.milestone(round_, "2019-02-12", "Drafts", kind="submission", stage="draft")
    client.force_login(lead)
    html = get(client, "?template=activity&late=yes")
    assert partners(html) == ["06P", "RC1"]  # Bedfordshire submitted (on time, it is a test)
    assert summary(html) == "0 of 2 returns submitted, 2 late" and "Overdue" in html


def test_the_matrix_shows_only_the_systems_partners_and_systems_the_user_may_review(
    client, lead, built, blmk
):
    dorset = factories.system("DORSET", name="Dorset ICS")
    factories.membership(factories.organisation("11J", name="NHS Dorset CCG"), dorset)
    client.force_login(lead)
    html = get(client, "?organisation=11J&system=DORSET")
    assert partners(html) == ["06F", "06P", "RC1"]
    assert "11J" not in html and "Dorset" not in html and "Clear filters" not in html
    assert 'name="system"' not in html  # one system only: nothing to choose
    other = reverse("submissions:completeness", args=["DORSET", 2019])
    assert client.get(other + "?system=BLMK").status_code == 404

    client.force_login(factories.analyst())
    html = get(client, "?system=BLMK")  # the form sends the open system: not a filter
    assert '<option value="BLMK" selected>' in html and "Clear filters" not in html
    response = client.get(MATRIX + "?system=dorset&template=activity&organisation=06F&late=yes")
    assert response.status_code == 302
    assert response["Location"] == other + "?stage=draft&template=activity&late=yes"
    html = client.get(response["Location"]).content.decode()
    assert partners(html) == [] and '<option value="DORSET" selected>' in html
    assert '<option value="BLMK">' in html


def test_the_wide_matrix_scrolls_in_its_own_labelled_box(client, lead, built):
    client.force_login(lead)
    html = get(client)
    assert re.search(r'<link rel="stylesheet" href="[^"]*css/grid\.css', html)
    box = re.search(r'<div class="app-grid-scroll"[^>]*>\s*<table', html).group(0)
    assert 'role="region"' in box and 'aria-label="' in box and 'tabindex="0"' in box


def test_the_matrix_asks_as_many_queries_for_3_partners_as_for_12(client, lead, built, blmk):
    client.force_login(lead)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            html = get(client, "?late=yes")
        return len(partners(get(client))), len(captured), html

    get(client)  # the session and the user, read once
    three = queries()
    for _ in range(9):
        organisation = factories.organisation()
        factories.membership(organisation, blmk.system)
        Return.objects.create(organisation=organisation, template=blmk.activity, stage="draft")
    twelve = queries()
    assert (three[0], twelve[0]) == (3, 12)
    assert three[1] == twelve[1]


def test_a_long_matrix_comes_a_page_of_partners_at_a_time_keeping_the_filters(client, lead, blmk):
    for n in range(MATRIX_PARTNERS_PER_PAGE + 2):  # with Bedfordshire, Luton and the hospital
        factories.membership(
            factories.organisation(f"P{n:02}", name=f"Partner {n:02}"), blmk.system
        )
    client.force_login(lead)

    first = get(client, "?status=not_started")
    assert len(partners(first)) == MATRIX_PARTNERS_PER_PAGE
    second = get(client, "?status=not_started&page=2")
    assert len(partners(second)) == 5  # 30 partners: Bedfordshire, Luton, the hospital and 27
    assert summary(second) == summary(first)  # the summary counts every page
    assert not set(partners(first)) & set(partners(second))
    assert "status=not_started" in first.split('aria-label="Pages of returns"')[1]
    assert partners(get(client, "?status=not_started&page=99")) == partners(first)  # page 1


def test_the_other_stages_matrix_keeps_the_filters(client, lead, built):
    client.force_login(lead)
    html = get(client, "?template=activity&status=submitted")
    switch = html.split("Draft</strong>")[1].split("</p>")[0]
    assert "?stage=final&amp;template=activity&amp;status=submitted" in switch
    assert '?stage=final"' in get(client).split("Draft</strong>")[1].split("</p>")[0]
