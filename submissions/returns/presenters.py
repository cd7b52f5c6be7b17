"""What the return pages show, as plain rows: built from selectors' results, with no queries and
no HTTP, so each is tested on its own."""

import html
from dataclasses import dataclass, field, replace

from django.urls import reverse
from django.utils.safestring import mark_safe

from planning.formulas import Formula
from submissions.formatting import format_value
from submissions.models import Return
from submissions.models.returns import ANSWER_MAX_LENGTH, EXPLANATION_MAX_LENGTH

from .evaluation import other_template_names, parse_cell

# The most of a typed cell the page shows again after a refused save: no usable number is longer,
# and a page re-showing a 5 MB cell would be 5 MB.
CELL_SHOWN_LENGTH = 100


def return_url(ret, name="submissions:return"):
    """The URL of one of a return's pages: its data entry page unless `name` says another."""
    round_ = ret.template.round
    return reverse(
        name, args=[round_.financial_year, ret.organisation.ods_code, ret.template.code, ret.stage]
    )


def return_list_rows(organisations, templates, existing, *, due=None):
    """One row per organisation that completes any template: a cell per template and stage, with
    the saved return (or None) and, given `due` (`deadlines.DueDates`), its deadline. `existing`
    is `selectors.returns_for_organisations`."""
    rows = []
    for organisation in organisations:
        cells = [
            {
                "template": template,
                "stage": stage,
                "ret": existing.get((organisation.pk, template.pk, stage.value)),
                "due": due.due(organisation.pk, template.kind, stage.value) if due else None,
            }
            for template in templates
            if template.completed_by(organisation)
            for stage in Return.Stage
        ]
        if cells:
            rows.append({"organisation": organisation, "cells": cells})
    return rows


def typed_from_raw(raw_cells):
    """The usable numbers among re-shown form cells, for computing totals around what was typed."""
    typed = {}
    for key, text in raw_cells.items():
        value, error = parse_cell(text)
        if value is not None and not error:
            typed[key] = value
    return typed


def entry_sections(evaluation, *, raw_cells=None, problems=(), conflict_cells=frozenset()):
    """The grid of the data entry page: per section, rows of cells with what each shows, its
    field name, the first message about it (with the code of the rule it comes from, if any) and,
    for a derived cell left blank, a hint saying why. Typed text in `raw_cells` is shown as typed.
    `describedby` lists the ids of the message and hint a screen reader reads with the cell."""
    raw_cells = raw_cells or {}
    grid = evaluation.grid
    rule_codes = {rule["code"] for rule in grid.template.rules}
    hints = blank_hints(grid, evaluation.values)
    sources = line_sources(grid, evaluation.other_templates)
    by_cell = {}
    for message in list(problems) + evaluation.errors + evaluation.warnings:
        if message.line and message.column:
            by_cell.setdefault((message.line, message.column), message)
    sections = []
    for s in grid.grid_sections:
        rows = []
        for line in s.lines:
            cells = []
            for column in s.columns:
                key = (line.code, column.code)
                unit = column.unit or line.unit
                is_input = grid.is_input(line, column)
                if is_input and key in raw_cells:
                    display = (raw_cells[key] or "")[:CELL_SHOWN_LENGTH]
                else:
                    display = format_value(evaluation.values.get(key), unit, exact=is_input)
                cell_id = f"cell-{line.code}-{column.code}"
                message = by_cell.get(key)
                rule = message.key.partition(":")[0] if message else ""
                hint = hints.get(key, "")
                described_by = [f"{cell_id}-message"] if message else []
                if hint:
                    described_by.append(f"{cell_id}-hint")
                if line.code in sources:
                    described_by.append(f"line-{line.code}-source")
                cells.append(
                    {
                        "line": line,
                        "column": column,
                        "id": cell_id,
                        "name": f"cell:{line.code}:{column.code}",
                        "is_input": is_input,
                        "unit": unit,
                        "display": display,
                        "message": message,
                        "rule": rule if rule in rule_codes else "",
                        "hint": hint,
                        "describedby": " ".join(described_by),
                        "conflict": key in conflict_cells,
                    }
                )
            rows.append({"line": line, "cells": cells, "source": sources.get(line.code, "")})
        sections.append({"section": s.section, "columns": s.columns, "rows": rows})
    return sections


@dataclass
class EntryGrid:
    """What the data entry page shows of a return's figures and words, as markup: its grid's
    tables (`sections_html`, templates/submissions/returns/_grid_sections.html), the definition
    static/js/grid.js works from (`definition_json`), the narrative questions and the boxes to
    explain its warnings (`fields_html`, _entry_fields.html); with the warnings (`warning_fields`)
    and the errors listed at the top of the page (`error_summary`). Plain data, so that it can be
    kept in a cache."""

    sections_html: str
    definition_json: str
    fields_html: str
    has_sections: bool
    warnings: list = field(default_factory=list)
    summary: list = field(default_factory=list)


def with_cell_markup(sections, *, can_edit, queries=None):
    """`entry_sections` with each row as HTML (`row["html"]`: its <tr>, the line's header and its
    cells), the markup the data entry page's template would write, written here: a finance
    return has hundreds of cells, and writing them with template tags was most of the page's
    time. `queries` marks the cells and lines with an unresolved query: {(line code, column code
    or None): {"url", "label"}} (`submissions.queries.presenters.grid_marks`); a line's mark is
    `row["query"]`."""
    queries = queries or {}
    for section in sections:
        for row in section["rows"]:
            line = row["line"].code
            row["query"] = queries.get((line, None))
            cells = "".join(
                _cell_markup(cell, can_edit, queries.get((line, cell["column"].code)))
                for cell in row["cells"]
            )
            row["html"] = mark_safe(  # noqa: S308 - every value in it is escaped
                f"{_row_start(row)}\n{cells}\n</tr>"
            )
    return sections


def _row_start(row):
    """A grid row's <tr> and its <th>: the line's label, its unit (unless a count), its hint,
    where its figures come from and the mark of an unresolved query on the whole line."""
    line = row["line"]
    total = " app-grid__row--total" if line.formula else ""
    parts = [
        f'<tr class="nhsuk-table__row{total}" data-line="{_e(line.code)}">',
        f'<th class="nhsuk-table__header" scope="row">{_e(line.label)}',
    ]
    if line.unit != "count":
        parts.append(f' <span class="nhsuk-u-secondary-text-colour">({_e(line.unit)})</span>')
    if line.hint:
        parts.append(
            f'<span class="nhsuk-hint nhsuk-u-font-size-16 nhsuk-u-margin-bottom-0">'
            f"{_e(line.hint)}</span>"
        )
    if row["source"]:
        parts.append(
            f'<span class="nhsuk-hint nhsuk-u-font-size-16 nhsuk-u-margin-bottom-0" '
            f'id="line-{_e(line.code)}-source" data-testid="line-source">{_e(row["source"])}</span>'
        )
    if row["query"]:
        parts.append(" " + query_mark(row["query"], f"{line.label} (the whole line)"))
    parts.append("</th>")
    return "".join(parts)


def query_mark(mark, where):
    """The visible, linked marker of an unresolved query on a cell or line: "Open query", and for
    a screen reader what it is on."""
    return (
        f'<a class="nhsuk-link nhsuk-body-s app-query-mark" href="{_e(mark["url"])}" '
        f'data-testid="query-mark">{_e(mark["label"])}'
        f'<span class="nhsuk-u-visually-hidden"> on {_e(where)}</span></a>'
    )


def _cell_markup(cell, can_edit, query=None):
    """One cell of the grid: <td> with its message and the mark of an unresolved query on it,
    then its input (typed cells, for someone who may edit) or its output (computed cells, or read
    only) and the hint of a blank derived cell. Keep in step with static/js/grid.js, which finds
    cells by these ids and data attributes."""
    message = cell["message"]
    is_error = bool(message) and message.is_error
    cell_id = _e(cell["id"])
    wrap = f" app-cell-wrap--{_e(message.severity)}" if message else ""
    parts = [f'<td class="nhsuk-table__cell nhsuk-table__cell--numeric{wrap}">']
    if query:
        parts.append(query_mark(query, f"{cell['line'].label}, {cell['column'].label}"))
    if message:
        rule = f' data-rule="{_e(cell["rule"])}"' if cell["rule"] else ""
        parts.append(
            f'<span class="{"nhsuk-error-message" if is_error else "app-warning-message"}" '
            f'id="{cell_id}-message"{rule}><span class="nhsuk-u-visually-hidden">'
            f"{'Error:' if is_error else 'Warning:'} </span>{_e(message.text)}</span>"
        )
    line, column = cell["line"], cell["column"]
    where = (
        f'data-line="{_e(line.code)}" data-column="{_e(column.code)}" '
        f'data-unit="{_e(cell["unit"])}"'
    )
    described = f' aria-describedby="{_e(cell["describedby"])}"' if cell["describedby"] else ""
    if cell["is_input"] and can_edit:
        if cell["conflict"]:
            parts.append('<strong class="nhsuk-tag nhsuk-tag--orange">Changed by both</strong>')
        error_class, invalid = (
            (" nhsuk-input--error", ' aria-invalid="true"') if is_error else ("", "")
        )
        parts.append(
            f'<input class="nhsuk-input app-cell{error_class}" id="{cell_id}" '
            f'name="{_e(cell["name"])}" {where} inputmode="decimal" autocomplete="off" '
            f'spellcheck="false" aria-label="{_e(line.label)}, {_e(column.label)}"{described}'
            f'{invalid} value="{_e(cell["display"])}">'
        )
    else:
        parts.append(
            f'<output class="app-cell app-cell--computed" id="{cell_id}" {where}{described}>'
            f"{_e(cell['display'])}</output>"
        )
        if cell["hint"]:
            parts.append(
                f'<span class="app-blank-hint" id="{cell_id}-hint">{_e(cell["hint"])}</span>'
            )
    parts.append("</td>")
    return "\n".join(parts)


def _e(value):
    """A value as the template would write it: escaped, unless already safe (`conditional_escape`
    without its wrapping of every result as safe: hundreds of calls a page)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def line_sources(grid, names):
    """{line code: "From your QIPP plan"} for each line computed from another template's figures,
    so that the page says where a measure's figures come from. `names` maps a template code to its
    name (`Evaluation.other_templates`)."""
    sources = {}
    for line_code, codes in other_template_names(grid).items():
        named = [names.get(code, code) for code in sorted(codes)]
        sources[line_code] = "From your " + " and ".join(named)
    return sources


# Why a derived cell is blank ----------------------------------------------------------------------

NOTHING_TO_COMPARE_WITH = "Blank: nothing to compare with"
_MONTHS = {
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
}


def in_sentence(label):
    """A column's label as it reads inside a sentence: "Planned gross savings" -> "planned gross
    savings"; an acronym, a month or a figure ("CCG adjusted ...", "March 2020 ...", "Q1 2019/20")
    is kept as it is."""
    first = label.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].isalpha() and first[1:].islower() and first not in _MONTHS:
        return label[:1].lower() + label[1:]
    return label


def blank_hint_text(missing):
    """ "Blank: no 2018/19 forecast outturn yet" for the figures (as in a sentence) a blank derived
    cell still needs; "Blank: nothing to compare with" when it needs none (a division by zero)."""
    if not missing:
        return NOTHING_TO_COMPARE_WITH
    names = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} or {missing[-1]}"
    return f"Blank: no {names} yet"


def blank_hints(grid, values):
    """{(line, column): hint} for each derived cell (a column with a formula) that is blank although
    something it is made from has been given: blank because a figure it needs is blank ("Blank: no
    2018/19 forecast outturn yet") or because it divides by zero or by a blank total ("Blank:
    nothing to compare with"). A row nobody has started gets no hints: blank there says itself.
    static/js/grid.js `blankHint` keeps the same hints as people type."""
    hints = {}
    for s in grid.grid_sections:
        formulas = {c.code: grid.column_formulas[(s.code, c.code)] for c in s.columns if c.formula}
        if not formulas:
            continue
        order = [c.code for c in s.columns]
        named = {c.code: in_sentence(c.label) for c in s.columns}
        made_from = {code: _bases(code, formulas, lambda f: f.names) for code in formulas}
        needs = {
            code: _bases(code, formulas, lambda formula: formula.required_names)
            for code in formulas
        }
        for line in s.lines:
            for code in formulas:
                if values.get((line.code, code)) is not None:
                    continue
                if all(values.get((line.code, base)) is None for base in made_from[code]):
                    continue
                missing = [
                    named[base]
                    for base in order
                    if base in needs[code] and values.get((line.code, base)) is None
                ]
                hints[(line.code, code)] = blank_hint_text(missing)
    return hints


def _bases(code, formulas, names_of, seen=None):
    """The typed (or summed) columns a derived column is made from, through other derived columns,
    following `names_of(formula)`."""
    seen = set() if seen is None else seen
    bases = set()
    for name in names_of(formulas[code]):
        if name in formulas:
            if name not in seen:
                seen.add(name)
                bases |= _bases(name, formulas, names_of, seen)
        else:
            bases.add(name)
    return bases


# A refused answer or explanation is shown again as typed, so that it can be shortened, unless it
# is more than this many times its limit (a pasted 5 MB file): then only its first `limit`
# characters are shown, and the page says so. Never the whole of a huge text, never cut silently.
SHOWN_AGAIN_TIMES_LIMIT = 10


def shown_again(text, limit):
    """What a text box shows of `text`: {"text", "cut"}, `cut` saying so when it shows only the
    first `limit` characters of a huge text ("" otherwise)."""
    text = text or ""
    if len(text) > SHOWN_AGAIN_TIMES_LIMIT * limit:
        cut = (
            f"What you typed has {len(text):,} characters, too many to show again: the box shows "
            f"its first {limit:,}."
        )
        return {"text": text[:limit], "cut": cut}
    return {"text": text, "cut": ""}


def narrative_questions(grid, answers, problems=()):
    """Each narrative question with its answer (as typed, when a save was refused) and the error
    about it, if any, shown next to its box."""
    errors = {m.field: m for m in problems if m.field}
    return [
        {
            "section": s.section,
            "questions": [
                {
                    "line": line,
                    "id": f"answer-{line.code}",
                    "name": f"answer:{line.code}",
                    "message": errors.get(f"answer-{line.code}"),
                    "max_length": ANSWER_MAX_LENGTH,
                    **shown_again(answers.get(line.code), ANSWER_MAX_LENGTH),
                }
                for line in s.lines
            ],
        }
        for s in grid.narrative_sections
    ]


def warning_fields(evaluation, explanations, problems=()):
    """Each warning with the field its explanation is typed in (as typed, when a save was refused),
    and the error about that explanation, if any, shown next to it."""
    errors = {m.key: m for m in problems if m.key and not m.line}
    return [
        {
            "message": w,
            "id": f"explain-{number}",
            "name": f"explain:{w.key}",
            "error": errors.get(w.key),
            "max_length": EXPLANATION_MAX_LENGTH,
            **shown_again(explanations.get(w.key), EXPLANATION_MAX_LENGTH),
        }
        for number, w in enumerate(evaluation.warnings, start=1)
    ]


def error_summary(problems, evaluation, warnings):
    """The errors listed at the top of the page, each linking to the field it is about: an
    explanation's error links to that explanation's box (`warning_fields`)."""
    boxes = {w["error"]: w["id"] for w in warnings if w["error"]}
    linked = [replace(m, field=boxes[m]) if m in boxes else m for m in problems if m.is_error]
    return linked + evaluation.errors


def grid_definition(grid, other_values=None):
    """What static/js/grid.js needs to recompute totals, hints and rules as people type.

    `other_values` are the computed values of the other templates the grid's formulas refer to
    (`Evaluation.other_values`), as {template code: {"line.column": "decimal"}}, so that a measure
    such as QIPP as % of allocation moves as the allocation is typed.

    `rules` are the template's rules the browser can check from this return's own figures; a rule
    that refers to another template ("finance:total_income.budget") is left to the server, which
    checks it on every save with the other template's saved figures (`rules_left_to_server`)."""
    rules, left_to_server = [], []
    for rule in grid.template.rules:
        if any(":" in name for name in Formula(rule["require"]).names):
            left_to_server.append(rule["code"])
            continue
        rules.append(
            {
                "code": rule["code"],
                "severity": rule["severity"],
                "cell": rule["cell"],
                "require": rule["require"],
                "message": rule["message"],
                "each_line": bool(rule.get("each_line")),
                "section": rule.get("section", ""),
            }
        )
    return {
        "sections": [
            {
                "code": s.code,
                "columns": [
                    {
                        "code": c.code,
                        "label": c.label,
                        "in_sentence": in_sentence(c.label),
                        "formula": c.formula,
                        "unit": c.unit,
                        "allow_negative": c.allow_negative,
                        "sums_lines": c.sums_lines,
                    }
                    for c in s.columns
                ],
                "lines": [
                    {
                        "code": line.code,
                        "label": line.label,
                        "formula": line.formula,
                        "unit": line.unit,
                        "allow_negative": line.allow_negative,
                    }
                    for line in s.lines
                ],
            }
            for s in grid.grid_sections
        ],
        "rules": rules,
        "rules_left_to_server": left_to_server,
        "other_values": {
            code: {
                f"{line}.{column}": f"{value.normalize():f}"
                for (line, column), value in values.items()
                if value is not None
            }
            for code, values in (other_values or {}).items()
        },
    }


def merge_conflict(current, theirs, raw_cells):
    """After a refused stale save: the saved values with this person's edits on top.

    `current` is the saved typed values, `theirs` the changes others made since this person's
    version (oldest first), `raw_cells` what this person sent. Returns (merged texts, the cells
    this person changed, the cells both changed)."""
    base = dict(current)
    for change in reversed(theirs):
        if change.kind == "value":
            base[(change.line.code, change.column.code)] = parse_cell(change.old)[0]
    merged = {key: format_value(value, "", exact=True) for key, value in current.items()}
    mine = set()
    for key, raw in raw_cells.items():
        value, error = parse_cell(raw)
        if error or value != base.get(key):
            merged[key] = raw
            mine.add(key)
    theirs_cells = {(c.line.code, c.column.code) for c in theirs if c.kind == "value"}
    return merged, mine, mine & theirs_cells


def comparison(draft, final, draft_answers, final_answers):
    """Draft and final evaluations side by side: rows with both figures and whether they differ,
    the narrative answers of both, and how many typed cells changed."""
    grid = draft.grid
    sections = []
    changed = 0
    for s in grid.grid_sections:
        rows = []
        for line in s.lines:
            cells = []
            for column in s.columns:
                unit = column.unit or line.unit
                a = draft.values.get((line.code, column.code))
                b = final.values.get((line.code, column.code))
                differs = a != b
                changed += differs and grid.is_input(line, column)
                cells.append(
                    {
                        "draft": format_value(a, unit),
                        "final": format_value(b, unit),
                        "differs": differs,
                    }
                )
            rows.append({"line": line, "cells": cells})
        sections.append({"section": s.section, "columns": s.columns, "rows": rows})
    narratives = [
        {
            "line": line,
            "draft": draft_answers.get(line.code, ""),
            "final": final_answers.get(line.code, ""),
        }
        for s in grid.narrative_sections
        for line in s.lines
    ]
    return {"sections": sections, "narratives": narratives, "changed": changed}
