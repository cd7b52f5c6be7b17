"""URLs of queries: a query belongs to a return and is addressed under it; a system's open
queries are with its other ICS-lead pages."""

from django.urls import path

from . import views

RETURN = "returns/<year:year>/<str:ods>/<slug:template>/<slug:stage>/"

urlpatterns = [
    path(RETURN + "queries/new/", views.query_raise, name="query_raise"),
    path(RETURN + "queries/<int:pk>/", views.query_detail, name="query"),
    path(
        "systems/<slug:code>/rounds/<year:year>/queries/",
        views.system_queries,
        name="system_queries",
    ),
]
