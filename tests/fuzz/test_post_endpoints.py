"""Every POST endpoint, found from the URL resolver, posted arbitrary fields by a person allowed to use it.

An endpoint is every named URL pattern outside the Django admin that does not answer 405 to a POST,
so a new page is fuzzed without editing this module; a pattern this module cannot address (a URL
argument it has no value for, or no row saying who may post to it) fails the first test with what
to add. Each example posts a mix of the fields the project's own pages post to that URL (with the
values the pages offer) and arbitrary ones ("cell:…", "explain:…" with a 300-character code,
"version", a 10,000-character key), with hostile values (1e1000000, NaN, "１２３", NUL, a 120 kB
string, random files), as the endpoint's authorised user, in a transaction rolled back afterwards.

What must hold for every example:
- no 5xx, and no exception out of the view (the client re-raises it with its traceback);
- no echo: the whole of a posted value over 100,000 characters never comes back, and the response
  is at most REPLY_GROWTH bytes longer than the endpoint's answer to an empty POST;
- the stored data (every planning_* and submissions_* table, and the users) changes only when the
  response says it saved. The views say so in one of three ways, and this module takes them as the
  definition of "says it saved":
    1. a success message ("Your changes are saved.", "Built version 2 of the plan.", "The paper
       is saved.", "Applied 3 changes from …", "Version 1 is approved and frozen.");
    2. an info message reporting a write ("Saved 2 changed cells. 1 cell needs fixing…" on a form
       re-shown with 422, "Your changes are saved, but the return cannot be submitted yet.",
       "The upload was cancelled; the return is unchanged.");
    3. for the endpoints in REDIRECT_SAYS_SAVED only, a redirect with no error message (the
       upload page stores the workbook's preview and sends the user to it, which shows it).
  A 4xx without such a message, a re-shown form, or a redirect with an error message ("Say why the
  approval is withdrawn") must leave every table as it was.

Run longer by hand with FUZZ_EXAMPLES=200 (examples per form endpoint; derandomized, so a run is
repeatable and CI is deterministic).
"""

import os
import re
import time
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from planning.models import Extension
from submissions.demo import seed_figures
from submissions.models import Notification, Paper, Query, QueryMessage, Return
from submissions.plans.services import build_system_plan
from submissions.workbooks import selectors as workbook_selectors
from submissions.workbooks import services as workbook_services
from tests import factories

FORM_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))  # endpoints a page posts a form to
OTHER_EXAMPLES = max(FORM_EXAMPLES // 5, 3)  # pages that answer a POST like a GET
LONG = 120_000  # a hostile value longer than any field the project accepts (100,000)
REPLY_GROWTH = 250_000  # bytes a reply may grow by over the empty POST's, re-showing what was typed
SKIPPED_NAMESPACES = {"admin"}  # Django's own admin is Django's to fuzz
SKIPPED_PREFIXES = ("static/", "media/")


# Who posts to each endpoint: the person allowed to use it. A new POST endpoint needs a row here.
ACTING = {
    "home": "planning_lead",
    "login": "anonymous",
    "logout": "planning_lead",
    "health": "anonymous",
    "planning:timetable": "planning_lead",
    "planning:timetable_ics": "planning_lead",
    "planning:system": "ics_lead",
    "planning:milestone_add": "ics_lead",
    "planning:milestone_delete": "ics_lead",
    "planning:extensions": "ics_lead",
    "planning:extension_grant": "ics_lead",
    "planning:extension_withdraw": "ics_lead",
    "submissions:list": "planning_lead",
    "submissions:query_raise": "ics_lead",
    "submissions:query": "planning_lead",
    "submissions:system_queries": "ics_lead",
    "submissions:notifications": "planning_lead",
    "submissions:notifications_read": "planning_lead",
    "submissions:notification_preferences": "planning_lead",
    "submissions:notification": "planning_lead",
    "submissions:compare": "planning_lead",
    "submissions:return": "planning_lead",
    "submissions:history": "planning_lead",
    "submissions:review": "ics_lead",
    "submissions:compare_submissions": "planning_lead",
    "submissions:completeness": "ics_lead",
    "submissions:alignment": "ics_lead",
    "submissions:plan": "ics_lead",
    "submissions:plan_status": "ics_lead",
    "submissions:plan_build": "ics_lead",
    "submissions:plan_approve": "ics_lead",
    "submissions:plan_withdraw_approval": "ics_lead",
    "submissions:plan_return": "ics_lead",
    "submissions:plan_line": "ics_lead",
    "submissions:plan_csv": "ics_lead",
    "submissions:plan_json": "ics_lead",
    "submissions:papers": "planning_lead",
    "submissions:paper_new": "planning_lead",
    "submissions:paper": "planning_lead",
    "submissions:paper_edit": "planning_lead",
    "submissions:paper_render": "planning_lead",
    "submissions:paper_status": "planning_lead",
    "submissions:paper_download": "planning_lead",
    "submissions:download": "planning_lead",
    "submissions:upload": "planning_lead",
    "submissions:upload_preview": "planning_lead",
    "submissions:upload_confirm": "planning_lead",
    "submissions:plan_xlsx": "ics_lead",
}

# A URL argument's value wherever an endpoint does not name its own (BLMK's 2019 draft activity).
ARGUMENTS = {
    "year": lambda w: 2019,
    "code": lambda w: "BLMK",
    "ods": lambda w: "06F",
    "template": lambda w: "activity",
    "stage": lambda w: "draft",
    "line": lambda w: "gp_referrals",
}
_EDITED = {"template": "finance"}  # Bedfordshire's saved, unsubmitted finance return
_UNAPPROVED = {"template": "qipp"}  # BLMK's qipp plan: built, not approved
# Endpoints whose objects differ from ARGUMENTS': {url name: (URL arguments, query string)}.
PLACES = {
    "submissions:return": lambda w: (_EDITED, ""),
    "submissions:upload": lambda w: (_EDITED, ""),
    "submissions:upload_preview": lambda w: ({**_EDITED, "pk": w.upload}, ""),
    "submissions:upload_confirm": lambda w: ({**_EDITED, "pk": w.upload}, ""),
    "submissions:compare_submissions": lambda w: ({}, "?a=1&b=1"),
    "submissions:plan_approve": lambda w: (_UNAPPROVED, "?version=1"),
    "submissions:plan_return": lambda w: (_UNAPPROVED, ""),
    "submissions:paper_new": lambda w: ({}, "?organisation=06F&year=2019"),
    "submissions:paper": lambda w: ({"pk": w.paper}, ""),
    "submissions:paper_edit": lambda w: ({"pk": w.paper}, ""),
    "submissions:paper_render": lambda w: ({"pk": w.paper}, ""),
    "submissions:paper_status": lambda w: ({"pk": w.paper}, ""),
    "submissions:paper_download": lambda w: ({"pk": w.paper, "number": 1}, ""),
    "planning:milestone_delete": lambda w: ({"pk": w.milestone}, ""),
    "planning:extension_withdraw": lambda w: ({"pk": w.extension}, ""),
    "submissions:notification": lambda w: ({"pk": w.notification}, ""),
    "submissions:query": lambda w: ({"pk": w.query}, ""),
}


@dataclass
class World:
    """BLMK with Bedfordshire and Luton; Bedfordshire's activity and qipp returns submitted and its
    finance return saved; the activity plan built and approved, the qipp plan built; a rendered
    paper, a local milestone, Bedfordshire's extension of the draft deadline and a pending upload;
    one user per role."""

    users: dict
    paper: int
    milestone: int
    upload: int
    workbook: bytes
    extension: int
    notification: int
    query: int


@pytest.fixture
def world(db):
    factories.templates()
    blmk = factories.blmk()
    beds = factories.bedfordshire(in_system=blmk)
    factories.luton(in_system=blmk)
    lead = factories.planning_lead(beds)
    ics = factories.ics_lead(blmk)
    activity = factories.submitted_return(
        beds, "activity", seed_figures.activity_cells(), lead=lead
    )
    factories.submitted_return(beds, "qipp", seed_figures.qipp_cells(), lead=lead)
    finance = factories.saved_return(beds, "finance", seed_figures.finance_cells(), lead=lead)
    plans = {
        code: build_system_plan(
            system=blmk, template=factories.template(code), stage=Return.Stage.DRAFT
        )[0]
        for code in ("activity", "qipp")
    }
    factories.approve(plans["activity"], ics)
    paper = factories.paper(organisation=beds, blocks=[Paper.Block.values[0]])
    factories.rendered(paper)
    milestone = factories.milestone(
        factories.planning_round(2019), "2019-02-01", system=blmk, title="Local milestone"
    )
    workbook = workbook_selectors.return_workbook(finance)
    preview = workbook_selectors.upload_preview(finance, "finance.xlsx", workbook)
    upload = workbook_services.upload_record(
        user=lead, ret=finance, filename="finance.xlsx", preview=preview
    )
    users = {
        "planning_lead": lead,
        "ics_lead": ics,
        "administrator": factories.administrator(),
        "anonymous": None,
    }
    draft = factories.milestone(
        factories.planning_round(2019),
        "2019-02-12",
        "Draft plans",
        kind="submission",
        stage="draft",
    )
    extension = Extension.objects.create(
        milestone=draft, organisation=beds, until="2019-02-19", reason="Fuzz", granted_by=ics
    )
    notification = Notification.objects.create(
        user=lead, kind="accepted", subject="Accepted", message="Accepted", link="/returns/"
    )
    query = Query.objects.create(
        ret=activity,
        submission=activity.submission,
        line=activity.template.lines.get(code="gp_referrals"),
        raised_by=ics,
    )
    QueryMessage.objects.create(query=query, author=ics, text="Why so many?")
    return World(
        users, paper.pk, milestone.pk, upload.pk, workbook, extension.pk, notification.pk, query.pk
    )


# -- The endpoints, from the resolver -------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    arguments: list
    url: str = ""
    problem: str = ""
    fields: dict = field(default_factory=dict)  # {name: [values a page offers]}
    files: set = field(default_factory=set)
    is_form: bool = False
    empty_reply: int = 0
    posted: int = 0  # examples posted, shrinking included


def named_patterns(resolver=None, namespace="", arguments=()):
    """(name, URL argument names) of every pattern, outside the skipped namespaces and prefixes."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        names = (*arguments, *pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = ":".join(n for n in (namespace, pattern.namespace) if n)
            yield from named_patterns(pattern, inner, names)
        elif isinstance(pattern, URLPattern):
            name = ":".join(n for n in (namespace, pattern.name or "") if n)
            yield (name if pattern.name else f"<unnamed {route!r}>"), list(names)


def addressed(world, name, arguments):
    """The endpoint's URL with real objects in it, or what a maintainer must add to this module."""
    endpoint = Endpoint(name, arguments)
    where = f"tests/fuzz/{os.path.basename(__file__)}"
    if name.startswith("<unnamed"):
        endpoint.problem = f"URL pattern {name} has no name: name it so it can be reversed"
        return endpoint
    kwargs, query = PLACES.get(name, lambda w: ({}, ""))(world)
    missing = [a for a in arguments if a not in kwargs and a not in ARGUMENTS]
    if missing:
        endpoint.problem = (
            f"{name}: no value for URL argument(s) {missing}. Add an entry to PLACES in {where} "
            "naming a real object the acting user may change (build it in the `world` fixture)."
        )
        return endpoint
    values = {a: kwargs[a] if a in kwargs else ARGUMENTS[a](world) for a in arguments}
    endpoint.url = reverse(name, kwargs=values) + query
    return endpoint


def signed_in(world, role):
    client = Client(raise_request_exception=True)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def rolled_back(function):
    """Run `function` in a transaction that is rolled back: each example starts from the world."""

    def run(*args, **kwargs):
        with transaction.atomic():
            try:
                return function(*args, **kwargs)
            finally:
                transaction.set_rollback(True)

    return run


def body_of(response):
    # Reading a streamed file to its end closes it (the test client wraps it so that closing
    # does not close the database connection, as response.close() would inside a transaction).
    return b"".join(response.streaming_content) if response.streaming else response.content


@rolled_back
def accepts_post(world, endpoint):
    """Whether the endpoint answers a POST with anything but 405, and the size of that answer."""
    response = signed_in(world, ACTING.get(endpoint.name, "planning_lead")).post(endpoint.url)
    endpoint.empty_reply = len(body_of(response))
    return response.status_code != 405


class _Forms(HTMLParser):
    """The fields of each form on a page: {action path: ({name: [values]}, {file field names})}."""

    def __init__(self, page):
        super().__init__()
        self.page, self.forms, self.current, self.name = page, {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urlsplit(urljoin(self.page, attrs.get("action") or self.page)).path
            is_post = (attrs.get("method") or "get").lower() == "post"
            self.current = self.forms.setdefault(action, ({}, set())) if is_post else None
        elif self.current is not None and tag in ("input", "select", "textarea", "button"):
            self.name = attrs.get("name")
            if self.name:
                values = self.current[0].setdefault(self.name, [])
                if attrs.get("value") is not None:
                    values.append(attrs["value"])
                if attrs.get("type") == "file":
                    self.current[1].add(self.name)
        elif self.current is not None and tag == "option" and attrs.get("value") is not None:
            self.current[0].setdefault(self.name or "", []).append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


@rolled_back
def forms_seen_by(world, role, urls):
    """Every form on every page the role can open, by the path it posts to."""
    client, forms = signed_in(world, role), {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms(url)
        parser.feed(response.content.decode())
        for action, (fields, files) in parser.forms.items():
            known = forms.setdefault(action, ({}, set()))
            for name, values in fields.items():
                known[0].setdefault(name, [])
                known[0][name] += [v for v in values if v not in known[0][name]]
            known[1].update(files)
    return forms


@pytest.fixture
def endpoints(world):
    """Every endpoint that does not answer 405 to a POST, with its URL; and what this module lacks
    to address the others (and those without a row in ACTING)."""
    found = [addressed(world, name, arguments) for name, arguments in named_patterns()]
    problems = [e.problem for e in found if e.problem]
    posting = [e for e in found if not e.problem and accepts_post(world, e)]
    where = f"tests/fuzz/{os.path.basename(__file__)}"
    problems += [
        f"{e.name} accepts POST but has no row in ACTING in {where}: say who may post to it "
        "(planning_lead, ics_lead, administrator or anonymous)."
        for e in posting
        if e.name not in ACTING
    ]
    return posting, problems


def learn_forms(world, posting):
    """Give each endpoint the fields its acting user's pages post to it: the forms on the
    endpoint's own page and on each page above it (a return's page holds its review form)."""
    pages = set()
    for endpoint in posting:
        path = urlsplit(endpoint.url).path
        pages.add(endpoint.url)
        pages.update(path[: i + 1] for i, c in enumerate(path) if c == "/")
    roles = {ACTING[e.name] for e in posting}
    forms = {role: forms_seen_by(world, role, sorted(pages)) for role in roles}
    for endpoint in posting:
        fields, files = forms[ACTING[endpoint.name]].get(urlsplit(endpoint.url).path, ({}, set()))
        endpoint.fields = {n: v for n, v in fields.items() if n and n not in NOT_FIELDS}
        endpoint.files = files
        endpoint.is_form = bool(fields)


NOT_FIELDS = {"csrfmiddlewaretoken"}  # the test client does not check it


# -- What is posted -------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "",
    " ",
    "0",
    "-0",
    "1e1000000",
    "-1e1000000",
    "1e-1000000",
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "１２３",
    "١٢٣",
    "𝟏𝟐𝟑",
    "99999999999999999999999999999999999999",
    "123456789012.3456",
    "999999999999.9999",
    "18446744073709551616",
    "-1",
    "0x10",
    "1,000,000",
    "1_000",
    "(5)",
    "=1+1",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c",
    "\u202e\u200b",
    "\ud7ff\U0010ffff",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "9999-12-31",
    "0001-01-01",
    "2019-02-30",
    "31/12/2019",
    "accept",
    "return",
    "withdraw",
    "cancel",
    "draft",
    "final",
    "bogus",
    "x" * 121,
    "y" * 10_001,
    "z" * LONG,
    "é" * LONG,
]
HOSTILE_NAMES = [
    "version",
    "organisation",
    "stage",
    "decision",
    "submission",
    "submit",
    "confirm",
    "reason",
    "note",
    "comment",
    "exception",
    "workbook",
    "cell:",
    "cell::",
    "cell:gp_referrals:fot",
    "cell:gp_referrals:" + "c" * 300,
    "explain:",
    "explain:" + "w" * 300,
    "answer:",
    "answer:" + "q" * 300,
    "k" * 10_000,
    "\x00",
]


def hostile_value():
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=40),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.integers().map(str),
    )


def hostile_name():
    prefixes = st.sampled_from(["cell:", "explain:", "answer:", "cell:gp_referrals:", ""])
    return st.one_of(
        st.sampled_from(HOSTILE_NAMES),
        st.builds(lambda prefix, rest: prefix + rest, prefixes, st.text(max_size=40)),
    )


def uploaded_file(workbook):
    contents = st.one_of(
        st.just(workbook),
        st.binary(max_size=2_000),
        st.sampled_from([b"", b"not a workbook", b"PK\x03\x04" + b"\x00" * 100, workbook[:500]]),
    )
    names = st.sampled_from(["finance.xlsx", "", "../../etc/passwd", "a\x00.xlsx", "é" * 300])
    return st.builds(lambda data, name: SimpleUploadedFile(name or "f", data), contents, names)


def posts(endpoint, workbook):
    """A POST body: maybe the page's own form as it offers it, then arbitrary pairs over it."""
    real = sorted(endpoint.fields)

    def real_pair(name):
        offered = endpoint.fields[name]
        if name in endpoint.files:
            return st.tuples(st.just(name), uploaded_file(workbook))
        value = st.one_of(st.sampled_from(offered), hostile_value()) if offered else hostile_value()
        return st.tuples(st.just(name), value)

    pairs = [st.tuples(hostile_name(), hostile_value())]
    if real:
        pairs.insert(0, st.sampled_from(real).flatmap(real_pair))
    as_offered = {
        n: v[0] if v else "" for n, v in endpoint.fields.items() if n not in endpoint.files
    }
    return st.builds(
        _body,
        st.booleans() if real else st.just(False),
        st.just(as_offered),
        st.lists(st.one_of(*pairs), max_size=12),
    )


def _body(start_from_page, as_offered, pairs):
    body = {name: [value] for name, value in as_offered.items()} if start_from_page else {}
    for name, value in pairs:
        body.setdefault(name, []).append(value)
    return body


# -- What is checked ------------------------------------------------------------------------------


# The security log records refused attempts too (a failed sign-in), by design: not "stored data".
ATTEMPT_LOGS = {"planning_securityevent"}


def _tables():
    return sorted(
        t
        for t in connection.introspection.table_names()
        if t.startswith(("planning_", "submissions_"))
        or t in ("auth_user", "auth_user_groups", "auth_user_user_permissions", "auth_group")
        if t not in ATTEMPT_LOGS
    )


def stored_data(tables):
    """{table: a hash of its rows}: what the project stores, to see whether a request changed it."""
    if connection.vendor != "postgresql":
        pytest.skip("the fuzz test hashes tables with PostgreSQL's md5 and string_agg")
    query = " UNION ALL ".join(
        f"SELECT '{t}', md5(coalesce(string_agg(md5(r::text), ',' ORDER BY md5(r::text)), '')) "
        f'FROM "{t}" r'
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        return dict(cursor.fetchall())


# Endpoints whose redirect, with no message, is how they say they stored something.
REDIRECT_SAYS_SAVED = {"submissions:upload"}  # to the preview of the upload it kept
SAYS_SAVED = re.compile(r"\b(saved|cancelled)\b", re.IGNORECASE)


def says_it_saved(endpoint, response, notes):
    """Whether the response tells the user something was stored (see the module's docstring)."""
    if any(n.level == constants.SUCCESS for n in notes):
        return True
    if any(n.level == constants.INFO and SAYS_SAVED.search(n.message) for n in notes):
        return True
    return (
        endpoint.name in REDIRECT_SAYS_SAVED
        and response.status_code in (301, 302, 303)
        and not any(n.level >= constants.WARNING for n in notes)
    )


def shown(body):
    """The body, shortened for a failure message."""
    text = repr({k: [str(v)[:60] for v in vs] for k, vs in body.items()})
    return text[:2_000]


def check(world, endpoint, tables, body):
    endpoint.posted += 1
    client = signed_in(world, ACTING[endpoint.name])
    before = stored_data(tables)
    flat = {name: values if len(values) > 1 else values[0] for name, values in body.items()}
    response = client.post(endpoint.url, flat)
    status = response.status_code
    where = f"POST {endpoint.url} as {ACTING[endpoint.name]} with {shown(body)}"
    assert status < 500, f"{status} from {where}"
    content = body_of(response)
    size, limit = len(content), endpoint.empty_reply + REPLY_GROWTH
    assert size <= limit, (
        f"{size:,} bytes (an empty POST gets {endpoint.empty_reply:,}) from {where}"
    )
    text = content.decode(errors="replace")
    longest = [v for vs in body.values() for v in vs if isinstance(v, str) and len(v) > 100_000]
    echoed = [v for v in longest if v in text or escape(v) in text]
    assert not echoed, f"a {len(echoed[0]):,}-character value came back whole from {where}"
    after = stored_data(tables)
    changed = sorted(t for t in tables if before[t] != after[t])
    notes = list(get_messages(response.wsgi_request))
    if changed:
        assert says_it_saved(endpoint, response, notes), (
            f"{where} changed {changed} but answered {status} with messages "
            f"{[(n.level_tag, n.message) for n in notes]}"
        )


def described(error):
    """Each failure hypothesis found: the error, where the project raised it, the input."""
    if isinstance(error, BaseExceptionGroup):
        return [text for inner in error.exceptions for text in described(inner)]
    notes = "\n".join(getattr(error, "__notes__", []))
    text = f"{type(error).__name__}: {error}{raised_at(error)}\n{notes}"
    # "zzz…" 120,000 times is "z×120000".
    return [REPEATS.sub(lambda m: f"{m[1]}×{len(m[0])}", text)[:4_000]]


REPEATS = re.compile(r"(.)\1{20,}", re.DOTALL)


def raised_at(error):
    """Where in the project's code an exception was raised (its innermost frames outside tests/)."""
    root = str(django_settings.BASE_DIR)
    frames = [
        f"{frame.filename.removeprefix(root + '/')}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(root)
        and "/tests/" not in frame.filename
        and "/.venv/" not in frame.filename
    ]
    return ("\n  raised at " + " <- ".join(reversed(frames[-3:]))) if frames else ""


def fuzz(world, endpoint, tables):
    @settings(
        max_examples=FORM_EXAMPLES if endpoint.is_form else OTHER_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(posts(endpoint, world.workbook))
    def example(body):
        rolled_back(check)(world, endpoint, tables, body)

    example()


# -- The tests ------------------------------------------------------------------------------------


def test_every_post_endpoint_can_be_addressed_by_the_fuzzer(endpoints):
    posting, problems = endpoints
    assert not problems, "\n".join(problems)
    names = {e.name for e in posting}
    assert {"submissions:return", "submissions:upload", "planning:milestone_add"} <= names
    assert "submissions:plan_status" not in names  # require_GET: it answers a POST with 405


def test_no_post_endpoint_fails_or_stores_without_saying_so(world, endpoints, capsys):
    posting, problems = endpoints
    assert not problems, "\n".join(problems)
    learn_forms(world, posting)
    tables = _tables()
    failures, seconds, started = [], {}, time.monotonic()
    for endpoint in posting:
        began = time.monotonic()
        try:
            fuzz(world, endpoint, tables)
        except Exception as error:  # every endpoint's failures, not only the first one's
            failures += [f"{endpoint.name}: {text}" for text in described(error)]
        seconds[endpoint.name] = time.monotonic() - began
    with capsys.disabled():
        print(
            f"\nFuzzed {len(posting)} POST endpoints with {sum(e.posted for e in posting)} posts "
            f"in {time.monotonic() - started:.0f} s (up to {FORM_EXAMPLES} examples for each of "
            f"{sum(e.is_form for e in posting)} form targets, {OTHER_EXAMPLES} for the others); "
            "slowest: "
            + ", ".join(
                f"{name} {s:.1f} s" for name, s in sorted(seconds.items(), key=lambda i: -i[1])[:3]
            )
        )
    assert not failures, "\n\n".join(failures)
