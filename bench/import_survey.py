"""import_survey on a generated county (issue 3: Xiushan's campaign was 140,776 households).

    python bench/import_survey.py [--households 140776] [--format csv|xlsx] [--again]

Uses its own SQLite file (not the project's db.sqlite3) unless DATABASE_URL is set.
Without --again: empties the database, loads the places and times a first import with its
evaluation. With --again: times importing the same workbook once more (nothing changes).
Run them as two processes: peak memory is per process.
"""

import argparse
import os
from pathlib import Path

from common import county_survey, setup_django, timed

DATA = Path("/tmp/shouwang-bench")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=140776)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--again", action="store_true")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{DATA / 'import.sqlite3'}")
    setup_django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    places, workbook = county_survey(args.households, args.format, DATA)
    if not args.again:
        call_command("migrate", verbosity=0)
        call_command("flush", "--no-input")
        call_command("load_places", str(places))
    label = "import again" if args.again else "first import"
    with timed(f"{label} of {args.households} households ({args.format})", {}):
        try:
            call_command("import_survey", str(workbook))
        except CommandError as error:
            print(error)


if __name__ == "__main__":
    main()
