"""App config for planning: partners, rounds, the timetable and people's roles."""

from django.apps import AppConfig
from django.urls import register_converter


class FinancialYear:
    """`<year:year>` in a URL: a round's financial year, four digits (2019), as an int. Anything
    else is a 404 before any view reads it (a "year" of twenty digits overflows SQLite's integers)."""

    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Planning"

    def ready(self):
        # Before any URL module is read: planning's and submissions' URLs name years with it.
        register_converter(FinancialYear, "year")
        # The security audit log (planning/audit.py) records sign-ins, failures, lock-outs,
        # sign-outs, role and status changes and password changes from these signals, in every
        # process; plan approvals are recorded by the plan services themselves.
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_delete, post_save, pre_save

        from . import audit
        from .models import Role

        def connect(signal, receiver, sender=None):
            signal.connect(
                receiver, sender=sender, dispatch_uid=f"planning.audit.{receiver.__name__}"
            )

        connect(user_logged_in, audit.signed_in)
        connect(user_login_failed, audit.sign_in_failed)
        connect(user_logged_out, audit.signed_out)
        connect(user_locked_out, audit.locked_out)
        connect(pre_save, audit.role_before_save, Role)
        connect(post_save, audit.role_saved, Role)
        connect(post_delete, audit.role_deleted, Role)
        connect(pre_save, audit.user_before_save, get_user_model())
        connect(post_save, audit.user_saved, get_user_model())
