"""Demo returns: Bedfordshire CCG's 2019/20 finance, QIPP and activity returns from the seed plan,
submitted; Bedford Hospital's provider finance return (illustrative figures), submitted; Luton CCG's
finance return in progress; Milton Keynes CCG's activity return submitted late.
Created through the services, so they have a history like any return. Loading twice changes nothing."""

import datetime

from django.db import transaction
from django.utils import timezone

from planning.models import Organisation, Role, Template
from submissions.models import Return, Submission
from submissions.returns import services
from submissions.returns.selectors import evaluation_of

from . import seed_figures

EXPLANATIONS = {
    "gross_reasonableness": "Agreed at Governing Body: £29.4m (4.3%) is marginally above the 4% "
    "reasonableness level; £4m unidentified QIPP is being developed jointly with local providers.",
    "growth_against_last_year": "Growth jointly modelled with local hospitals from HRG-level "
    "2018/19 trends, adjusted for transformation schemes and policy changes.",
}


def fill(*, user, ret, cells, explain=None, submit=False):
    """Fill a return through the services as a planning lead would: save the typed cells, explain
    each warning with `explain(warning)`, and submit if asked. Used by the demo, tests and benchmarks."""
    ret = services.return_save(
        user=user,
        ret=ret,
        base_version=ret.version,
        raw_cells=cells,
        raw_answers={},
        raw_explanations={},
    )
    warnings = evaluation_of(ret).warnings if explain else []
    if warnings:
        ret = services.return_save(
            user=user,
            ret=ret,
            base_version=ret.version,
            raw_cells={},
            raw_answers={},
            raw_explanations={w.key: explain(w) for w in warnings},
        )
    return services.return_submit(user=user, ret=ret) if submit else ret


def _fill(user, organisation, template, cells, *, submit, submitted_on=None, late=False):
    if Return.objects.filter(organisation=organisation, template=template, stage="draft").exists():
        return
    ret = Return(organisation=organisation, template=template, stage=Return.Stage.DRAFT)
    ret = fill(
        user=user,
        ret=ret,
        cells=cells,
        explain=lambda warning: EXPLANATIONS[warning.key.partition(":")[0]],
        submit=submit,
    )
    if not submit:
        return
    # The demo replays 2019: date the submission as it happened, not as today.
    moment = timezone.make_aware(datetime.datetime.combine(submitted_on, datetime.time(16, 30)))
    Return.objects.filter(pk=ret.pk).update(submitted_at=moment, is_late=late)
    Submission.objects.filter(pk=ret.submission_id).update(submitted_at=moment, is_late=late)
    ret.changes.filter(kind="status").update(note="Late" if late else "")


@transaction.atomic
def load_demo_returns():
    templates = {t.code: t for t in Template.objects.filter(round__financial_year=2019)}
    users = {
        role.organisation.ods_code: role.user
        for role in Role.objects.filter(
            kind=Role.Kind.PLANNING_LEAD, organisation__ods_code__in=["06F", "06P", "04F", "RC1"]
        ).select_related("user", "organisation")
    }
    beds = Organisation.objects.get(ods_code="06F")
    planner = users["06F"]
    on_time = datetime.date(2019, 2, 11)
    _fill(
        planner,
        beds,
        templates["finance"],
        seed_figures.finance_cells(),
        submit=True,
        submitted_on=on_time,
    )
    _fill(
        planner,
        beds,
        templates["qipp"],
        seed_figures.qipp_cells(),
        submit=True,
        submitted_on=on_time,
    )
    _fill(
        planner,
        beds,
        templates["activity"],
        seed_figures.activity_cells(),
        submit=True,
        submitted_on=on_time,
    )

    # Bedford Hospital: an illustrative provider finance plan (invented figures that balance), so that
    # the BLMK system control total has a provider's control total beside the CCGs'.
    _fill(
        users["RC1"],
        Organisation.objects.get(ods_code="RC1"),
        templates["provider_finance"],
        seed_figures.provider_finance_cells(),
        submit=True,
        submitted_on=on_time,
    )

    luton = Organisation.objects.get(ods_code="06P")
    partial = {
        k: v for k, v in seed_figures.finance_cells().items() if k[0] in ("core_programme", "acute")
    }
    _fill(users["06P"], luton, templates["finance"], partial, submit=False)

    # Milton Keynes: the same table's outturn with no bridge yet, submitted after the deadline.
    mk = Organisation.objects.get(ods_code="04F")
    mk_cells = {
        k: v
        for k, v in seed_figures.activity_cells().items()
        if k[1] in ("fot", "last_year_growth")
    }
    _fill(
        users["04F"],
        mk,
        templates["activity"],
        mk_cells,
        submit=True,
        submitted_on=datetime.date(2019, 2, 20),
        late=True,
    )
