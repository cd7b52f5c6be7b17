"""`python manage.py load_templates`: load or refresh every return template from its data file.

A file that would drop a line or column holding figures, or that refers to a cell another template
of its round does not have, is refused with the reason and nothing is changed."""

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
            self.stdout.write(
                f"  {template.round.name}  {template.code:<16} v{template.version:<3} "
                f"{template.source}"
            )
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(templates)} templates."))
