"""Rolling a round forward: next year's round with this year's templates and milestones, refused
(copying nothing) when it exists, from the service, the admin action and the command."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from planning import rollover
from planning.models import Column, Milestone, Round, Template
from planning.rollover import roll_round_forward, shift_date, shift_year_names
from planning.template_loader import check_cross_template_rules, data_files, load_file
from submissions.demo import seed_figures
from submissions.returns.selectors import computed_values, evaluation_of
from tests import factories

pytestmark = pytest.mark.django_db

d = datetime.date


@pytest.fixture
def round_2019():
    """The 2019/20 round with its templates loaded from their files, and no 2020/21 round."""
    templates = [load_file(path) for path in data_files(2019)]
    for template in templates:
        check_cross_template_rules(template)
    return Round.objects.get(financial_year=2019)


def _shape(template):
    """Everything the loader sets on a template, its sections, columns and lines, by code."""
    fields = ["code", "kind", "version", "organisation_kinds", "order", "control_total"]
    return {
        "template": {f: getattr(template, f) for f in fields},
        "sections": sorted(
            template.sections.values_list("code", "is_narrative", "headline", "order")
        ),
        "columns": sorted(
            Column.objects.filter(section__template=template).values_list(
                "section__code", "code", "unit", "formula", "allow_negative", "sums_lines", "order"
            )
        ),
        "lines": sorted(
            template.lines.values_list(
                "section__code",
                "code",
                "unit",
                "formula",
                "allow_negative",
                "standard",
                "order",
            )
        ),
        "rules": [{k: v for k, v in rule.items() if k != "message"} for rule in template.rules],
    }


def test_every_template_is_copied_into_the_next_round_with_its_whole_shape(round_2019):
    new = roll_round_forward(round_2019)

    assert new.financial_year == 2020 and new.is_open
    old = {t.code: t for t in round_2019.templates.all()}
    copies = {t.code: t for t in new.templates.all()}
    assert set(copies) == set(old) and len(copies) == 7
    for code, template in old.items():
        assert _shape(copies[code]) == _shape(template), code
    # The originals are untouched, and nothing of the copy points back at them.
    assert Template.objects.filter(round=round_2019).count() == 7
    assert not Column.objects.filter(section__template__round=new).exclude(
        section__template__round=new
    )
    assert set(new.templates.values_list("lines__section__template__round", flat=True)) == {new.pk}


def test_labels_naming_a_financial_year_name_the_new_one(round_2019):
    new = roll_round_forward(round_2019)

    finance = Column.objects.filter(section__template=new.templates.get(code="finance"))
    assert set(finance.filter(code="budget").values_list("label", flat=True)) == {
        "2020/21 budget",
        "2020/21",
    }
    assert set(finance.filter(code="forecast").values_list("label", flat=True)) == {
        "2019/20 forecast outturn"
    }
    activity = new.templates.get(code="activity")
    assert Column.objects.filter(section__template=activity, label="20/21 annual plan").exists()


def test_a_return_is_made_saved_and_submitted_against_the_new_rounds_template(round_2019):
    new = roll_round_forward(round_2019)
    beds = factories.bedfordshire(in_system=factories.blmk())
    lead = factories.planning_lead(beds)
    # Last year's QIPP return says something else: the new finance return must not read it.
    factories.saved_return(beds, "qipp", {("acute", "gross"): "1"}, lead=lead)

    factories.saved_return(
        beds, "qipp", seed_figures.qipp_cells(), financial_year=new.financial_year, lead=lead
    )
    finance = factories.submitted_return(
        beds, "finance", seed_figures.finance_cells(), financial_year=new.financial_year, lead=lead
    )

    assert finance.template.round == new and finance.status == "submitted"
    assert computed_values(finance)[("surplus", "budget")] == 6100
    # The cross-template check reads this round's QIPP return: no mismatch.
    assert evaluation_of(finance).errors == []


def test_national_and_local_milestones_move_a_year_for_editing(round_2019):
    dorset = factories.system("DORSET")
    admin = factories.administrator()
    factories.milestone(
        round_2019,
        "2019-04-04",
        "Final 2019/20 organisation operating plan submission",
        kind=Milestone.Kind.SUBMISSION,
        stage=Milestone.Stage.FINAL,
        level=Milestone.Level.ORGANISATION,
        template_kind="activity",
        date_note="By",
    )
    factories.milestone(
        round_2019, "2019-02-19", "Organisations' comments", system=dorset, end_date=d(2019, 3, 1)
    )

    new = roll_round_forward(round_2019, user=admin)

    final = new.milestones.get(system=None)
    assert (final.title, final.date, final.stage, final.level, final.template_kind) == (
        "Final 2020/21 organisation operating plan submission",
        d(2020, 4, 4),
        "final",
        "organisation",
        "activity",
    )
    assert final.date_note == "By" and final.created_by == admin
    local = new.milestones.get(system=dorset)
    assert (local.date, local.end_date) == (d(2020, 2, 19), d(2020, 3, 1))
    assert round_2019.milestones.count() == 2  # the originals stay
    summary = new.rollover.summary()
    assert "1 national and 1 local milestones" in summary and "7 templates" in summary


def test_29_february_becomes_28_february_in_a_year_without_one():
    round_ = factories.planning_round(2019)
    factories.milestone(round_, "2020-02-29", "Leap day deadline", end_date=d(2020, 2, 29))
    factories.milestone(round_, "2019-02-28", "Last day of February")

    new = roll_round_forward(round_)

    leap = new.milestones.get(title="Leap day deadline")
    assert (leap.date, leap.end_date) == (d(2021, 2, 28), d(2021, 2, 28))
    assert new.milestones.get(title="Last day of February").date == d(2020, 2, 28)
    assert shift_date(d(2020, 2, 29), 4) == d(2024, 2, 29)


def test_memberships_carry_over_by_their_years_and_those_ending_are_named():
    round_ = factories.planning_round(2019)
    blmk = factories.blmk()
    factories.bedfordshire(in_system=blmk)
    luton = factories.luton()
    ending = factories.membership(luton, blmk, last_year=2019)

    new = roll_round_forward(round_)

    summary = new.rollover.summary()
    assert new.rollover.continuing_memberships == 1
    assert new.rollover.ending_memberships == [ending]
    assert "1 end before 2020/21: NHS Luton CCG in BLMK (last year 2019)" in summary
    ending.refresh_from_db()
    assert ending.last_year == 2019  # nothing written to memberships


def test_rolling_forward_is_refused_when_the_next_round_exists_and_copies_nothing(round_2019):
    roll_round_forward(round_2019)
    before = (Round.objects.count(), Template.objects.count(), Milestone.objects.count())

    with pytest.raises(ValidationError, match="2020/21 round already exists"):
        roll_round_forward(round_2019)

    assert (Round.objects.count(), Template.objects.count(), Milestone.objects.count()) == before


def test_a_failure_half_way_leaves_no_round_behind(round_2019, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rollover, "_copy_milestones", broken)
    with pytest.raises(RuntimeError):
        roll_round_forward(round_2019)

    assert not Round.objects.filter(financial_year=2020).exists()
    assert not Template.objects.exclude(round=round_2019).exists()


def test_a_round_rolls_forward_to_a_later_year_only():
    round_ = factories.planning_round(2019)
    with pytest.raises(ValidationError, match="not after"):
        roll_round_forward(round_, financial_year=2019)
    with pytest.raises(ValidationError, match="up to 2100"):
        roll_round_forward(round_, financial_year=2101)
    assert Round.objects.count() == 1


def test_financial_year_names_move_and_other_numbers_stay():
    assert shift_year_names("Q1 2020/21 and 19/20 plan, 2018-19 outturn", 1) == (
        "Q1 2021/22 and 20/21 plan, 2019-20 outturn"
    )
    kept = "By March 2021, 25% (1/3 of 12/11/2019), 2019/21"
    assert shift_year_names(kept, 1) == kept
    assert shift_year_names("99/00", 1) == "00/01"


def test_the_admin_action_rolls_the_round_forward_and_says_what_was_copied(round_2019):
    admin = get_user_model().objects.create_superuser("root", "root@example.nhs.uk", "x")
    client = Client()
    client.force_login(admin)

    response = client.post(
        reverse("admin:planning_round_changelist"),
        {"action": "roll_forward", "_selected_action": [round_2019.pk]},
        follow=True,
    )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("Made the 2020/21 round from 2019/20: 7 templates" in m for m in messages)
    new = Round.objects.get(financial_year=2020)
    assert new.templates.count() == 7

    again = client.post(
        reverse("admin:planning_round_changelist"),
        {"action": "roll_forward", "_selected_action": [round_2019.pk]},
        follow=True,
    )
    assert "already exists" in again.content.decode()


def test_the_admin_action_is_for_those_who_may_add_rounds(round_2019):
    staff = factories.user(is_staff=True)
    client = Client()
    client.force_login(staff)

    response = client.post(
        reverse("admin:planning_round_changelist"),
        {"action": "roll_forward", "_selected_action": [round_2019.pk]},
    )

    assert response.status_code == 403
    assert not Round.objects.filter(financial_year=2020).exists()


def test_the_command_rolls_a_round_forward_and_refuses_a_second_time(round_2019):
    out = io.StringIO()
    call_command("roll_round_forward", "--round", "2019", stdout=out)
    assert "Made the 2020/21 round from 2019/20" in out.getvalue()

    with pytest.raises(CommandError, match="already exists"):
        call_command("roll_round_forward", "--round", "2019")
    with pytest.raises(CommandError, match="no round for the financial year 2030"):
        call_command("roll_round_forward", "--round", "2030")
