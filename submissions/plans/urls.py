"""URLs of the ICS lead's system pages: completeness, plans, alignment and exports."""

from django.urls import path, register_converter

from submissions.models import Return

from . import views


class StageConverter:
    """A return stage in a plan's URL: only Return.Stage.values ("draft", "final"); any other text
    ("bogus") matches no URL, so every plan page answers 404 instead of storing a plan for it."""

    regex = "|".join(Return.Stage.values)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(StageConverter, "plan_stage")

SYSTEM = "systems/<slug:code>/rounds/<year:year>/"
PLAN = SYSTEM + "plans/<slug:template>/<plan_stage:stage>/"

urlpatterns = [
    path(SYSTEM + "returns/", views.completeness, name="completeness"),
    path(SYSTEM + "alignment/", views.plan_alignment, name="alignment"),
    path(PLAN, views.plan_detail, name="plan"),
    path(PLAN + "status/", views.plan_status, name="plan_status"),
    path(PLAN + "build/", views.plan_build, name="plan_build"),
    path(PLAN + "approve/", views.plan_approve, name="plan_approve"),
    path(PLAN + "approve/withdraw/", views.plan_withdraw_approval, name="plan_withdraw_approval"),
    path(PLAN + "return/", views.plan_return_inputs, name="plan_return"),
    path(PLAN + "lines/<slug:line>/", views.plan_line, name="plan_line"),
    path(PLAN + "export.csv", views.plan_export_csv, name="plan_csv"),
    path(PLAN + "export.json", views.plan_export_json, name="plan_json"),
]
