"""/api/: the REST API's routes, its OpenAPI schema and Swagger UI (served from static by
drf-spectacular-sidecar, since county intranets are offline)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from alerts import api as alerts_api
from households import api as households_api
from monitor.api import not_found

router = SimpleRouter()
router.register("places", households_api.PlaceViewSet, basename="place")
router.register("households", households_api.HouseholdViewSet, basename="household")
router.register("members", households_api.MemberViewSet, basename="member")
router.register("checks", households_api.CheckViewSet, basename="check")
router.register("alerts", alerts_api.AlertViewSet, basename="alert")
router.register("plans", alerts_api.PlanViewSet, basename="plan")
router.register("measures", alerts_api.MeasureViewSet, basename="measure")
router.register("measure-catalogue", alerts_api.CatalogueViewSet, basename="catalogue")
router.register("tasks", alerts_api.TaskViewSet, basename="task")

app_name = "api"
urlpatterns = [
    *router.urls,
    path("five-lists/", alerts_api.FiveListsView.as_view(), name="five-lists"),
    path("five-lists/<str:list>/", alerts_api.FiveListView.as_view(), name="five-list"),
    path("ledger/", households_api.LedgerView.as_view(), name="ledger"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Last: any other /api/ path ending in a slash is a JSON 404. One without the slash
    # is left to APPEND_SLASH, which redirects /api/households to /api/households/.
    re_path(r"^.*/$", not_found),
]
