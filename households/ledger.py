"""The county's household ledger (台账, interfaces.md): one row per household in a place.

`ledger_rows` yields the rows (a page or an API can reuse it); the `ledger` command writes
them as .xlsx or .csv. Rows are read as plain values, a chunk of households at a time, in
two queries per chunk whatever the place's size: the households with their counts, then
the figures of their newest checks (the members' JSON stays in the database).
"""

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Count, F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from alerts.models import Alert

from .models import Check, Member

COLUMNS = ["户编号", "乡镇", "村代码", "村", "村民小组", "户主姓名", "人口数", "人均纯收入",
           "最近排查日期", "分类", "重点群体", "监测类别", "未销号预警数"]
MONEY_COLUMNS = ["人均纯收入"]
CHUNK = 2000
CENT = Decimal("0.01")
HOUSEHOLD_FIELDS = ("number", "village__parent__name", "village_id", "village__name", "group",
                    "head_name", "member_count", "household_class", "key_group",
                    "monitoring_category", "open_alert_count", "newest_check_id")
INCOME_FIELDS = ("income_wages", "income_business", "income_property", "income_transfers")


class JSONArrayLength(Func):
    """The length of a JSON array column: len(check.members), counted by the database."""

    function = "JSON_ARRAY_LENGTH"
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="JSONB_ARRAY_LENGTH", **extra)


def ledger_households(households):
    """The households ordered by 户编号 as value tuples (HOUSEHOLD_FIELDS), with member
    and open-alert counts and the id of their newest check by visit date (None without
    one)."""
    # Counts as subqueries, not joins with GROUP BY: PostgreSQL then computes them for the
    # chunk's rows only, walking the 户编号 index, instead of grouping the whole county's
    # members for every chunk.
    open_alerts = Alert.objects.open().filter(household=OuterRef("pk")).order_by().values(
        "household").annotate(n=Count("id")).values("n")
    members = Member.objects.filter(household=OuterRef("pk")).order_by().values(
        "household").annotate(n=Count("id")).values("n")
    newest = Check.objects.filter(household=OuterRef("pk")).order_by(
        "-visit_date", "-id").values("id")[:1]
    return households.annotate(
        member_count=Coalesce(Subquery(members), 0),
        open_alert_count=Coalesce(Subquery(open_alerts), 0),
        newest_check_id=Subquery(newest),
    ).order_by("number").values_list(*HOUSEHOLD_FIELDS)


def newest_check_figures(check_ids) -> dict[int, tuple]:
    """{check id: (visit date, per-capita income to the fen)} for these checks. The income
    is monitor.rules.per_capita_income: the four sources / the members the check saw (a
    household of none: the sum)."""
    checks = Check.objects.filter(id__in=check_ids).annotate(
        seen=JSONArrayLength(F("members"))).values_list("id", "visit_date", *INCOME_FIELDS,
                                                        "seen")
    return {id_: (visit_date, (wages + business + property_ + transfers) / (seen or 1))
            for id_, visit_date, wages, business, property_, transfers, seen in checks}


def ledger_rows(households) -> Iterator[list]:
    """One row per household in COLUMNS order. 人均纯收入 is the newest check's, in 元 to
    the fen (a Decimal), empty without a check; 分类, 重点群体 and 监测类别 are empty
    when the household has none."""
    queryset = ledger_households(households)
    last_number = None
    while True:
        page = queryset if last_number is None else queryset.filter(number__gt=last_number)
        chunk = list(page[:CHUNK])
        if not chunk:
            return
        figures = newest_check_figures([h[-1] for h in chunk if h[-1] is not None])
        for (number, town, village_code, village, group, head, member_count, household_class,
             key_group, category, open_alerts, check_id) in chunk:
            visit_date, income = figures.get(check_id, (None, None))
            yield [number, town or "", village_code, village, group, head, member_count,
                   income.quantize(CENT) if visit_date else "",
                   visit_date.isoformat() if visit_date else "", household_class, key_group,
                   category, open_alerts]
        last_number = chunk[-1][0]
