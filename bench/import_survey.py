"""import_survey of a generated county (issue 8: Xiushan's campaign was 140,776
households), next to raw PostgreSQL COPY of the same CSV files in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/import_survey.py
    python bench/import_survey.py --format xlsx --households 140776

Uses its own SQLite file (not the project's db.sqlite3) unless DATABASE_URL is set.
Empties the database, loads the places, then times `manage.py import_survey` in its own
process (validation, writing, evaluation: alerts, classes, groups) and prints its peak
memory; then the same workbook again (nothing changes). On PostgreSQL it first times COPY
of the three CSVs into untyped tables (bench/copy_baseline.py) and prints the ratio.
"""

import os
import subprocess
import time

from common import ROOT, county_parser, county_survey, manage, setup_django
from copy_baseline import copy_seconds


def main():
    parser = county_parser(__doc__)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
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
    floor = None
    if connection.vendor == "postgresql":
        _, csv_folder = county_survey(args.households, "csv", args.data)
        floor = copy_seconds(csv_folder)
        print(f"raw COPY of the three CSV files: {floor:.2f} s", flush=True)
    connection.close()  # the import runs in its own process
    label = f"import_survey of {args.households} households ({args.format})"
    seconds, _ = run_split(label, manage("import_survey", str(workbook)))
    if floor:
        print(f"ratio import / raw COPY: {seconds / floor:.1f} ×  (goal: at most 3 ×)")
    run_split("the same workbook again (nothing changes)", manage("import_survey", str(workbook)))


def run_split(label: str, args: list[str]) -> tuple[float, float]:
    """Run the import in its own process: its seconds and peak memory, and where the time
    went: reading, validation and writing until the first evaluation progress line on
    stderr (评估 …), the engine after it (a county file prints one every 500 households)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    first_progress, other = None, []
    for line in process.stderr:
        if line.startswith("评估 "):
            first_progress = first_progress or time.perf_counter() - started
        else:
            other.append(line)
    _, status, usage = os.wait4(process.pid, 0)
    seconds, peak = time.perf_counter() - started, usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime  # the command's own, not PostgreSQL's
    print(f"{label}: {seconds:.2f} s (CPU {cpu:.1f} s, peak RSS {peak:.0f} MB, exit "
          f"{os.waitstatus_to_exitcode(status)})", flush=True)
    if first_progress:
        print(f"  reading, validation, writing: {first_progress:.2f} s; evaluation (from its "
              f"first batch's end): {seconds - first_progress:.2f} s", flush=True)
    print("".join(other[:20]), end="", flush=True)
    return seconds, peak


if __name__ == "__main__":
    main()
