"""Render time of a full Governing Body paper (every data block), on the demo data. Run by hand:
`make bench` or `.venv/bin/python bench/render_paper.py`. Prints a markdown table."""

import datetime
import statistics
import time

from _setup import django_on_scratch_database, table

django_on_scratch_database()

from planning.models import Organisation, Round  # noqa: E402
from submissions.models import Paper  # noqa: E402
from submissions.papers.blocks import paper_data  # noqa: E402
from submissions.papers.rendering import render_pdf  # noqa: E402

paper = Paper.objects.create(
    organisation=Organisation.objects.get(ods_code="06F"),
    round=Round.objects.get(financial_year=2019),
    meeting_date=datetime.date(2019, 1, 16),
    agenda_item="7",
    title="Operational planning 2019/20",
    author="R Kendall",
    presented_by="S Hunter",
    responsible_director="S Hunter",
    purpose="An overview of the plan.",
    recommendation="Note the report.",
    sections=[{"heading": f"Section {n}", "text": "Planning narrative. " * 80} for n in range(5)],
    blocks=[block for block, _ in Paper.Block.choices],
)

RUNS = 5
render_pdf(paper, number=0, generated_at=datetime.datetime.now())  # warm fonts and templates
data_times, render_times, sizes = [], [], []
for n in range(RUNS):
    started = time.perf_counter()
    paper_data(paper)
    data_times.append(time.perf_counter() - started)
    started = time.perf_counter()
    pdf, _ = render_pdf(paper, number=n + 1, generated_at=datetime.datetime.now())
    render_times.append(time.perf_counter() - started)
    sizes.append(len(pdf))

table(
    f"Full Governing Body paper, {RUNS} runs",
    ["step", "median (s)", "max (s)"],
    [
        ["gather data blocks", f"{statistics.median(data_times):.3f}", f"{max(data_times):.3f}"],
        [
            "data + HTML + WeasyPrint PDF",
            f"{statistics.median(render_times):.3f}",
            f"{max(render_times):.3f}",
        ],
    ],
)
print(f"\nPDF size: {statistics.median(sizes) / 1024:.0f} KiB")
