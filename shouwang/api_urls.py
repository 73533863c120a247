"""/api/: the REST API's routes, its OpenAPI schema and Swagger UI (served from static by
drf-spectacular-sidecar, since county intranets are offline)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from alerts.api import alerts, plans, tasks
from households.api import PlaceViewSet
from monitor.api import not_found
from reports.api import FiveListsView, FiveListView, LedgerView
from reports.policy_api import PolicyAdoptView, PolicyPreviewView
from visits.api import CheckViewSet, HouseholdViewSet, MemberViewSet

router = SimpleRouter()
router.register("places", PlaceViewSet, basename="place")
router.register("households", HouseholdViewSet, basename="household")
router.register("members", MemberViewSet, basename="member")
router.register("checks", CheckViewSet, basename="check")
router.register("alerts", alerts.AlertViewSet, basename="alert")
router.register("plans", plans.PlanViewSet, basename="plan")
router.register("measures", plans.MeasureViewSet, basename="measure")
router.register("measure-catalogue", plans.CatalogueViewSet, basename="catalogue")
router.register("tasks", tasks.TaskViewSet, basename="task")

app_name = "api"
urlpatterns = [
    *router.urls,
    path("five-lists/", FiveListsView.as_view(), name="five-lists"),
    path("five-lists/<str:list>/", FiveListView.as_view(), name="five-list"),
    path("ledger/", LedgerView.as_view(), name="ledger"),
    path("policy/preview/", PolicyPreviewView.as_view(), name="policy-preview"),
    path("policy/adopt/", PolicyAdoptView.as_view(), name="policy-adopt"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Last: any other /api/ path ending in a slash is a JSON 404. One without the slash
    # is left to APPEND_SLASH, which redirects /api/households to /api/households/.
    re_path(r"^.*/$", not_found),
]
