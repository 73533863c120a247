"""Evaluation of a whole county: the rules and the class of every household.

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/evaluate_county.py

Loads the generated county once (load_places + import_survey), then marks every check
unevaluated and evaluates all households again in batches, printing time, peak memory and
this process's CPU time (what is not CPU here is the database's work or waiting for it).
Then previews a policy change for the whole county (a line of 7,000 from the year of its
oldest check: every household governed, nothing written), and prints both as ratios to a
raw COPY of the same CSVs measured in the same run (bench/copy_baseline.py).
"""

import time

from common import county_parser, county_survey, ensure_county, setup_django, timed
from copy_baseline import copy_seconds


def main():
    parser = county_parser(__doc__)
    parser.add_argument("--batch", type=int, default=None, help="default: the engine's")
    args = parser.parse_args()
    setup_django()
    from alerts.engine import BATCH, evaluate_in_batches
    from households.models import Household
    from monitor.policy import Policy

    ensure_county(args.households, args.data)
    args.batch = args.batch or BATCH
    forget_evaluation()
    ids = list(Household.objects.order_by("id").values_list("id", flat=True))
    results, cpu = {}, time.process_time()
    with timed(f"evaluate {len(ids)} households in batches of {args.batch}", results):
        total = evaluate_in_batches(ids, Policy(), batch_size=args.batch)
    print(f"checks {total.checks}, alerts raised {total.alerts_raised}, "
          f"ready to close {total.alerts_ready}; this process's CPU "
          f"{time.process_time() - cpu:.1f} s (the rest is the database's)")
    preview_county(results)
    _, workbook = county_survey(args.households, "csv", args.data)
    floor = copy_seconds(workbook)
    print(f"raw COPY of the same CSVs: {floor:.2f} s")
    for label, seconds in results.items():
        print(f"{label}: {seconds / floor:.1f} × COPY")


def preview_county(results: dict) -> None:
    """A line of 7,000 from the oldest check's year, previewed for the whole county."""
    from datetime import date
    from decimal import Decimal

    from alerts.proposal import Proposal, preview
    from households.models import Check, Place

    oldest = Check.objects.order_by("visit_date").values_list("visit_date", flat=True)[0]
    county = Place.objects.filter(level="county").order_by("code").first()
    proposal = Proposal(county=county, effective_from=date(oldest.year, 1, 1),
                        line=Decimal("7000"))
    cpu = time.process_time()
    with timed(f"preview a line of 7000 for {county.name} from {oldest.year}", results):
        shown = preview(proposal)
    print(f"households that change {len(shown.households)}, raised {sum(shown.raised.values())},"
          f" cleared {sum(shown.cleared.values())}; this process's CPU "
          f"{time.process_time() - cpu:.1f} s")


def forget_evaluation():
    """Back to the state right after writing the survey: no alerts, moves or class
    history, every check unevaluated, dead rows vacuumed. Plain SQL, so Django's delete
    does not load the county's alerts into memory (it would count in the evaluation's
    peak). The audit trail cannot be deleted (a trigger refuses) and grows with each run."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in ("DELETE FROM alerts_alertmove", "DELETE FROM alerts_alert",
                          "DELETE FROM households_statuschange",
                          "UPDATE households_household SET household_class = '', "
                          "key_group = ''",
                          "UPDATE households_check SET evaluated_at = NULL"):
            cursor.execute(statement)
    # As after an import, whose checks are new rows: without this every run leaves the
    # county's checks twice over as dead rows, and the evaluation's writes slow down.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE households_check, households_household, alerts_alert, "
                       "alerts_alertmove, households_statuschange")

if __name__ == "__main__":
    main()
