"""The people and objects the access matrix is checked against: two systems, three organisations,
one person in each role, and on each side a return, an upload, plans, a milestone and papers."""

import datetime
from dataclasses import dataclass

from django.core.files.base import ContentFile

from planning.models import Column, Extension
from submissions.models import Notification, PaperRender, Query, QueryMessage, Upload
from submissions.plans import services as plan_services
from tests import factories

from . import matrix

YEAR = 2019
ACTIVITY = {("gp_referrals", "fot"): "94,810"}


@dataclass(frozen=True)
class Target:
    """What fills in a URL: its keyword arguments, and values a row's query or data may name."""

    kwargs: dict
    values: dict


def build():
    """Make everything once; returns ({role: user}, {kind: {side: Target}})."""
    factories.templates()
    system_1 = factories.blmk()
    system_2 = factories.system("OTHER", name="Other ICS")
    org_a = factories.bedfordshire(in_system=system_1)
    org_b = factories.luton(in_system=system_1)
    org_c = factories.organisation("C0001", name="NHS Other CCG")
    factories.membership(org_c, system_2)

    users = {
        matrix.ANONYMOUS: None,
        matrix.LEAD_A: factories.planning_lead(org_a),
        matrix.LEAD_B: factories.planning_lead(org_b),
        matrix.LEAD_C: factories.planning_lead(org_c),
        matrix.ICS_1: factories.ics_lead(system_1),
        matrix.ICS_2: factories.ics_lead(system_2),
        matrix.GOVERNOR_A: factories.governing_body_member(org_a),
        matrix.ANALYST: factories.analyst(),
        # As the demo makes them: the Django admin is theirs too.
        matrix.ADMINISTRATOR: factories.administrator(is_staff=True, is_superuser=True),
    }
    own = _side(system_1, org_a, users[matrix.LEAD_A], users[matrix.ICS_1])
    foreign = _side(system_2, org_c, users[matrix.LEAD_C], users[matrix.ICS_2])
    kinds = {kind: {matrix.OWN: own[kind], matrix.FOREIGN: foreign[kind]} for kind in own}
    kinds["none"] = {matrix.ANY: Target({}, {})}
    kinds["round"] = {matrix.ANY: Target({"year": YEAR}, {})}
    # Organisation A's return named in the URL with organisation C's upload id.
    kinds["other_returns_upload"] = {
        matrix.OWN: Target({**own["upload"].kwargs, "pk": foreign["upload"].kwargs["pk"]}, {})
    }
    return users, kinds


def _side(system, org, lead, ics_lead):
    """One side's objects: `org`'s returns and papers, `system`'s plans and milestone."""
    submitted = factories.submitted_return(org, "activity", ACTIVITY, lead=lead)
    factories.submitted_return(org, "activity", ACTIVITY, stage="final", lead=lead)
    editable = factories.saved_return(org, "narrative", {}, lead=lead)
    upload = Upload.objects.create(
        ret=editable, user=lead, filename="narrative.xlsx", base_version=editable.version
    )
    activity = factories.template("activity")
    draft_plan, _ = plan_services.build_system_plan(system=system, template=activity, stage="draft")
    final_plan, _ = plan_services.build_system_plan(system=system, template=activity, stage="final")
    factories.approve(final_plan, ics_lead)
    milestone = factories.milestone(
        factories.planning_round(YEAR), "2019-02-01", title="Local review", system=system
    )
    extension = Extension.objects.create(
        milestone=milestone,
        organisation=org,
        until=datetime.date(2019, 2, 8),
        reason="Matrix",
        granted_by=ics_lead,
    )
    query = Query.objects.create(
        ret=submitted,
        submission=submitted.submission,
        line=activity.lines.get(code="gp_referrals"),
        column=Column.objects.get(section__template=activity, code="fot"),
        raised_by=ics_lead,
    )
    QueryMessage.objects.create(query=query, author=ics_lead, text="Why so many?")
    notification = Notification.objects.create(
        user=lead, kind="accepted", subject="Accepted", message="Accepted", link="/returns/"
    )
    paper = factories.paper(organisation=org)
    PaperRender.objects.create(
        paper=paper,
        number=1,
        status=PaperRender.Status.READY,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="paper.pdf"),
    )
    system_paper = factories.paper(system=system)

    code = {"code": system.code}
    system_round = {**code, "year": YEAR}
    ret = {"year": YEAR, "ods": org.ods_code, "template": "activity", "stage": "draft"}
    plan = {**system_round, "template": "activity", "stage": "draft"}
    return {
        "timetable": Target({"year": YEAR}, code),
        "system": Target(code, code),
        "system_round": Target(system_round, code),
        "milestone": Target({"pk": milestone.pk}, {}),
        "extension": Target({"pk": extension.pk}, {}),
        "notification": Target({"pk": notification.pk}, {}),
        "query": Target({**ret, "pk": query.pk}, {}),
        "return": Target(ret, {"submission": submitted.submission.number}),
        "return_pair": Target({k: ret[k] for k in ("year", "ods", "template")}, {}),
        "editable_return": Target({**ret, "template": "narrative"}, {"version": editable.version}),
        "upload": Target({**ret, "template": "narrative", "pk": upload.pk}, {}),
        "plan": Target(plan, {"version": draft_plan.version, "organisation": org.pk}),
        "plan_line": Target({**plan, "line": "gp_referrals"}, {}),
        "approved_plan": Target({**plan, "stage": "final"}, {"version": final_plan.version}),
        "new_paper": Target({}, {"ods": org.ods_code}),
        "new_system_paper": Target({}, code),
        "paper": Target({"pk": paper.pk}, {}),
        "paper_pdf": Target({"pk": paper.pk, "number": 1}, {}),
        "system_paper": Target({"pk": system_paper.pk}, {}),
    }
