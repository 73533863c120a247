"""The API for places (the county's towns and villages). Every queryset starts from the
user's scope: a place outside it is a 404, the same answer as for one that does not exist."""
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter

from households.models import Place
from monitor.api import (
    LIST_ERRORS,
    Pagination,
    errors,
)
from monitor.api_fields import PLACE_HELP, place_prefix
from monitor.choices import (
    PlaceLevel,
)

# ── Places ────────────────────────────────────────────────────────────────────────────


class PlaceOutput(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True,
                                   help_text="上级地区代码")

    class Meta:
        model = Place
        fields = ["code", "name", "level", "parent"]


class PlaceFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=PlaceLevel.choices)
    parent = filters.CharFilter(field_name="parent_id", help_text="上级地区代码")
    within = filters.CharFilter(method="filter_within", help_text=PLACE_HELP)

    class Meta:
        model = Place
        fields = ["level", "parent", "within"]

    def filter_within(self, queryset, name, value):
        return place_prefix(queryset, "code", value)


@extend_schema_view(list=extend_schema(summary="地区列表", responses={200: PlaceOutput,
                                                                   **LIST_ERRORS}),
                    retrieve=extend_schema(summary="一个地区", responses={200: PlaceOutput,
                                                                      **errors(404)}))
class PlaceViewSet(viewsets.ReadOnlyModelViewSet):
    """The user's place and the places below it."""

    serializer_class = PlaceOutput
    lookup_field = "code"
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = PlaceFilter
    ordering_fields = ["code", "name"]
    ordering = ["code"]

    def get_queryset(self):
        return Place.objects.visible_to(self.request.user)
