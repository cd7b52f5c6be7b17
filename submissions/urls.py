"""URLs of the submissions app. A return is addressed by round, ODS code, template and stage."""

from django.urls import path

from . import views

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
