"""Loads return templates from the TOML data files in planning/templates_data/<financial year>/.

Each file describes one template: its sections, their lines and columns, formulas for total lines
and derived columns, which organisation kinds complete it, and its check rules. The loader checks
every formula and rule against the template before touching the database, then creates or updates
the template in one transaction. Loading the same files again changes nothing.
"""

import tomllib
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
    "line": {"code", "label", "hint", "unit", "allow_negative", "sum_of", "formula"},
    "rule": {"code", "severity", "require", "message", "cell", "each_line", "section"},
}
LENGTHS = {"code": 40, "label": 200, "title": 200, "hint": 300, "name": 200}


class TemplateDataError(ValueError):
    """A data file that does not describe a valid template."""


def data_files(financial_year=None):
    folders = [DATA_DIR / str(financial_year)] if financial_year else sorted(DATA_DIR.iterdir())
    return sorted(path for folder in folders if folder.is_dir() for path in folder.glob("*.toml"))


def load_all():
    """Load every template file of every round folder; returns the templates."""
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
                unknown = [name for name in names if name not in column_codes]
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
    for section in data["sections"]:
        for line in section.get("lines", []):
            for name in _names(_line_formula(line), fail) if _line_formula(line) else []:
                if line_codes.get(name) != section["code"]:
                    fail(f"line '{line['code']}' sums '{name}', which is not a line of its section")
    _check_cycles(data, fail)

    columns_by_section = {
        s["code"]: {c["code"] for c in s.get("columns", [])} for s in data["sections"]
    }
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
        line["code"]: set(Formula(_line_formula(line)).names) if _line_formula(line) else set()
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
    """A rule that refers to another template's cell must name one that exists in the same round."""
    for rule in template.rules:
        for name in Formula(rule["require"]).names:
            if ":" not in name:
                continue
            other_code, _, cell = name.partition(":")
            line, _, column = cell.partition(".")
            exists = Line.objects.filter(
                template__round=template.round,
                template__code=other_code,
                code=line,
                section__columns__code=column,
            ).exists()
            if not exists:
                raise TemplateDataError(
                    f"{template.source}: rule '{rule['code']}' refers to '{name}', "
                    f"which is not a cell of the {template.round.name} templates"
                )


@transaction.atomic
def load_file(path):
    """Create or update the template a data file describes, in the round its folder names."""
    path = Path(path)
    data = read(path)
    financial_year = int(path.parent.name)
    round_, _ = Round.objects.get_or_create(financial_year=financial_year)
    template, _ = Template.objects.update_or_create(
        round=round_,
        code=data["code"],
        defaults={
            "name": data["name"],
            "kind": data["kind"],
            "description": data.get("description", ""),
            "version": data.get("version", 1),
            "organisation_kinds": data.get("completed_by", []),
            "rules": data.get("rules", []),
            "source": f"{path.parent.name}/{path.name}",
            "order": data.get("order", 0),
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
                    "order": line_order,
                },
            )
            kept_lines.append(line.pk)
    template.lines.exclude(pk__in=kept_lines).delete()
    template.sections.exclude(pk__in=kept_sections).delete()
    return template
