"""The floor: raw PostgreSQL COPY of the survey CSVs into untyped (all text) tables.

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/copy_baseline.py

Prints the seconds COPY takes for the three files of a generated county; bench/import_survey.py
runs it in the same run as the import and prints the ratio.
"""

import time
from pathlib import Path

from common import county_parser, county_survey, setup_django

SHEETS = ("农户", "成员", "排查")


def copy_seconds(workbook: Path) -> float:
    """COPY each CSV into a fresh untyped table; return the total wall time."""
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.connection
        started = time.perf_counter()
        for sheet in SHEETS:
            path = workbook / f"{sheet}.csv"
            header = path.open(encoding="utf-8-sig").readline().strip().split(",")
            table = f"bench_raw_{SHEETS.index(sheet)}"
            columns = ", ".join(f'"{name}" text' for name in header)
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} ({columns})")
            with path.open("rb") as handle, raw.cursor().copy(
                    f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                handle.read(3)  # the BOM
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        elapsed = time.perf_counter() - started
        for index in range(len(SHEETS)):
            cursor.execute(f"DROP TABLE IF EXISTS bench_raw_{index}")
    return elapsed


# What the survey import writes, by table (its audit events are those sourced 导入).
WRITTEN = {"households_household": "", "households_member": "", "households_check": "",
           "monitor_auditevent": "WHERE source = 'import'"}


def written_rows() -> dict[str, bytes]:
    """The rows the survey import wrote, each table's as COPY text."""
    from django.db import connection

    rows = {}
    with connection.cursor() as cursor:
        for table, where in WRITTEN.items():
            with cursor.connection.cursor().copy(
                    f"COPY (SELECT * FROM {table} {where}) TO STDOUT") as copy:
                rows[table] = b"".join(copy)
    return rows


def written_copy_seconds(rows: dict[str, bytes]) -> float:
    """COPY `rows` (written_rows) back into their own tables, emptied, with every index,
    unique and foreign key constraint they have, in one transaction (the deferred
    foreign keys checked at its commit): the floor of writing what the import writes,
    members as each check saw them included."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, data in rows.items():
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                copy.write(data)
    elapsed = time.perf_counter() - started
    # The rows came with their ids: the tables' sequences move past them (as loaddata
    # does), so what is written next does not collide.
    models = [m for m in apps.get_models() if m._meta.db_table in rows]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    return elapsed


def main():
    parser = county_parser(__doc__)
    args = parser.parse_args()
    setup_django()
    _, workbook = county_survey(args.households, "csv", args.data)
    print(f"raw COPY of {workbook}: {copy_seconds(workbook):.2f} s")


if __name__ == "__main__":
    main()
