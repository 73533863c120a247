"""Shared bits of the benchmarks: timing, peak memory, a generated county on disk."""

import os
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")


def setup_django():
    import django

    django.setup()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed(label: str, results: dict):
    started = time.perf_counter()
    yield
    results[label] = time.perf_counter() - started
    print(f"{label}: {results[label]:.2f} s (peak RSS {peak_rss_mb():.0f} MB)", flush=True)


def county_survey(households: int, fmt: str, folder: Path):
    """The demo county written as the survey workbook, generated once per size and format."""
    from households.demo import write_demo_survey

    target = folder / f"county-{households}-{fmt}"
    marker = target / ".done"
    if not marker.exists():
        survey = write_demo_survey(target, households=households, fmt=fmt)
        marker.write_text(f"{survey.households} {survey.members} {survey.checks}")
    workbook = target / ("普查" if fmt == "csv" else "普查.xlsx")
    return target / "地区.csv", workbook
