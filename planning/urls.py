"""URLs of the planning app."""

from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("rounds/<year:year>/timetable/", views.timetable, name="timetable"),
    path("rounds/<year:year>/timetable.ics", views.timetable_ics, name="timetable_ics"),
    path("systems/<slug:code>/", views.system_detail, name="system"),
    path(
        "systems/<slug:code>/rounds/<year:year>/milestones/add/",
        views.milestone_add,
        name="milestone_add",
    ),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="milestone_delete"),
    path(
        "systems/<slug:code>/rounds/<year:year>/extensions/",
        views.extensions,
        name="extensions",
    ),
    path(
        "systems/<slug:code>/rounds/<year:year>/extensions/grant/",
        views.extension_grant,
        name="extension_grant",
    ),
    path(
        "extensions/<int:pk>/withdraw/",
        views.extension_withdraw,
        name="extension_withdraw",
    ),
]
