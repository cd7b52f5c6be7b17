"""The filters, counts and pages of the two lists of returns (the returns list and a system's
completeness matrix). Filters come from the query string (a GET form that works without
JavaScript) and are kept only when they name a choice the page offered: the choices are built
from the systems, organisations and templates the user may read, so a typed id of anything else
filters nothing and shows nothing more. No queries here."""

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from submissions.models import Return

NOT_STARTED, IN_PROGRESS = "not_started", "in_progress"
STATUSES = [
    (NOT_STARTED, "Not started"),
    (IN_PROGRESS, "In progress"),
    (Return.Status.SUBMITTED.value, "Submitted"),
    (Return.Status.ACCEPTED.value, "Accepted"),
    (Return.Status.RETURNED.value, "Returned"),
]
SUBMITTED_STATUSES = (Return.Status.SUBMITTED.value, Return.Status.ACCEPTED.value)


def cell_status(ret):
    """The status a filter names for a return (None or unsaved: not started)."""
    if ret is None or ret.pk is None:
        return NOT_STARTED
    return IN_PROGRESS if ret.status == Return.Status.DRAFT else ret.status


def is_late(ret, due, today):
    """Submitted after its deadline, or not submitted and its deadline (with any extension) has
    passed."""
    if ret is not None and ret.pk is not None and ret.is_late:
        return True
    return cell_status(ret) not in SUBMITTED_STATUSES and due is not None and due.last_day < today


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool = False


@dataclass
class ListFilters:
    """What the query string asks for, among the choices offered. `systems`, `organisations` and
    `templates` are (value, label) pairs the user may read; values are matched without regard to
    case. The chosen ones are kept as the offered value."""

    system: str = ""
    organisation: str = ""
    template: str = ""
    statuses: tuple = ()
    late: bool = False
    choices: dict = field(default_factory=dict)

    @classmethod
    def from_query(cls, query, *, systems=(), organisations=(), templates=()):
        offered = {
            "system": list(systems),
            "organisation": list(organisations),
            "template": list(templates),
        }

        def one(name):
            wanted = (query.get(name) or "").strip().casefold()
            return next((v for v, _ in offered[name] if wanted and v.casefold() == wanted), "")

        known = [value for value, _ in STATUSES]
        asked = set(query.getlist("status")) if hasattr(query, "getlist") else set()
        statuses = tuple(value for value in known if value in asked)
        filters = cls(
            system=one("system"),
            organisation=one("organisation"),
            template=one("template"),
            statuses=statuses,
            late=query.get("late") == "yes",
        )
        filters.choices = {
            name: [Choice(v, label, v == getattr(filters, name)) for v, label in pairs]
            for name, pairs in offered.items()
        }
        filters.choices["status"] = [Choice(v, label, v in statuses) for v, label in STATUSES]
        return filters

    def showing(self, name, value):
        """The filters with `value` shown as chosen for `name` when nothing else is (the
        system whose matrix is open, say), without filtering by it."""
        if not getattr(self, name):
            self.choices[name] = [replace(c, selected=c.value == value) for c in self.choices[name]]
        return self

    @property
    def is_active(self):
        return bool(self.system or self.organisation or self.template or self.statuses or self.late)

    def matches(self, ret, late):
        """Whether a return (or None: not started) with this lateness passes the status and late
        filters (the others are applied to the organisations and templates read)."""
        if self.statuses and cell_status(ret) not in self.statuses:
            return False
        return late or not self.late

    def query_items(self):
        """The filters as (name, value) pairs, for links that keep them."""
        items = [(n, getattr(self, n)) for n in ("system", "organisation", "template")]
        items = [(n, v) for n, v in items if v]
        items += [("status", s) for s in self.statuses]
        return items + ([("late", "yes")] if self.late else [])


def summary(cells):
    """ "4 of 30 returns submitted, 2 late" for cells with "ret" and "late": submitted counts
    submitted and accepted returns."""
    total = len(cells)
    submitted = sum(cell_status(c["ret"]) in SUBMITTED_STATUSES for c in cells)
    late = sum(bool(c["late"]) for c in cells)
    noun = "return" if total == 1 else "returns"
    return {
        "total": total,
        "submitted": submitted,
        "late": late,
        "text": f"{submitted} of {total} {noun} submitted, {late} late",
    }


def query_string(items, **extra):
    """`items` (pairs) and `extra` as a query string starting "?" (empty values left out)."""
    pairs = [(k, v) for k, v in list(items) + list(extra.items()) if v not in ("", None)]
    return "?" + urlencode(pairs) if pairs else "?"


def page_of(rows, page_text, *, per_page, items=()):
    """One page of `rows`: {"rows", "number", "count", "items", "previous", "next"} where items
    are the NHS.UK numbered pagination's links (with an ellipsis where pages are left out) and
    every link keeps `items` (the round and filters). A page that is not a whole number from 1 to
    the last is page 1."""
    count = max(1, -(-len(rows) // per_page))
    text = page_text or ""
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else 1
    number = number if 1 <= number <= count else 1

    def href(n):
        return query_string(items, page=n if n > 1 else "")

    shown = sorted({1, count, number - 1, number, number + 1} & set(range(1, count + 1)))
    links, last = [], 0
    for n in shown:
        if n > last + 1:
            links.append({"ellipsis": True})
        links.append({"number": n, "href": href(n), "current": n == number})
        last = n
    return {
        "rows": rows[(number - 1) * per_page : number * per_page],
        "number": number,
        "count": count,
        "items": links if count > 1 else [],
        "previous": href(number - 1) if number > 1 else "",
        "next": href(number + 1) if number < count else "",
    }


def filtered_list_rows(rows, filters, *, today):
    """The returns list's rows (`presenters.return_list_rows`) with each cell's lateness
    ("late"), keeping the cells that pass the status and late filters and the organisations left
    with any; and every kept cell, for the summary."""
    kept_rows, kept_cells = [], []
    for row in rows:
        cells = []
        for cell in row["cells"]:
            late = is_late(cell["ret"], cell["due"], today)
            if filters.matches(cell["ret"], late):
                cells.append({**cell, "late": late})
        if cells:
            kept_rows.append({**row, "cells": cells})
            kept_cells += cells
    return kept_rows, kept_cells


def filtered_matrix(templates, rows, filters, *, due, stage, today):
    """The completeness matrix (`plans.selectors.completeness`) filtered: the template columns
    asked for, and the partners with a return that passes the filters (every partner when no
    filter is set), each applicable cell with its deadline ("due") and lateness ("late"). Returns
    (columns, rows, the applicable cells that pass the filters)."""
    columns = [t for t in templates if not filters.template or t.code == filters.template]
    kept_rows, kept_cells = [], []
    for row in rows:
        organisation = row["membership"].organisation
        if filters.organisation and organisation.ods_code != filters.organisation:
            continue
        cells, matching = [], []
        for cell in row["cells"]:
            if cell["template"] not in columns:
                continue
            if cell["applies"]:
                deadline = due.due(organisation.pk, cell["template"].kind, stage)
                late = is_late(cell["ret"], deadline, today)
                cell = {**cell, "due": deadline, "late": late}
                if filters.matches(cell["ret"], late):
                    matching.append(cell)
            cells.append(cell)
        if matching or not filters.is_active:
            kept_rows.append({**row, "cells": cells})
            kept_cells += matching
    return columns, kept_rows, kept_cells
