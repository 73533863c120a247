"""Department comparison of an 80,000-row list against a generated county (target: < 30 s
on SQLite, domain.md §9: Qianjiang compared 80,000+ records).

    python bench/compare_department.py [--households 25000] [--rows 80000]

Uses its own SQLite file (not the project's db.sqlite3) unless DATABASE_URL is set. Loads
the generated county once (load_places + import_survey, ~3.3 members a household), then
writes an insured list built from the registry's members — most 已参保, some 未参保 (alerts),
some names written differently, some people the registry does not have, some members
left out — and times compare_department on it.
"""

import argparse
import csv
import os
import random
from pathlib import Path

from common import DATA, ensure_county, timed


def write_insured_list(path: Path, rows: int, seed: int = 7) -> dict:
    from households.idnumber import check_character
    from households.models import Member

    rng, shares = random.Random(seed), {"uninsured": 0, "renamed": 0, "strangers": 0}
    members = list(Member.objects.values_list("id_number", "name").order_by("id"))
    rng.shuffle(members)
    kept = members[:max(0, rows - rows // 100)]  # the rest of the members: not on the list
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["身份证号", "姓名", "参保状态"])
        for id_number, name in kept:
            status = "已参保"
            if rng.random() < 0.004:
                status, shares["uninsured"] = "未参保", shares["uninsured"] + 1
            if rng.random() < 0.01:
                name, shares["renamed"] = name[:-1] + "华", shares["renamed"] + 1
            writer.writerow([id_number, name, status])
        for n in range(rows - len(kept)):
            first17 = f"500102199{n % 10}0101{n % 1000:03d}"
            writer.writerow([first17 + check_character(first17), f"外地{n}", "已参保"])
            shares["strangers"] += 1
    return shares


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=25000)
    parser.add_argument("--rows", type=int, default=80000)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{DATA / 'compare.sqlite3'}")
    import django

    django.setup()
    from django.conf import settings

    from alerts.models import Alert, AlertMove
    from casework.comparison import comparison_run
    from households.models import Member

    settings.MEDIA_ROOT = DATA / "media"
    ensure_county(args.households, DATA)
    print(f"registry: {Member.objects.count()} members", flush=True)
    path = DATA / f"insured-{args.rows}.csv"
    print(f"list: {write_insured_list(path, args.rows)}", flush=True)
    AlertMove.objects.filter(alert__source="部门").delete()
    Alert.objects.filter(source="部门").delete()
    results = {}
    with timed(f"compare_department --kind insured ({args.rows} rows)", results):
        c = comparison_run(kind="insured", path=path, actor=None)
    print(f"一致 {c.matched}，名单有登记无 {c.only_in_list}，登记有名单无 {c.only_in_registry}，"
          f"不一致 {c.disagreeing}，名单错误 {c.invalid}，新发预警 {c.alerts_raised}")
    with timed("the same list again (every risk attaches to its open alert)", results):
        c = comparison_run(kind="insured", path=path, actor=None)
    print(f"新发预警 {c.alerts_raised}，更新预警 {c.alerts_updated}")


if __name__ == "__main__":
    main()
