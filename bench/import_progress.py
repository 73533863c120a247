"""What telling the 导入排查 page's progress costs an import: `survey_import --dry-run` of a
generated county, once without a progress callback and once writing the progress file as
the page's worker does (survey/jobs.progress_write), with the number of reports made.
Everything is rolled back, so run it on a database with the county's places and no
households (the places come from the generated 地区.csv):

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_empty python bench/import_progress.py \\
        --households 20000
"""

import tempfile
import time
from pathlib import Path

from common import county_parser, county_survey, setup_django


def main():
    parser = county_parser(__doc__, households=20_000)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    from survey import jobs
    from survey.importing import survey_import
    from survey.models import ImportJob

    places, workbook = county_survey(args.households, "csv", args.data)
    call_command("load_places", str(places), verbosity=0)
    folder = Path(tempfile.mkdtemp(prefix="import-progress-"))
    job = ImportJob(pk=0, path=str(folder / "普查"))  # never saved: its folder is all we need
    reports = [0]

    def progress(phase: str, done: int, total: int) -> None:
        reports[0] += 1
        jobs.progress_write(job, phase, done, total)

    for label, callback in (("no progress", None), ("progress file", progress)):
        started = time.perf_counter()
        survey_import(path=workbook, dry_run=True, progress=callback)
        print(f"{label:>14}: {time.perf_counter() - started:6.1f} s")
    print(f"{reports[0]} progress reports for {args.households} households")


if __name__ == "__main__":
    main()
