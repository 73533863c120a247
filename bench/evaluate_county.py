"""Evaluation of a whole county: the rules and the class of every household.

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/evaluate_county.py

Loads the generated county once (load_places + import_survey), then marks every check
unevaluated and evaluates all households again in batches, printing time, peak memory and
this process's CPU time (what is not CPU here is the database's work or waiting for it).
"""

import time

from common import county_parser, ensure_county, setup_django, timed


def main():
    parser = county_parser(__doc__)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    setup_django()
    from alerts.engine import evaluate_in_batches
    from households.models import Household
    from monitor.policy import Policy

    ensure_county(args.households, args.data)
    forget_evaluation()
    ids = list(Household.objects.order_by("id").values_list("id", flat=True))
    results, cpu = {}, time.process_time()
    with timed(f"evaluate {len(ids)} households in batches of {args.batch}", results):
        total = evaluate_in_batches(ids, Policy(), batch_size=args.batch)
    print(f"checks {total.checks}, alerts raised {total.alerts_raised}, "
          f"ready to close {total.alerts_ready}; this process's CPU "
          f"{time.process_time() - cpu:.1f} s (the rest is the database's)")


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
