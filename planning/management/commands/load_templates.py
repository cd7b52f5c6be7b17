"""`python manage.py load_templates`: load or refresh every return template from its data file."""

from django.core.management.base import BaseCommand, CommandError

from planning.template_loader import TemplateDataError, load_all


class Command(BaseCommand):
    help = "Load the return templates in planning/templates_data/<financial year>/*.toml."

    def handle(self, *args, **options):
        try:
            templates = load_all()
        except TemplateDataError as error:
            raise CommandError(str(error)) from None
        for template in templates:
            self.stdout.write(f"  {template.round.name}  {template.code:<12} {template.source}")
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(templates)} templates."))
