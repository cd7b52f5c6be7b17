"""What the query pages, the return's grid and history show of queries, as plain values: built
from selectors' results, with no queries and no HTTP."""

from django.utils.timezone import localtime

from submissions.models import Query

from .selectors import query_url, where


def status_tag(query):
    """The NHS.UK tag colour of a query's status."""
    return {
        Query.Status.OPEN: "yellow",
        Query.Status.ANSWERED: "blue",
        Query.Status.RESOLVED: "grey",
    }[query.status]


def grid_marks(ret, queries):
    """{(line code, column code or None): {"url", "label", "status"}} for each unresolved query of
    the return, the first raised for a cell winning: what the grid marks. None for a line."""
    marks = {}
    for query in sorted(queries, key=lambda q: (q.raised_at, q.pk)):
        if not query.is_open:
            continue
        key = (query.line.code, query.column.code if query.column_id else None)
        if key in marks:
            continue
        label = "Open query" if query.status == Query.Status.OPEN else "Answered query"
        marks[key] = {"url": query_url(ret, query.pk), "label": label, "status": query.status}
    return marks


def query_rows(ret, queries):
    """The return page's list of its queries, open ones first, newest first within each."""
    ordered = sorted(queries, key=lambda q: (not q.is_open, -q.raised_at.timestamp(), -q.pk))
    return [
        {
            "query": q,
            "where": where(q),
            "tag": status_tag(q),
            "url": query_url(ret, q.pk),
        }
        for q in ordered
    ]


def cell_choices(grid):
    """The figures a query can point at, grouped by section: for each line of the grid, the whole
    line ("line") and each of its cells ("line:column")."""
    groups = []
    for s in grid.grid_sections:
        options = []
        for line in s.lines:
            options.append((line.code, f"{line.label} (the whole line)"))
            options.extend(
                (f"{line.code}:{column.code}", f"{line.label}, {column.label}")
                for column in s.columns
            )
        groups.append((s.section.title, options))
    return groups


def workbook_comment(query):
    """A query's thread as a workbook cell comment's plain text (`query.thread` from
    `selectors.threads_of`)."""
    lines = [f"Query ({query.get_status_display().lower()}) on {where(query)}"]
    for message in query.thread:
        who = message.author.get_full_name() or message.author.get_username()
        lines.append(f"{who}, {localtime(message.written_at):%d %b %Y %H:%M}: {message.text}")
    if query.resolved_at:
        who = query.resolved_by.get_full_name() or query.resolved_by.get_username()
        lines.append(f"Resolved by {who}, {localtime(query.resolved_at):%d %b %Y %H:%M}")
    return "\n".join(lines)
