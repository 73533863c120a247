"""import_survey of a generated county (issue 8: Xiushan's campaign was 140,776
households), next to raw PostgreSQL COPY of the same CSV files in the same run (issue 19).

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/import_survey.py
    python bench/import_survey.py --format xlsx --households 140776

Uses its own SQLite file (not the project's db.sqlite3) unless DATABASE_URL is set.
Empties the database, loads the places, then runs the import in its own process, as
import_survey does (survey_import, then survey_evaluate), and prints each part's seconds
and the process's peak memory at the end of each: the import (reading, validation,
writing), and the engine's evaluation apart; then the same workbook again (nothing
changes). On PostgreSQL it first times COPY of the three CSVs into untyped tables
(bench/copy_baseline.py) and prints the ratios to it (goals: the import at most 10 ×,
the unchanged re-import at most 3 ×, peak memory under 1 GB). The unchanged workbook
is imported again --again times, each beside another COPY, and the ratios are of the
medians: COPY alone moves by a third from run to run here. Last, the floor of the
import's own writes: the rows it wrote COPYed back into the same tables, emptied (the
database is left holding them, unevaluated).
"""

import os
import subprocess
import sys
import time
from statistics import median

from common import ROOT, county_parser, county_survey, setup_django
from copy_baseline import copy_seconds, written_copy_seconds, written_rows

# The import as the command runs it, timed part by part (a line per part on stdout).
DRIVER = """
import os, resource, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
import django
django.setup()
from survey.importing import survey_evaluate, survey_import

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

started = time.perf_counter()
from pathlib import Path
result = survey_import(path=Path(sys.argv[1]))
print(f"import {time.perf_counter() - started:.3f} {cpu():.2f} {peak():.0f}", flush=True)
print(f"counts 农户 新增 {result.households_created} 更新 {result.households_updated} 未变 "
      f"{result.households_unchanged}; 成员 新增 {result.members_created} 更新 "
      f"{result.members_updated} 未变 {result.members_unchanged}; 排查 新增 "
      f"{result.checks_created} 更新 {result.checks_updated} 未变 {result.checks_unchanged}; "
      f"未导入 {result.rejected_rows} 行", flush=True)
started, before = time.perf_counter(), cpu()
survey_evaluate(result)
print(f"evaluate {time.perf_counter() - started:.3f} {cpu() - before:.2f} {peak():.0f}",
      flush=True)
"""


def main():
    parser = county_parser(__doc__)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--again", type=int, default=3,
                        help="times the unchanged workbook is imported again (median)")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{args.data / 'import.sqlite3'}")
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    places, workbook = county_survey(args.households, args.format, args.data)
    call_command("migrate", verbosity=0)
    call_command("flush", "--no-input")
    call_command("load_places", str(places), verbosity=0)
    floors = []
    if connection.vendor == "postgresql":
        _, csv_folder = county_survey(args.households, "csv", args.data)
        floors.append(copy_seconds(csv_folder))
        print(f"raw COPY of the three CSV files: {floors[-1]:.2f} s", flush=True)
    connection.close()  # the import runs in its own process
    first, evaluation = run_parts(f"import of {args.households} households ({args.format})",
                                  workbook)
    agains = []
    for _ in range(args.again):
        agains.append(run_parts("the same workbook again (nothing changes)", workbook)[0])
        if floors:  # the floor again, beside each re-import: this machine's COPY varies
            floors.append(copy_seconds(csv_folder))
            print(f"raw COPY of the three CSV files: {floors[-1]:.2f} s", flush=True)
            connection.close()
    if floors:
        floor, again = median(floors), median(agains)
        print(f"medians: raw COPY {floor:.2f} s ({len(floors)} runs), unchanged re-import "
              f"{again:.2f} s ({len(agains)} runs)")
        print(f"ratio import / raw COPY: {first / floor:.1f} ×  (goal: at most 10 ×)")
        print(f"ratio import with its evaluation / raw COPY: {(first + evaluation) / floor:.1f} ×")
        print(f"ratio unchanged re-import / raw COPY: {again / floor:.1f} ×  (goal: at most 3 ×)")
        written_floor(places, first)


def written_floor(places, first: float) -> None:
    """The floor of the import's writes: what it wrote, COPYed back into the same tables
    emptied (bench/copy_baseline.py), and the import's ratio to it."""
    from django.core.management import call_command

    rows = written_rows()
    call_command("flush", "--no-input")
    call_command("load_places", str(places), verbosity=0)
    seconds = written_copy_seconds(rows)
    size = sum(len(data) for data in rows.values()) / 2 ** 20
    print(f"COPY of the rows the import wrote ({size:.0f} MB) into the same tables, with their "
          f"indexes and constraints: {seconds:.2f} s; ratio import / that: "
          f"{first / seconds:.1f} ×")


def run_parts(label: str, workbook) -> tuple[float, float]:
    """Run the import in its own process; print its parts. Returns the import's seconds
    (reading, validation, writing) and the evaluation's."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", DRIVER, str(workbook)], cwd=ROOT,
                          capture_output=True, text=True)
    total = time.perf_counter() - started
    if done.returncode:
        print(done.stderr[-3000:])
        raise SystemExit(f"{label}: exit {done.returncode}")
    parts = {line.split()[0]: line.split(maxsplit=1)[1] for line in done.stdout.splitlines()}
    seconds, cpu, peak = parts["import"].split()
    evaluation, evaluation_cpu, overall_peak = parts["evaluate"].split()
    print(f"{label}: {total:.2f} s in all (process start included)\n"
          f"  import (reading, validation, writing): {float(seconds):.2f} s (CPU {cpu} s, "
          f"peak RSS {peak} MB)\n"
          f"  evaluation (the engine): {float(evaluation):.2f} s (CPU {evaluation_cpu} s; "
          f"peak RSS of the whole run {overall_peak} MB)\n  {parts['counts']}", flush=True)
    return float(seconds), float(evaluation)


if __name__ == "__main__":
    main()
