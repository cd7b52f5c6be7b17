"""Reads for returns, always scoped to the person asking: an organisation they may not read is a 404."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404

from planning.formulas import Formula
from planning.models import Milestone, Organisation, Role, Template
from planning.rules import organisation_ids
from planning.selectors import memberships_for_round, round_get, sees_every_system

from .calculation import TemplateGrid
from .checks import check_computed, check_rules
from .models import Change, Explanation, NarrativeAnswer, Return, Value
from .rules import _led_organisation_ids, can


def organisations_readable_by(*, user, financial_year):
    if sees_every_system(user):
        return Organisation.objects.all()
    ids = organisation_ids(user, Role.Kind.PLANNING_LEAD) | _led_organisation_ids(
        user, financial_year
    )
    return Organisation.objects.filter(pk__in=ids)


def return_for_reader(*, user, financial_year, ods_code, template_code, stage):
    """The return (saved, or new and unsaved) if the user may read it, else 404."""
    round_ = round_get(financial_year=financial_year)
    organisation = (
        organisations_readable_by(user=user, financial_year=financial_year)
        .filter(ods_code__iexact=ods_code)
        .first()
    )
    template = Template.objects.filter(round=round_, code=template_code).first()
    if (
        organisation is None
        or template is None
        or stage not in Return.Stage.values
        or not template.completed_by(organisation)
    ):
        raise Http404("No such return.")
    ret = (
        Return.objects.filter(organisation=organisation, template=template, stage=stage)
        .select_related("organisation", "template__round", "submitted_by", "decided_by")
        .first()
    ) or Return(organisation=organisation, template=template, stage=stage)
    if not can(user, "submissions.view_return", ret):
        raise Http404("No such return.")
    return ret


def typed_values(ret):
    """{(line code, column code): Decimal} of a saved return; empty for a new one."""
    if ret.pk is None:
        return {}
    rows = Value.objects.filter(ret=ret).values_list("line__code", "column__code", "value")
    return {(line, column): value for line, column, value in rows}


def answers(ret):
    if ret.pk is None:
        return {}
    return dict(NarrativeAnswer.objects.filter(ret=ret).values_list("line__code", "text"))


def explanations(ret):
    if ret.pk is None:
        return {}
    return dict(Explanation.objects.filter(ret=ret).values_list("key", "text"))


@dataclass
class Evaluation:
    grid: TemplateGrid
    typed: dict
    values: dict
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def evaluate(ret, *, grid=None, typed=None):
    """Compute a return's totals and run its checks; other templates a rule needs are read too."""
    grid = grid or TemplateGrid.for_template(ret.template)
    typed = typed_values(ret) if typed is None else typed
    values = grid.compute(typed)
    messages = check_rules(grid, values, _other_templates_values(ret, grid))
    return Evaluation(
        grid=grid,
        typed=typed,
        values=values,
        errors=check_computed(grid, values) + [m for m in messages if m.is_error],
        warnings=[m for m in messages if not m.is_error],
    )


def _other_templates_values(ret, grid):
    codes = {
        name.partition(":")[0]
        for rule in grid.template.rules
        for name in Formula(rule["require"]).names
        if ":" in name
    }
    result = {}
    for code in codes:
        other = Return.objects.filter(
            organisation=ret.organisation,
            template__round_id=ret.template.round_id,
            template__code=code,
            stage=ret.stage,
        ).first()
        if other is not None:
            result[code] = TemplateGrid.for_template(other.template).compute(typed_values(other))
    return result


def submission_deadline(*, ret):
    """The milestone a return is due by: a submission deadline of its stage for organisations,
    national or local to one of its systems, for its kind of template if there is one."""
    round_ = ret.template.round
    systems = memberships_for_round(financial_year=round_.financial_year).filter(
        organisation=ret.organisation
    )
    candidates = Milestone.objects.filter(
        round=round_,
        kind=Milestone.Kind.SUBMISSION,
        stage=ret.stage,
        level__in=[Milestone.Level.ORGANISATION, Milestone.Level.BOTH],
    ).filter(Q(system__isnull=True) | Q(system__in=systems.values("system_id")))
    specific = candidates.filter(template_kind=ret.template.kind).order_by("-date").first()
    return specific or candidates.filter(template_kind="").order_by("-date").first()


def changes_since(ret, version):
    """What others saved after `version`, oldest first, for a refused stale save."""
    return list(
        Change.objects.filter(ret=ret, version__gt=version)
        .select_related("user", "line", "column")
        .order_by("version", "id")
    )


def history(ret):
    if ret.pk is None:
        return Change.objects.none()
    return Change.objects.filter(ret=ret).select_related("user", "line", "column")


def returns_for_organisations(*, organisations, round_):
    """{(organisation id, template id, stage): Return} for a list page, in one query."""
    rows = Return.objects.filter(organisation__in=organisations, template__round=round_)
    return {(r.organisation_id, r.template_id, r.stage): r for r in rows}


def returned_for_attention(*, user):
    """Returns sent back to the user's organisations, with the reason, for their home page."""
    return (
        Return.objects.filter(
            organisation_id__in=organisation_ids(user, Role.Kind.PLANNING_LEAD),
            status=Return.Status.RETURNED,
        )
        .select_related("organisation", "template__round", "decided_by")
        .order_by("-decided_at")
    )
