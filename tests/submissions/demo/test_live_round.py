"""The demo's live round: next April's round rolled forward, deadlines in the weeks after the load
day, partners' returns at every stage, and what loading again on the same or a later day does."""

import datetime
import io
import logging

import pytest
from django.core.management import call_command

from planning.models import Column, Milestone, Round
from planning.selectors import round_current
from submissions.demo import load_demo
from submissions.demo.live_round import live_year, on_a_weekday
from submissions.management.commands.load_demo import quiet_task_logs
from submissions.models import Return
from submissions.returns.selectors import submission_deadline

pytestmark = pytest.mark.django_db

d = datetime.date
LOAD_DAY = d(2026, 11, 26)  # a Thursday


def deadlines(financial_year):
    return list(
        Milestone.objects.filter(
            round__financial_year=financial_year, kind=Milestone.Kind.SUBMISSION, system=None
        )
        .order_by("date")
        .values_list("date", "level", "stage")
    )


def budget_labels(financial_year):
    return set(
        Column.objects.filter(
            section__template__round__financial_year=financial_year,
            section__template__code="finance",
            code="budget",
            section__code="summary",
        ).values_list("label", flat=True)
    )


def statuses(financial_year):
    return set(
        Return.objects.filter(template__round__financial_year=financial_year).values_list(
            "organisation__ods_code", "template__code", "status"
        )
    )


def test_the_live_round_plans_next_aprils_year_with_deadlines_in_the_coming_weeks():
    load_demo(today=LOAD_DAY)

    live = Round.objects.get(financial_year=2027)
    assert live.is_open and round_current(today=LOAD_DAY) == live
    assert live.templates.count() == 7
    assert budget_labels(2027) == {"2027/28 budget"}
    assert deadlines(2027) == [
        (d(2026, 12, 3), "organisation", "draft"),  # in 7 days
        (d(2026, 12, 7), "system", "draft"),  # 10 days is a Sunday: the Monday after
        (d(2026, 12, 17), "organisation", "final"),  # 3 weeks
        (d(2026, 12, 31), "system", "final"),  # 5 weeks
    ]
    assert live.milestones.filter(system__code="BLMK").count() == 1


def test_the_live_round_has_returns_started_submitted_and_sent_back_and_2019_keeps_its_own():
    load_demo(today=LOAD_DAY)

    assert statuses(2027) == {
        ("06F", "finance", "submitted"),
        ("06F", "qipp", "submitted"),
        ("06F", "activity", "submitted"),
        ("RC1", "provider_finance", "submitted"),
        ("06P", "finance", "draft"),
        ("04F", "activity", "returned"),
    }
    live = Return.objects.filter(template__round__financial_year=2027)
    assert not live.filter(is_late=True).exists()
    assert "bridge" in live.get(organisation__ods_code="04F").returned_reason
    assert not live.filter(organisation__ods_code="11J").exists()  # Dorset: not started
    mk = live.get(organisation__ods_code="04F")
    assert submission_deadline(ret=mk).last_day == d(2026, 12, 3)
    # 2019/20 keeps the seeds' returns and dates.
    assert Return.objects.get(
        organisation__ods_code="04F", template__round__financial_year=2019
    ).is_late
    assert (d(2019, 4, 4), "organisation", "final") in deadlines(2019)


def test_loading_again_on_a_later_day_moves_the_deadlines_and_keeps_the_returns():
    load_demo(today=LOAD_DAY)
    before = statuses(2027)

    load_demo(today=d(2027, 1, 11))

    assert Round.objects.count() == 3
    assert [date for date, _, _ in deadlines(2027)] == [
        d(2027, 1, 18),
        d(2027, 1, 21),
        d(2027, 2, 1),
        d(2027, 2, 15),
    ]
    assert statuses(2027) == before


def test_after_april_the_next_years_live_round_is_rolled_forward_and_the_old_one_closed():
    load_demo(today=LOAD_DAY)

    load_demo(today=d(2027, 5, 3))

    old, new = Round.objects.get(financial_year=2027), Round.objects.get(financial_year=2028)
    assert not old.is_open and new.is_open
    assert round_current(today=d(2027, 5, 3)) == new
    assert budget_labels(2028) == {"2028/29 budget"}
    assert deadlines(2028)[0] == (d(2027, 5, 10), "organisation", "draft")
    assert len(statuses(2028)) == 6 and len(statuses(2027)) == 6
    assert Round.objects.get(financial_year=2020).is_open  # the seed rounds are left alone


def test_the_live_year_is_the_one_starting_in_the_next_april():
    assert live_year(d(2026, 11, 26)) == 2027
    assert live_year(d(2027, 3, 31)) == 2027
    assert live_year(d(2027, 4, 1)) == 2028
    assert on_a_weekday(d(2026, 11, 26), 9) == d(2026, 12, 7)  # Saturday to Monday


def test_the_command_shows_the_live_rounds_deadlines_and_no_task_logs(settings, caplog):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", stdout=out)

    assert f"Live round {Round.objects.order_by('-financial_year')[0].name}" in out.getvalue()
    assert "Draft organisation operating plan submission" in out.getvalue()
    caplog.clear()
    with caplog.at_level(logging.INFO), quiet_task_logs():
        logging.getLogger("celery.app.trace").info("Task build_system_plan_task succeeded")
        logging.getLogger("kombu.connection").warning("No hostname was supplied.")
    assert caplog.records == []
    with caplog.at_level(logging.INFO):
        logging.getLogger("celery.app.trace").info("after the load")
    assert [r.getMessage() for r in caplog.records] == ["after the load"]
