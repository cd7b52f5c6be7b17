"""URLs of returns. A return is addressed by round, ODS code, template and stage."""

from django.urls import path

from . import views

RETURN = "returns/<year:year>/<str:ods>/<slug:template>/<slug:stage>/"

urlpatterns = [
    path("returns/", views.return_list, name="list"),
    path(
        "returns/<year:year>/<str:ods>/<slug:template>/compare/",
        views.return_compare,
        name="compare",
    ),
    path(RETURN, views.return_detail, name="return"),
    path(RETURN + "history/", views.return_history, name="history"),
    path(RETURN + "review/", views.return_review, name="review"),
    path(RETURN + "submissions/compare/", views.submission_compare, name="compare_submissions"),
]
