"""The demo's live round: the round being planned on the day the demo is loaded, made with the
rollover from the latest round before it, with its deadlines in the weeks after that day, so a
newcomer sees deadlines coming up, returns to do and reminders due.

The year: the financial year that starts in the April after the load day (loaded on 26 November
2026: the 2027/28 round). Its national deadlines are set from the load day (drafts in 7 and 10
days, finals in 3 and 5 weeks, a weekend moved to the Monday after); BLMK's partners have started, submitted, and one had its return
sent back for amendment; Dorset's have not started. 2019/20 and 2020/21 keep the seeds' figures
and dates.

Loading again on the same day changes nothing. Loading on a later day moves the live round's
deadlines to the same distances from that day and leaves its returns as they are; once the load
day has passed the April that starts its year, a new live round is rolled forward from it for the
next year and the old one is closed (kept for reference)."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from planning.models import Milestone, Organisation, Role, Round, System, Template
from planning.rollover import roll_round_forward
from submissions.models import Return
from submissions.returns import services

from . import seed_figures
from .returns import EXPLANATIONS, fill

SEED_YEARS = (2019, 2020)  # the rounds whose dates and figures come from the seed documents

K, L, S = Milestone.Kind, Milestone.Level, Milestone.Stage

# (days after the load day, title, kind, level, stage, the rolled-forward title it replaces)
NATIONAL = [
    (
        -21,
        "National planning guidance and technical information published",
        K.GUIDANCE,
        L.BOTH,
        "",
        "National guidance and supporting technical information published",
    ),
    (
        7,
        "Draft organisation operating plan submission",
        K.SUBMISSION,
        L.ORGANISATION,
        S.DRAFT,
        "Organisations and STP/ICS systems submit draft operational plans",
    ),
    (
        10,
        "Draft system operating plan and narrative submission",
        K.SUBMISSION,
        L.SYSTEM,
        S.DRAFT,
        None,
    ),
    (
        21,
        "Final organisation operating plan submission",
        K.SUBMISSION,
        L.ORGANISATION,
        S.FINAL,
        "Organisations and STP/ICS systems submit operational plans",
    ),
    (
        35,
        "Final system operating plan and narrative submission",
        K.SUBMISSION,
        L.SYSTEM,
        S.FINAL,
        None,
    ),
    (
        49,
        "Contracts agreed and signed with providers",
        K.CONTRACT,
        L.ORGANISATION,
        "",
        None,
    ),
]

# BLMK's own step, between the draft deadlines and the final ones.
BLMK_LOCAL = [
    (14, "Draft system plan to the BLMK Health and Care Partnership Board", K.MEETING, L.SYSTEM),
]

RETURNED_REASON = (
    "The bridge from forecast outturn to plan is missing: fill in the trend and transformation "
    "columns for each point of delivery, then submit again."
)


def on_a_weekday(today, days):
    """The day `days` after `today`, moved to the Monday after when it falls on a weekend."""
    date = today + datetime.timedelta(days=days)
    return date + datetime.timedelta(days=7 - date.weekday()) if date.weekday() >= 5 else date


def live_year(today):
    """The financial year planned on `today`: the one starting in the next April."""
    return today.year + 1 if today.month >= 4 else today.year


@transaction.atomic
def load_demo_live_round(*, today):
    """Make (or refresh) the live round for `today`; returns it."""
    year = live_year(today)
    live = Round.objects.filter(financial_year=year).first()
    if live is None:
        source = (
            Round.objects.filter(financial_year__lt=year, templates__isnull=False)
            .order_by("-financial_year")
            .first()
        )
        admin = get_user_model().objects.filter(username="admin").first()
        live = roll_round_forward(source, user=admin, financial_year=year)
        # An earlier live round is over: closed, kept for reference.
        Round.objects.filter(financial_year__gt=max(SEED_YEARS), financial_year__lt=year).update(
            is_open=False
        )
    _timetable(live, today)
    _returns(live)
    return live


def _timetable(live, today):
    for days, title, kind, level, stage, rolled_title in NATIONAL:
        milestone = (
            Milestone.objects.filter(round=live, system=None, title__in=[title, rolled_title])
            .order_by("pk")
            .first()
        ) or Milestone(round=live, system=None)
        _set(milestone, on_a_weekday(today, days), title, kind, level, stage)
    blmk = System.objects.get(code="BLMK")
    for days, title, kind, level in BLMK_LOCAL:
        milestone = Milestone.objects.filter(round=live, system=blmk, title=title).first()
        milestone = milestone or Milestone(round=live, system=blmk)
        _set(milestone, on_a_weekday(today, days), title, kind, level, "")


def _set(milestone, date, title, kind, level, stage):
    wanted = {
        "date": date,
        "end_date": None,
        "date_note": "",
        "title": title,
        "kind": kind,
        "level": level,
        "stage": stage,
        "template_kind": "",
    }
    if milestone.pk and all(getattr(milestone, k) == v for k, v in wanted.items()):
        return
    for key, value in wanted.items():
        setattr(milestone, key, value)
    milestone.save()


def _explain(warning):
    return EXPLANATIONS.get(
        warning.key.partition(":")[0], "Agreed with the ICS lead at the planning review meeting."
    )


def _returns(live):
    """BLMK's partners at work on the live round's drafts, each made once: Bedfordshire CCG has
    submitted its finance, QIPP and activity returns and Bedford Hospital its provider finance;
    Luton CCG has started its finance return; Milton Keynes CCG's activity return was sent back
    for amendment. Dorset's partners have not started."""
    templates = {t.code: t for t in Template.objects.filter(round=live)}
    leads = {
        role.organisation.ods_code: role.user
        for role in Role.objects.filter(
            kind=Role.Kind.PLANNING_LEAD, organisation__ods_code__in=["06F", "06P", "04F", "RC1"]
        ).select_related("user", "organisation")
    }
    organisations = {o.ods_code: o for o in Organisation.objects.filter(ods_code__in=leads)}
    partial_finance = {
        k: v for k, v in seed_figures.finance_cells().items() if k[0] in ("core_programme", "acute")
    }
    mk_activity = {
        k: v
        for k, v in seed_figures.activity_cells().items()
        if k[1] in ("fot", "last_year_growth")
    }
    work = [
        ("06F", "finance", seed_figures.finance_cells(), True),
        ("06F", "qipp", seed_figures.qipp_cells(), True),
        ("06F", "activity", seed_figures.activity_cells(), True),
        ("RC1", "provider_finance", seed_figures.provider_finance_cells(), True),
        ("06P", "finance", partial_finance, False),
        ("04F", "activity", mk_activity, True),
    ]
    for ods, code, cells, submit in work:
        organisation, template = organisations[ods], templates[code]
        if Return.objects.filter(
            organisation=organisation, template=template, stage=Return.Stage.DRAFT
        ).exists():
            continue
        ret = fill(
            user=leads[ods],
            ret=Return(organisation=organisation, template=template, stage=Return.Stage.DRAFT),
            cells=cells,
            explain=_explain,
            submit=submit,
        )
        if ods == "04F":
            services.return_send_back(
                user=Role.objects.get(kind=Role.Kind.ICS_LEAD, system__code="BLMK").user,
                ret=ret,
                reason=RETURNED_REASON,
                submission_number=ret.submission.number,
            )
