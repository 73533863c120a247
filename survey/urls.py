"""The 导入排查 page and an import's own page (survey/views.py)."""

from django.urls import path

from . import views

app_name = "survey"
urlpatterns = [
    path("", views.import_page, name="import"),
    path("<int:pk>/", views.job_page, name="job"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    path("<int:pk>/confirm/", views.job_confirm, name="job_confirm"),
    path("<int:pk>/stop/", views.job_stop, name="job_stop"),
    path("<int:pk>/rerun/", views.job_rerun, name="job_rerun"),
    path("<int:pk>/report/", views.job_report, name="job_report"),
]
