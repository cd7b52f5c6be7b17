"""The return templates in planning/templates_data: every file loads, and the rounds keep one shape."""

import pytest

from planning.formulas import Formula
from planning.models import Column, Line, Section, Template
from planning.template_loader import DATA_DIR, data_files, load_all, read

pytestmark = pytest.mark.django_db

ROUNDS = sorted(folder.name for folder in DATA_DIR.iterdir() if folder.is_dir())


def counts():
    return {model.__name__: model.objects.count() for model in (Template, Section, Line, Column)}


def shape(data):
    """Every code in a template file, keyed by section, for comparing rounds."""
    return {
        "sections": [section["code"] for section in data["sections"]],
        "columns": {
            section["code"]: [column["code"] for column in section.get("columns", [])]
            for section in data["sections"]
        },
        "lines": {
            section["code"]: [line["code"] for line in section.get("lines", [])]
            for section in data["sections"]
        },
        "rules": [rule["code"] for rule in data.get("rules", [])],
    }


def test_every_file_loads_and_loading_again_changes_nothing():
    loaded = load_all()
    assert len(loaded) == len(data_files())
    assert {template.source for template in loaded} == {
        f"{path.parent.name}/{path.name}" for path in data_files()
    }
    first = counts()
    assert all(first.values())

    load_all()

    assert counts() == first


def test_each_round_has_the_six_kinds_of_return():
    load_all()
    assert {"2019", "2020"} <= set(ROUNDS)
    for year in ROUNDS:
        kinds = set(
            Template.objects.filter(round__financial_year=int(year)).values_list("kind", flat=True)
        )
        assert kinds == set(Template.Kind.values), year


def test_each_kind_keeps_its_place_in_every_round():
    load_all()
    orders = {}
    for template in Template.objects.all():
        orders.setdefault(template.code, set()).add(template.order)
    assert all(len(found) == 1 for found in orders.values()), orders


def test_2020_templates_keep_the_2019_codes():
    files_2019 = {path.name: path for path in data_files(2019)}
    files_2020 = {path.name: path for path in data_files(2020)}
    assert files_2019.keys() == files_2020.keys()
    for name, path in files_2019.items():
        before, after = read(path), read(files_2020[name])
        assert (before["code"], before["kind"]) == (after["code"], after["kind"]), name
        assert shape(before) == shape(after), name


def test_2020_labels_are_relabelled_for_the_year():
    load_all()
    labels = set(
        Column.objects.filter(section__template__round__financial_year=2020).values_list(
            "label", flat=True
        )
    )
    assert "2020/21 budget" in labels
    assert "20/21 annual plan" in labels
    assert "March 2021 planned WTE" in labels
    assert "Q4 2020/21" in labels
    assert not any("2018/19" in label or "18/19" in label for label in labels)


def test_total_lines_add_up_lines_of_their_own_section():
    for path in data_files():
        for section in read(path)["sections"]:
            own_lines = {line["code"] for line in section.get("lines", [])}
            for line in section.get("lines", []):
                assert set(line.get("sum_of", [])) <= own_lines, (path.name, line["code"])

    load_all()
    totals = Line.objects.exclude(formula="").select_related("section")
    assert totals.exists()
    for total in totals:
        own_lines = set(total.section.lines.values_list("code", flat=True))
        # A measure names cells (`line.column`, `template:line.column`) rather than lines of the
        # same column; a cell of its own template must exist.
        names = Formula(total.formula).names
        assert {n for n in names if "." not in n} <= own_lines - {total.code}, total.code
        for name in (n for n in names if "." in n and ":" not in n):
            line, column = name.split(".")
            assert Column.objects.filter(
                section__template=total.template, section__lines__code=line, code=column
            ).exists(), (total.code, name)


def test_narrative_questions_are_text_with_guidance():
    load_all()
    questions = Line.objects.filter(section__is_narrative=True)
    assert questions.exists()
    for question in questions:
        assert question.unit == "text", question.code
        assert question.hint, question.code
    assert not Column.objects.filter(section__is_narrative=True).exists()


def test_each_rule_compares_the_cell_it_is_attached_to():
    """A rule's comparison is rounded at the precision of its cell's unit, so the cell must be one
    of the figures it compares (planning/templates_data/README.md, "Rounding")."""
    for path in data_files():
        for rule in read(path).get("rules", []):
            assert rule["cell"] in Formula(rule["require"]).names, (path.name, rule["code"])


def test_each_rule_compares_figures_in_one_unit():
    """Every cell a rule names has the unit of the rule's cell: a rule never compares a % with
    £000 at one precision. (Cells of other templates are checked where they are loaded.)"""
    for path in data_files():
        data = read(path)
        units = {}  # "line.column" -> unit
        lines_of = {}  # section code -> line codes
        for section in data["sections"]:
            lines_of[section["code"]] = [line["code"] for line in section.get("lines", [])]
            for line in section.get("lines", []):
                for column in section.get("columns", []):
                    unit = column.get("unit") or line.get("unit") or section.get("unit")
                    units[f"{line['code']}.{column['code']}"] = unit
        for rule in data.get("rules", []):
            names = [name for name in Formula(rule["require"]).names if ":" not in name]
            if rule.get("each_line"):
                for line in lines_of[rule["section"]]:
                    found = {units[f"{line}.{name}"] for name in names}
                    assert found == {units[f"{line}.{rule['cell']}"]}, (path.name, rule["code"])
            else:
                found = {units[name] for name in names}
                assert found == {units[rule["cell"]]}, (path.name, rule["code"], found)


def test_the_template_language_is_documented_next_to_the_files():
    readme = (DATA_DIR / "README.md").read_text()
    for heading in ("## Sections", "## Columns", "## Lines", "## Formulas", "## Units"):
        assert heading in readme
    for heading in ("## Blanks", "## Rounding", "## Rules"):
        assert heading in readme
    assert "rounded half up" in readme and "3,000 passes and 2,999 warns" in readme
