"""Small factory functions for test data; each makes what a test names and sensible defaults."""

import datetime
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.urls import reverse

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
from planning.template_loader import load_all
from submissions.demo.returns import fill
from submissions.models import Paper, Return
from submissions.papers.services import paper_render_now
from submissions.plans.selectors import plan_inputs, settled
from submissions.plans.services import plan_approve
from submissions.returns.selectors import grid_for_template

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


def templates():
    """Load every return template from planning/templates_data/ (both rounds); {code: 2019's}."""
    load_all()
    return {t.code: t for t in Template.objects.filter(round__financial_year=2019)}


def grids(financial_years=(2019, 2020)):
    """Load every template and build its grid: {year: {code: TemplateGrid}}. For module-scoped
    fixtures that load once, inside a transaction they roll back."""
    load_all()
    return {
        year: {
            t.code: grid_for_template(t)
            for t in Template.objects.filter(round__financial_year=year).select_related("round")
        }
        for year in financial_years
    }


def template(code, financial_year=2019):
    return Template.objects.select_related("round").get(
        round__financial_year=financial_year, code=code
    )


def blmk(**fields):
    """Bedfordshire, Luton and Milton Keynes, the seed documents' system."""
    return system("BLMK", name="BLMK ICS", **fields)


def bedfordshire(in_system=None, **fields):
    """NHS Bedfordshire CCG (06F), whose published 2019/20 plan is in seed_figures; a member of
    `in_system` when given."""
    org = organisation("06F", name="NHS Bedfordshire CCG", **fields)
    if in_system is not None:
        membership(org, in_system)
    return org


def luton(in_system=None, **fields):
    org = organisation("06P", name="NHS Luton CCG", **fields)
    if in_system is not None:
        membership(org, in_system)
    return org


def saved_return(org, template_code, cells, stage="draft", financial_year=2019, lead=None):
    """A draft return with `cells` saved through the services, as a planning lead would."""
    return fill(
        user=lead or planning_lead(org),
        ret=Return(organisation=org, template=template(template_code, financial_year), stage=stage),
        cells=cells,
    )


def submitted_return(org, template_code, cells, stage="draft", financial_year=2019, lead=None):
    """A return saved, each warning explained, and submitted through the services."""
    return fill(
        user=lead or planning_lead(org),
        ret=Return(organisation=org, template=template(template_code, financial_year), stage=stage),
        cells=cells,
        explain=lambda warning: "Explained",
        submit=True,
    )


def return_url(
    ods="06F",
    template_code="activity",
    stage="draft",
    view="submissions:return",
    financial_year=2019,
):
    """The URL of one of a return's pages (its data entry page unless `view` names another)."""
    return reverse(view, args=[financial_year, ods, template_code, stage])


def entry_form(cells, version, **extra):
    """What the data entry page posts: {(line, column): text} as its cell fields, and the version
    the page was loaded at."""
    data = {f"cell:{line}:{column}": value for (line, column), value in cells.items()}
    data["version"] = str(version)
    data.update(extra)
    return data


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


def rendered(paper):
    """The paper's next version rendered to PDF in this process; fails the test if it did not."""
    render = paper_render_now(paper=paper)
    assert render.status == "ready", render.error
    return render


def approve(plan, user, note="Approved without them for this test"):
    """Approve a plan version through the service, naming every partner without an accepted
    submission (as the confirmation page makes the lead do)."""
    now = plan_inputs(system=plan.system, template=plan.template, stage=plan.stage)
    unsettled = [i["organisation_id"] for i in now if not settled(i)]
    return plan_approve(user=user, plan=plan, exceptions=unsettled, note=note)
