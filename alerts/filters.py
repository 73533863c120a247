"""The filters of alert lists: AlertFilter for the API's list, and the queue page's
QueueFilter, which is AlertFilter with the page's own words for state and assignee."""
from django.db.models import F, Q
from django_filters import rest_framework as filters

from monitor.api import BooleanFilter, IdFilter
from monitor.api_fields import PLACE_HELP
from monitor.roles import Channel

from .models import FINAL_STATES, Alert, Level, Severity, Source, State


def date_filters(field_name: str, label: str) -> tuple:
    return (filters.DateFilter(field_name=field_name, lookup_expr="gte",
                               help_text=f"{label}不早于"),
            filters.DateFilter(field_name=field_name, lookup_expr="lte",
                               help_text=f"{label}不晚于"))


class AlertFilter(filters.FilterSet):
    place = filters.CharFilter(method="filter_place", help_text=PLACE_HELP)
    household = IdFilter(field_name="household_id", help_text="农户 id")
    rule = filters.CharFilter(help_text="规则代码，如 DROPOUT、INCOME_BELOW_LINE、DECLARATION")
    severity = filters.ChoiceFilter(choices=Severity.choices)
    state = filters.ChoiceFilter(choices=State.choices)
    open = BooleanFilter(method="filter_open", help_text="未销号（非已销号、已排除）")
    overdue = BooleanFilter()
    level = filters.ChoiceFilter(choices=Level.choices, help_text="当前责任层级")
    source = filters.ChoiceFilter(choices=Source.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    check = IdFilter(method="filter_check", help_text="由该排查发现、最近发现或消除")
    assignee = IdFilter(field_name="assignee_id", help_text="负责人（用户 id）")
    q = filters.CharFilter(method="filter_q", help_text="户编号（开头几位即可）或户主姓名")
    raised_from, raised_to = date_filters("raised_on", "发现日期")
    due_from, due_to = date_filters("due", "当前环节期限")

    class Meta:
        model = Alert
        fields = ["place", "household", "rule", "severity", "state", "open", "overdue",
                  "level", "source", "channel", "check", "assignee", "q", "raised_from",
                  "raised_to", "due_from", "due_to"]

    def filter_place(self, queryset, name, value):
        return queryset.in_place(value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(household__number__istartswith=value)
                               | Q(household__head_name__contains=value))

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset.filter(state__in=FINAL_STATES)

    def filter_check(self, queryset, name, value):
        return queryset.filter(Q(first_check_id=value) | Q(last_check_id=value)
                               | Q(cleared_by_id=value))


# The queue's sortable columns: what the page's headings send, and the order it means
# (ties by id, so a page never repeats or skips an alert).
SORTS = {"due": "due", "raised_on": "raised_on", "number": "household__number",
         "village": "village_code", "severity": "severity", "state": "state", "rule": "rule",
         "assignee": "assignee__first_name"}


class QueueFilter(AlertFilter):
    """The queue page's filters: AlertFilter's, but its state is also 未销号 ("open", the
    page's default) or 全部 ("all"), and its assignee 指派给我的 ("me") or 未指派 ("none"),
    as the page's form offers them; and its order, a column's key or "-key" for the
    reverse (due first by default). A value the form does not offer filters nothing."""

    state = filters.ChoiceFilter(choices=[("open", "未销号"), ("all", "全部"), *State.choices],
                                 method="filter_state")
    assignee = filters.ChoiceFilter(choices=[("me", "指派给我的"), ("none", "未指派")],
                                    method="filter_assignee")
    sort = filters.ChoiceFilter(choices=[(f"{way}{key}", key) for key in SORTS
                                         for way in ("", "-")], method="filter_sort")

    def __init__(self, data, *args, **kwargs):
        data = data.copy()
        data.setdefault("state", "open")
        data.setdefault("sort", "due")
        super().__init__(data, *args, **kwargs)

    def filter_sort(self, queryset, name, value):
        column = F(SORTS[value.lstrip("-")])
        if value.startswith("-"):
            return queryset.order_by(column.desc(nulls_last=True), "-id")
        return queryset.order_by(column.asc(nulls_last=True), "id")

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        return queryset if value == "all" else queryset.filter(state=value)

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        return queryset.filter(assignee__isnull=True)
