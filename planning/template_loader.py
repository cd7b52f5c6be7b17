"""Loads return templates from the TOML data files in planning/templates_data/<financial year>/.

Each file describes one template: its sections, their lines and columns, formulas for total lines
and derived columns, which organisation kinds complete it, and its check rules. The loader checks
every formula and rule against the template before touching the database, then creates or updates
the template in one transaction. Loading the same files again changes nothing.

A round's template may change after people have entered figures in it (template versions): a
file that adds lines or columns adds them and keeps every value entered under the others; a file
that drops a line or column nobody has given a figure for drops it; a file that would drop one
holding values (entered, submitted or answered) is refused and nothing changes. A change of shape
raises the template's version (to the file's `version`, or one more than before if the file did
not raise it).
"""

import tomllib
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .formulas import Formula, FormulaError
from .models import Column, Line, Organisation, Round, Section, Template, Unit

DATA_DIR = Path(__file__).resolve().parent / "templates_data"
SEVERITIES = {"error", "warning"}
KEYS = {
    "template": {
        "code",
        "name",
        "kind",
        "version",
        "order",
        "completed_by",
        "description",
        "control_total",
        "sections",
        "rules",
    },
    "section": {
        "code",
        "title",
        "description",
        "unit",
        "narrative",
        "headline",
        "columns",
        "lines",
    },
    "column": {"code", "label", "unit", "formula", "allow_negative", "sum_lines"},
    "line": {"code", "label", "hint", "unit", "allow_negative", "sum_of", "formula", "standard"},
    "rule": {"code", "severity", "require", "message", "cell", "each_line", "section"},
}
LENGTHS = {"code": 40, "label": 200, "title": 200, "hint": 300, "name": 200}


class TemplateDataError(ValueError):
    """A data file that does not describe a valid template."""


def data_files(financial_year=None):
    folders = [DATA_DIR / str(financial_year)] if financial_year else sorted(DATA_DIR.iterdir())
    return sorted(path for folder in folders if folder.is_dir() for path in folder.glob("*.toml"))


@transaction.atomic
def load_all():
    """Load every template file of every round folder; returns the templates. A reference to
    another template that does not hold (checked once all are loaded) undoes the whole load."""
    loaded = [load_file(path) for path in data_files()]
    for template in loaded:
        check_cross_template_rules(template)
    return loaded


def read(path):
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    validate(data, source=path.name)
    return data


def validate(data, *, source):
    """Raise TemplateDataError naming the file and the problem; return nothing when it is valid."""

    def fail(message):
        raise TemplateDataError(f"{source}: {message}")

    for key in ("code", "name", "kind", "sections"):
        if key not in data:
            fail(f"missing '{key}'")
    _check_keys(data, "template", fail)
    for section in data["sections"]:
        _check_keys(section, "section", fail)
        for column in section.get("columns", []):
            _check_keys(column, "column", fail)
        for line in section.get("lines", []):
            _check_keys(line, "line", fail)
    for rule in data.get("rules", []):
        _check_keys(rule, "rule", fail)
    if data["kind"] not in Template.Kind.values:
        fail(f"kind must be one of {', '.join(Template.Kind.values)}")
    unknown_kinds = set(data.get("completed_by", [])) - set(Organisation.Kind.values)
    if unknown_kinds:
        fail(f"unknown organisation kinds in completed_by: {', '.join(sorted(unknown_kinds))}")

    line_codes = {}
    section_codes = set()
    for section in data["sections"]:
        if section.get("code") in section_codes:
            fail(f"section '{section.get('code')}' appears twice")
        section_codes.add(section.get("code"))
        columns = section.get("columns", [])
        column_codes = [column["code"] for column in columns]
        if len(set(column_codes)) != len(column_codes):
            fail(f"section '{section['code']}' has a column code twice")
        if section.get("narrative") and columns:
            fail(f"narrative section '{section['code']}' cannot have columns")
        if section.get("headline") and section["headline"] not in column_codes:
            fail(f"section '{section['code']}' headline '{section['headline']}' is not a column")
        for column in columns:
            _check_code(column["code"], fail)
            if column.get("unit", "") not in ("", *Unit.values):
                fail(f"column '{column['code']}' has an unknown unit")
            if column.get("formula"):
                names = _names(column["formula"], fail)
                unknown = [
                    name for name in names if name not in column_codes and not _is_other(name)
                ]
                if unknown:
                    fail(
                        f"column '{column['code']}' refers to unknown columns: {', '.join(unknown)}"
                    )
        for line in section.get("lines", []):
            _check_code(line["code"], fail)
            if line["code"] in line_codes:
                fail(f"line '{line['code']}' appears twice")
            unit = line.get("unit", section.get("unit", "text" if section.get("narrative") else ""))
            if unit not in Unit.values:
                fail(f"line '{line['code']}' has no valid unit")
            line_codes[line["code"]] = section["code"]
    columns_by_section = {
        s["code"]: {c["code"] for c in s.get("columns", [])} for s in data["sections"]
    }
    for section in data["sections"]:
        for line in section.get("lines", []):
            if "standard" in line and not _is_number(line["standard"]):
                fail(f"line '{line['code']}' standard must be a number, e.g. 95")
            for name in _names(_line_formula(line), fail) if _line_formula(line) else []:
                if _is_other(name):
                    continue  # another template's cell, checked once all are loaded
                if "." in name:
                    cell_line, _, cell_column = name.partition(".")
                    cell_section = line_codes.get(cell_line)
                    if cell_section is None or cell_column not in columns_by_section[cell_section]:
                        fail(
                            f"line '{line['code']}' refers to '{name}', "
                            "which is not a cell of this template"
                        )
                elif line_codes.get(name) != section["code"]:
                    fail(f"line '{line['code']}' sums '{name}', which is not a line of its section")
    _check_cycles(data, fail)
    if data.get("control_total"):
        cell_line, _, cell_column = str(data["control_total"]).partition(".")
        cell_section = line_codes.get(cell_line)
        if cell_section is None or cell_column not in columns_by_section[cell_section]:
            fail(
                f"control_total '{data['control_total']}' is not a cell (line.column) of this template"
            )
    for rule in data.get("rules", []):
        for key in ("code", "severity", "require", "message", "cell"):
            if key not in rule:
                fail(f"rule '{rule.get('code', '?')}' is missing '{key}'")
        if rule["severity"] not in SEVERITIES:
            fail(f"rule '{rule['code']}' severity must be error or warning")
        if rule.get("each_line"):
            section = rule.get("section")
            if section not in columns_by_section:
                fail(f"rule '{rule['code']}' needs the section its lines come from")
            allowed = columns_by_section[section]
            for name in _names(rule["require"], fail) + [rule["cell"]]:
                if name not in allowed:
                    fail(f"rule '{rule['code']}' refers to '{name}', not a column of '{section}'")
        else:
            for name in _names(rule["require"], fail) + [rule["cell"]]:
                if ":" in name:
                    continue  # another template's cell, checked once all are loaded
                line, _, column = name.partition(".")
                if line not in line_codes or column not in columns_by_section[line_codes[line]]:
                    fail(f"rule '{rule['code']}' refers to '{name}', not a cell of this template")


def _check_keys(item, kind, fail):
    unknown = set(item) - KEYS[kind]
    if unknown:
        fail(f"{kind} '{item.get('code', '?')}' has unknown keys: {', '.join(sorted(unknown))}")
    for key, limit in LENGTHS.items():
        if isinstance(item.get(key), str) and len(item[key]) > limit:
            fail(f"{kind} '{item.get('code', '?')}': {key} is longer than {limit} characters")


def _is_other(name):
    """`template:line.column`: a cell of another template of the same round."""
    return ":" in name


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_code(code, fail):
    if not code or "__" in code or not code.replace("_", "").isalnum() or not code[0].isalpha():
        fail(f"'{code}' is not a valid code (letters, digits and single underscores)")


def _names(source, fail):
    try:
        return Formula(source).names
    except FormulaError as error:
        fail(str(error))


def _line_formula(line):
    if line.get("sum_of"):
        return " + ".join(line["sum_of"])
    return line.get("formula", "")


def _check_cycles(data, fail):
    """Totals may build on totals, but never on themselves."""
    depends = {
        line["code"]: {
            name.partition(".")[0]
            for name in Formula(_line_formula(line)).names
            if not _is_other(name)
        }
        if _line_formula(line)
        else set()
        for section in data["sections"]
        for line in section.get("lines", [])
    }
    for section in data["sections"]:
        column_depends = {
            column["code"]: set(Formula(column["formula"]).names)
            if column.get("formula")
            else set()
            for column in section.get("columns", [])
        }
        depends.update({f"{section['code']}/{k}": v for k, v in column_depends.items()})
        for code, needs in column_depends.items():
            seen, stack = set(), list(needs)
            while stack:
                name = stack.pop()
                if name == code:
                    fail(f"column '{code}' depends on itself")
                if name not in seen:
                    seen.add(name)
                    stack.extend(column_depends.get(name, ()))
    for code in list(depends):
        seen, stack = set(), list(depends[code])
        while stack:
            name = stack.pop()
            if name == code:
                fail(f"line '{code}' depends on itself")
            if name not in seen:
                seen.add(name)
                stack.extend(depends.get(name, ()))


def check_cross_template_rules(template):
    """A rule or formula that refers to another template's cell must name one that exists in the
    same round; a formula may not refer to a cell that is itself computed from another template
    (so that no two templates wait on each other)."""
    references = [
        (f"rule '{rule['code']}'", name, False)
        for rule in template.rules
        for name in Formula(rule["require"]).names
    ]
    for line in template.lines.all():
        if line.formula:
            references += [(f"line '{line.code}'", n, True) for n in Formula(line.formula).names]
    for column in Column.objects.filter(section__template=template).exclude(formula=""):
        references += [(f"column '{column.code}'", n, True) for n in Formula(column.formula).names]
    for where, name, computed in references:
        if not _is_other(name):
            continue
        other_code, _, cell = name.partition(":")
        line, _, column = cell.partition(".")
        other = Template.objects.filter(round=template.round, code=other_code).first()
        exists = (
            other is not None
            and Line.objects.filter(
                template=other, code=line, section__columns__code=column
            ).exists()
        )
        if not exists:
            raise TemplateDataError(
                f"{template.source}: {where} refers to '{name}', "
                f"which is not a cell of the {template.round.name} templates"
            )
        if computed and other.pk == template.pk:
            raise TemplateDataError(
                f"{template.source}: {where} refers to '{name}', a cell of its own template: "
                "write it without the template code"
            )
        if computed and _depends_on_other_template(other, line, column):
            raise TemplateDataError(
                f"{template.source}: {where} refers to '{name}', which is itself computed from "
                "another template: a formula may only use another template's own figures"
            )


def _depends_on_other_template(template, line_code, column_code):
    """Whether the cell (line, column) of `template` is computed, at any depth, from another
    template's cells."""
    lines = {line.code: line for line in template.lines.select_related("section")}
    columns = {
        (column.section_id, column.code): column
        for column in Column.objects.filter(section__template=template)
    }
    seen, stack = set(), [(line_code, column_code)]
    while stack:
        cell = stack.pop()
        if cell in seen or cell[0] not in lines:
            continue
        seen.add(cell)
        line = lines[cell[0]]
        column = columns.get((line.section_id, cell[1]))
        if column is None:
            continue
        if column.formula:
            names = Formula(column.formula).names
            if any(_is_other(name) for name in names):
                return True
            stack.extend((line.code, name) for name in names)
        elif line.formula and column.sums_lines:
            for name in Formula(line.formula).names:
                if _is_other(name):
                    return True
                if "." in name:
                    stack.append(tuple(name.split(".", 1)))
                else:
                    stack.append((name, column.code))
    return False


@transaction.atomic
def load_file(path):
    """Create or update the template a data file describes, in the round its folder names.

    Lines and columns the file no longer has are dropped only when nobody has given a figure for
    them: one that holds values refuses the whole file (TemplateDataError) and nothing changes."""
    path = Path(path)
    data = read(path)
    financial_year = int(path.parent.name)
    round_, _ = Round.objects.get_or_create(financial_year=financial_year)
    existing = Template.objects.filter(round=round_, code=data["code"]).first()
    before = _shape(existing) if existing else None
    if existing:
        _refuse_dropping_values(existing, data, source=path.name)
    template, _ = Template.objects.update_or_create(
        round=round_,
        code=data["code"],
        defaults={
            "name": data["name"],
            "kind": data["kind"],
            "description": data.get("description", ""),
            "organisation_kinds": data.get("completed_by", []),
            "rules": data.get("rules", []),
            "source": f"{path.parent.name}/{path.name}",
            "order": data.get("order", 0),
            "control_total": data.get("control_total", ""),
        },
    )
    kept_sections = []
    kept_lines = []
    for section_order, section_data in enumerate(data["sections"]):
        narrative = bool(section_data.get("narrative"))
        section, _ = Section.objects.update_or_create(
            template=template,
            code=section_data["code"],
            defaults={
                "title": section_data["title"],
                "description": section_data.get("description", ""),
                "is_narrative": narrative,
                "headline": section_data.get("headline", ""),
                "order": section_order,
            },
        )
        kept_sections.append(section.pk)
        kept_columns = []
        for column_order, column_data in enumerate(section_data.get("columns", [])):
            column, _ = Column.objects.update_or_create(
                section=section,
                code=column_data["code"],
                defaults={
                    "label": column_data["label"],
                    "unit": column_data.get("unit", ""),
                    "formula": column_data.get("formula", ""),
                    "allow_negative": column_data.get("allow_negative", False),
                    "sums_lines": column_data.get("sum_lines", True),
                    "order": column_order,
                },
            )
            kept_columns.append(column.pk)
        section.columns.exclude(pk__in=kept_columns).delete()
        default_unit = section_data.get("unit", "text" if narrative else "")
        for line_order, line_data in enumerate(section_data.get("lines", [])):
            standard = line_data.get("standard")
            line, _ = Line.objects.update_or_create(
                template=template,
                code=line_data["code"],
                defaults={
                    "section": section,
                    "label": line_data["label"],
                    "hint": line_data.get("hint", ""),
                    "unit": line_data.get("unit", default_unit),
                    "allow_negative": line_data.get("allow_negative", False),
                    "formula": _line_formula(line_data),
                    "standard": None if standard is None else Decimal(str(standard)),
                    "order": line_order,
                },
            )
            kept_lines.append(line.pk)
    template.lines.exclude(pk__in=kept_lines).delete()
    template.sections.exclude(pk__in=kept_sections).delete()
    version = data.get("version", 1)
    if before is not None and _shape(template) != before:
        version = max(version, existing.version + 1)
    elif existing is not None:
        version = max(version, existing.version)
    if template.version != version:
        template.version = version
        template.save(update_fields=["version"])
    return template


def _shape(template):
    """What a template asks for: its lines and columns, by code, each with its formula."""
    lines = {
        (line.section.code, line.code, line.formula, line.unit)
        for line in template.lines.select_related("section")
    }
    columns = {
        (column.section.code, column.code, column.formula, column.unit, column.sums_lines)
        for column in Column.objects.filter(section__template=template).select_related("section")
    }
    return lines, columns


def _holders(model):
    """The relations that keep a line's or a column's figures (entered values, submitted values,
    narrative answers, their history), found through the model's reverse relations: planning
    never imports the models that hold returns."""
    return [
        relation
        for relation in model._meta.get_fields(include_hidden=True)
        if relation.one_to_many and relation.auto_created and not relation.concrete
    ]


def _holds_values(model, objects):
    """Those of `objects` (lines or columns) that something refers to, with what refers to them."""
    held = {}
    for relation in _holders(model):
        if relation.related_model is model or relation.related_model._meta.app_label == "planning":
            continue
        field_name = relation.field.name
        rows = relation.related_model._default_manager.filter(
            **{f"{field_name}__in": objects}
        ).values_list(field_name, flat=True)
        for pk in rows.distinct():
            held.setdefault(pk, set()).add(str(relation.related_model._meta.verbose_name_plural))
    return held


def _refuse_dropping_values(template, data, *, source):
    """Raise TemplateDataError if the file drops a line or a column that holds values."""
    line_codes = {line["code"] for s in data["sections"] for line in s.get("lines", [])}
    column_codes = {
        (s["code"], column["code"]) for s in data["sections"] for column in s.get("columns", [])
    }
    dropped_lines = list(template.lines.exclude(code__in=line_codes))
    dropped_columns = [
        column
        for column in Column.objects.filter(section__template=template).select_related("section")
        if (column.section.code, column.code) not in column_codes
    ]
    problems = []
    held_lines = _holds_values(Line, dropped_lines) if dropped_lines else {}
    for line in dropped_lines:
        if line.pk in held_lines:
            problems.append(f"line '{line.code}' ({', '.join(sorted(held_lines[line.pk]))})")
    held_columns = _holds_values(Column, dropped_columns) if dropped_columns else {}
    for column in dropped_columns:
        if column.pk in held_columns:
            problems.append(
                f"column '{column.section.code}.{column.code}' "
                f"({', '.join(sorted(held_columns[column.pk]))})"
            )
    if problems:
        raise TemplateDataError(
            f"{source}: the {template.round.name} template '{template.code}' would drop "
            f"{'; '.join(problems[:10])}{' and more' if len(problems) > 10 else ''}, which hold "
            "figures people have entered or submitted. Keep them in the file (relabel them if "
            "they are no longer asked for), or load the template in a new round."
        )
