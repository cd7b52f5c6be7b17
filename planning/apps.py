"""App config for planning: partners, rounds, the timetable and people's roles."""

from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Planning"
