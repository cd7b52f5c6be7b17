"""Small factory functions for test data; each makes what a test names and sensible defaults."""

import datetime
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model

from planning.models import (
    Membership,
    Milestone,
    Organisation,
    Region,
    Role,
    Round,
    System,
    Template,
)
from submissions.demo.returns import fill
from submissions.models import Paper, Return

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def region(name=None):
    return Region.objects.get_or_create(name=name or f"Region {next(_seq)}")[0]


def system(code=None, **fields):
    n = next(_seq)
    fields.setdefault("name", f"System {code or n}")
    fields.setdefault("region", region())
    return System.objects.create(code=code or f"SYS{n}", **fields)


def organisation(ods_code=None, kind=Organisation.Kind.CCG, **fields):
    n = next(_seq)
    fields.setdefault("name", f"Organisation {ods_code or n}")
    return Organisation.objects.create(ods_code=ods_code or f"X{n:04d}", kind=kind, **fields)


def membership(org, sys, role=Membership.Role.COMMISSIONER, share="1", first_year=2019, **fields):
    return Membership.objects.create(
        organisation=org,
        system=sys,
        role=role,
        share=Decimal(share),
        first_year=first_year,
        **fields,
    )


def planning_round(financial_year=2019, **fields):
    return Round.objects.get_or_create(financial_year=financial_year, defaults=fields)[0]


def milestone(round_, date, title=None, system=None, kind=Milestone.Kind.OTHER, **fields):
    if isinstance(date, str):
        date = datetime.date.fromisoformat(date)
    return Milestone.objects.create(
        round=round_,
        system=system,
        date=date,
        title=title or f"Milestone {next(_seq)}",
        kind=kind,
        **fields,
    )


def user(username=None, role=None, organisation=None, system=None, **fields):
    """A user, with one role if `role` is given."""
    User = get_user_model()
    person = User.objects.create_user(
        username=username or f"user{next(_seq)}", password=PASSWORD, **fields
    )
    if role:
        Role.objects.create(user=person, kind=role, organisation=organisation, system=system)
    return person


def planning_lead(org, **fields):
    return user(role=Role.Kind.PLANNING_LEAD, organisation=org, **fields)


def ics_lead(sys, **fields):
    return user(role=Role.Kind.ICS_LEAD, system=sys, **fields)


def analyst(**fields):
    return user(role=Role.Kind.ANALYST, **fields)


def administrator(**fields):
    return user(role=Role.Kind.ADMINISTRATOR, **fields)


def governing_body_member(org, **fields):
    return user(role=Role.Kind.GOVERNING_BODY_MEMBER, organisation=org, **fields)


def submitted_return(org, template_code, cells, stage="draft", financial_year=2019):
    """A return saved and submitted through the services, as a planning lead would."""
    lead = planning_lead(org)
    template = Template.objects.get(round__financial_year=financial_year, code=template_code)
    return fill(
        user=lead,
        ret=Return(organisation=org, template=template, stage=stage),
        cells=cells,
        explain=lambda warning: "Explained",
        submit=True,
    )


def paper(organisation=None, system=None, financial_year=2019, **fields):
    """A Governing Body paper with a filled-in cover; name what the test cares about."""
    values = {
        "meeting_date": datetime.date(2019, 1, 16),
        "agenda_item": "7",
        "title": "Operational planning 2019/20",
        "author": "R Kendall",
        "presented_by": "S Hunter",
        "responsible_director": "S Hunter",
        "purpose": "An overview",
        "recommendation": "Note the report",
        **fields,
    }
    return Paper.objects.create(
        organisation=organisation,
        system=system,
        round=planning_round(financial_year),
        **values,
    )
