from django.urls import path

from . import member_pages, officer_pages, offline, views

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    # Before <number>/: the phone's pages for work without signal (visits/offline.py).
    path("outbox/", offline.outbox_page, name="outbox"),
    path("offline/pages/", offline.offline_list, name="offline_pages"),
    path("offline/token/", offline.send_token, name="send_token"),
    path("officers/", officer_pages.officers_page, name="officers"),
    path("<str:number>/", views.household_detail, name="detail"),
    path("<str:number>/print/", views.household_print, name="print"),
    path("<str:number>/checks/new/", views.check_new, name="check_new"),
    path("<str:number>/checks/<int:pk>/", views.check_detail, name="check"),
    path("<str:number>/members/new/", member_pages.member_new, name="member_new"),
    path("<str:number>/members/<int:pk>/leave/", member_pages.member_leave,
         name="member_leave"),
    path("<str:number>/members/<int:pk>/id-number/", member_pages.member_id_number,
         name="member_id_number"),
]
