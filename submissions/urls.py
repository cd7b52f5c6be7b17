"""URLs of the submissions app. A return is addressed by round, ODS code, template and stage."""

from django.urls import path

from . import excel_views, paper_views, plan_views, views

app_name = "submissions"

_return = "returns/<int:year>/<str:ods>/<slug:template>/<slug:stage>/"

urlpatterns = [
    path("returns/", views.return_list, name="list"),
    path(
        "returns/<int:year>/<str:ods>/<slug:template>/compare/",
        views.return_compare,
        name="compare",
    ),
    path(_return, views.return_detail, name="return"),
    path(_return + "history/", views.return_history, name="history"),
    path(_return + "review/", views.return_review, name="review"),
]

_system = "systems/<slug:code>/rounds/<int:year>/"
_plan = _system + "plans/<slug:template>/<slug:stage>/"

urlpatterns += [
    path(_system + "returns/", plan_views.completeness, name="completeness"),
    path(_system + "alignment/", plan_views.plan_alignment, name="alignment"),
    path(_plan, plan_views.plan_detail, name="plan"),
    path(_plan + "build/", plan_views.plan_build, name="plan_build"),
    path(_plan + "approve/", plan_views.plan_approve, name="plan_approve"),
    path(_plan + "return/", plan_views.plan_return_inputs, name="plan_return"),
    path(_plan + "lines/<slug:line>/", plan_views.plan_line, name="plan_line"),
    path(_plan + "export.csv", plan_views.plan_export_csv, name="plan_csv"),
    path(_plan + "export.json", plan_views.plan_export_json, name="plan_json"),
]

urlpatterns += [
    path("papers/", paper_views.paper_list, name="papers"),
    path("papers/new/", paper_views.paper_create, name="paper_new"),
    path("papers/<int:pk>/", paper_views.paper_detail, name="paper"),
    path("papers/<int:pk>/edit/", paper_views.paper_edit, name="paper_edit"),
    path("papers/<int:pk>/render/", paper_views.paper_render, name="paper_render"),
    path("papers/<int:pk>/status/", paper_views.paper_status, name="paper_status"),
    path(
        "papers/<int:pk>/versions/<int:number>.pdf",
        paper_views.paper_download,
        name="paper_download",
    ),
]

urlpatterns += [
    path(_return + "download.xlsx", excel_views.return_download, name="download"),
    path(_return + "upload/", excel_views.return_upload, name="upload"),
    path(_return + "upload/<int:pk>/", excel_views.upload_preview, name="upload_preview"),
    path(_return + "upload/<int:pk>/confirm/", excel_views.upload_confirm, name="upload_confirm"),
    path(_plan + "export.xlsx", plan_views.plan_export_xlsx, name="plan_xlsx"),
]
