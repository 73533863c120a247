"""Where the import's own time goes: `survey_import --dry-run` of a generated county, each
phase timed (process CPU and wall): reading and cleaning, registry, cross-sheet validation,
writing households, members and checks (each with its audit trail). Everything is rolled
back, so run it on a database with the county's places and no households:

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_empty python bench/import_phases.py

The evaluation is not included (bench/evaluate_county.py times the engine).
"""

import time

from common import county_parser, county_survey, setup_django

PHASES = {
    "clean_sheet": "reading and cleaning",
    "registry_households": "registry: households",
    "file_digests": "digests",
    "registry_rows": "registry: members and checks",
    "survey_validate": "cross-sheet validation",
    "write_households": "households (+ trail)",
    "write_members": "members (+ trail)",
    "write_checks": "checks (+ trail)",
    "analyze": "ANALYZE",
}


def timed(function, label: str, totals: dict):
    def run(*args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent = totals.setdefault(label, [0.0, 0.0])
            spent[0] += time.process_time() - cpu
            spent[1] += time.perf_counter() - wall
    return run


def main():
    parser = county_parser(__doc__)
    args = parser.parse_args()
    setup_django()
    from survey import importing

    _, workbook = county_survey(args.households, "csv", args.data)
    totals = {}
    for name, label in PHASES.items():
        setattr(importing, name, timed(getattr(importing, name), label, totals))
    cpu, wall = time.process_time(), time.perf_counter()
    importing.survey_import(path=workbook, dry_run=True)
    totals["survey_import, all of it"] = [time.process_time() - cpu, time.perf_counter() - wall]
    for label, (cpu, wall) in totals.items():
        print(f"{label:28s} CPU {cpu:6.2f} s  wall {wall:6.2f} s")


if __name__ == "__main__":
    main()
