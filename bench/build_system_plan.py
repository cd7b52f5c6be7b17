"""System plan build time as partners grow: the build is one grouped query, so time should grow
slowly with partners. Run by hand: `make bench`. Prints a markdown table."""

import time

from _setup import django_on_scratch_database, table

django_on_scratch_database()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from planning.models import (  # noqa: E402
    Membership,
    Organisation,
    Role,  # noqa: E402
    System,
    Template,
)
from submissions.demo import seed_figures  # noqa: E402
from submissions.demo.returns import fill  # noqa: E402
from submissions.models import Return  # noqa: E402
from submissions.plans.services import build_system_plan  # noqa: E402

system = System.objects.get(code="BLMK")
activity = Template.objects.get(round__financial_year=2019, code="activity")
rows = []
made = 0
for partners in (10, 50, 200):
    while made < partners:
        org = Organisation.objects.create(
            ods_code=f"B{made:04d}", name=f"Bench trust {made}", kind="acute"
        )
        Membership.objects.create(
            organisation=org, system=system, role="provider", share=1, first_year=2019
        )
        user = get_user_model().objects.create(username=f"bench{made}")
        Role.objects.create(user=user, kind=Role.Kind.PLANNING_LEAD, organisation=org)
        fill(
            user=user,
            ret=Return(organisation=org, template=activity, stage="draft"),
            cells=seed_figures.activity_cells(),
            explain=lambda warning: "bench",
            submit=True,  # a frozen submission, which is what a build reads
        )
        made += 1
    reset_queries()  # the log keeps 9,000 queries at most; setting up the partners fills it
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        plan, _ = build_system_plan(system=system, template=activity, stage="draft")
    rows.append(
        [partners, len(plan.included), f"{time.perf_counter() - started:.3f}", len(queries)]
    )

table("Activity system plan build (SQLite)", ["partners", "included", "seconds", "queries"], rows)
