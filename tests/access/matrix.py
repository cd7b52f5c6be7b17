"""The access matrix: for every URL of the service, what each role gets from GET and from POST, on
an object of its own side and on one of the other system's.

"Own" objects belong to organisation A (NHS Bedfordshire CCG) or system 1 (BLMK); "foreign" ones to
organisation C or system 2. Organisation B (Luton) is A's partner in system 1. A row names the URL
pattern, which kind of object fills in its URL (`tests/access/world.py` builds them), and an
`Expect` for each method: who is served, who is refused with 403 (they may see the object but not
do this), and what everyone else gets (404, as if the object did not exist). Anonymous people are
sent to sign in, except on the public pages.

`tests/access/test_access_matrix.py` visits every row as every role and fails when the resolver has
a URL pattern with no row here, or a row names a pattern that no longer exists.
"""

from dataclasses import dataclass, field

# Roles
ANONYMOUS = "anonymous"
LEAD_A = "planning lead of A"
LEAD_B = "planning lead of B (A's partner in system 1)"
LEAD_C = "planning lead of C (system 2)"
ICS_1 = "ICS lead of system 1"
ICS_2 = "ICS lead of system 2"
GOVERNOR_A = "governing body member of A"
ANALYST = "analyst"
ADMINISTRATOR = "administrator"
ROLES = (ANONYMOUS, LEAD_A, LEAD_B, LEAD_C, ICS_1, ICS_2, GOVERNOR_A, ANALYST, ADMINISTRATOR)

# Outcomes
OK = "allowed"  # 2xx, a redirect other than to sign in, or a form re-shown with errors (409, 422)
FORBIDDEN = "403"
NOT_FOUND = "404"
LOGIN = "login"  # a redirect to /login/ (or the admin's /admin/login/)
NOT_ALLOWED = "405"

# Which object fills in the URL: organisation A's or system 1's, or C's or system 2's.
OWN, FOREIGN = "own", "foreign"
ANY = "-"  # a URL that names no object


def sides(own, foreign):
    return {OWN: frozenset(own), FOREIGN: frozenset(foreign)}


SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}
SERVICE_WIDE = {ANALYST, ADMINISTRATOR}

# Returns: read by the organisation's planning lead, its system's ICS lead and the service-wide
# roles; written by the planning lead only; accepted or sent back by the ICS lead.
RETURN_READERS = sides({LEAD_A, ICS_1, *SERVICE_WIDE}, {LEAD_C, ICS_2, *SERVICE_WIDE})
RETURN_WRITERS = sides({LEAD_A}, {LEAD_C})
SYSTEM_LEADS = sides({ICS_1}, {ICS_2})
# Queries on a figure: raised, followed up and resolved by the system's ICS lead or an analyst,
# answered by the organisation's planning lead, read by the return's readers.
QUERY_RAISERS = sides({ICS_1, ANALYST}, {ICS_2, ANALYST})
# A system's pages (partners, completeness, plans, exports): its ICS lead and the service-wide roles.
SYSTEM_REVIEWERS = sides({ICS_1, *SERVICE_WIDE}, {ICS_2, *SERVICE_WIDE})
SYSTEM_ADMINISTRATORS = sides({ICS_1, ADMINISTRATOR}, {ICS_2, ADMINISTRATOR})
# A system's timetable: everyone whose organisation is a member, its ICS lead, service-wide roles.
SYSTEM_MEMBERS = sides(
    {LEAD_A, LEAD_B, GOVERNOR_A, ICS_1, *SERVICE_WIDE}, {LEAD_C, ICS_2, *SERVICE_WIDE}
)
# An organisation's Governing Body paper: its planning lead writes it, its governors read it.
PAPER_READERS = sides({LEAD_A, GOVERNOR_A, ADMINISTRATOR}, {LEAD_C, ADMINISTRATOR})
PAPER_WRITERS = sides({LEAD_A, ADMINISTRATOR}, {LEAD_C, ADMINISTRATOR})
SYSTEM_PAPER_WRITERS = SYSTEM_ADMINISTRATORS


@dataclass(frozen=True)
class Expect:
    """What each role gets: `allowed` are served, `forbidden` get 403, other signed-in people get
    `others`, anonymous people `anonymous`. `allowed` and `forbidden` are a set of roles (the same
    for every object) or {side: roles}."""

    allowed: object = frozenset()
    forbidden: object = frozenset()
    others: str = NOT_FOUND
    anonymous: str = LOGIN

    def outcome(self, role, side):
        if role == ANONYMOUS:
            return self.anonymous
        if role in _for_side(self.allowed, side):
            return OK
        if role in _for_side(self.forbidden, side):
            return FORBIDDEN
        return self.others


def _for_side(roles, side):
    return roles.get(side, frozenset()) if isinstance(roles, dict) else roles


def read(readers):
    """Served to `readers`; a 404 for everyone else signed in."""
    return Expect(allowed=readers)


def write(writers, readers):
    """Served to `writers`; a 403 for those who may only read the object; a 404 for the rest."""
    if isinstance(writers, dict):
        forbidden = {side: readers[side] - writers[side] for side in readers}
    else:
        forbidden = frozenset(readers) - frozenset(writers)
    return Expect(allowed=writers, forbidden=forbidden)


EVERYONE_SIGNED_IN = Expect(allowed=SIGNED_IN)
PUBLIC = Expect(allowed=SIGNED_IN, anonymous=OK)
METHOD_REFUSED = Expect(others=NOT_ALLOWED)
SAME_AS_GET = None  # the view does not refuse the method: answers as for GET, and writes nothing


@dataclass(frozen=True)
class Row:
    """One URL pattern (by name, or an admin `path`), the object kind its URL is built from, and
    what GET and POST give. `query` and `data` may name the object's values, e.g. "{version}"."""

    name: str
    target: str
    get: Expect
    post: Expect | None
    query: str = ""
    data: dict = field(default_factory=dict)
    variant: str = ""
    path: str = ""
    ends_signed_out: bool = False  # served by sending the person to the sign-in page
    # A GET that records something for the person served (opening a notification marks it read);
    # a refused GET must still change nothing.
    get_records: bool = False

    @property
    def label(self):
        return self.name + (f" [{self.variant}]" if self.variant else "")


def admin_row(path, get, post=SAME_AS_GET, variant=""):
    return Row(name="admin", target="none", get=get, post=post, path=path, variant=variant)


# Django's admin: only administrators (staff) reach it; everyone else is sent to its sign-in page.
STAFF_ONLY = Expect(allowed={ADMINISTRATOR}, others=LOGIN)

ROWS = [
    # The service's own pages.
    Row("home", "none", EVERYONE_SIGNED_IN, SAME_AS_GET),
    Row("login", "none", PUBLIC, SAME_AS_GET),
    # Signing out is a POST only; it ends on the sign-in page, whoever asks.
    Row(
        "logout",
        "none",
        Expect(others=NOT_ALLOWED, anonymous=NOT_ALLOWED),
        Expect(others=LOGIN),
        ends_signed_out=True,
    ),
    Row("health", "none", PUBLIC, SAME_AS_GET),
    # Planning: the timetable of a system its members may see (?system=CODE), the system page.
    Row("planning:timetable", "timetable", read(SYSTEM_MEMBERS), SAME_AS_GET, "?system={code}"),
    Row("planning:timetable_ics", "timetable", read(SYSTEM_MEMBERS), SAME_AS_GET, "?system={code}"),
    Row("planning:timetable", "round", EVERYONE_SIGNED_IN, SAME_AS_GET, variant="own systems"),
    Row("planning:timetable_ics", "round", EVERYONE_SIGNED_IN, SAME_AS_GET, variant="own systems"),
    Row("planning:system", "system", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    Row(
        "planning:milestone_add",
        "system_round",
        write(SYSTEM_ADMINISTRATORS, SYSTEM_REVIEWERS),
        write(SYSTEM_ADMINISTRATORS, SYSTEM_REVIEWERS),
    ),
    Row(
        "planning:milestone_delete",
        "milestone",
        write(SYSTEM_ADMINISTRATORS, SYSTEM_REVIEWERS),
        write(SYSTEM_ADMINISTRATORS, SYSTEM_REVIEWERS),
    ),
    # Queries on a figure of a submitted return.
    Row(
        "submissions:query_raise",
        "return",
        write(QUERY_RAISERS, RETURN_READERS),
        write(QUERY_RAISERS, RETURN_READERS),
        data={"cell": "gp_referrals:fot", "text": "Why?"},
    ),
    Row(
        "submissions:query",
        "query",
        read(RETURN_READERS),
        write(RETURN_WRITERS, RETURN_READERS),
        data={"action": "answer", "text": "Because"},
        variant="answer",
    ),
    Row(
        "submissions:query",
        "query",
        read(RETURN_READERS),
        write(QUERY_RAISERS, RETURN_READERS),
        data={"action": "follow_up", "text": "More?"},
        variant="follow up",
    ),
    Row(
        "submissions:query",
        "query",
        read(RETURN_READERS),
        write(QUERY_RAISERS, RETURN_READERS),
        data={"action": "resolve"},
        variant="resolve",
    ),
    Row("submissions:system_queries", "system_round", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    # Notifications: each person's own; another's is a 404 to everyone else.
    Row("submissions:notifications", "none", EVERYONE_SIGNED_IN, METHOD_REFUSED),
    Row("submissions:notifications_read", "none", METHOD_REFUSED, EVERYONE_SIGNED_IN),
    Row(
        "submissions:notification_preferences",
        "none",
        EVERYONE_SIGNED_IN,
        EVERYONE_SIGNED_IN,
        data={"delivery": "daily"},
    ),
    Row(
        "submissions:notification",
        "notification",
        read(sides({LEAD_A}, {LEAD_C})),
        METHOD_REFUSED,
        get_records=True,
    ),
    # Deadline extensions: the system's ICS lead (and administrators, as for local milestones)
    # grant and withdraw them; its reviewers may look.
    Row("planning:extensions", "system_round", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    Row(
        "planning:extension_grant",
        "system_round",
        write(SYSTEM_ADMINISTRATORS, SYSTEM_REVIEWERS),
        write(SYSTEM_ADMINISTRATORS, SYSTEM_REVIEWERS),
    ),
    Row(
        "planning:extension_withdraw",
        "extension",
        write(SYSTEM_ADMINISTRATORS, SYSTEM_REVIEWERS),
        write(SYSTEM_ADMINISTRATORS, SYSTEM_REVIEWERS),
    ),
    # Returns.
    Row("submissions:list", "none", EVERYONE_SIGNED_IN, SAME_AS_GET),
    Row("submissions:compare", "return_pair", read(RETURN_READERS), SAME_AS_GET),
    Row(
        "submissions:return",
        "editable_return",
        read(RETURN_READERS),
        write(RETURN_WRITERS, RETURN_READERS),
        data={"version": "{version}"},
    ),
    Row("submissions:history", "return", read(RETURN_READERS), SAME_AS_GET),
    Row(
        "submissions:review",
        "return",
        METHOD_REFUSED,
        write(SYSTEM_LEADS, RETURN_READERS),
        data={"decision": "accept", "confirm": "yes", "submission": "{submission}"},
        variant="accept",
    ),
    Row(
        "submissions:review",
        "return",
        METHOD_REFUSED,
        write(SYSTEM_LEADS, RETURN_READERS),
        data={"decision": "return", "reason": "Check it", "submission": "{submission}"},
        variant="return for amendment",
    ),
    Row(
        "submissions:review",
        "return",
        METHOD_REFUSED,
        write(RETURN_WRITERS, RETURN_READERS),
        data={"decision": "withdraw", "reason": "Wrong file", "submission": "{submission}"},
        variant="withdraw",
    ),
    Row(
        "submissions:compare_submissions",
        "return",
        read(RETURN_READERS),
        SAME_AS_GET,
        "?a={submission}&b={submission}",
    ),
    # A return as a workbook, and a workbook uploaded into it.
    Row("submissions:download", "return", read(RETURN_READERS), SAME_AS_GET),
    Row(
        "submissions:upload",
        "editable_return",
        write(RETURN_WRITERS, RETURN_READERS),
        write(RETURN_WRITERS, RETURN_READERS),
    ),
    Row(
        "submissions:upload_preview",
        "upload",
        write(RETURN_WRITERS, RETURN_READERS),
        SAME_AS_GET,
    ),
    Row(
        "submissions:upload_confirm",
        "upload",
        METHOD_REFUSED,
        write(RETURN_WRITERS, RETURN_READERS),
        data={"decision": "cancel"},
    ),
    # An upload id is looked for in the return the URL names only: another return's is a 404.
    Row(
        "submissions:upload_preview",
        "other_returns_upload",
        Expect(),
        Expect(),
        variant="another return's upload",
    ),
    Row(
        "submissions:upload_confirm",
        "other_returns_upload",
        METHOD_REFUSED,
        Expect(),
        data={"decision": "cancel"},
        variant="another return's upload",
    ),
    # A system's pages and plans.
    Row("submissions:completeness", "system_round", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    Row("submissions:alignment", "system_round", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    Row("submissions:plan", "plan", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    Row("submissions:plan_status", "plan", read(SYSTEM_REVIEWERS), METHOD_REFUSED),
    Row("submissions:plan_line", "plan_line", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    Row("submissions:plan_csv", "plan", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    Row("submissions:plan_json", "plan", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    Row("submissions:plan_xlsx", "plan", read(SYSTEM_REVIEWERS), SAME_AS_GET),
    Row(
        "submissions:plan_build",
        "plan",
        METHOD_REFUSED,
        write(SYSTEM_ADMINISTRATORS, SYSTEM_REVIEWERS),
    ),
    Row(
        "submissions:plan_approve",
        "plan",
        write(SYSTEM_LEADS, SYSTEM_REVIEWERS),
        write(SYSTEM_LEADS, SYSTEM_REVIEWERS),
        "?version={version}",
        data={"version": "{version}", "note": "Approved for the access matrix"},
    ),
    Row(
        "submissions:plan_withdraw_approval",
        "approved_plan",
        METHOD_REFUSED,
        write(SYSTEM_LEADS, SYSTEM_REVIEWERS),
        data={"version": "{version}", "reason": "Figures changed"},
    ),
    Row(
        "submissions:plan_return",
        "plan",
        METHOD_REFUSED,
        write(SYSTEM_LEADS, SYSTEM_REVIEWERS),
        data={"organisation": "{organisation}", "comment": "Please check"},
    ),
    # Governing Body papers, of an organisation (and one of a system).
    Row("submissions:papers", "none", EVERYONE_SIGNED_IN, SAME_AS_GET),
    Row(
        "submissions:paper_new",
        "new_paper",
        read(PAPER_WRITERS),
        read(PAPER_WRITERS),
        "?organisation={ods}&year=2019",
        variant="organisation's paper",
    ),
    Row(
        "submissions:paper_new",
        "new_system_paper",
        read(SYSTEM_PAPER_WRITERS),
        read(SYSTEM_PAPER_WRITERS),
        "?system={code}&year=2019",
        variant="system's paper",
    ),
    Row("submissions:paper", "paper", read(PAPER_READERS), SAME_AS_GET),
    Row(
        "submissions:paper",
        "system_paper",
        read(SYSTEM_PAPER_WRITERS),
        SAME_AS_GET,
        variant="system's paper",
    ),
    Row(
        "submissions:paper_edit",
        "paper",
        write(PAPER_WRITERS, PAPER_READERS),
        write(PAPER_WRITERS, PAPER_READERS),
    ),
    Row(
        "submissions:paper_edit",
        "system_paper",
        read(SYSTEM_PAPER_WRITERS),
        read(SYSTEM_PAPER_WRITERS),
        variant="system's paper",
    ),
    Row(
        "submissions:paper_render",
        "paper",
        METHOD_REFUSED,
        write(PAPER_WRITERS, PAPER_READERS),
    ),
    Row("submissions:paper_status", "paper", read(PAPER_READERS), SAME_AS_GET),
    Row("submissions:paper_download", "paper_pdf", read(PAPER_READERS), SAME_AS_GET),
    # Django's admin, beside the patterns above (its own patterns are Django's, not listed).
    admin_row("/admin/", STAFF_ONLY),
    admin_row("/admin/planning/role/", STAFF_ONLY),
    admin_row("/admin/planning/system/add/", STAFF_ONLY, STAFF_ONLY),
]
