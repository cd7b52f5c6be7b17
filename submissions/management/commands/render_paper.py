"""`python manage.py render_paper ID`: render a paper to a new numbered PDF now, in this process."""

from django.core.management.base import BaseCommand, CommandError

from submissions.models import Paper, PaperRender
from submissions.papers import paper_render_run


class Command(BaseCommand):
    help = "Render a Governing Body paper to PDF as its next version and print where it is."

    def add_arguments(self, parser):
        parser.add_argument("paper_id", type=int)

    def handle(self, *args, paper_id, **options):
        paper = Paper.objects.filter(pk=paper_id).first()
        if paper is None:
            raise CommandError(f"There is no paper {paper_id}.")
        last = paper.renders.order_by("-number").values_list("number", flat=True).first() or 0
        render = PaperRender.objects.create(paper=paper, number=last + 1)
        render = paper_render_run(render.pk)
        if render.status != PaperRender.Status.READY:
            raise CommandError(f"Version {render.number} failed: {render.error}")
        self.stdout.write(
            f"Version {render.number} of “{paper.title}”: {render.file.path} "
            f"({render.seconds:.2f} s, data hash {render.data_hash[:16]})"
        )
