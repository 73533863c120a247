"""The API for reports: the household ledger (台账) and the five lists (五张清单), read page
by page within the user's scope."""
from collections.abc import Iterator

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from households.api import PlaceOutput
from households.models import Household
from monitor.api import (
    CellField,
    PageQuery,
    Pagination,
    cell,
    errors,
)
from monitor.audit import audit_export
from reports.five_lists import SHEETS_BY_NAME, list_scope
from reports.ledger import COLUMNS as LEDGER_COLUMNS
from reports.ledger import ledger_rows
from reports.place_period import place_and_period, place_asked
from reports.reconciliation import reconcile

# ── The ledger ────────────────────────────────────────────────────────────────────────


class LedgerQuery(serializers.Serializer):
    """The ledger's parameter as the schema shows it; reports/place_period.py reads it."""

    place = serializers.CharField(required=False, max_length=12,
                                  help_text="地区代码；不填为您的工作地区")


class LedgerPage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    place = PlaceOutput()
    columns = serializers.ListField(child=serializers.CharField())
    results = serializers.ListField(
        child=serializers.ListField(child=CellField()),
        help_text="每行按 columns 的顺序；金额为两位小数的字符串，人数和预警数为整数")


class LedgerView(APIView):
    """农户台账: one row per household of a place in the user's scope, in the columns of
    `manage.py ledger`, a page of households at a time."""

    pagination_class = Pagination

    @extend_schema(summary="农户台账", parameters=[LedgerQuery, PageQuery],
                   responses={200: LedgerPage, **errors(400, 404)})
    def get(self, request):
        place = required(place_asked(request.query_params.get("place"), request.user))
        households = Household.objects.visible_to(request.user).in_place(place.code).order_by(
            "number")
        paginator = Pagination()
        page = paginator.paginate_queryset(households.only("pk"), request, view=self)
        rows = ledger_rows(Household.objects.filter(pk__in=[h.pk for h in page]))
        results = [[cell(value) for value in row] for row in rows]
        audit_export(actor=request.user, what="农户台账", place=place, fmt="json",
                     rows=len(results), note=f"第 {paginator.page.number} 页")
        return Response({
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(), "previous": paginator.get_previous_link(),
            "place": PlaceOutput(place).data, "columns": LEDGER_COLUMNS,
            "results": results,
        })

# ── The five lists ────────────────────────────────────────────────────────────────────

LISTS = {"problems": "问题清单", "rectification": "整改清单", "tasks": "任务清单",
         "responsibility": "责任清单", "effect": "效果清单"}


class PeriodQuery(serializers.Serializer):
    """A place in the user's scope (default: their own) and a period (default: up to today):
    the parameters as the schema shows them; reports/place_period.py reads them."""

    place = serializers.CharField(required=False, max_length=12,
                                  help_text="地区代码；不填为您的工作地区")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, help_text="起始日期（含）")
        fields["to"] = serializers.DateField(required=False, help_text="截止日期（含），默认今天")
        return fields


def required(place):
    """The place asked for, or 400 when the query names none and the user has none."""
    if place is None:
        raise ValidationError({"place": ["请指定地区代码"]})
    return place


def period_scope(request):
    """The five lists' scope for the query, or 400 / 404 (a place outside the user's)."""
    asked = place_and_period(request.query_params, request.user)
    if asked.errors:
        raise ValidationError(asked.errors)
    return list_scope(place=required(asked.place), start=asked.start, end=asked.end,
                      user=request.user)


class PlaceBrief(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TallyOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    raised = serializers.IntegerField(help_text="期内发现")
    closed = serializers.IntegerField(help_text="已销号")
    dismissed = serializers.IntegerField(help_text="已排除")
    open = serializers.IntegerField(help_text="未销号")
    balanced = serializers.BooleanField()


class ListSummary(serializers.Serializer):
    list = serializers.ChoiceField(list(LISTS), help_text="清单（用于 /api/five-lists/{list}/）")
    name = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())


class FiveListsOutput(serializers.Serializer):
    place = PlaceBrief()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField()
    balanced = serializers.BooleanField(help_text="发现 = 销号 + 排除 + 未销号，且各清单一致")
    total = TallyOutput()
    villages = TallyOutput(many=True)
    problems = serializers.ListField(child=serializers.CharField(),
                                     help_text="对不上的地方（中文）")
    lists = ListSummary(many=True)


class ListPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    name = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    results = serializers.ListField(child=serializers.ListField(child=CellField()),
                                    help_text="每行按 columns 的顺序")


def tally(t) -> dict:
    return {"code": t.code, "name": t.name, "raised": t.raised, "closed": t.closed,
            "dismissed": t.dismissed, "open": t.open, "balanced": t.balanced}


PERIOD_PARAMETERS = [PeriodQuery]


class FiveListsView(APIView):
    """The five lists' reconciliation (对账销号) for a place and period, and their columns."""

    @extend_schema(summary="五张清单：对账", operation_id="five_lists_reconciliation",
                   parameters=PERIOD_PARAMETERS,
                   responses={200: FiveListsOutput, **errors(400, 404)})
    def get(self, request):
        scope = period_scope(request)
        found = reconcile(scope)
        return Response(FiveListsOutput({
            "place": {"code": scope.place.code, "name": scope.place.name},
            "start": scope.start, "end": scope.end, "balanced": found.balanced,
            "total": tally(found.total), "villages": [tally(t) for t in found.villages],
            "problems": found.problems,
            "lists": [{"list": slug, "name": name, "columns": SHEETS_BY_NAME[name].columns}
                      for slug, name in LISTS.items()],
        }).data)


def window(rows: Iterator[list], first: int, size: int) -> tuple[list[list], int]:
    """The rows of one page, and how many rows there are in all."""
    page, count = [], 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - count is the total
        if first < count <= first + size:
            page.append([cell(value) for value in row])
    return page, count


class FiveListView(APIView):
    """One of the five lists, a page of rows at a time, in the printed sheet's columns."""

    @extend_schema(summary="五张清单：一张清单的行", operation_id="five_lists_rows", parameters=[
        OpenApiParameter("list", str, OpenApiParameter.PATH, enum=list(LISTS),
                         description="problems 问题清单；rectification 整改清单；tasks 任务清单；"
                                     "responsibility 责任清单；effect 效果清单"),
        *PERIOD_PARAMETERS, PageQuery], responses={200: ListPageOutput, **errors(400, 404)})
    def get(self, request, list):
        if list not in LISTS:
            raise NotFound("未知的清单")
        scope = period_scope(request)
        paging = PageQuery(data=request.query_params)
        paging.is_valid(raise_exception=True)
        number, size = paging.validated_data["page"], paging.validated_data["page_size"]
        sheet = SHEETS_BY_NAME[LISTS[list]]
        rows, count = window(sheet.rows(scope), (number - 1) * size, size)
        if number > 1 and not rows:
            raise NotFound("该页不存在")
        audit_export(actor=request.user, what=sheet.name, place=scope.place, start=scope.start,
                     end=scope.end, fmt="json", rows=len(rows), note=f"第 {number} 页")
        return Response({"count": count, "next": page_link(request, number + 1)
                         if number * size < count else None,
                         "previous": page_link(request, number - 1) if number > 1 else None,
                         "name": sheet.name, "columns": sheet.columns, "results": rows})


def page_link(request, number: int) -> str:
    query = request.query_params.copy()
    query["page"] = number
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
