"""The five lists and the ledger for a whole county, in xlsx and csv (issue 8 goal:
under 10 s each in xlsx).

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/lists_county.py

Works on the database as it is when it already holds the generated county (after
bench/import_survey.py); otherwise loads it first. Each export runs as its own
`manage.py` process, so its time and peak memory are its own.
"""

import argparse
import os
import tempfile
from pathlib import Path

from common import ensure_county, manage, run_measured, setup_django

DATA = Path("/tmp/shouwang-bench")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=140776)
    parser.add_argument("--place", default="500241", help="the county's code")
    parser.add_argument("--data", type=Path, default=DATA)
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


if __name__ == "__main__":
    main()
