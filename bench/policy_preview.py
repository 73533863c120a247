"""A county's policy change previewed, then (with --adopt) adopted, beside the raw COPY of
the same county's CSVs (issue 19: the preview at most 5 × COPY).

    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/policy_preview.py

The proposal raises the line of the county's first check year by a quarter (from the line
in force then), from the first of January of that year: every household's checks are
judged again. An adoption records that line, so the next run raises it again.
"""

import time
from datetime import date
from decimal import Decimal

from common import county_parser, county_survey, ensure_county, setup_django, timed
from copy_baseline import copy_seconds


def main():
    parser = county_parser(__doc__)
    parser.add_argument("--adopt", action="store_true", help="adopt it too (writes)")
    args = parser.parse_args()
    setup_django()
    from alerts.proposal import Proposal, adopt, preview
    from households.models import Check, Place
    from monitor.choices import PlaceLevel
    from monitor.policy import Policy

    ensure_county(args.households, args.data)
    _, workbook = county_survey(args.households, "csv", args.data)
    copy = copy_seconds(workbook)
    print(f"raw COPY of the county's CSVs: {copy:.2f} s", flush=True)
    county = Place.objects.get(level=PlaceLevel.COUNTY)
    first = Check.objects.order_by("visit_date").values_list("visit_date", flat=True)[0]
    start = date(first.year, 1, 1)
    line = (Policy().line(county.province_code, start) * Decimal("1.25")).quantize(Decimal(1))
    proposal = Proposal(county=county, effective_from=start, line=line)
    results, cpu = {}, time.process_time()
    with timed(f"preview the line {line} from {start}", results):
        result = preview(proposal)
    label = next(iter(results))
    print(f"households changing {len(result.households)}, raised {result.raised}, "
          f"cleared {result.cleared}; this process's CPU {time.process_time() - cpu:.1f} s; "
          f"{results[label] / copy:.1f} × COPY", flush=True)
    if args.adopt:
        with timed("adopt it", results):
            adopt(proposal, actor=None, reason="基准测试")
        print(f"{results['adopt it'] / copy:.1f} × COPY")


if __name__ == "__main__":
    main()
