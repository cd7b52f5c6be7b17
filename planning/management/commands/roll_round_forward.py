"""`python manage.py roll_round_forward --round 2019`: make next year's round from this year's."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from planning.models import Round
from planning.rollover import roll_round_forward


class Command(BaseCommand):
    help = (
        "Make the next round from a round: its templates copied, its national and local "
        "milestones moved a year for editing; memberships carry over by their years. Refused, "
        "copying nothing, when the next round exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--round",
            type=int,
            required=True,
            metavar="YEAR",
            help="The financial year of the round to copy: 2019 for 2019/20.",
        )
        parser.add_argument(
            "--to",
            type=int,
            metavar="YEAR",
            help="The financial year of the new round (default: the next one). Dates move by "
            "the difference in years.",
        )

    def handle(self, *args, round, to=None, **options):
        source = Round.objects.filter(financial_year=round).first()
        if source is None:
            raise CommandError(f"There is no round for the financial year {round}.")
        try:
            new = roll_round_forward(source, financial_year=to)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(new.rollover.summary()))
