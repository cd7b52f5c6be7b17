"""Governing Body papers: gather the data blocks, hash them, and render the paper to PDF.

The PDF is made by WeasyPrint from `templates/papers/paper.html`. Every user-written field goes
through Django's autoescaping, and WeasyPrint fetches nothing but our own static files (the font
and the stylesheet): `safe_fetcher()` refuses file:, http:, data: and every other URL, so a
narrative cannot make the renderer read a local file or touch the network.
"""

import hashlib
import json
import time
from decimal import Decimal
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from planning.models import Template
from planning.selectors import memberships_for_round, milestones_for

from .calculation import TemplateGrid
from .formatting import format_bracketed, format_value
from .models import Paper, PaperRender, Return, SystemPlan
from .selectors import typed_values

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


# Data blocks ------------------------------------------------------------------------------------


def _latest_return(organisation, template):
    """The final return if one is submitted or accepted, else the draft's, else none."""
    returns = {
        r.stage: r
        for r in Return.objects.filter(organisation=organisation, template=template).exclude(
            status__in=[Return.Status.DRAFT]
        )
    }
    return returns.get(Return.Stage.FINAL) or returns.get(Return.Stage.DRAFT)


def _table(organisation, round_, code, lines=None):
    """Rows of one of the organisation's returns, formatted as the seed papers format them."""
    template = Template.objects.filter(round=round_, code=code).first()
    if template is None or organisation is None:
        return None
    ret = _latest_return(organisation, template)
    if ret is None:
        return {"missing": True, "template": template.name}
    grid = TemplateGrid.for_template(template)
    values = grid.compute(typed_values(ret))
    section = grid.grid_sections[0]
    rows = []
    for line in section.lines:
        if lines and line.code not in lines:
            continue
        rows.append(
            {
                "label": line.label,
                "total": bool(line.formula),
                "cells": [
                    _cell(values.get((line.code, c.code)), c.unit or line.unit)
                    for c in section.columns
                ],
            }
        )
    return {
        "template": template.name,
        "stage": ret.get_stage_display(),
        "status": ret.get_status_display(),
        "columns": [c.label for c in section.columns],
        "units": [c.unit or section.lines[0].unit for c in section.columns],
        "rows": rows,
    }


def _cell(value, unit):
    if value is None:
        return ""
    if unit == "%":
        return f"{format_value(value, '%')}%"
    return format_bracketed(value, unit)


def _timetable(paper):
    systems = _systems(paper)
    rows = []
    seen = set()
    for system in systems or [None]:
        for m in milestones_for(round=paper.round, system=system):
            if m.pk in seen:
                continue
            seen.add(m.pk)
            rows.append(
                {
                    "date": m.date,
                    "end_date": m.end_date,
                    "date_note": m.date_note,
                    "title": m.title,
                    "scope": m.system.code if m.system_id else "National",
                }
            )
    rows.sort(key=lambda r: (r["date"], r["title"]))
    return rows


def _systems(paper):
    if paper.system_id:
        return [paper.system]
    memberships = memberships_for_round(financial_year=paper.round.financial_year).filter(
        organisation=paper.organisation
    )
    return [m.system for m in memberships.select_related("system")]


def _system_plan(paper):
    """Each system's latest finance plan: control total, contributions and approval status."""
    from .plan_selectors import control_total, figures

    summaries = []
    finance = Template.objects.filter(round=paper.round, code="finance").first()
    if finance is None:
        return summaries
    for system in _systems(paper):
        plan = (
            SystemPlan.objects.filter(system=system, template=finance)
            .select_related("approved_by")
            .order_by("-stage", "-version")
            .first()
        )
        if plan is None:
            summaries.append({"system": system.name, "plan": None})
            continue
        grid = figures(plan).grid
        total = control_total(plan, grid)
        summaries.append(
            {
                "system": system.name,
                "plan": {
                    "version": plan.version,
                    "stage": plan.get_stage_display(),
                    "approved_by": (
                        plan.approved_by.get_full_name() or plan.approved_by.get_username()
                    )
                    if plan.approved_by
                    else "",
                    "approved_at": plan.approved_at,
                },
                "rows": [
                    {"name": r["input"]["name"], "value": format_bracketed(r["value"], "£000")}
                    for r in (total["rows"] if total else [])
                ],
                "total": format_bracketed(total["total"], "£000") if total else "",
            }
        )
    return summaries


def _outstanding(paper):
    """Partners' returns of the round not yet submitted, system by system."""
    rows = []
    for system in _systems(paper):
        members = list(
            memberships_for_round(financial_year=paper.round.financial_year)
            .filter(system=system)
            .select_related("organisation")
        )
        templates = list(Template.objects.filter(round=paper.round).order_by("order"))
        done = set(
            Return.objects.filter(
                template__round=paper.round,
                organisation__in=[m.organisation_id for m in members],
                status__in=[Return.Status.SUBMITTED, Return.Status.ACCEPTED],
            ).values_list("organisation_id", "template_id")
        )
        for m in members:
            for t in templates:
                if t.completed_by(m.organisation) and (m.organisation_id, t.pk) not in done:
                    rows.append(
                        {
                            "system": system.code,
                            "organisation": m.organisation.name,
                            "template": t.name,
                        }
                    )
    return rows


def paper_data(paper):
    """Everything the paper shows, as plain values: the cover and each chosen block."""
    org = paper.organisation
    blocks = set(paper.blocks)
    data = {
        "cover": {
            field: getattr(paper, field)
            for field in (*Paper.TEXT_FIELDS, "objectives", "implications", "sections")
        },
        "subject": str(paper.subject),
        "round": paper.round.name,
    }
    if Paper.Block.TIMETABLE in blocks:
        data["timetable"] = _timetable(paper)
    if Paper.Block.SUMMARY_OF_SPEND in blocks:
        data["summary_of_spend"] = _table(org, paper.round, "finance")
    if Paper.Block.ALLOCATIONS in blocks:
        data["allocations"] = _table(
            org,
            paper.round,
            "finance",
            lines={
                "core_programme",
                "delegated_allocation",
                "running_cost_allowance",
                "total_income",
            },
        )
    if Paper.Block.QIPP in blocks:
        data["qipp"] = _table(org, paper.round, "qipp")
    if Paper.Block.ACTIVITY in blocks:
        data["activity"] = _table(org, paper.round, "activity")
    if Paper.Block.SYSTEM_PLAN in blocks:
        data["system_plan"] = _system_plan(paper)
    if Paper.Block.OUTSTANDING in blocks:
        data["outstanding"] = _outstanding(paper)
    return data


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


# Rendering -------------------------------------------------------------------------------------


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


@transaction.atomic
def paper_render_request(*, user, paper):
    """Start a new numbered render; the PDF is made by a Celery task after this commits."""
    last = paper.renders.order_by("-number").values_list("number", flat=True).first() or 0
    render = PaperRender.objects.create(paper=paper, number=last + 1, requested_by=user)
    transaction.on_commit(lambda: _queue_render(render))
    return render


def _queue_render(render):
    from .tasks import render_paper_task

    try:
        render_paper_task.delay(render.pk)
    except Exception as error:  # the queue is down: say so on the page rather than spin forever
        PaperRender.objects.filter(pk=render.pk).update(
            status=PaperRender.Status.FAILED,
            error=f"The task queue could not be reached ({error}). Try again in a few minutes.",
        )


def paper_render_run(render_id):
    """What the task does: render and store the PDF, or record why it failed."""
    render = PaperRender.objects.select_related(
        "paper__round", "paper__organisation", "paper__system"
    ).get(pk=render_id)
    if render.status == PaperRender.Status.READY:
        return render  # a redelivered task: already done
    started = time.perf_counter()
    generated_at = timezone.now()
    try:
        pdf, digest = render_pdf(render.paper, number=render.number, generated_at=generated_at)
    except Exception as error:  # shown on the page; the paper's earlier versions stay available
        render.status = PaperRender.Status.FAILED
        hint = ""
        if isinstance(error, OSError) and "pango" in str(error).lower():
            hint = " The server needs Pango for PDFs: apt-get install libpango-1.0-0 libpangoft2-1.0-0."
        render.error = f"{type(error).__name__}: {error}{hint}"[:2000]
        render.save(update_fields=["status", "error"])
        return render
    render.file.save(f"paper-{render.paper_id}-v{render.number}.pdf", ContentFile(pdf), save=False)
    render.status = PaperRender.Status.READY
    render.error = ""
    render.data_hash = digest
    render.generated_at = generated_at
    render.seconds = round(time.perf_counter() - started, 3)
    render.save()
    return render


def papers_readable_by(user):
    """Papers the user may read: their organisations' (planning lead, governing body member),
    their systems' (ICS lead), and all of them for administrators."""
    from planning.models import Role
    from planning.rules import is_administrator, led_system_ids, organisation_ids

    papers = Paper.objects.select_related("organisation", "system", "round")
    if is_administrator(user):
        return papers
    orgs = organisation_ids(user, Role.Kind.PLANNING_LEAD, Role.Kind.GOVERNING_BODY_MEMBER)
    return papers.filter(Q(organisation_id__in=orgs) | Q(system_id__in=led_system_ids(user)))
