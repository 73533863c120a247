from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_queue, name="queue"),
    path("assign/", views.alerts_assign, name="assign"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/move/", views.alert_move, name="move"),
    path("<int:pk>/measures/", views.measure_add, name="add_measure"),
    path("plans/<str:number>/", views.household_plan, name="plan"),
    path("measures/<int:pk>/tasks/", views.task_assign, name="assign_task"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/", views.task_update, name="update_task"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="reopen_task"),
    path("tasks/<int:pk>/evidence/", views.evidence_add, name="add_evidence"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("notifications/", views.notifications, name="notifications"),
]
