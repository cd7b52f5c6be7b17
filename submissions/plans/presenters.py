"""What the plan pages and exports show, as plain rows: built from selectors' results, with no
queries and no HTTP, so each is tested on its own."""

import math
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from submissions.formatting import format_value
from submissions.queue import expected_build_at

from .selectors import headline, population, settled

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
                    "headline_display": format_value(now, line.unit),
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
    in_total = {i["organisation_id"] for i in population(plan.inputs)}
    return [
        {
            "input": item,
            "in_total": item["organisation_id"] in in_total,
            "share_pct": share_percent(item["share"]),
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


def share_percent(share):
    """A share as people read it, the same on every page and export: '50', '12.5', '33.3'."""
    text = format_value(Decimal(share) * 100, "%")
    return text.removesuffix(".0")


def is_rounded(parts, total, unit):
    """Whether figures shown rounded at `unit`'s precision no longer add up to the total shown."""
    shown = [Decimal(format_value(v, unit).replace(",", "") or 0) for v in parts]
    return sum(shown) != Decimal(format_value(total, unit).replace(",", "") or 0)


def control_total_is_rounded(control):
    """Whether the partners' surpluses, shown in whole £000, fail to add up to the total shown."""
    if not control:
        return False
    parts = [r["value"] for r in control["rows"] if r["value"] is not None]
    return bool(parts) and is_rounded(parts, control["total"], "£000")


def line_is_rounded(plan, section, line, per_org, figures):
    """Whether the drill-down's partners in the system total, shown rounded, fail to add up to
    the system figure shown (then the page says that figures are rounded)."""
    in_total = [i["organisation_id"] for i in population(plan.included)]
    for column in section.columns:
        if column.formula:
            continue  # derived columns (a %) are not sums of the partners' figures
        parts = [per_org.get(org, {}).get((line.code, column.code)) for org in in_total]
        parts = [p for p in parts if p is not None]
        total = figures.values.get((line.code, column.code))
        if parts and total is not None and is_rounded(parts, total, column.unit or line.unit):
            return True
    return False


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


def provenance(plan, now):
    """Each partner as the version recorded it (`then`) beside how it stands `now` (None when it
    is no longer a partner), so a partner under amendment is marked on the plan page."""
    by_id = {i["organisation_id"]: i for i in now}
    in_total = {i["organisation_id"] for i in population(plan.inputs)}
    return [
        {
            "then": i,
            "now": by_id.get(i["organisation_id"]),
            "share": share_percent(i["share"]),
            "in_total": i["organisation_id"] in in_total,
        }
        for i in plan.inputs
    ]


def approval_partners(inputs, checked=()):
    """Each partner for the approval page: whether its accepted submission stands, and if not,
    what there is instead (the lead must name these to approve without them)."""
    rows = []
    for item in inputs:
        if settled(item):
            state = f"Submission {item['submission_number']} accepted"
        elif not item["included"]:
            state = "Not submitted" if item["status"] == "not_started" else "In progress"
        elif item["under_amendment"]:
            state = f"Submission {item['submission_number']} under amendment"
        else:
            state = f"Submission {item['submission_number']} submitted, not yet accepted"
        ticked = str(item["organisation_id"]) in set(checked)
        rows.append({"input": item, "settled": settled(item), "state": state, "checked": ticked})
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


def export_document(plan, figures, now=()):
    """The JSON export: the plan's provenance, its inputs (with whether each is under amendment
    now, from `now`, the inputs as they stand) and every cell."""
    amending = {i["organisation_id"] for i in now if i["under_amendment"]}
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
                "submission_number": i.get("submission_number"),
                "under_amendment": i["organisation_id"] in amending,
            }
            for i in plan.inputs
        ],
        "approval_note": plan.approval_note,
        "approval_exceptions": plan.approval_exceptions,
        "cells": list(export_rows(plan, figures)),
    }


def freshness(newest, state, now=None):
    """The newest version, and whether a new one is on its way: `build` is "queued" (expected at
    `expected_at`), "building" (its task has started), "waiting" (the queue could not be reached,
    or did not run it: the periodic rebuild will), or None when the plan is up to date."""
    now = now or timezone.now()
    stale = bool(state and state.is_stale)
    build, expected_at, expected_in = None, None, None
    if stale and state.scheduled_until and state.scheduled_until > now:
        build = "queued"
        expected_at = expected_build_at(state)
        expected_in = max(0, math.ceil((expected_at - now).total_seconds()))
    elif stale:
        build = "waiting" if (state.scheduled_until or state.last_error) else "building"
    return {
        "version": newest["version"] if newest else None,
        "built_at": newest["built_at"].isoformat() if newest else None,
        "stale": stale,
        "build": build,
        "expected_at": expected_at.isoformat() if expected_at else None,
        "expected_in_seconds": expected_in,
        "message": _build_message(build, expected_at, expected_in),
        "error": state.last_error if stale else "",
    }


def _build_message(build, expected_at, expected_in):
    if build == "queued":
        when = timezone.localtime(expected_at).strftime("%H:%M")
        return f"A new version is being built, expected by {when} ({_in_about(expected_in)})."
    if build == "building":
        return "A new version is being built now."
    if build == "waiting":
        return "It will be rebuilt shortly, or build it now."
    return ""


def _in_about(seconds):
    """How soon, as a reader wants it ("in about 20 seconds"), not a stopwatch."""
    if seconds <= 0:
        return "any moment now"
    if seconds < 10:
        return "in a few seconds"
    if 5 * round(seconds / 5) < 60:
        return f"in about {5 * round(seconds / 5)} seconds"
    minutes = round(seconds / 60)
    return "in about a minute" if minutes == 1 else f"in about {minutes} minutes"
