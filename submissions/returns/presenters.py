"""What the return pages show, as plain rows: built from selectors' results, with no queries and
no HTTP, so each is tested on its own."""

from django.urls import reverse

from submissions.formatting import format_value
from submissions.models import Return

from .evaluation import parse_cell


def return_url(ret, name="submissions:return"):
    """The URL of one of a return's pages: its data entry page unless `name` says another."""
    round_ = ret.template.round
    return reverse(
        name, args=[round_.financial_year, ret.organisation.ods_code, ret.template.code, ret.stage]
    )


def return_list_rows(organisations, templates, existing):
    """One row per organisation that completes any template: a cell per template and stage, with
    the saved return (or None). `existing` is `selectors.returns_for_organisations`."""
    rows = []
    for organisation in organisations:
        cells = [
            {
                "template": template,
                "stage": stage,
                "ret": existing.get((organisation.pk, template.pk, stage.value)),
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
    field name and the first message about it. Typed text in `raw_cells` is shown as typed."""
    raw_cells = raw_cells or {}
    grid = evaluation.grid
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
                    display = raw_cells[key]
                else:
                    display = format_value(evaluation.values.get(key), unit, exact=is_input)
                cells.append(
                    {
                        "line": line,
                        "column": column,
                        "id": f"cell-{line.code}-{column.code}",
                        "name": f"cell:{line.code}:{column.code}",
                        "is_input": is_input,
                        "unit": unit,
                        "display": display,
                        "message": by_cell.get(key),
                        "conflict": key in conflict_cells,
                    }
                )
            rows.append({"line": line, "cells": cells})
        sections.append({"section": s.section, "columns": s.columns, "rows": rows})
    return sections


def narrative_questions(grid, answers):
    return [
        {
            "section": s.section,
            "questions": [
                {"line": line, "name": f"answer:{line.code}", "text": answers.get(line.code, "")}
                for line in s.lines
            ],
        }
        for s in grid.narrative_sections
    ]


def warning_fields(evaluation, explanations):
    """Each warning with the field its explanation is typed in."""
    return [
        {"message": w, "name": f"explain:{w.key}", "text": explanations.get(w.key, "")}
        for w in evaluation.warnings
    ]


def grid_definition(grid):
    """What static/js/grid.js needs to recompute totals as people type."""
    return {
        "sections": [
            {
                "code": s.code,
                "columns": [
                    {
                        "code": c.code,
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
                        "formula": line.formula,
                        "unit": line.unit,
                        "allow_negative": line.allow_negative,
                    }
                    for line in s.lines
                ],
            }
            for s in grid.grid_sections
        ]
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
