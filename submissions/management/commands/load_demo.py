"""`python manage.py load_demo`: load (or refresh) the demo data and print the demo logins."""

import contextlib
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from planning.models import Milestone
from submissions.demo import DEMO_PASSWORD, load_demo

# The demo runs its plan builds and paper render in this process (tasks run eagerly without a
# broker): Celery logs each task and kombu warns about the in-memory broker. Not for a newcomer.
QUIET = {"celery": logging.WARNING, "kombu": logging.ERROR, "axes": logging.WARNING}


@contextlib.contextmanager
def quiet_task_logs():
    loggers = {logging.getLogger(name): level for name, level in QUIET.items()}
    before = {logger: logger.level for logger in loggers}
    for logger, level in loggers.items():
        logger.setLevel(max(level, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        for logger, level in before.items():
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load the demo systems, timetables, users, the seeds' 2019/20 returns and a live round. "
        "The live round plans the financial year starting in the April after today (run on 26 "
        "November 2026: 2027/28), rolled forward from the latest round, with its deadlines in the "
        "coming weeks (drafts in 7 and 10 days, finals in 3 and 5 weeks). Safe to run again: the "
        "same day changes nothing; a later day moves the live round's deadlines to the same "
        "distance from that day and keeps its returns; after the April that starts its year, the "
        "next year's live round is rolled forward and the old one closed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even when DEBUG is off (demo users have a published password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo users with a published password while DEBUG is off. "
                "Use --force on a throwaway environment."
            )
        with quiet_task_logs():
            users, templates, live = load_demo()
        self.stdout.write(
            f"Loaded {len(templates)} return templates from planning/templates_data/."
        )
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Live round {live.name}, deadlines coming up:")
        deadlines = live.milestones.filter(kind=Milestone.Kind.SUBMISSION, system=None)
        for milestone in deadlines.order_by("date"):
            self.stdout.write(f"  {milestone.date:%a %d %b %Y}  {milestone.title}")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in users:
            self.stdout.write(f"  {username:<16} {role}")
