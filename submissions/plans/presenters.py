"""What the plan pages and exports show, as plain rows: built from selectors' results, with no
queries and no HTTP, so each is tested on its own."""

import math
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from submissions.formatting import format_value
from submissions.queries import selectors as query_selectors
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
                    "standard": standard_text(line),
                }
            )
        sections.append(
            {
                "section": s.section,
                "columns": s.columns,
                "rows": rows,
                "headline": next(c for c in s.columns if c.code == column),
                "chart": chart(rows),
                "not_added_up": not_added_up(figures.grid, s),
            }
        )
    return sections


def not_added_up(grid, section):
    """What a plan leaves blank because it cannot be added up across partners: percentages each
    partner types (last year's growth %, a trajectory typed as a %), named by column when every
    line of it is typed, else by line. A rate the template computes from counts (patients seen
    within 4 hours over attendances) is the system's rate, and is not listed. Every cell of the
    section a typed rate: the lines are named."""
    typed_rate = {
        (line.code, column.code)
        for line in section.lines
        for column in section.columns
        if grid.is_input(line, column) and (column.unit or line.unit) == "%"
    }
    whole_columns = [
        column
        for column in section.columns
        if section.lines and all((line.code, column.code) in typed_rate for line in section.lines)
    ]
    if len(whole_columns) == len(section.columns):
        whole_columns = []  # every cell is a typed rate: the lines say more than the quarters
    names = [column.label for column in whole_columns]
    left = typed_rate - {
        (line.code, column.code) for line in section.lines for column in whole_columns
    }
    names += [line.label for line in section.lines if any(key[0] == line.code for key in left)]
    return names


def in_sentence(name):
    """A template's name inside a sentence: "Finance plan" as "finance plan", "QIPP plan" kept."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def other_plans(others):
    """What the plan's measures that refer to another template read, one sentence each: that
    template's newest plan version, or none yet (those measures are blank)."""
    sentences = []
    for code, other in sorted(others.items()):
        name = in_sentence(other["template"].name) if other["template"] else f"{code} plan"
        if other["plan"] is None:
            sentences.append(
                f"Measures that refer to the {name} are blank: no system {name} of this stage "
                "has been built yet."
            )
        else:
            sentences.append(
                f"Measures that refer to the {name} read its newest version, "
                f"version {other['plan'].version}."
            )
    return sentences


def standard_text(line):
    """The national standard a rate line is quoted against ("95.0%"), or ""."""
    if line.standard is None:
        return ""
    text = format_value(line.standard, line.unit)
    return f"{text}%" if line.unit == "%" else text


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


def line_rows(plan, section, line, per_org, queries=None):
    """One line's drill-down: each included partner's share and weighted contribution, and the
    partner's unresolved queries on the line: `marked` pairs each cell with the query on it, and
    `line_query` is a query on the whole line. `queries` is
    `queries.selectors.open_on_plan_line` for the partners' returns (the view reads it)."""
    in_total = {i["organisation_id"] for i in population(plan.inputs)}
    queries = queries or {}
    rows = []
    for item in plan.included:
        cells = [
            format_value(
                per_org.get(item["organisation_id"], {}).get((line.code, c.code)),
                c.unit or line.unit,
            )
            for c in section.columns
        ]
        name = item["name"]
        marks = [
            _query_mark(
                queries.get((item["return_id"], c.code)), f"{name}: {line.label}, {c.label}"
            )
            for c in section.columns
        ]
        rows.append(
            {
                "input": item,
                "in_total": item["organisation_id"] in in_total,
                "share_pct": share_percent(item["share"]),
                "cells": cells,
                "marked": list(zip(cells, marks, strict=True)),
                "line_query": _query_mark(
                    queries.get((item["return_id"], None)), f"{name}: {line.label}"
                ),
            }
        )
    return rows


def _query_mark(query, where):
    """What the drill-down shows of an unresolved query: its page, its label and, for a screen
    reader, what it is on."""
    if query is None:
        return None
    label = "Open query" if query.status == query.Status.OPEN else "Answered query"
    return {"url": query_selectors.query_url(query.ret, query.pk), "label": label, "where": where}


def share_percent(share):
    """A share as people read it, the same on every page and export: '50', '12.5', '33.3'."""
    text = format_value(Decimal(share) * 100, "%")
    return text.removesuffix(".0")


def is_rounded(parts, total, unit):
    """Whether figures shown rounded at `unit`'s precision no longer add up to the total shown."""
    shown = [Decimal(format_value(v, unit).replace(",", "") or 0) for v in parts]
    return sum(shown) != Decimal(format_value(total, unit).replace(",", "") or 0)


def system_control_total(control):
    """`selectors.system_control_total` as the plan page shows it: the split (commissioners X +
    providers Y = system Z), each partner's row, the partners with no submitted figure, and the
    plan version each part comes from."""
    partners = [
        {
            **p,
            "share_pct": share_percent(p["share"]),
            "role_label": p["role"].capitalize(),
            "control_total_display": format_value(p["control_total"], "£000"),
            "weighted_display": format_value(p["weighted"], "£000"),
        }
        for p in control["partners"]
    ]
    parts = [p["weighted"] for p in control["partners"] if p["weighted"] is not None]
    return {
        "commissioners": format_value(control["commissioners"], "£000"),
        "providers": format_value(control["providers"], "£000"),
        "total": format_value(control["total"], "£000"),
        "partners": partners,
        "missing": [_missing_reason(p) for p in control["missing"]],
        "sources": [
            {
                "template": u["template"],
                "role": u["role"],
                "plan": u["plan"],
                "text": _source_text(u),
            }
            for u in control["plans"]
        ],
        "rounded": bool(parts) and is_rounded(parts, control["total"], "£000"),
    }


def _source_text(used):
    who = "Commissioners" if used["role"] == "commissioner" else "Providers"
    plan = used["plan"]
    if plan is None:
        return f"{who}: no system {in_sentence(used['template'].name)} has been built yet."
    approved = "approved" if plan.approved_at else "not yet approved"
    return (
        f"{who}: system {in_sentence(used['template'].name)}, version {plan.version} ({approved})."
    )


def _missing_reason(partner):
    """A partner with no control total, and why: no submission, or the cell left blank."""
    name = partner["organisation"].name
    template = in_sentence(partner["template"].name)
    if not partner["included"]:
        return f"{name} has not submitted its {template}"
    return f"{name} left its control total blank in its {template}"


def _percent(share):
    """A share as an exact percentage for exports: 0.5 is "50", 1/3 is "33.3333333333"."""
    return f"{(share * 100).normalize():f}"


def _decimal_text(value):
    return "" if value is None else str(value)


def control_total_export_rows(plan, control):
    """The system control total as rows of EXPORT_FIELDS (section "system_control_total"): the
    commissioners', providers' and system lines, then each partner's share, own control total
    and share-weighted figure. A blank is an empty value, never 0. `template` and
    `plan_version` name the plan each figure comes from."""
    by_role = {u["role"]: u for u in control["plans"]}

    def row(source, line_code, line_label, column_code, column_label, unit, derived, value):
        source_plan = source["plan"] if source else plan
        template = source["template"].code if source else plan.template.code
        approved_at = source_plan.approved_at if source_plan else None
        return {
            "system": plan.system.code,
            "round": plan.template.round.name,
            "template": template,
            "stage": plan.stage,
            "plan_version": source_plan.version if source_plan else "",
            "approved_at": approved_at.isoformat() if approved_at else "",
            "section": "system_control_total",
            "line_code": line_code,
            "line_label": line_label,
            "column_code": column_code,
            "column_label": column_label,
            "unit": unit,
            "is_total_or_derived": derived,
            "value": value,
        }

    weighted = ("weighted", "Share-weighted control total")
    for role, label in (("commissioner", "Commissioners"), ("provider", "Providers")):
        part = control["commissioners" if role == "commissioner" else "providers"]
        yield row(
            by_role.get(role),
            f"{role}s",
            f"{label}' control totals, share-weighted",
            *weighted,
            "£000",
            True,
            _decimal_text(part),
        )
    yield row(
        None,
        "system",
        "System control total (commissioners plus providers)",
        *weighted,
        "£000",
        True,
        _decimal_text(control["total"]),
    )
    for p in control["partners"]:
        source = {"template": p["template"], "plan": p["plan"]}
        org = p["organisation"]
        label = f"{org.name} ({p['role']})"
        yield row(source, org.ods_code, label, "share", "Share", "%", False, _percent(p["share"]))
        yield row(
            source,
            org.ods_code,
            label,
            "control_total",
            "Control total",
            "£000",
            False,
            _decimal_text(p["control_total"]),
        )
        yield row(
            source, org.ods_code, label, *weighted, "£000", True, _decimal_text(p["weighted"])
        )


def control_total_document(control):
    """The system control total for the JSON export: the split, each partner, and who is missing."""
    return {
        "total": _decimal_text(control["total"]) or None,
        "commissioners": _decimal_text(control["commissioners"]) or None,
        "providers": _decimal_text(control["providers"]) or None,
        "plans": [
            {
                "template": u["template"].code,
                "role": u["role"],
                "plan_version": u["plan"].version if u["plan"] else None,
                "approved": bool(u["plan"] and u["plan"].approved_at),
            }
            for u in control["plans"]
        ],
        "partners": [
            {
                "ods_code": p["organisation"].ods_code,
                "organisation": p["organisation"].name,
                "role": p["role"],
                "template": p["template_code"],
                "share": str(p["share"]),
                "control_total": _decimal_text(p["control_total"]) or None,
                "weighted": _decimal_text(p["weighted"]) or None,
            }
            for p in control["partners"]
        ],
        "missing": [_missing_reason(p) for p in control["missing"]],
    }


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
        if column.formula or (column.unit or line.unit) == "%":
            continue  # derived columns and rates (a %) are not sums of the partners' figures
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
        **(
            {"control_total": control_total_document(figures.control_total)}
            if figures.control_total is not None
            else {}
        ),
    }


def csv_rows(plan, figures):
    """The CSV export's rows: every cell, then for a finance plan the system control total."""
    yield from export_rows(plan, figures)
    if figures.control_total is not None:
        yield from control_total_export_rows(plan, figures.control_total)


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
