"""The queries waiting for each person (`open_queries_for`, for the home page's task list) and the
page listing a system's open queries for its ICS lead."""

import pytest
from django.urls import reverse

from submissions.queries import services
from submissions.queries.selectors import open_queries_for
from tests import factories

pytestmark = pytest.mark.django_db

SYSTEM_QUERIES = reverse("submissions:system_queries", args=["BLMK", 2019])


def test_each_person_is_given_the_queries_waiting_for_them(
    raise_query, beds_lead, luton_lead, ics_lead
):
    first = raise_query()
    second = raise_query(column="plan")
    assert list(open_queries_for(beds_lead)) == [first, second]  # to answer
    assert list(open_queries_for(luton_lead)) == []
    assert list(open_queries_for(ics_lead)) == [first, second]  # raised, not yet answered

    services.query_answer(user=beds_lead, query=first, text="Because.")
    assert list(open_queries_for(beds_lead)) == [second]
    co_lead = factories.ics_lead(first.ret.organisation.memberships.get().system)
    assert list(open_queries_for(co_lead)) == [first]  # answered: for any of the system's leads
    assert list(open_queries_for(ics_lead)) == [first, second]

    services.query_resolve(user=ics_lead, query=first)
    assert list(open_queries_for(ics_lead)) == [second]
    assert list(open_queries_for(co_lead)) == []
    dorset_lead = factories.ics_lead(factories.system("DORSET"))
    assert list(open_queries_for(dorset_lead)) == []


def test_the_system_page_lists_its_open_queries_for_its_ics_lead(
    client, raise_query, ics_lead, beds_lead, query_url
):
    query = raise_query()
    resolved = raise_query(column="plan")
    services.query_resolve(user=ics_lead, query=resolved)
    client.force_login(ics_lead)
    page = client.get(SYSTEM_QUERIES).text
    assert 'data-testid="open-queries"' in page
    assert f'href="{query_url(query)}"' in page and f'href="{query_url(resolved)}"' not in page
    client.force_login(factories.analyst())
    assert client.get(SYSTEM_QUERIES).status_code == 200
    for stranger in (beds_lead, factories.ics_lead(factories.system("DORSET"))):
        client.force_login(stranger)
        assert client.get(SYSTEM_QUERIES).status_code == 404
