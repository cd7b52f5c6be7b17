"""Template versions: a round's template that already has returns can gain lines without losing a
figure, and the loader refuses to drop a line that holds values."""

import io
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from planning import template_loader
from planning.models import Line, Template
from planning.template_loader import DATA_DIR, TemplateDataError, load_file
from submissions.demo import seed_figures
from submissions.models import NarrativeAnswer, Return, SubmissionValue, Value
from submissions.returns.selectors import computed_values
from tests import factories

pytestmark = pytest.mark.django_db

NEW_LINE = """[[sections.lines]]
code = "better_care_fund"
label = "Better Care Fund"

"""
ACUTE_LINE = """[[sections.lines]]
code = "acute"
label = "Acute services"
hint = "Before QIPP efficiencies, as are the other expenditure lines."

"""
GP_ACCESS_LINE = """[[sections.lines]]
code = "gp_extended_access"
label = "GP extended access allocation"
hint = "Ring-fenced programme allocation for extended access to general practice."

"""


@pytest.fixture
def bedfordshire_returns():
    """Bedfordshire's finance plan: the 2019 templates loaded, one return submitted and one entered
    (the final stage, saved only)."""
    factories.templates()
    beds = factories.bedfordshire(in_system=factories.blmk())
    lead = factories.planning_lead(beds)
    submitted = factories.submitted_return(beds, "finance", seed_figures.finance_cells(), lead=lead)
    entered = factories.saved_return(
        beds, "finance", seed_figures.finance_cells(), stage="final", lead=lead
    )
    return submitted, entered


def finance_file(tmp_path, change):
    """A copy of 2019/finance.toml, changed by `change(text)`, in a 2019 folder of its own."""
    folder = tmp_path / "2019"
    folder.mkdir()
    path = folder / "finance.toml"
    shutil.copy(DATA_DIR / "2019" / "finance.toml", path)
    text = path.read_text()
    changed = change(text)
    assert changed != text
    path.write_text(changed)
    return path


def finance():
    return Template.objects.get(round__financial_year=2019, code="finance")


def test_a_new_line_keeps_every_entered_and_submitted_value(bedfordshire_returns, tmp_path):
    submitted, entered = bedfordshire_returns
    before = finance().version
    values = set(Value.objects.values_list("ret_id", "line_id", "column_id", "value"))
    frozen = set(
        SubmissionValue.objects.values_list("submission_id", "line_id", "column_id", "value")
    )
    path = finance_file(tmp_path, lambda text: text.replace(ACUTE_LINE, NEW_LINE + ACUTE_LINE))

    load_file(path)

    assert finance().lines.filter(code="better_care_fund").exists()
    assert set(Value.objects.values_list("ret_id", "line_id", "column_id", "value")) == values
    assert (
        set(SubmissionValue.objects.values_list("submission_id", "line_id", "column_id", "value"))
        == frozen
    )
    assert submitted.submission.values.filter(line__code="acute").count() == 2
    computed = computed_values(entered)
    assert computed[("total_commissioned", "budget")] == 659649
    assert computed[("better_care_fund", "budget")] is None
    assert finance().version == before + 1
    load_file(path)  # the same file again: no new version
    assert finance().version == before + 1


def test_dropping_a_line_that_holds_values_is_refused_and_changes_nothing(
    bedfordshire_returns, tmp_path
):
    before = finance().version
    lines = set(finance().lines.values_list("pk", "code", "order"))

    def drop_acute(text):
        text = text.replace(ACUTE_LINE, NEW_LINE)
        return text.replace('sum_of = ["acute", "mental_health"', 'sum_of = ["mental_health"')

    with pytest.raises(TemplateDataError, match=r"would drop line 'acute' \(.*values.*\)"):
        load_file(finance_file(tmp_path, drop_acute))

    assert set(finance().lines.values_list("pk", "code", "order")) == lines
    assert finance().version == before
    assert Value.objects.filter(line__code="acute").count() == 4  # budget and forecast, 2 returns


def test_dropping_a_line_nobody_has_filled_drops_it(bedfordshire_returns, tmp_path):
    before = finance().version
    gp_access = Line.objects.get(template=finance(), code="gp_extended_access")

    def drop_gp_access(text):
        text = text.replace(GP_ACCESS_LINE, "")
        return text.replace('"gp_extended_access", ', "")

    load_file(finance_file(tmp_path, drop_gp_access))

    assert not Line.objects.filter(pk=gp_access.pk).exists()
    assert finance().version == before + 1
    submitted, _ = bedfordshire_returns
    assert computed_values(submitted)[("total_income", "budget")] == 681172


def test_a_narrative_answer_keeps_its_question(tmp_path):
    """An answered narrative question is a value too: dropping it is refused."""
    factories.templates()
    beds = factories.bedfordshire(in_system=factories.blmk())
    narrative = Template.objects.get(round__financial_year=2019, code="narrative")
    question = narrative.lines.order_by("section__order", "order").first()
    ret = Return.objects.create(organisation=beds, template=narrative, stage="draft")
    NarrativeAnswer.objects.create(ret=ret, line=question, text="Our priorities are ...")
    folder = tmp_path / "2019"
    folder.mkdir()
    path = folder / "narrative.toml"
    text = (DATA_DIR / "2019" / "narrative.toml").read_text()
    start = text.index(f'code = "{question.code}"')
    block_start = text.rindex("[[sections.lines]]", 0, start)
    block_end = text.find("[[", start)
    path.write_text(text[:block_start] + (text[block_end:] if block_end != -1 else ""))

    with pytest.raises(TemplateDataError, match=f"line '{question.code}'"):
        load_file(path)
    assert Line.objects.filter(pk=question.pk).exists()


def test_load_templates_refuses_the_change_with_its_reason(
    bedfordshire_returns, tmp_path, monkeypatch
):
    def drop_acute(text):
        text = text.replace(ACUTE_LINE, "")
        return text.replace('sum_of = ["acute", "mental_health"', 'sum_of = ["mental_health"')

    finance_file(tmp_path, drop_acute)
    monkeypatch.setattr(template_loader, "DATA_DIR", tmp_path)
    with pytest.raises(CommandError, match="would drop line 'acute'"):
        call_command("load_templates", stdout=io.StringIO())
    assert finance().lines.filter(code="acute").exists()


def test_load_templates_lists_each_template_with_its_version(tmp_path, monkeypatch):
    out = io.StringIO()
    call_command("load_templates", stdout=out)
    assert "2019/20  finance          v2   2019/finance.toml" in out.getvalue()
    assert "2020/21  provider_finance v1   2020/provider_finance.toml" in out.getvalue()
