"""`python manage.py render_paper ID`: render a paper to a new numbered PDF now, in this process."""

from django.core.management.base import BaseCommand, CommandError

from submissions.models import Paper, PaperRender
from submissions.papers.services import paper_render_now


class Command(BaseCommand):
    help = "Render a Governing Body paper to PDF as its next version and print where it is."

    def add_arguments(self, parser):
        parser.add_argument("paper_id", type=int)

    def handle(self, *args, paper_id, **options):
        paper = Paper.objects.filter(pk=paper_id).first()
        if paper is None:
            raise CommandError(f"There is no paper {paper_id}.")
        render = paper_render_now(paper=paper)
        if render.status != PaperRender.Status.READY:
            raise CommandError(f"Version {render.number} failed: {render.error}")
        self.stdout.write(
            f"Version {render.number} of “{paper.title}”: {render.file.path} "
            f"({render.seconds:.2f} s, data hash {render.data_hash[:16]})"
        )
