"""Shared bits of the benchmarks: timing, peak memory, a generated county on disk."""

import argparse
import os
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/tmp/shouwang-bench")  # generated counties, kept between runs
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")


def county_parser(doc: str, households: int = 140776) -> argparse.ArgumentParser:
    """The options every county benchmark takes: its size and where its files are kept."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--households", type=int, default=households)
    parser.add_argument("--data", type=Path, default=DATA)
    return parser


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
    from demo.county import write_demo_survey

    target = folder / f"county-{households}-{fmt}"
    marker = target / ".done"
    if not marker.exists():
        survey = write_demo_survey(target, households=households, fmt=fmt)
        marker.write_text(f"{survey.households} {survey.members} {survey.checks}")
    workbook = target / ("普查" if fmt == "csv" else "普查.xlsx")
    return target / "地区.csv", workbook


def run_measured(label: str, args: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run a command in its own process; print and return its seconds and peak memory
    (each figure is that process's own, not the benchmark's)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds, peak = time.perf_counter() - started, usage.ru_maxrss / 1024
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime  # its own CPU: a busy machine's wait left out
    print(f"{label}: {seconds:.2f} s (CPU {cpu:.2f} s, peak RSS {peak:.0f} MB, exit {code})",
          flush=True)
    return seconds, peak


def manage(*args: str) -> list[str]:
    """A manage.py command line with this interpreter."""
    return [sys.executable, str(ROOT / "manage.py"), *args]


def ensure_county(households: int, data: Path) -> None:
    """The generated county of this size in the database: loaded by import_survey (in its
    own process, its time and memory printed) unless the database already holds it."""
    from django.core.management import call_command

    from households.models import Household

    places, workbook = county_survey(households, "csv", data)
    call_command("migrate", verbosity=0)
    if Household.objects.count() != households:
        call_command("flush", "--no-input")
        call_command("load_places", str(places), verbosity=0)
        run_measured("load the county (import_survey)", manage("import_survey", str(workbook)))
