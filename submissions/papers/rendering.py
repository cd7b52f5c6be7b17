"""A Governing Body paper rendered to PDF, with the hash of the data that went in.

The PDF is made by WeasyPrint from `templates/papers/paper.html`. Every user-written field goes
through Django's autoescaping, and WeasyPrint fetches nothing but our own static files (the font
and the stylesheet): `safe_fetcher()` refuses file:, http:, data: and every other URL, so a
narrative cannot make the renderer read a local file or touch the network.
"""

import hashlib
import json
from decimal import Decimal
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from submissions.models import Paper

from .blocks import paper_data

STATIC_PREFIX = "https://paper.invalid/static/"


class FetchRefused(ValueError):
    """WeasyPrint asked for something other than our own static files."""


def _static_file(url):
    """The bytes and type of one of our static files named by a STATIC_PREFIX URL, or refuse."""
    if not url.startswith(STATIC_PREFIX):
        raise FetchRefused(f"Papers may not fetch {url[:80]!r}")
    relative = url[len(STATIC_PREFIX) :].split("?")[0].split("#")[0]
    if ".." in Path(relative).parts:
        raise FetchRefused("Papers may not fetch outside the static files")
    path = finders.find(relative)
    if not path:
        raise FetchRefused(f"No static file {relative!r}")
    mime = {"css": "text/css", "woff": "font/woff", "woff2": "font/woff2"}.get(
        relative.rsplit(".", 1)[-1], "application/octet-stream"
    )
    return Path(path).read_bytes(), mime


def safe_fetcher():
    """WeasyPrint's fetcher, cut down to our own static files: no file:, http:, data: or other
    URL is ever opened. A refused URL is skipped with a warning and the paper still renders.
    (WeasyPrint is imported here, not at the top: it loads Pango, which only rendering needs, so
    the rest of the app runs on a machine without it.)"""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime = _static_file(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return SafeURLFetcher()


def data_hash(data):
    """The same data gives the same hash; any change to a figure or a word changes it."""

    def default(value):
        if isinstance(value, Decimal):
            return str(value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        raise TypeError(type(value))

    canonical = json.dumps(data, sort_keys=True, default=default, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def render_pdf(paper, *, number, generated_at):
    """The paper as PDF bytes, with the hash of the data that went in."""
    from weasyprint import HTML  # imported here: see safe_fetcher

    data = paper_data(paper)
    digest = data_hash(data)
    html = render_to_string(
        "papers/paper.html",
        {
            "paper": paper,
            "data": data,
            "number": number,
            "generated_at": generated_at,
            "digest": digest,
            "static": STATIC_PREFIX,
            "implication_rows": [
                {"question": q, "answer": paper.implications.get(key, "na")}
                for key, q in Paper.IMPLICATIONS
            ],
        },
    )
    pdf = HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=safe_fetcher()).write_pdf()
    return pdf, digest
