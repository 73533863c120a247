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


def main():
    parser = county_parser(__doc__)
    args = parser.parse_args()
    setup_django()
    _, workbook = county_survey(args.households, "csv", args.data)
    print(f"raw COPY of {workbook}: {copy_seconds(workbook):.2f} s")


if __name__ == "__main__":
    main()
