"""National data for the benchmarks: 42 systems, about 410 organisations (CCGs and trusts of each
kind) with their memberships and shares, and every numeric template of the 2019 round filled and
submitted (draft stage) by every organisation that completes it. Seeded: the same seed gives the
same figures.

Run by hand: `.venv/bin/python bench/national.py [--seed N] [--systems N]`. It starts its own
PostgreSQL (`tests/services.py`), loads the templates, generates the data and prints what it made.
`bench/build_all_plans.py` imports `generate` to build every plan on the same data.

Returns are written in bulk, not through `return_save`/`return_submit`: random figures break the
templates' rules (a submission with an error is refused) and the services make a few queries per
cell (about 200,000 at this scale). `generate` writes the rows `return_submit` leaves: the return
(submitted, version 2: one save, one submit), its values, a Change per value and one for the status,
and the Submission snapshot (number 1, the same content hash) with a copy of every value.
"""

import argparse
import os
import random
import sys
from decimal import Decimal

from _setup import throwaway_servers

# England in 2019/20, roughly: organisations of each kind across 42 systems.
NATIONAL = {"ccg": 191, "acute": 135, "mental_health": 54, "community": 17, "ambulance": 10}
SYSTEMS = 42
THIRD = Decimal("0.333333333333")  # a third, as the membership share keeps it (12 places)


def start_django_on_postgres(prefix="planning-national-"):
    """Start a throwaway PostgreSQL (stopped at exit), point Django at it and migrate. Returns the
    scratch folder. Exits if PostgreSQL is not installed: these numbers mean nothing on SQLite."""
    scratch, database_url, _, _ = throwaway_servers(prefix)
    if not database_url:
        sys.exit("This benchmark needs PostgreSQL (apt-get install postgresql).")
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("MEDIA_ROOT", f"{scratch}/media")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return scratch


def home_systems():
    """{organisation id: its home system, the one it counts most in (its largest share; the
    first by code on a tie)}: where the benchmarks find an organisation's ICS lead."""
    from planning.models import Membership

    home = {}
    for organisation, system in Membership.objects.order_by(
        "organisation_id", "-share", "system__code"
    ).values_list("organisation_id", "system_id"):
        home.setdefault(organisation, system)
    return home


def _figure(rng, unit):
    """A typed figure: a rate between 0 and 100 for a % cell, else up to 500,000.0."""
    if unit == "%":
        return Decimal(rng.randint(0, 1000)) / 10
    return Decimal(rng.randint(0, 5_000_000)) / 10


def generate(*, seed=2019, systems=SYSTEMS):
    """Create the national data on an empty, migrated database; returns a dict of counts.
    With fewer `systems`, organisations scale down with them."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from planning.models import Membership, Organisation, Region, Role, System, Template
    from planning.template_loader import load_all
    from submissions.formatting import format_value
    from submissions.models import Change, Return, Submission, SubmissionValue, Value
    from submissions.models.returns import content_hash
    from submissions.returns.selectors import grid_for_template

    rng = random.Random(seed)
    load_all()
    with transaction.atomic():
        regions = [Region.objects.create(name=f"Region {n}") for n in range(1, 8)]
        the_systems = System.objects.bulk_create(
            System(code=f"S{n:02d}", name=f"System {n:02d}", region=regions[n % len(regions)])
            for n in range(1, systems + 1)
        )

        organisations, memberships = [], []
        for kind, national in NATIONAL.items():
            count = max(1, round(national * systems / SYSTEMS))
            made = Organisation.objects.bulk_create(
                Organisation(ods_code=f"{kind[:2].upper()}{n:03d}", name=f"{kind} {n}", kind=kind)
                for n in range(count)
            )
            role = "commissioner" if kind == "ccg" else "provider"
            order = list(range(len(the_systems)))
            rng.shuffle(order)
            for n, organisation in enumerate(made):
                home = order[n % len(order)]  # every system has at least one of each kind there is
                draw = rng.random()
                if kind == "ambulance" or (kind == "mental_health" and draw < 0.1):
                    spans = [Decimal(1)] if systems == 1 else [THIRD] * min(3, systems)
                elif kind in ("ccg", "acute") and draw < 0.1 and systems > 1:
                    spans = [Decimal("0.5")] * 2  # a few organisations count half in two systems
                else:
                    spans = [Decimal(1)]
                for step, share in enumerate(spans):
                    memberships.append(
                        Membership(
                            organisation=organisation,
                            system=the_systems[(home + step) % len(the_systems)],
                            role=role,
                            share=share,
                            first_year=2019,
                        )
                    )
            organisations += made
        Membership.objects.bulk_create(memberships)

        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"national-{o.ods_code.lower()}") for o in organisations
        )
        Role.objects.bulk_create(
            Role(user=user, kind=Role.Kind.PLANNING_LEAD, organisation=o)
            for user, o in zip(users, organisations, strict=True)
        )
        lead = dict(zip([o.pk for o in organisations], users, strict=True))

        templates = list(
            Template.objects.filter(round__financial_year=2019)
            .exclude(kind=Template.Kind.NARRATIVE)
            .order_by("order")
        )
        now = timezone.now()
        returns, contents = [], []
        for template in templates:
            grid = grid_for_template(template)
            cells = [
                (line, column, grid.unit_of(line.code, column.code))
                for line, column in grid.input_cells()
            ]
            for organisation in organisations:
                if not template.completed_by(organisation):
                    continue
                user = lead[organisation.pk]
                returns.append(
                    Return(
                        organisation=organisation,
                        template=template,
                        stage=Return.Stage.DRAFT,
                        status=Return.Status.SUBMITTED,
                        version=2,  # one save, then the submission
                        submitted_at=now,
                        submitted_by=user,
                        updated_by=user,
                    )
                )
                contents.append(
                    [(line, column, _figure(rng, unit)) for line, column, unit in cells]
                )
        Return.objects.bulk_create(returns, batch_size=2000)

        submissions = Submission.objects.bulk_create(
            (
                Submission(
                    ret=ret,
                    number=1,
                    return_version=ret.version,
                    submitted_at=now,
                    submitted_by=ret.submitted_by,
                    answers={},
                    content_hash=content_hash(
                        {(line.code, column.code): value for line, column, value in content}, {}
                    ),
                )
                for ret, content in zip(returns, contents, strict=True)
            ),
            batch_size=2000,
        )
        for ret, submission in zip(returns, submissions, strict=True):
            ret.submission = submission
        Return.objects.bulk_update(returns, ["submission"], batch_size=2000)

        values, snapshot_values, changes = [], [], []
        for ret, submission, content in zip(returns, submissions, contents, strict=True):
            for line, column, value in content:
                values.append(Value(ret=ret, line=line, column=column, value=value))
                snapshot_values.append(
                    SubmissionValue(submission=submission, line=line, column=column, value=value)
                )
                changes.append(
                    Change(
                        ret=ret,
                        version=1,
                        user=ret.submitted_by,
                        kind=Change.Kind.VALUE,
                        line=line,
                        column=column,
                        new=format_value(value, "", exact=True),
                    )
                )
            changes.append(
                Change(
                    ret=ret,
                    version=2,
                    user=ret.submitted_by,
                    kind=Change.Kind.STATUS,
                    old=Return.Status.DRAFT.label,
                    new=Return.Status.SUBMITTED.label,
                )
            )
        Value.objects.bulk_create(values, batch_size=5000)
        SubmissionValue.objects.bulk_create(snapshot_values, batch_size=5000)
        Change.objects.bulk_create(changes, batch_size=5000)

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "systems": len(the_systems),
        "organisations": len(organisations),
        "memberships": len(memberships),
        "shared (in 2+ systems)": len({m.organisation_id for m in memberships if m.share < 1}),
        "templates": len(templates),
        "submitted returns": len(returns),
        "values": len(values),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    parser.add_argument("--systems", type=int, default=SYSTEMS, help="systems (default 42)")
    arguments = parser.parse_args()
    start_django_on_postgres()
    counts = generate(seed=arguments.seed, systems=arguments.systems)
    print("\n| national data | count |\n| --- | --- |")
    for what, count in counts.items():
        print(f"| {what} | {count:,} |")


if __name__ == "__main__":
    main()
