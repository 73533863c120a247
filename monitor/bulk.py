"""Bulk writes for county-sized batches: PostgreSQL's COPY where we run on it, Django's
bulk_create / bulk_update elsewhere (SQLite stays correct, if slower).

Why not bulk_create on PostgreSQL: Django sends its rows as parameters that psycopg quotes
one by one on the client; for a county's 470,000 members that costs more than the whole
COPY of the same rows (issue 8). COPY streams the rows in PostgreSQL's own text format.
"""

from operator import attrgetter

from django.db import connection, transaction
from django.db.models import Lookup
from django.utils import timezone

BATCH = 1000  # rows per statement where COPY is not available


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


class AnyOf(Lookup):
    """`field = ANY(keys)`: a filter on many keys (a county's 478,000 ID numbers) as one
    array parameter on PostgreSQL, where `__in` costs Django and psycopg a placeholder
    each, which is most of the query's time; IN (...) elsewhere. Used as an expression:
    `Member.objects.filter(AnyOf(F("id_number"), keys))`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        keys = list(self.rhs)
        if not keys:
            return "1 = 0", ()
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, keys)
        return f"{lhs} IN ({', '.join(['%s'] * len(keys))})", (*lhs_params, *keys)


def reserve_ids(model, count: int) -> list[int]:
    """`count` fresh primary keys from the table's sequence, so rows written by COPY can
    be referred to (a member's household, a move's alert) before they are written."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                       "FROM generate_series(1, %s)", [table, model._meta.pk.column, count])
        return [row[0] for row in cursor.fetchall()]


def _rows(objects: list, fields: list):
    """Each object's column values in `fields` order (two or more: the key and what is
    written), ready for COPY."""
    getter = attrgetter(*[f.attname for f in fields])
    # Only JSON needs adapting (psycopg's Jsonb); every other type COPY takes as it is.
    json_columns = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    for obj in objects:
        row = getter(obj)
        if json_columns:
            row = list(row)
            for i in json_columns:
                row[i] = fields[i].get_db_prep_save(row[i], connection)
        yield row


def _copy(table: str, columns: list[str], rows) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    # psycopg's copy() is not one of the cursor methods Django wraps: without this a lost
    # connection surfaces as psycopg's error instead of Django's OperationalError.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
                         ) as copy:
            for row in rows:
                copy.write_row(row)


def bulk_insert(model, objects: list) -> None:
    """Insert model instances in bulk; each has its primary key afterwards, as with
    bulk_create. auto_now / auto_now_add fields are stamped as save() would."""
    if not objects:
        return
    if not on_postgresql():
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    without_pk = [obj for obj in objects if obj.pk is None]
    for obj, pk in zip(without_pk, reserve_ids(model, len(without_pk)), strict=True):
        obj.pk = pk
    fields = list(model._meta.concrete_fields)
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                field.pre_save(obj, add=True)
    _copy(model._meta.db_table, [f.column for f in fields], _rows(objects, fields))
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias


def insert_rows(model, names: list[str], rows: list[tuple]) -> list[int]:
    """Insert new rows given as tuples of the fields `names` (attnames, e.g.
    "household_id"), without building a model instance per row; returns their primary
    keys in order. Every other field takes its default, auto_now / auto_now_add fields
    the time now, as bulk_create would give them. On PostgreSQL the tuples go straight
    into COPY; elsewhere they become instances for bulk_create."""
    if not rows:
        return []
    if not on_postgresql():
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=BATCH)
        return [obj.pk for obj in objects]
    meta, now = model._meta, timezone.now()
    named = {meta.get_field(name).attname: index for index, name in enumerate(names)}
    rest = [f for f in meta.concrete_fields if f.attname not in named and not f.primary_key]
    constants = tuple(
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_db_prep_save(f.get_default(), connection) for f in rest)
    json_named = [index for index, name in enumerate(names)
                  if meta.get_field(name).get_internal_type() == "JSONField"]
    fields = [meta.get_field(name) for name in names]
    ids = reserve_ids(model, len(rows))

    def prepared():
        for pk, row in zip(ids, rows, strict=True):
            if json_named:
                row = list(row)
                for index in json_named:
                    row[index] = fields[index].get_db_prep_save(row[index], connection)
            yield (pk, *row, *constants)

    _copy(meta.db_table, [meta.pk.column, *(f.column for f in fields), *(f.column for f in rest)],
          prepared())
    return ids


def bulk_set(model, objects: list, field_names: list[str]) -> None:
    """Write `field_names` of existing rows in bulk (bulk_update's job): on PostgreSQL
    COPY into a temporary table, then one UPDATE … FROM it."""
    if not objects or not field_names:
        return
    if not on_postgresql():
        model.objects.bulk_update(objects, field_names, batch_size=BATCH)
        return
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.pk, *(meta.get_field(name) for name in field_names)]
    temp = f"bulk_set_{meta.db_table}"
    columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(temp)} ({columns})")
        _copy(temp, [f.column for f in fields], _rows(objects, fields))
        assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields[1:])
        cursor.execute(f"UPDATE {quote(meta.db_table)} t SET {assignments} "
                       f"FROM {quote(temp)} s WHERE t.{quote(meta.pk.column)} = "
                       f"s.{quote(meta.pk.column)}")
        cursor.execute(f"DROP TABLE {quote(temp)}")


def analyze(*models) -> None:
    """Refresh PostgreSQL's statistics of tables a bulk write has just grown, so the next
    queries (the ledger, the queue) are planned for the rows that are there now rather
    than waiting for autovacuum. Nothing to do elsewhere."""
    if on_postgresql():
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
