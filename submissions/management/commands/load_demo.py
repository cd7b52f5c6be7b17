"""`python manage.py load_demo`: load (or refresh) the demo data and print the demo logins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from submissions.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo systems, timetables and users. Safe to run again."

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
        users, templates = load_demo()
        self.stdout.write(
            f"Loaded {len(templates)} return templates from planning/templates_data/."
        )
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in users:
            self.stdout.write(f"  {username:<16} {role}")
