"""Exact counts that PostgreSQL is not asked to repeat while nothing has changed.

A list's total (共 N 条) is a COUNT(*) over everything in the user's scope: for a county
supervisor's alert queue, the county's open alerts joined with its 140,776 households,
100 to 200 ms, on every page of every request. The data behind it changes only when a
transaction commits, and PostgreSQL names exactly which transactions a statement sees: its
snapshot (`pg_current_snapshot()`, "xmin:xmax:in-progress xids"). Two statements with the
same snapshot see the same rows, so a count remembered together with the snapshot it was
taken in is still exact for any later statement whose snapshot is the same. Any commit
anywhere (an alert moved, a household edited, a check recorded) gives new snapshots, and
the next request counts again: the list is never stale.

The counts are kept per worker process, a few hundred at most. Inside a transaction that
may have written (its own changes are not in the snapshot's text), and on SQLite, the
count is simply asked for.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

KEEP = 512  # counts remembered per process; the oldest is forgotten first

_counts: dict[tuple, int] = {}


def exact_count(queryset) -> int:
    """queryset.count(), from memory when nothing has been committed since it was taken."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return queryset.count()
    inner, params = queryset.order_by().values("pk").query.sql_with_params()
    query = (connection.settings_dict["NAME"], inner, repr(params))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        count = _counts.get((*query, cursor.fetchone()[0]))
        if count is not None:
            return count
        # The snapshot and the count from one statement: the count is that snapshot's.
        cursor.execute("SELECT pg_current_snapshot()::text, (SELECT COUNT(*) FROM "
                       f"({inner}) AS scoped)", params)
        snapshot, count = cursor.fetchone()
    if len(_counts) >= KEEP:
        del _counts[next(iter(_counts))]
    _counts[(*query, snapshot)] = count
    return count


class CountingPaginator(Paginator):
    """Django's paginator, with the total from exact_count."""

    @cached_property
    def count(self) -> int:
        if hasattr(self.object_list, "query"):
            return exact_count(self.object_list)
        return super().count
