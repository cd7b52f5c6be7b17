"""What the plan pages and exports show, as plain rows: built from selectors' results, with no
queries and no HTTP, so each is tested on its own."""

from django.urls import reverse

from submissions.formatting import format_value

from .selectors import headline

EXPORT_FIELDS = [
    "system",
    "round",
    "template",
    "stage",
    "plan_version",
    "approved_at",
    "section",
    "line_code",
    "line_label",
    "column_code",
    "column_label",
    "unit",
    "is_total_or_derived",
    "value",
]


def plan_url(system, template, stage, name="submissions:plan"):
    return reverse(name, args=[system.code, template.round.financial_year, template.code, stage])


def export_name(plan):
    """The file name of an export, without its extension."""
    year = plan.template.round.financial_year
    return f"{plan.system.code}-{plan.template.code}-{year}-{plan.stage}-v{plan.version}"


def plan_sections(figures, previous_values=None):
    """Each section of a plan: rows of formatted cells, the headline column against last round's
    approved plan (when there is one), and a bar chart of the headline column."""
    sections = []
    for s in figures.grid.grid_sections:
        column = headline(s)
        rows = []
        for line in s.lines:
            now = figures.values.get((line.code, column))
            before = (previous_values or {}).get((line.code, column))
            change = None if now is None or not before else (now - before) / before * 100
            rows.append(
                {
                    "line": line,
                    "cells": [
                        format_value(figures.values.get((line.code, c.code)), c.unit or line.unit)
                        for c in s.columns
                    ],
                    "previous": format_value(before, line.unit) if previous_values else "",
                    "change": format_value(change, "%") if change is not None else "",
                    "headline": now,
                }
            )
        sections.append(
            {
                "section": s.section,
                "columns": s.columns,
                "rows": rows,
                "headline": next(c for c in s.columns if c.code == column),
                "chart": chart(rows),
            }
        )
    return sections


def chart(rows, width=480):
    """Bars for the headline column, drawn on the server as SVG (the table holds the same data)."""
    values = [r["headline"] for r in rows if r["headline"] is not None]
    largest = max((abs(v) for v in values), default=0)
    bars = []
    for index, row in enumerate(rows):
        value = row["headline"] or 0
        length = float(abs(value) / largest * width) if largest else 0
        bars.append(
            {
                "y": index * 28,
                "length": round(length, 1),
                "label": row["line"].label,
                "value": format_value(row["headline"], row["line"].unit),
                "negative": value < 0,
            }
        )
    return {"bars": bars, "height": len(rows) * 28, "width": width}


def formatted_changes(changes):
    """`selectors.differences` with the old and new figures formatted."""
    return [
        {**c, "old": format_value(c["old"], c["unit"]), "new": format_value(c["new"], c["unit"])}
        for c in changes
    ]


def line_rows(plan, section, line, per_org):
    """One line's drill-down: each included partner's share and weighted contribution."""
    return [
        {
            "input": item,
            "share_pct": format_value(float(item["share"]) * 100, "count"),
            "cells": [
                format_value(
                    per_org.get(item["organisation_id"], {}).get((line.code, c.code)),
                    c.unit or line.unit,
                )
                for c in section.columns
            ],
        }
        for item in plan.included
    ]


def line_total(figures, section, line):
    return [
        format_value(figures.values.get((line.code, c.code)), c.unit or line.unit)
        for c in section.columns
    ]


def alignment_rows(rows):
    """`selectors.alignment` with each figure formatted for display."""
    for row in rows:
        unit = row["line"].unit
        row["display"] = {
            "commissioners": format_value(row["commissioners"], unit),
            "providers": format_value(row["providers"], unit),
            "gap": format_value(row["gap"], unit),
            "gap_pct": format_value(row["gap_pct"], "%"),
        }
    return rows


def export_rows(plan, figures):
    """Every cell of a plan, one dict per cell, with the fields of EXPORT_FIELDS."""
    for s in figures.grid.grid_sections:
        for line in s.lines:
            for column in s.columns:
                value = figures.values.get((line.code, column.code))
                yield {
                    "system": plan.system.code,
                    "round": plan.template.round.name,
                    "template": plan.template.code,
                    "stage": plan.stage,
                    "plan_version": plan.version,
                    "approved_at": plan.approved_at.isoformat() if plan.approved_at else "",
                    "section": s.code,
                    "line_code": line.code,
                    "line_label": line.label,
                    "column_code": column.code,
                    "column_label": column.label,
                    "unit": column.unit or line.unit,
                    "is_total_or_derived": not figures.grid.is_input(line, column),
                    "value": "" if value is None else str(value),
                }


def export_document(plan, figures):
    """The JSON export: the plan's provenance, its inputs and every cell."""
    return {
        "system": plan.system.code,
        "round": plan.template.round.name,
        "template": plan.template.code,
        "stage": plan.stage,
        "plan_version": plan.version,
        "built_at": plan.built_at.isoformat(),
        "approved_at": plan.approved_at.isoformat() if plan.approved_at else None,
        "approved_by": plan.approved_by.get_username() if plan.approved_by else None,
        "inputs": [
            {
                "ods_code": i["ods_code"],
                "organisation": i["name"],
                "role": i["role"],
                "share": i["share"],
                "status": i["status"],
                "is_late": i["is_late"],
                "included": i["included"],
                "return_version": i["return_version"],
            }
            for i in plan.inputs
        ],
        "cells": list(export_rows(plan, figures)),
    }
