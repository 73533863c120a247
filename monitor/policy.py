"""The county's policy: every threshold of domain.md §5–7, effective-dated.

A value is read for a date: the setting with the latest `effective_from` on or before
that date wins; without one, the default below (the national mechanism's) applies.
The monitoring line is per province and year: the visit year's, else the latest earlier.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .models import MonitoringLine, PolicySetting
from .parameters import DEFAULTS, FIRST_LINE


@dataclass(frozen=True)
class Thresholds:
    """Everything the rules and the classification compare with, for one date and province."""

    on: date
    line: Decimal
    values: dict[str, Decimal]

    def __post_init__(self):
        # Each value as a plain attribute (t.near_line_factor): the rules read them for
        # every check, and a lookup through __getattr__ costs several times more.
        for key, amount in self.values.items():
            object.__setattr__(self, key, amount)


class Policy:
    """The policy tables read once, for evaluating many checks without a query each."""

    def __init__(self):
        self.settings: dict[str, list[tuple[date, Decimal]]] = {}
        for key, start, amount in PolicySetting.objects.order_by("effective_from").values_list(
                "key", "effective_from", "value"):
            self.settings.setdefault(key, []).append((start, amount))
        self.lines: dict[str, list[tuple[int, Decimal]]] = {}
        for province, year, amount in MonitoringLine.objects.order_by("year").values_list(
                "province", "year", "amount"):
            self.lines.setdefault(province, []).append((year, amount))
        self._cache: dict[tuple[str, date], Thresholds] = {}

    @classmethod
    def proposed(cls, *, province: str, effective_from: date, line: Decimal | None = None,
                 settings: dict[str, Decimal] | None = None) -> "Policy":
        """The policy in force, with proposed values layered on top as if they had been
        recorded (monitor/policy_changes.py): each threshold from `effective_from`, the
        line for `province` from `effective_from`'s year (a line is per year, §5).
        Nothing is written: this is what a preview evaluates under."""
        policy = cls()
        for key, amount in (settings or {}).items():
            if key not in DEFAULTS:
                raise KeyError(f"unknown policy key {key!r}")
            dated = dict(policy.settings.get(key, ()))
            dated[effective_from] = Decimal(amount)
            policy.settings[key] = sorted(dated.items())
        if line is not None:
            years = dict(policy.lines.get(province, ()))
            years[effective_from.year] = Decimal(line)
            policy.lines[province] = sorted(years.items())
        return policy

    def value(self, key: str, on: date) -> Decimal:
        current = DEFAULTS[key][0]
        for start, amount in self.settings.get(key, ()):
            if start <= on:
                current = amount
        return current

    def line(self, province: str, on: date) -> Decimal:
        current = None
        for year, amount in self.lines.get(province, ()):
            if year <= on.year:
                current = amount
        return current if current is not None else FIRST_LINE[1]

    def thresholds(self, province: str, on: date) -> Thresholds:
        key = (province, on)
        if key not in self._cache:
            self._cache[key] = Thresholds(
                on=on, line=self.line(province, on),
                values={name: self.value(name, on) for name in DEFAULTS})
        return self._cache[key]


def value(key: str, on: date) -> Decimal:
    """The threshold `key` in force on `on`."""
    if key not in DEFAULTS:
        raise KeyError(f"unknown policy key {key!r}")
    return Policy().value(key, on)


def monitoring_line(province: str, on: date) -> Decimal:
    """The line of the visit's year, else of the latest earlier year (§5)."""
    return Policy().line(province, on)
