"""URLs of Governing Body papers."""

from django.urls import path

from . import views

urlpatterns = [
    path("papers/", views.paper_list, name="papers"),
    path("papers/new/", views.paper_create, name="paper_new"),
    path("papers/<int:pk>/", views.paper_detail, name="paper"),
    path("papers/<int:pk>/edit/", views.paper_edit, name="paper_edit"),
    path("papers/<int:pk>/render/", views.paper_render, name="paper_render"),
    path("papers/<int:pk>/status/", views.paper_status, name="paper_status"),
    path("papers/<int:pk>/versions/<int:number>.pdf", views.paper_download, name="paper_download"),
]
