"""URLs of the ICS lead's system pages: completeness, plans, alignment and exports."""

from django.urls import path

from . import views

SYSTEM = "systems/<slug:code>/rounds/<int:year>/"
PLAN = SYSTEM + "plans/<slug:template>/<slug:stage>/"

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
