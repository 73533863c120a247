from django.urls import path

from . import views

app_name = "monitor"

urlpatterns = [
    path("", views.policy, name="policy"),
    path("change/", views.policy_change, name="policy_change"),
]
