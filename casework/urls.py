"""Pages for department comparison, declarations, identification and elimination, and
the data-quality checks (casework/views.py)."""

from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("comparisons/", views.comparisons, name="comparisons"),
    path("comparisons/<int:pk>/", views.comparison_detail, name="comparison"),
    path("comparisons/<int:pk>/report/", views.comparison_report, name="comparison_report"),
    path("declarations/", views.declarations, name="declarations"),
    path("declarations/<int:pk>/accept/", views.declaration_accept, name="declaration_accept"),
    path("households/<str:number>/", views.household_monitoring, name="household"),
    path("households/<str:number>/declare/", views.declaration_new, name="declare"),
    path("households/<str:number>/propose/", views.case_propose, name="propose"),
    path("cases/", views.cases, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/step/", views.case_step, name="case_step"),
    path("cases/<int:pk>/notice/", views.case_notice, name="case_notice"),
    path("cases/<int:pk>/objections/", views.case_objection, name="case_objection"),
    path("cases/<int:pk>/notice/print/", views.notice_print, name="notice_print"),
    path("quality/", views.quality, name="quality"),
    path("quality/export/", views.quality_export, name="quality_export"),
]
