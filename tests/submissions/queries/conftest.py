"""Shared setup for the query tests: BLMK with Bedfordshire and Luton, Bedfordshire's submitted
draft activity return (in a built plan), their planning leads and BLMK's ICS lead."""

import pytest
from django.urls import reverse

from submissions.models import Query
from submissions.plans import services as plan_services
from submissions.queries import services
from tests import factories


@pytest.fixture
def templates():
    return factories.templates()


@pytest.fixture
def submitted(blmk, beds, beds_lead):
    """Bedfordshire's draft activity return, submitted, in version 1 of BLMK's activity plan."""
    ret = factories.submitted_return(
        beds, "activity", {("gp_referrals", "fot"): "94,810"}, lead=beds_lead
    )
    plan_services.build_system_plan(system=blmk, template=ret.template, stage="draft")
    return ret


@pytest.fixture
def raise_query(ics_lead, submitted):
    """Raise a query as BLMK's ICS lead (on GP referrals' forecast outturn unless told)."""

    def raise_(line="gp_referrals", column="fot", text="Why did GP referrals rise?", user=None):
        return services.query_raise(
            user=user or ics_lead,
            ret=submitted,
            line_code=line,
            column_code=column,
            text=text,
        )

    return raise_


@pytest.fixture
def query_url():
    """A URL of a query page of Bedfordshire's draft activity return."""

    def url(query=None, name="submissions:query", ods="06F"):
        pk = query.pk if isinstance(query, Query) else query
        args = [2019, ods, "activity", "draft"]
        return reverse(name, args=args if pk is None else [*args, pk])

    return url
