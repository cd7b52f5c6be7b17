"""Every page fits a phone (390 px wide) without scrolling sideways, and returns, plans and
comparisons print on A4 landscape with every column on the page (Chromium).

The data is the demo (`load_demo`: both seed rounds and the live round, every template, built
plans, a rendered paper) plus what it lacks: a query, and a return submitted twice. For each role
the test follows every link from the home page, opening each kind of page once per template, so a
new page is covered without listing it here."""

import io
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve
from playwright.sync_api import expect
from pypdf import PdfReader

from submissions.demo import DEMO_PASSWORD, load_demo
from submissions.models import Return
from submissions.queries.services import query_raise
from submissions.returns.services import return_send_back, return_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# A4 landscape less the print margins (277 mm at 96 px to the inch).
A4_LANDSCAPE_WIDTH = 1047

# Not pages: downloads, log out, the Django admin (its own look), and opening a notification
# (marks it read and redirects to a page the crawl reaches anyway).
NOT_PAGES = {
    "logout",
    "download",
    "plan_csv",
    "plan_json",
    "plan_xlsx",
    "plan_status",
    "paper_download",
    "paper_status",
    "timetable_ics",
    "notification",
    "notifications_read",
}

# Pages laid out differently for each template (grids of its own columns); other pages are
# opened once per role.
PER_TEMPLATE = {"return", "plan", "plan_line", "compare", "compare_submissions"}

# Each role starts at home; these are where the richer 2019/20 data is, visited first.
ROLES = {
    "beds.planner": [
        "/returns/2019/06F/activity/draft/",
        "/returns/2019/06F/activity/draft/history/",
        "/returns/2019/06F/activity/draft/submissions/compare/?a=1&b=2",
    ],
    "blmk.lead": [
        "/systems/BLMK/rounds/2019/returns/",
        "/systems/BLMK/rounds/2019/plans/activity/draft/",
        "/systems/BLMK/rounds/2019/queries/",
        "/returns/2019/06F/activity/draft/history/",
    ],
    "analyst": [],
    "beds.governor": [],
    "admin": [],
}

# Each of these must have been seen by some role, or the crawl has lost its way.
MUST_SEE = {
    "home",
    "list",
    "return",
    "history",
    "compare",
    "compare_submissions",
    "plan",
    "plan_line",
    "plan_approve",
    "alignment",
    "completeness",
    "timetable",
    "system",
    "papers",
    "paper",
    "paper_new",
    "notifications",
    "notification_preferences",
    "query",
    "query_raise",
    "system_queries",
    "extensions",
    "extension_grant",
    "milestone_add",
    "upload",
}

# The elements that stick out of the window, outermost first, for the failure message.
OFFENDERS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 0.5 || box.width === 0) continue;
    if (el.parentElement.getBoundingClientRect().right > width + 0.5) continue;
    const id = el.getAttribute('data-testid') || el.id || [...el.classList].join('.');
    found.push(`${el.tagName.toLowerCase()}[${id}] to ${Math.round(box.right)} px`);
  }
  return found.slice(0, 3);
}"""


@pytest.fixture
def demo():
    _, _, live = load_demo()
    users = {u.username: u for u in get_user_model().objects.all()}
    activity = Return.objects.get(
        organisation__ods_code="06F",
        template__code="activity",
        template__round__financial_year=2019,
        stage="draft",
    )
    query_raise(
        user=users["blmk.lead"],
        ret=activity,
        line_code="gp_referrals",
        column_code="fot",
        text="Why did GP referrals rise by 7%?",
    )
    # Sent back and submitted again: two submissions to compare.
    number = activity.submission.number
    return_send_back(
        user=users["blmk.lead"], ret=activity, reason="Check referrals", submission_number=number
    )
    activity.refresh_from_db()
    return_submit(user=users["beds.planner"], ret=activity)
    return {"users": users, "live": live.financial_year}


def logged_in(browser, live_server, username, **context):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **context)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    return context, page, errors


def crawl(page, start):
    """Visit every page reachable by links from `start`, each kind of page once (once per
    template for the grids); yield (URL, URL name, response)."""
    queue, seen = list(start), set()
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        try:
            match = resolve(path)
        except Resolver404:
            continue
        template = match.kwargs.get("template") if match.url_name in PER_TEMPLATE else None
        key = (match.url_name, template)
        if match.url_name in NOT_PAGES or path.startswith("/admin/") or key in seen:
            continue
        seen.add(key)
        response = page.goto(url)
        yield url, match.url_name, response
        for href in page.eval_on_selector_all(
            "main a[href], header a[href]", "links => links.map(a => a.getAttribute('href'))"
        ):
            if href.startswith("?"):
                queue.append(path + href)
            elif href.startswith("/") and not href.startswith("//"):
                queue.append(href)


def test_every_page_fits_a_phone_and_grids_print_on_a4(
    browser, live_server, assert_accessible, demo
):
    """One test, so that the demo is loaded once."""
    too_wide, failed, seen = [], [], set()
    for username, start in ROLES.items():
        context, page, errors = logged_in(browser, live_server, username, viewport=PHONE)
        for url, name, response in crawl(page, ["/", *start]):
            seen.add(name)
            if response.status != 200:
                failed.append(f"{username} {url}: {response.status}")
                continue
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                offenders = ", ".join(page.evaluate(OFFENDERS))
                too_wide.append(f"{username} {url}: {width} px ({offenders})")
        if username == "blmk.lead":
            # Scanned at phone width too: the scroll boxes are labelled, focusable regions.
            for url in (
                "/systems/BLMK/rounds/2019/plans/activity/draft/",
                "/returns/2019/06F/activity/compare/",
                "/rounds/2019/timetable/",
            ):
                page.goto(url)
                assert_accessible(page)
        context.close()
        assert not errors, f"JavaScript errors as {username}: {errors}"
    assert not failed, "\n".join(failed)
    assert not too_wide, "Pages wider than 390 px:\n" + "\n".join(too_wide)
    assert seen >= MUST_SEE, f"Never reached: {sorted(MUST_SEE - seen)}"
    assert_returns_plans_and_comparisons_print_every_column(browser, live_server, demo["live"])


# Who prints what: a return as read, a return being typed in (inputs), a plan, a comparison.
PRINTED = {
    "blmk.lead": {
        "/returns/2019/06F/activity/draft/": "table.app-grid",
        "/systems/BLMK/rounds/2019/plans/activity/draft/": "table.app-plan",
        "/returns/2019/06F/activity/compare/": "table.app-compare",
    },
    "luton.planner": {"/returns/{live}/06P/finance/draft/": "table.app-grid"},
}


def assert_returns_plans_and_comparisons_print_every_column(browser, live_server, live):
    for username, pages in PRINTED.items():
        context, page, errors = logged_in(
            browser, live_server, username, viewport={"width": A4_LANDSCAPE_WIDTH, "height": 700}
        )
        page.emulate_media(media="print")
        for url, table in pages.items():
            assert_prints(page, url.format(live=live), table)
        context.close()
        assert not errors, errors


def assert_prints(page, url, table):
    page.goto(url)
    expect(page.locator("header.nhsuk-header")).to_be_hidden()
    expect(page.locator("footer.nhsuk-footer")).to_be_hidden()
    expect(page.locator(".nhsuk-back-link")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Menu")).to_be_hidden()
    grid = page.locator(table).first
    headings = grid.locator("thead th")
    assert headings.count() >= 3, url
    for i in range(headings.count()):
        box = headings.nth(i).bounding_box()
        assert box and box["x"] >= 0, (url, headings.nth(i).inner_text())
        assert box["x"] + box["width"] <= A4_LANDSCAPE_WIDTH, (
            url,
            headings.nth(i).inner_text(),
            box,
        )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= A4_LANDSCAPE_WIDTH, (url, width, page.evaluate(OFFENDERS))
    # On paper: A4 landscape, and page 1 is not left almost empty: the grid starts on it.
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    first = pdf.pages[0]
    assert first.mediabox.width > first.mediabox.height, url
    first_line = grid.locator("tbody th").first.inner_text().split("\n")[0]
    assert first_line in first.extract_text().replace("\n", " "), (url, first_line)
    assert not any("Link:" in p.extract_text() for p in pdf.pages), url
    # No link addresses printed after the links.
    printed = page.evaluate(
        "[...document.querySelectorAll('a[href]')]"
        ".map(a => getComputedStyle(a, '::after').content)"
        ".filter(content => content !== 'none' && content !== 'normal')"
    )
    assert not printed, (url, printed[:3])
    assert (
        page.evaluate(f"getComputedStyle(document.querySelector('{table} thead')).display")
        == "table-header-group"
    )
