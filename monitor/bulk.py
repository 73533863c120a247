"""Bulk writes for county-sized batches: PostgreSQL's COPY where we run on it, Django's
bulk_create / bulk_update elsewhere (SQLite stays correct, if slower).

Why not bulk_create on PostgreSQL: Django sends its rows as parameters that psycopg quotes
one by one on the client; for a county's 470,000 members that costs more than the whole
COPY of the same rows (issue 8). COPY streams the rows in PostgreSQL's own text format.
"""

from contextlib import contextmanager
from operator import attrgetter

from django.db import connection, transaction
from django.db.models import Field, ForeignObject, Lookup
from django.utils import timezone

BATCH = 1000  # rows per statement where COPY is not available


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@ForeignObject.register_lookup  # a foreign key keeps its own list of lookups
@Field.register_lookup
class AnyOf(Lookup):
    """`field__any_of=keys`, i.e. `field = ANY(keys)`: a filter on many keys (a county's
    478,000 ID numbers, a batch's household ids) as one array parameter on PostgreSQL,
    where `__in` costs Django and psycopg a placeholder each, quoted one by one on the
    client, which is most of the query's time; IN (...) elsewhere."""

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
    """Each object's column values in `fields` order, ready for COPY."""
    getters = [attrgetter(f.attname) for f in fields]
    return _prepared((tuple(get(obj) for get in getters) for obj in objects), fields)


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


def _prepared(rows, fields: list):
    """Rows ready for COPY: only JSON needs adapting (psycopg's Jsonb); every other type
    COPY takes as it is."""
    json_columns = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    if not json_columns:
        yield from rows
        return
    for row in rows:
        row = list(row)
        for i in json_columns:
            row[i] = fields[i].get_db_prep_save(row[i], connection)
        yield row


# Rows without model instances: a county's import and evaluation write hundreds of
# thousands of records (members, checks, class changes, moves, audit events); building
# a model instance for each costs more than writing it. These take plain tuples, in the
# order of the field names given (attnames such as "household_id" or names).


def insert_rows(model, names: list[str], rows: list[tuple]) -> list[int]:
    """Insert new rows given as tuples of the fields `names`; returns their primary keys
    in order. Every other field takes its default, auto_now / auto_now_add fields the
    time now, as bulk_create would give them. On PostgreSQL the tuples go straight into
    COPY; elsewhere they become instances for bulk_create."""
    if not rows:
        return []
    if not on_postgresql():
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=BATCH)
        return [obj.pk for obj in objects]
    meta, now = model._meta, timezone.now()
    fields = [meta.get_field(name) for name in names]
    named = {f.attname for f in fields}
    rest = [f for f in meta.concrete_fields if f.attname not in named and not f.primary_key]
    constants = tuple(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                      else f.get_default() for f in rest)
    ids = reserve_ids(model, len(rows))
    numbered = ((pk, *row, *constants) for pk, row in zip(ids, rows, strict=True))
    _copy(meta.db_table, [meta.pk.column, *(f.column for f in fields + rest)],
          _prepared(numbered, [meta.pk, *fields, *rest]))
    return ids


def update_rows(model, field_names: list[str], rows: list[tuple]) -> None:
    """Set `field_names` of existing rows given as (pk, *values) tuples (bulk_update's
    job): on PostgreSQL COPY into a temporary table, then one UPDATE … FROM it."""
    if not rows or not field_names:
        return
    if not on_postgresql():
        model.objects.bulk_update(
            [model(pk=row[0], **dict(zip(field_names, row[1:], strict=True))) for row in rows],
            field_names, batch_size=BATCH)
        return
    fields = [model._meta.pk, *(model._meta.get_field(name) for name in field_names)]
    _update_from_temporary(model, fields, lambda temp: _copy(
        temp, [f.column for f in fields], _prepared(rows, fields)))


def update_frame(model, frame) -> None:
    """update_rows of rows given as a polars frame: its first column the primary key, the
    others the fields to set (attnames; no JSON). On PostgreSQL the frame reaches the
    temporary table as CSV, with no Python object a row."""
    if frame.is_empty() or frame.width < 2:
        return
    if not on_postgresql():
        update_rows(model, frame.columns[1:], frame.rows())
        return
    fields = [model._meta.pk, *(model._meta.get_field(name) for name in frame.columns[1:])]
    _update_from_temporary(model, fields, lambda temp: _copy_frame(
        temp, [f.column for f in fields], frame))


def _update_from_temporary(model, fields: list, fill) -> None:
    """Create a temporary table of `fields` (the primary key first), let `fill(table)`
    COPY the rows into it, then set the model's rows from it in one UPDATE … FROM."""
    meta, quote = model._meta, connection.ops.quote_name
    temp = f"update_rows_{meta.db_table}"
    columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(temp)} ({columns})")
        fill(temp)
        assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields[1:])
        cursor.execute(f"UPDATE {quote(meta.db_table)} t SET {assignments} "
                       f"FROM {quote(temp)} s WHERE t.{quote(meta.pk.column)} = "
                       f"s.{quote(meta.pk.column)}")
        cursor.execute(f"DROP TABLE {quote(temp)}")


def bulk_set(model, objects: list, field_names: list[str]) -> None:
    """Write `field_names` of existing model instances in bulk (update_rows of their
    values; bulk_update elsewhere)."""
    if not objects or not field_names:
        return
    if not on_postgresql():
        model.objects.bulk_update(objects, field_names, batch_size=BATCH)
        return
    getters = [attrgetter(model._meta.get_field(name).attname) for name in field_names]
    update_rows(model, field_names, [(obj.pk, *(get(obj) for get in getters))
                                     for obj in objects])


def analyze(*models) -> None:
    """Refresh PostgreSQL's statistics of tables a bulk write has just grown, so the next
    queries (the ledger, the queue) are planned for the rows that are there now rather
    than waiting for autovacuum. Nothing to do elsewhere."""
    if on_postgresql():
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@contextmanager
def report_reads():
    """One transaction for the reads of a report (the ledger, the five lists and their
    reconciliation), planned on PostgreSQL for reading every row:

    - without JIT compilation: the correlated subqueries of these reads make the planner's
      estimates high enough to compile them, which took 1.4 s of a county's 2.9 s
      reconciliation and is never won back by a second of reading;
    - cursor_tuple_fraction 1: a server-side cursor is otherwise planned for its first
      tenth (nested loops that start fast), while a report reads it to the end; the task
      list of a county a year on took twice as long.

    Inside a transaction the server-side cursors also stream without being held."""
    with transaction.atomic():
        if on_postgresql():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        yield


# Reading a county's rows as a polars frame, filtered on a county's keys. On PostgreSQL
# many keys go into a temporary table by COPY and are analyzed, so the planner joins them
# by hash (a key list as an array parameter is estimated at ten rows, and would be probed
# key by key); a few keys (one household's evaluation after a check from the phone) go
# as one array parameter, which probes the index without a temporary table. The rows
# come back by COPY … TO STDOUT as CSV, parsed by polars (psycopg's loaders and a Python
# tuple per row cost several times more).

KEYS_TABLE = "frame_keys"
FEW_KEYS = 5000  # up to this many keys, an array parameter (an engine batch's households)


def frame_of(queryset, fields: list[str], schema: dict, key: str, values):
    """The `fields` of the queryset's rows whose `key` is among `values` (a polars
    Series), as a polars frame with `schema` (a name and dtype per field, in order)."""
    import polars as pl

    keys = values.unique()
    if not on_postgresql():
        parts = [pl.DataFrame(list(queryset.filter(**{
            f"{key}__in": keys.slice(start, BATCH).to_list()}).values_list(*fields)),
            schema=schema, orient="row") for start in range(0, len(keys), BATCH)]
        return pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    from django.db.models.expressions import RawSQL

    key_field = queryset.model._meta.get_field(key)
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = ISO")  # the dates polars parses below
        if len(keys) <= FEW_KEYS:
            rows = queryset.filter(**{f"{key}__any_of": keys.to_list()})
        else:
            cursor.execute(f"CREATE TEMPORARY TABLE {KEYS_TABLE} "
                           f"(key {key_field.cast_db_type(connection)})")
            with cursor.copy(f"COPY {KEYS_TABLE} (key) FROM STDIN (FORMAT csv)") as copy:
                copy.write(keys.to_frame().write_csv(include_header=False))
            cursor.execute(f"ANALYZE {KEYS_TABLE}")
            rows = queryset.filter(**{f"{key}__in": RawSQL(
                f"SELECT key FROM {quote(KEYS_TABLE)}", ())})
        sql, params = rows.values_list(*fields).query.sql_with_params()
        # Django's cursor wrapper takes no parameters for copy(): psycopg's own does.
        with connection.wrap_database_errors, cursor.connection.cursor() as raw, raw.copy(
                f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
            data = b"".join(copy)
        if len(keys) > FEW_KEYS:
            cursor.execute(f"DROP TABLE {KEYS_TABLE}")
    booleans = [name for name, dtype in schema.items() if dtype == pl.Boolean]
    read = {name: pl.String if name in booleans else dtype for name, dtype in schema.items()}
    if not data:
        return pl.DataFrame(schema=schema)
    frame = pl.read_csv(data, has_header=False, new_columns=list(schema), schema=read,
                        empty_string_is_null=False)
    return frame.with_columns(pl.col(name) == "t" for name in booleans)


def insert_frame(model, frame) -> None:
    """Insert new rows given as a polars frame whose columns are field attnames (a JSON
    field as a list of structs, or as JSON text). Every other field takes its default,
    auto_now / auto_now_add fields the time now, as bulk_create would give them. On
    PostgreSQL the frame is written as CSV by polars and sent by COPY in large chunks
    (no Python object per row); elsewhere the rows become instances for bulk_create.
    The primary keys are the table's own: read them back by the rows' keys."""
    import json

    import polars as pl

    if frame.is_empty():
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in frame.columns]
    jsons = [f.attname for f in fields if f.get_internal_type() == "JSONField"]
    if not on_postgresql():
        rows = frame.rows(named=True)
        for row in rows:
            for name in jsons:
                if isinstance(row[name], str):
                    row[name] = json.loads(row[name])
        model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return
    now = timezone.now()
    rest = [f for f in meta.concrete_fields if f.attname not in frame.columns and not f.primary_key]
    frame = frame.with_columns(
        *(pl.concat_str(pl.lit("["), pl.col(name).list.eval(pl.element().struct.json_encode())
                        .list.join(","), pl.lit("]")).alias(name)
          for name in jsons if frame.schema[name] != pl.String),
        *(pl.lit(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                 else json.dumps(f.get_default()) if f.get_internal_type() == "JSONField"
                 else f.get_default()).alias(f.attname) for f in rest))
    _copy_frame(meta.db_table, [f.column for f in fields + rest], frame)


def _copy_frame(table: str, columns: list[str], frame) -> None:
    """COPY a polars frame (its columns in `columns` order) into `table` as CSV, written
    by polars in large slices."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) "
                         "FROM STDIN (FORMAT csv)") as copy:
            for part in frame.iter_slices(50_000):
                copy.write(part.write_csv(include_header=False))
