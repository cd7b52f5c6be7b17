"""Top-level URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.forms import AdminSignInForm, SignInForm
from planning import views as planning_views
from submissions.home import views as home_views

admin.site.site_header = "NHS system planning administration"
admin.site.site_title = "NHS system planning"
admin.site.login_form = AdminSignInForm

# The "try again" page, or "the service is busy" (503) when the database cannot be reached.
handler500 = "config.middleware.server_error"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("health/", planning_views.health, name="health"),
    path("", include("planning.urls")),
    path("", include("submissions.urls")),
]
