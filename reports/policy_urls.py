"""The policy change's pages, under the 政策 page's address (/policy/preview/): the page
lives in reports, which may read alerts; the 政策 page (monitor) links here by name."""

from django.urls import path

from . import policy_views

app_name = "policy_preview"
urlpatterns = [
    path("", policy_views.policy_preview, name="form"),
    path("<int:pk>/", policy_views.policy_job, name="job"),
    path("<int:pk>/adopt/", policy_views.policy_adopt, name="adopt"),
]
