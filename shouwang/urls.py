from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from monitor.accounts import AdminLoginForm, LoginForm, account
from reports import views as reports
from visits import offline

from . import views

handler400 = "monitor.requests.bad_request"  # the reason, in Chinese

admin.site.login_form = AdminLoginForm
admin.site.site_header = "守望 · 防止返贫监测 管理"
admin.site.site_title = "守望管理"

urlpatterns = [
    path("", reports.home, name="home"),
    path("healthz", views.health, name="health"),
    path("start/", views.landing, name="landing"),
    # Work without signal (§10): the service worker at the root so its scope is every page.
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("offline/", offline.offline_fallback, name="offline_fallback"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account, name="account"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("households/", include("visits.urls")),
    path("alerts/", include("alerts.urls")),
    path("alerts/", include("reports.urls")),
    path("api/", include("shouwang.api_urls")),
    path("monitoring/", include("casework.urls")),
    path("imports/", include("survey.urls")),
    path("policy/", include("monitor.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
