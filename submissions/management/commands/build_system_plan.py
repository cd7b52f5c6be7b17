"""`python manage.py build_system_plan --system BLMK --round 2019`: build a system's plans now."""

from django.core.management.base import BaseCommand, CommandError

from planning.models import Round, System, Template
from submissions.models import Return
from submissions.plans.services import build_system_plan


class Command(BaseCommand):
    help = "Build the system plan of every template (draft and final) for one system and round."

    def add_arguments(self, parser):
        parser.add_argument("--system", required=True, help="System code, e.g. BLMK.")
        parser.add_argument("--round", required=True, type=int, help="Financial year, e.g. 2019.")
        parser.add_argument("--stage", choices=Return.Stage.values, help="Only this stage.")

    def handle(self, *args, system, round, stage=None, **options):
        try:
            the_system = System.objects.get(code__iexact=system)
            the_round = Round.objects.get(financial_year=round)
        except (System.DoesNotExist, Round.DoesNotExist) as error:
            raise CommandError(f"{error}: check --system and --round.") from None
        templates = Template.objects.filter(round=the_round).exclude(kind=Template.Kind.NARRATIVE)
        stages = [stage] if stage else Return.Stage.values
        for template in templates.order_by("order"):
            for each_stage in stages:
                plan, created = build_system_plan(
                    system=the_system, template=template, stage=each_stage
                )
                what = "built" if created else "unchanged"
                self.stdout.write(
                    f"  {template.code:<12} {each_stage:<6} version {plan.version} {what}: "
                    f"{len(plan.included)} of {len(plan.inputs)} partners included"
                )
        self.stdout.write(
            self.style.SUCCESS(f"{the_system.code} {the_round.name} plans are built.")
        )
