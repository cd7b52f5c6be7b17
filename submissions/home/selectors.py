"""What each person has to do in the current round, for their home page: a fixed number of
queries per list, whatever the number of organisations, returns or systems."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery

from planning.models import Organisation, Role, System, Template
from planning.rules import led_system_ids, organisation_ids
from planning.selectors import memberships_for_round
from submissions.models import Paper, PaperRender, Query, Return, SystemPlan
from submissions.plans.selectors import alignment, newest_versions
from submissions.queries.selectors import open_queries_for, query_url, where
from submissions.returns.deadlines import DueDates

DONE = (Return.Status.SUBMITTED, Return.Status.ACCEPTED)


@dataclass
class Task:
    """One return an organisation completes in the round (a template at a stage), as it stands."""

    organisation: Organisation
    template: Template
    stage: str
    ret: Return | None
    due: object  # planning.selectors.Deadline or None
    today: object
    open_queries: int = 0

    @property
    def status(self):
        return self.ret.status if self.ret else "not_started"

    @property
    def is_done(self):
        return self.status in DONE

    @property
    def days_left(self):
        return None if self.due is None else (self.due.last_day - self.today).days

    @property
    def days_late(self):
        return -self.days_left if self.days_left is not None else None

    @property
    def is_late(self):
        return not self.is_done and self.days_left is not None and self.days_left < 0

    @property
    def stage_label(self):
        return Return.Stage(self.stage).label

    def sort_key(self):
        due = self.due.last_day if self.due else None
        return (self.is_done, due is None, due, self.organisation.name, self.template.order)


def _tasks(*, organisations, round_, today):
    """Every return the organisations complete in the round, with its saved return (or None),
    its due date and its open queries, soonest due first and done last: four queries."""
    templates = list(Template.objects.filter(round=round_).order_by("order"))
    ids = [o.pk for o in organisations]
    returns = {
        (r.organisation_id, r.template_id, r.stage): r
        for r in Return.objects.filter(template__round=round_, organisation_id__in=ids)
        .select_related("updated_by")
        .annotate(open_queries=Count("queries", filter=~Q(queries__status=Query.Status.RESOLVED)))
    }
    due = DueDates(organisation_ids=ids, round_=round_)
    tasks = []
    for organisation in organisations:
        for template in templates:
            if not template.completed_by(organisation):
                continue
            for stage in Return.Stage.values:
                ret = returns.get((organisation.pk, template.pk, stage))
                tasks.append(
                    Task(
                        organisation=organisation,
                        template=template,
                        stage=stage,
                        ret=ret,
                        due=due.due(organisation.pk, template.kind, stage),
                        today=today,
                        open_queries=ret.open_queries if ret else 0,
                    )
                )
    return sorted(tasks, key=Task.sort_key)


def planning_lead_tasks(*, user, round_, today):
    """The returns of the organisations the user plans for: what is due, when, and what is back."""
    organisations = list(
        Organisation.objects.filter(pk__in=organisation_ids(user, Role.Kind.PLANNING_LEAD))
    )
    if not organisations or round_ is None:
        return []
    return _tasks(organisations=organisations, round_=round_, today=today)


@dataclass
class Review:
    """An ICS lead's work in one system: returns to review, partners behind, plans to approve,
    commissioners' and providers' activity out of line."""

    system: System
    waiting: list
    behind: list
    plans: list
    alignment_gaps: int | None = None
    alignment_plan: SystemPlan | None = None


def ics_lead_tasks(*, user, round_, today):
    """For each system the user leads: submitted returns waiting for review, partners' returns not
    started whose deadline is coming or late, the newest plan versions not yet approved, and how
    many activity lines are out of line between commissioners and providers."""
    systems = list(System.objects.filter(pk__in=led_system_ids(user)).order_by("name"))
    if not systems or round_ is None:
        return []
    members = defaultdict(list)
    organisations = {}
    for membership in (
        memberships_for_round(financial_year=round_.financial_year)
        .filter(system__in=systems)
        .select_related("organisation")
        .order_by("organisation__name")
    ):
        members[membership.system_id].append(membership.organisation)
        organisations[membership.organisation_id] = membership.organisation
    tasks = _tasks(organisations=list(organisations.values()), round_=round_, today=today)
    plans = _newest_unapproved_plans(systems, round_)
    reviews = []
    for system in systems:
        mine = {o.pk for o in members[system.pk]}
        own = [t for t in tasks if t.organisation.pk in mine]
        review = Review(
            system=system,
            waiting=[t for t in own if t.status == Return.Status.SUBMITTED],
            behind=[
                t
                for t in own
                if not t.is_done
                and t.due is not None
                and (t.is_late or (t.ret is None and t.days_left <= 14))
            ],
            plans=[p for p in plans if p.system_id == system.pk],
        )
        activity = next(
            (
                p
                for p in _newest_plans(system, round_)
                if p.template.kind == Template.Kind.ACTIVITY and p.included
            ),
            None,
        )
        if activity is not None:
            rows = alignment(plan=activity, threshold=system.alignment_threshold)
            review.alignment_gaps = sum(row["flagged"] for row in rows)
            review.alignment_plan = activity
        reviews.append(review)
    return reviews


def _newest_plans(system, round_):
    versions = SystemPlan.objects.filter(system=system, template__round=round_)
    return newest_versions(versions).select_related("template__round", "system")


def _newest_unapproved_plans(systems, round_):
    """The newest version of each of the systems' plans in the round, when it is not approved
    and has something in it: one query."""
    versions = SystemPlan.objects.filter(system__in=systems, template__round=round_)
    plans = (
        newest_versions(versions)
        .filter(approved_at__isnull=True)
        .select_related("template__round", "system")
        .order_by("template__order", "stage")
    )
    return [plan for plan in plans if plan.included]


def papers_to_read(*, user):
    """The papers of the organisations whose governing body the user sits on that have a PDF
    ready, newest meeting first, each with its newest ready version's number: one query."""
    orgs = organisation_ids(user, Role.Kind.GOVERNING_BODY_MEMBER)
    if not orgs:
        return []
    ready = PaperRender.objects.filter(
        paper=OuterRef("pk"), status=PaperRender.Status.READY
    ).order_by("-number")
    return list(
        Paper.objects.filter(organisation_id__in=orgs)
        .annotate(ready_number=Subquery(ready.values("number")[:1]))
        .filter(ready_number__isnull=False)
        .select_related("organisation", "round")
        .order_by("-meeting_date", "title")
    )


@dataclass
class Completeness:
    """One system's returns in a round: expected, submitted (or accepted), and how many late."""

    region: str
    system: System
    expected: int = 0
    submitted: int = 0
    in_progress: int = 0
    late: int = 0  # submitted after the deadline, or still not submitted after it

    @property
    def not_started(self):
        return self.expected - self.submitted - self.in_progress

    @property
    def percent(self):
        return round(100 * self.submitted / self.expected) if self.expected else None


def national_completeness(*, round_, today):
    """Every system's completeness in the round, by region: each member organisation's returns of
    the templates it completes, at both stages, counted in every system it belongs to. Six
    queries whatever the number of systems."""
    if round_ is None:
        return []
    templates = list(Template.objects.filter(round=round_))
    memberships = list(
        memberships_for_round(financial_year=round_.financial_year).select_related(
            "organisation", "system__region"
        )
    )
    statuses = {
        (organisation_id, template_id, stage): (status, is_late)
        for organisation_id, template_id, stage, status, is_late in Return.objects.filter(
            template__round=round_
        ).values_list("organisation_id", "template_id", "stage", "status", "is_late")
    }
    due = DueDates(organisation_ids={m.organisation_id for m in memberships}, round_=round_)
    rows = {}
    for membership in memberships:
        row = rows.setdefault(
            membership.system_id, Completeness(membership.system.region.name, membership.system)
        )
        for template in templates:
            if not template.completed_by(membership.organisation):
                continue
            for stage in Return.Stage.values:
                row.expected += 1
                status, is_late = statuses.get(
                    (membership.organisation_id, template.pk, stage), (None, False)
                )
                if status in DONE:
                    row.submitted += 1
                    row.late += is_late
                    continue
                row.in_progress += status is not None
                deadline = due.due(membership.organisation_id, template.kind, stage)
                row.late += deadline is not None and deadline.last_day < today
    return sorted(rows.values(), key=lambda r: (r.region, r.system.name))


def queries_to_act_on(*, user):
    """The queries waiting for the user, oldest first, each with its page and the figure it is
    about (`queries.selectors.open_queries_for`): one query."""
    return [
        {"query": q, "url": query_url(q.ret, q.pk), "where": where(q)}
        for q in open_queries_for(user)
    ]
