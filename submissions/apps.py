"""App config for submissions: returns, values, workflow, aggregation and papers."""

from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = "Submissions"
