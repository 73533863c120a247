"""Exact counts that PostgreSQL is not asked to repeat while nothing they read has changed.

A list's total (共 N 条) is a COUNT(*) over everything in the user's scope: for a county
supervisor's alert queue, the county's open alerts joined with its 140,776 households,
100 to 200 ms, on every page of every request. Yet alerts and households change only when
a statement writes them, and on PostgreSQL each such statement adds one to a change count
in the same transaction (alerts/migrations/0009_change_counts.py). A statement sees a
table's change counts exactly as it sees the table's rows: both come with the same commit.
So a total remembered with the change counts it was taken with is still exact for any
later statement that reads the same change counts; any commit that writes an alert or a
household (a move, an assignment, a check's evaluation, a household moved to another
village) moves them, and the next request counts again. The list is never stale.

Only lists that read nothing but tracked tables are remembered; the totals are
kept per worker process, a few hundred at most. On SQLite, and inside a transaction (its
own uncommitted writes would be remembered as if they were everyone's), the count is
simply asked for.
"""

import re

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

KEEP = 512  # totals remembered per process; the oldest is forgotten first
# The tables with change counts (alerts/migrations/0010): what the alert queue, its
# API and the dashboard read, logging in included (monitor/remembered.py).
TRACKED = {"alerts_alert", "households_household", "households_place", "monitor_user",
           "alerts_alertmove", "alerts_task", "monitor_monitoringline",
           "monitor_policysetting", "django_session", "authtoken_token"}
# Every table a statement names, quoted (the ORM's) or not (raw SQL).
READS = re.compile(r'(?:FROM|JOIN)\s+"?(\w+)', re.IGNORECASE)
# Their sum: it grows with every commit that writes a tracked table, and a
# statement sees every commit made before it started and none after (PostgreSQL's
# snapshots), so two statements that see the same sum see the same rows. With the
# table's own id: a restored backup (monitor/backup.py) recreates the table with older
# sums, which must not meet totals remembered from before the restore.
CHANGES = ("(SELECT 'alerts_changecount'::regclass::oid || ':' || coalesce(sum(n), 0) "
           "FROM alerts_changecount)")

_totals: dict[tuple, tuple[str, int]] = {}  # a list's query → (change counts, total)


def current_changes(connection) -> str:
    """The change counts as a statement starting now sees them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {CHANGES}")
        return cursor.fetchone()[0]


def exact_count(queryset) -> int:
    """queryset.count(), from memory while no tracked table has been written since."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return queryset.count()
    try:
        inner, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # Django knows there is nothing (a user without a place)
        return 0
    if not set(READS.findall(inner)) <= TRACKED:
        return queryset.count()
    query = (connection.settings_dict["NAME"], inner, repr(params))
    remembered = _totals.get(query)
    if remembered is not None and remembered[0] == current_changes(connection):
        return remembered[1]
    with connection.cursor() as cursor:
        # The change counts and the total from one statement, so from one snapshot.
        cursor.execute(f"SELECT {CHANGES}, (SELECT COUNT(*) FROM ({inner}) AS scoped)",
                       params)
        changes, total = cursor.fetchone()
    if query not in _totals and len(_totals) >= KEEP:
        _totals.pop(next(iter(_totals), None), None)  # safe if another thread got there
    _totals[query] = (changes, total)
    return total


class CountingPaginator(Paginator):
    """Django's paginator, with the total from exact_count."""

    @cached_property
    def count(self) -> int:
        if hasattr(self.object_list, "query"):
            return exact_count(self.object_list)
        return super().count
