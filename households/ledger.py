"""The county's household ledger (台账, interfaces.md): one row per household in a place.

`ledger_rows` yields the rows (a page or an API can reuse it); the `ledger` command writes
them as .xlsx or .csv. Queries are a constant few per chunk of households, whatever the
place's size: counts are annotated and only each household's newest check is fetched.
"""

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from alerts.models import Alert
from monitor.rules import per_capita_income

from .models import Check, Household, Member

COLUMNS = ["户编号", "乡镇", "村代码", "村", "村民小组", "户主姓名", "人口数", "人均纯收入",
           "最近排查日期", "分类", "重点群体", "监测类别", "未销号预警数"]
MONEY_COLUMNS = ["人均纯收入"]
CHUNK = 2000
CENT = Decimal("0.01")


def ledger_households(households) -> Iterator[Household]:
    """The households ordered by 户编号, with member and open-alert counts and their
    newest check by visit date (`newest_check`, None without one), read in chunks so a
    county of 140,000 households streams in constant memory."""
    # Counts as subqueries, not joins with GROUP BY: PostgreSQL then computes them for the
    # chunk's rows only, walking the 户编号 index, instead of grouping the whole county's
    # members for every chunk.
    open_alerts = Alert.objects.open().filter(household=OuterRef("pk")).order_by().values(
        "household").annotate(n=Count("id")).values("n")
    members = Member.objects.filter(household=OuterRef("pk")).order_by().values(
        "household").annotate(n=Count("id")).values("n")
    newest = Check.objects.filter(household=OuterRef("pk")).order_by(
        "-visit_date", "-id").values("id")[:1]
    queryset = households.select_related("village__parent").annotate(
        member_count=Coalesce(Subquery(members), 0),
        open_alert_count=Coalesce(Subquery(open_alerts), 0),
        newest_check_id=Subquery(newest),
    ).order_by("number")
    last_number = None
    while True:
        page = queryset if last_number is None else queryset.filter(number__gt=last_number)
        chunk = list(page[:CHUNK])
        if not chunk:
            return
        checks = Check.objects.in_bulk([h.newest_check_id for h in chunk if h.newest_check_id])
        for household in chunk:
            household.newest_check = checks.get(household.newest_check_id)
            yield household
        last_number = chunk[-1].number


def ledger_rows(households) -> Iterator[list]:
    """One row per household in COLUMNS order. 人均纯收入 is the newest check's, in 元 to
    the fen (a Decimal), empty without a check; 分类, 重点群体 and 监测类别 are empty
    when the household has none."""
    for h in ledger_households(households):
        check = h.newest_check
        village = h.village
        yield [
            h.number, village.parent.name if village.parent else "", village.code,
            village.name, h.group, h.head_name, h.member_count,
            per_capita_income(check).quantize(CENT) if check else "",
            check.visit_date.isoformat() if check else "", h.household_class, h.key_group,
            h.monitoring_category, h.open_alert_count,
        ]
