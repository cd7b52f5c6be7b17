"""App config for submissions: returns, system plans, papers and workbooks."""

from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = "Submissions"

    def ready(self):
        # Register the Celery tasks by name in every process, so `queue` can apply them eagerly
        # in the embedded default; nothing else imports the tasks module.
        from submissions import tasks  # noqa: F401

        # A return's lateness follows its organisation's deadline extensions, and its planning
        # leads are told of them (receivers of planning's signals).
        from submissions.notifications import events  # noqa: F401
        from submissions.returns import lateness  # noqa: F401
