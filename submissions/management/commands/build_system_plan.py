"""`python manage.py build_system_plan --round 2019 [--system BLMK] [--stage draft]`: build plans
now, one system's or, without --system, every system's (one transaction per template)."""

from django.core.management.base import BaseCommand, CommandError

from planning.models import Round, System, Template
from submissions.models import Return
from submissions.plans.services import build_plans


class Command(BaseCommand):
    help = (
        "Build the system plan of every template (draft and final) of a round, for one system "
        "or for every system."
    )

    def add_arguments(self, parser):
        parser.add_argument("--system", help="System code, e.g. BLMK; every system if left out.")
        parser.add_argument("--round", required=True, type=int, help="Financial year, e.g. 2019.")
        parser.add_argument("--stage", choices=Return.Stage.values, help="Only this stage.")

    def handle(self, *args, round, system=None, stage=None, **options):
        try:
            the_round = Round.objects.get(financial_year=round)
            the_system = System.objects.get(code__iexact=system) if system else None
        except (System.DoesNotExist, Round.DoesNotExist) as error:
            raise CommandError(f"{error}: check --system and --round.") from None
        templates = Template.objects.filter(round=the_round).exclude(kind=Template.Kind.NARRATIVE)
        stages = [stage] if stage else Return.Stage.values
        codes = dict(System.objects.values_list("pk", "code"))
        for template in templates.select_related("round").order_by("order"):
            for each_stage in stages:
                built = build_plans(
                    template=template,
                    stage=each_stage,
                    system_ids=[the_system.pk] if the_system else None,
                )
                for system_id, (plan, created) in sorted(built.items(), key=lambda b: codes[b[0]]):
                    what = "built" if created else "unchanged"
                    self.stdout.write(
                        f"  {codes[system_id]:<6} {template.code:<12} {each_stage:<6} version "
                        f"{plan.version} {what}: {len(plan.included)} of {len(plan.inputs)} "
                        "partners included"
                    )
        which = the_system.code if the_system else "Every system's"
        self.stdout.write(self.style.SUCCESS(f"{which} {the_round.name} plans are built."))
