"""App config for submissions: returns, system plans, papers and workbooks."""

from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = "Submissions"

    def ready(self):
        # Register the Celery tasks by name in every process, so `queue` can apply them eagerly
        # in the embedded default; nothing else imports the tasks module.
        from submissions import tasks  # noqa: F401
