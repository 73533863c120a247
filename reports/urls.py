"""Pages for reports. The five lists keep their addresses under /alerts/, where counties
have bookmarked them; the dashboard is the home page (shouwang/urls.py)."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("five-lists/", views.five_lists, name="five_lists"),
    path("five-lists/export/", views.five_lists_export, name="five_lists_export"),
    path("exports/", views.export_start, name="export_start"),
    path("exports/ledger/", views.ledger_export_start, name="ledger_export"),
    path("exports/<int:pk>/", views.export_status, name="export"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
