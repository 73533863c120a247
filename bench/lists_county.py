"""The five lists and the ledger for a whole county, in xlsx and csv (issue 8 goal:
under 10 s each in xlsx).

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/lists_county.py

Works on the database as it is when it already holds the generated county (after
bench/import_survey.py); otherwise loads it first. Each export runs as its own
`manage.py` process, so its time and peak memory are its own.

Then the writer's floor: as many ledger rows as the county has households (13 cells
each), made up in memory and written as .xlsx with no database by the ledger's writer
(monitor/tabular.py write_table). bench/xlsx_writers.py sets the writers side by side.
"""

import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from common import county_parser, ensure_county, manage, run_measured, setup_django


def main():
    parser = county_parser(__doc__)
    parser.add_argument("--place", default="500241", help="the county's code")
    parser.add_argument("--no-floor", action="store_true", help="skip the writer's floor")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{args.data / 'import.sqlite3'}")
    setup_django()
    from django.db import connection

    from alerts.models import Alert, Measure, Task
    from households.models import Household

    ensure_county(args.households, args.data)
    print(f"households {Household.objects.count()}, alerts {Alert.objects.count()}, "
          f"measures {Measure.objects.count()}, tasks {Task.objects.count()}", flush=True)
    connection.close()
    out = Path(tempfile.mkdtemp(prefix="shouwang-lists-"))
    for fmt in ("xlsx", "csv"):
        run_measured(f"five_lists --place {args.place} --format {fmt}",
                     manage("five_lists", "--place", args.place, "--format", fmt,
                            "--out", str(out / fmt)))
        run_measured(f"ledger --place {args.place} ({fmt})",
                     manage("ledger", "--place", args.place, "--out", str(out / f"台账.{fmt}")))
    for path in sorted(out.rglob("*.*")):
        print(f"  {path.relative_to(out)}: {path.stat().st_size / 1e6:.1f} MB")
    if connection.vendor == "postgresql":
        explain_main_queries(args.place)
    if not args.no_floor:
        writer_floor(args.households, out)


def explain_main_queries(place: str) -> None:
    """EXPLAIN ANALYZE of the main queries, run as the commands run them (in
    monitor/bulk.py report_reads: one transaction, JIT off)."""
    from django.db import connection

    from households.models import Household, Place
    from monitor.bulk import report_reads
    from reports.five_lists import list_scope, problem_values
    from reports.ledger import SERIAL, ledger_query
    from reports.reconciliation import reconcile_values

    scope = list_scope(place=Place.objects.get(code=place))
    sql, params = ledger_query(Household.objects.in_place(place))
    with report_reads():
        with connection.cursor() as cursor:
            cursor.execute(SERIAL)  # as reports/ledger.py runs it
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            ledger_plan = "\n".join(line for line, in cursor.fetchall())
        plans = {"the ledger": ledger_plan,
                 "the problems list": problem_values(scope).explain(analyze=True),
                 "the reconciliation": reconcile_values(scope).explain(analyze=True)}
    for label, plan in plans.items():
        print(f"EXPLAIN ANALYZE, {label}:\n{plan}\n", flush=True)


def ledger_like_rows(count: int):
    for n in range(count):
        yield [f"5002411012010{n:05d}", "隘口镇", "500241101201", "平所村", "一组", "杨明华", 3,
               Decimal("4000.00") + n % 97, "2026-04-10", "临界", "临界户", "", n % 4]


def writer_floor(households: int, out: Path) -> None:
    """Seconds (and CPU seconds) to write the county's ledger-sized sheet with no database,
    by the ledger's own writer."""
    from monitor.tabular import write_table
    from reports.ledger import COLUMNS

    started, cpu = time.perf_counter(), time.process_time()
    write_table(out / "floor.xlsx", COLUMNS, ledger_like_rows(households),
                number_formats={"人均纯收入": "0.00"})
    print(f"writer floor, write_table, {households} rows x 13 cells: "
          f"{time.perf_counter() - started:.2f} s (CPU {time.process_time() - cpu:.2f} s)",
          flush=True)


if __name__ == "__main__":
    main()
