"""URLs of workbooks: a return's download and upload, and a system plan's workbook export."""

from django.urls import path

from submissions.plans.urls import PLAN
from submissions.returns.urls import RETURN

from . import views

urlpatterns = [
    path(RETURN + "download.xlsx", views.return_download, name="download"),
    path(RETURN + "upload/", views.return_upload, name="upload"),
    path(RETURN + "upload/<int:pk>/", views.upload_preview, name="upload_preview"),
    path(RETURN + "upload/<int:pk>/confirm/", views.upload_confirm, name="upload_confirm"),
    path(PLAN + "export.xlsx", views.plan_export_xlsx, name="plan_xlsx"),
]
