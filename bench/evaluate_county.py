"""Evaluation of a whole county: the rules and the class of every household.

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/evaluate_county.py

Loads the generated county once (load_places + import_survey), then marks every check
unevaluated and evaluates all households again in batches, printing time and peak memory.
"""

import argparse
from pathlib import Path

from common import ensure_county, setup_django, timed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=140776)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--data", type=Path, default=Path("/tmp/shouwang-bench"))
    args = parser.parse_args()
    setup_django()
    from alerts.models import Alert, AlertMove
    from households.models import Check, Household, StatusChange
    from monitor.engine import Evaluated, evaluate_households
    from monitor.policy import Policy

    ensure_county(args.households, args.data)
    results = {}
    AlertMove.objects.all().delete()
    Alert.objects.all().delete()
    StatusChange.objects.all().delete()
    Household.objects.update(household_class="", key_group="")
    Check.objects.update(evaluated_at=None)
    ids = list(Household.objects.order_by("id").values_list("id", flat=True))
    total, policy = Evaluated(), Policy()
    with timed(f"evaluate {len(ids)} households in batches of {args.batch}", results):
        for start in range(0, len(ids), args.batch):
            total.add(evaluate_households(ids[start:start + args.batch], policy))
    print(f"checks {total.checks}, alerts raised {total.alerts_raised}, "
          f"ready to close {total.alerts_ready}")


if __name__ == "__main__":
    main()
