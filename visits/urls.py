from django.urls import path

from . import views

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("<str:number>/", views.household_detail, name="detail"),
    path("<str:number>/print/", views.household_print, name="print"),
    path("<str:number>/checks/new/", views.check_new, name="check_new"),
    path("<str:number>/checks/<int:pk>/", views.check_detail, name="check"),
]
