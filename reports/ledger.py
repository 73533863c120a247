"""The county's household ledger (台账, interfaces.md): one row per household in a place.

`ledger_rows` yields the rows (a page or an API can reuse it); the `ledger` command writes
them as .xlsx or .csv. Each household is read as plain values with its member count, its
open alerts and the figures of its newest check:

- on PostgreSQL in one query, set-wise (counts grouped once, the newest checks picked with
  DISTINCT ON), streamed through a server-side cursor: a county of 140,000 households in
  about a second, in constant memory;
- elsewhere (SQLite) a chunk of households at a time, two queries per chunk (the counts as
  subqueries, then the newest checks' figures).

Both give the same rows (tests/test_ledger.py runs them side by side on PostgreSQL).
"""

from collections.abc import Iterator
from pathlib import Path

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from alerts.models import FINAL_STATES, Alert
from households.models import Check, Member
from monitor.rules import per_capita, to_fen
from monitor.tabular import write_table

COLUMNS = ["户编号", "乡镇", "村代码", "村", "村民小组", "户主姓名", "人口数", "人均纯收入",
           "最近排查日期", "分类", "重点群体", "监测类别", "未销号预警数"]
MONEY_COLUMNS = ["人均纯收入"]
CHUNK = 2000
HOUSEHOLD_FIELDS = ("number", "village__parent__name", "village_id", "village__name", "group",
                    "head_name", "member_count", "household_class", "key_group",
                    "monitoring_category", "open_alert_count", "newest_check_id")
# The ledger's query runs without parallel workers: each would pick the newest checks and
# count the members in full again (the parts are not shared between workers), three times
# the CPU for a slower answer (county: 2.6 s instead of 3.9 s on two busy cores).
SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0"
INCOME_FIELDS = ("income_wages", "income_business", "income_property", "income_transfers")


def ledger_heading(place) -> list[str]:
    """The lines above the ledger's header in a workbook: its title, and the place and
    the moment it is as of (a ledger shows the registry as it stands when written)."""
    now = timezone.localtime()
    return [f"{place.name}农户台账", f"地区：{place.name}（{place.code}）　截至 "
            f"{now:%Y-%m-%d %H:%M}"]


def ledger_rows(households) -> Iterator[list]:
    """One row per household in COLUMNS order, by 户编号. 人均纯收入 is the newest check's
    (monitor.rules.per_capita over the members the check saw), in 元 to the fen (a
    Decimal), empty without a check; 分类, 重点群体 and 监测类别 are empty when the
    household has none."""
    read = ledger_values_postgresql if connection.vendor == "postgresql" else ledger_values
    for (number, town, village_code, village, group, head, member_count, household_class,
         key_group, category, open_alerts, visit_date, wages, business, property_, transfers,
         seen) in read(households):
        if visit_date is None:
            income, visited = "", ""
        else:
            total = wages + business + property_ + transfers
            income, visited = to_fen(per_capita(total, seen)), visit_date
        yield [number, town or "", village_code, village, group, head, member_count, income,
               visited, household_class, key_group, category, open_alerts]


# ── PostgreSQL: one set-wise query ────────────────────────────────────────────────────

LEDGER_SQL = """
SELECT h.number, town.name, h.village_id, village.name, h."group", h.head_name,
       COALESCE(m.n, 0), h.household_class, h.key_group, h.monitoring_category,
       COALESCE(a.n, 0), c.visit_date, c.income_wages, c.income_business,
       c.income_property, c.income_transfers, c.seen
FROM households_household h
JOIN households_place village ON village.code = h.village_id
LEFT JOIN households_place town ON town.code = village.parent_id
LEFT JOIN (SELECT household_id, COUNT(*) AS n FROM households_member
           WHERE household_id IN ({households})
           GROUP BY household_id) m ON m.household_id = h.id
LEFT JOIN (SELECT household_id, COUNT(*) AS n FROM alerts_alert
           WHERE household_id IN ({households}) AND NOT (state = ANY(%s))
           GROUP BY household_id) a ON a.household_id = h.id
LEFT JOIN (SELECT DISTINCT ON (household_id) household_id, visit_date, income_wages,
                  income_business, income_property, income_transfers,
                  JSONB_ARRAY_LENGTH(members) AS seen
           FROM households_check WHERE household_id IN ({households})
           ORDER BY household_id, visit_date DESC, id DESC) c ON c.household_id = h.id
WHERE h.id IN ({households})
ORDER BY h.number
"""


def ledger_query(households) -> tuple[str, tuple]:
    """LEDGER_SQL and its parameters for these households. Their own query (a place, a
    reader's scope, a page) becomes the set every part of LEDGER_SQL is limited to, so a
    page of 50 reads 50. It is repeated in each part rather than shared as a CTE:
    PostgreSQL then estimates each part from the table's statistics (a CTE it takes for
    200 rows, and probes an index per household instead of hashing). Raises
    EmptyResultSet when Django knows there are none (filter(pk__in=[]))."""
    chosen, params = households.order_by().values("id").query.sql_with_params()
    final = [str(state) for state in FINAL_STATES]
    return LEDGER_SQL.format(households=chosen), (*params, *params, final, *params, *params)


def ledger_values_postgresql(households) -> Iterator[tuple]:
    """The ledger's values of these households in one query, streamed from a server-side
    cursor."""
    try:
        sql, params = ledger_query(households)
    except EmptyResultSet:
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(SERIAL)
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                yield from rows


# ── Elsewhere: a chunk of households at a time ────────────────────────────────────────

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
    """{check id: (visit date, the four incomes, members the check saw)}."""
    checks = Check.objects.filter(id__in=check_ids).order_by().annotate(
        seen=JSONArrayLength(F("members"))).values_list("id", "visit_date", *INCOME_FIELDS,
                                                        "seen")
    return {check[0]: check[1:] for check in checks}


def ledger_values(households) -> Iterator[tuple]:
    """The same values as ledger_values_postgresql, read with the ORM a chunk of
    households at a time (keyset on 户编号, so memory stays flat)."""
    queryset = ledger_households(households)
    no_check = (None,) * (2 + len(INCOME_FIELDS))  # date, incomes, members seen
    last_number = None
    while True:
        page = queryset if last_number is None else queryset.filter(number__gt=last_number)
        chunk = list(page[:CHUNK])
        if not chunk:
            return
        figures = newest_check_figures([h[-1] for h in chunk if h[-1] is not None])
        for household in chunk:
            yield household[:-1] + figures.get(household[-1], no_check)
        last_number = chunk[-1][0]


# ── The ledger as a background export (the household list's 导出台账 button) ──────────

PROGRESS_EVERY = 2000


def write_ledger(out: Path, households, place, progress=None) -> int:
    """Write the ledger of `households` (a user's scope within `place`) to `out` (.xlsx
    with its heading, or .csv), calling `progress(rows)` as the rows go; returns the rows."""

    def counted(rows):
        for n, row in enumerate(rows, start=1):
            if progress and n % PROGRESS_EVERY == 0:
                progress(n)
            yield row

    return write_table(out, COLUMNS, counted(ledger_rows(households)), title="农户台账",
                       heading=ledger_heading(place),
                       number_formats=dict.fromkeys(MONEY_COLUMNS, "0.00"))
