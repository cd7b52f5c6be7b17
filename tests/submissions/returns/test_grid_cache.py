"""A template's grid (its sections, columns, lines and parsed formulas) is built once and kept
between requests, and is never stale: a template changed by the loader shows at once."""

import shutil

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import Column, Line, Section, Template
from planning.template_loader import DATA_DIR, load_file
from submissions.demo import seed_figures
from submissions.plans import services as plan_services
from submissions.returns.evaluation import TemplateGrid
from submissions.returns.selectors import grid_for_template, with_grid_stamp
from tests import factories

pytestmark = pytest.mark.django_db

ACUTE_LINE = """[[sections.lines]]
code = "acute"
label = "Acute services"
"""
NEW_LINE = """[[sections.lines]]
code = "better_care_fund"
label = "Better Care Fund"

"""


def finance():
    return Template.objects.select_related("round").get(round__financial_year=2019, code="finance")


def reload_finance(tmp_path, change):
    """Load 2019/finance.toml changed by `change(text)`, as an operator reloading templates would."""
    folder = tmp_path / "2019"
    folder.mkdir()
    path = folder / "finance.toml"
    shutil.copy(DATA_DIR / "2019" / "finance.toml", path)
    text = path.read_text()
    assert ACUTE_LINE in text
    path.write_text(change(text))
    load_file(path)


@pytest.fixture
def builds(monkeypatch):
    """The templates whose grids are built (not taken from the cache), by code, in order."""
    built = []
    build = TemplateGrid.build

    def spy(template, *rest):
        built.append(template.code)
        return build(template, *rest)

    monkeypatch.setattr(TemplateGrid, "build", spy)
    return built


def line_codes(grid):
    return list(grid.lines_by_code())


def test_a_grid_is_built_once_and_then_served_from_the_cache(builds):
    factories.templates()
    first = grid_for_template(finance())
    with CaptureQueriesContext(connection) as queries:
        again = grid_for_template(finance())
    assert builds == ["finance"]
    assert line_codes(again) == line_codes(first)
    assert len(queries) == 2  # the template row above, and the check that the cache is current


def test_a_line_added_by_the_loader_is_in_the_grid_at_once(tmp_path):
    factories.templates()
    before = finance()
    assert "better_care_fund" not in line_codes(grid_for_template(before))

    reload_finance(tmp_path, lambda text: text.replace(ACUTE_LINE, NEW_LINE + ACUTE_LINE))

    after = finance()
    assert after.version == before.version + 1
    codes = line_codes(grid_for_template(after))
    assert codes.index("better_care_fund") == codes.index("acute") - 1
    assert "better_care_fund" in line_codes(grid_for_template(before))  # even via an old row


def test_a_label_changed_by_the_loader_is_shown_at_once_though_the_version_stays(tmp_path):
    factories.templates()
    before = finance()
    assert grid_for_template(before).lines_by_code()["acute"].label == "Acute services"

    reload_finance(tmp_path, lambda text: text.replace("Acute services", "Acute hospital services"))

    after = finance()
    assert after.version == before.version
    assert grid_for_template(after).lines_by_code()["acute"].label == "Acute hospital services"


def test_a_line_edited_twice_in_one_transaction_is_shown_at_once_each_time():
    factories.templates()
    template = finance()
    for label in ("Acute care", "Acute hospital care"):  # the second edit has the first's xmin
        Line.objects.filter(template=template, code="acute").update(label=label)
        assert grid_for_template(template).lines_by_code()["acute"].label == label


def test_a_column_or_section_edited_or_a_line_deleted_outside_the_loader_is_shown_at_once():
    # Any statement on the grid's rows renews the template's stamp, not only the loader's.
    factories.templates()
    template = finance()
    grid = grid_for_template(template)
    section = grid.sections[0].section
    column = grid.sections[0].columns[0]

    Column.objects.filter(pk=column.pk).update(label="Plan for the year")
    assert grid_for_template(template).sections[0].columns[0].label == "Plan for the year"
    Section.objects.filter(pk=section.pk).update(title="Spending")
    assert grid_for_template(template).sections[0].section.title == "Spending"
    Line.objects.filter(template=template, code="acute").delete()
    assert "acute" not in line_codes(grid_for_template(template))


@pytest.mark.django_db(transaction=True)
def test_a_grid_emptied_by_truncate_is_seen_at_once():
    factories.templates()
    template = finance()
    assert line_codes(grid_for_template(template))
    with connection.cursor() as cursor:  # as an operator clearing templates in psql might
        cursor.execute("TRUNCATE planning_line, planning_column CASCADE")
    assert line_codes(grid_for_template(template)) == []


def test_saving_a_template_read_before_its_grid_changed_does_not_bring_the_old_grid_back():
    # The stamp is not a field of the model: a save of a row read earlier cannot write it back.
    factories.templates()
    read_before = with_grid_stamp(Template.objects.filter(round__financial_year=2019)).get(
        code="finance"
    )
    grid_for_template(read_before)  # built and kept under the stamp it was read with
    Line.objects.filter(template=read_before, code="acute").update(label="Acute hospital care")

    read_before.name = "Finance plan"
    read_before.save()

    assert grid_for_template(finance()).lines_by_code()["acute"].label == "Acute hospital care"


def test_a_grid_read_while_it_changed_is_not_kept(builds, monkeypatch):
    # The lines and the columns are two queries: a change committed between them (here made
    # between them) leaves them with different stamps, and the grid so built is not kept.
    factories.templates()
    template = finance()
    annotate = QuerySet.annotate

    def change_after_the_lines(queryset, *args, **kwargs):
        if queryset.model is Column:
            Line.objects.filter(template=template, code="acute").update(label="Acute care")
        return annotate(queryset, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "annotate", change_after_the_lines)
    grid_for_template(template)
    monkeypatch.setattr(QuerySet, "annotate", annotate)

    assert grid_for_template(template).lines_by_code()["acute"].label == "Acute care"
    assert builds == ["finance", "finance"]


def test_a_second_request_for_a_return_page_does_not_rebuild_the_grid(client, builds):
    factories.templates()
    beds = factories.bedfordshire(in_system=factories.blmk())
    lead = factories.planning_lead(beds)
    factories.saved_return(beds, "finance", seed_figures.finance_cells(), lead=lead)
    client.force_login(lead)
    url = factories.return_url("06F", "finance")

    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    builds.clear()
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200

    assert builds == []
    assert len(second) <= len(first)


def test_the_return_pages_queries_do_not_grow_with_the_cells_filled(
    client, django_assert_max_num_queries
):
    factories.templates()
    beds = factories.bedfordshire(in_system=factories.blmk())
    lead = factories.planning_lead(beds)
    client.force_login(lead)
    url = factories.return_url("06F", "finance")
    ret = factories.saved_return(beds, "finance", {("acute", "budget"): "1"}, lead=lead)
    client.get(url)
    cache.clear()  # the grid is evaluated and rendered, not taken from the page cache
    with CaptureQueriesContext(connection) as one_cell:
        assert client.get(url).status_code == 200

    cells = seed_figures.finance_cells()
    assert len(cells) > 20
    factories.fill(user=lead, ret=ret, cells=cells)
    with django_assert_max_num_queries(len(one_cell)):
        response = client.get(url)
    assert response.status_code == 200
    # 21 while every request built the grid in three queries, 19 while it read the round, the
    # user's permissions and the grid stamp on their own; one more since the header counts
    # unread notifications.
    assert len(one_cell) <= 14


def test_a_second_request_for_a_plan_page_does_not_rebuild_the_grid(client, builds):
    templates = factories.templates()
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    factories.submitted_return(beds, "activity", {("gp_referrals", "fot"): "94,810"})
    plan_services.build_system_plan(system=system, template=templates["activity"], stage="draft")
    client.force_login(factories.ics_lead(system))
    url = reverse("submissions:plan", args=["BLMK", 2019, "activity", "draft"])

    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    builds.clear()
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200

    assert builds == []
    assert len(second) <= len(first)
