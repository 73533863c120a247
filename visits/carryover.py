"""What a new check takes from the household's last one, so a routine visit where nothing
changed is a few taps (issue 17): the answers that rarely change between visits start as
they were (两不愁, the twelve months' spending, housing, water), each step says what they
were with a "同上次" button that puts them back, and the incomes, typed fresh every visit,
show last time's beside them. The members already start as they are (MemberCheckForm).

Saving asks (never refuses) when the new per-capita income is far from the last one or
one source looks like a slipped digit: a halved income would otherwise raise two alerts
with no question asked. The phone asks (static/js/check-form.js) with the figures and the
limits given here.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal

from households.models import Check
from monitor import rules

# The steps of the check form whose answers a new check starts from, and their fields.
CARRIED = {
    "two": ("food_secure", "clothing_secure"),
    "education": ("education_spending",),
    "medical": ("medical_spending",),
    "housing": ("housing",),
    "water": ("water_quantity", "water_quality", "water_convenience", "water_reliability"),
}
INCOMES = ("income_wages", "income_business", "income_property", "income_transfers")

# Saving asks first when the per-capita income moved by this share of the last one or
# more, or when a source is about ten times (or a tenth of) what it was.
INCOME_CHANGE_ASKED = Decimal("0.30")
SLIPPED_DIGIT_RATIO = (Decimal("9"), Decimal("11"))


@dataclass
class Step:
    """One step's answers of the last check: as the form posts them, and as read."""

    values: dict[str, str]
    text: str

    @property
    def json(self) -> str:
        """The values for the 同上次 button to put back."""
        return json.dumps(self.values, ensure_ascii=False)


@dataclass
class LastCheck:
    """The household's last check, as the new check form shows and starts from it."""

    check: Check
    steps: dict[str, Step] = field(default_factory=dict)
    incomes: dict[str, str] = field(default_factory=dict)

    @property
    def per_capita(self) -> Decimal:
        return self.check.per_capita_income

    @property
    def member_count(self) -> int:
        return self.check.member_count

    def initial(self) -> dict[str, str]:
        """The new check's starting answers."""
        return {name: value for step in self.steps.values() for name, value in step.values.items()}


def last_check(household) -> LastCheck | None:
    """The household's newest check by visit date (the one its state is judged on)."""
    check = household.checks.order_by("-visit_date", "-id").first()
    if check is None:
        return None
    last = LastCheck(check=check)
    for step, names in CARRIED.items():
        last.steps[step] = Step(values={n: form_value(getattr(check, n)) for n in names},
                                text=" · ".join(read(check, n) for n in names))
    last.incomes = {name: amount(getattr(check, name)) for name in INCOMES}
    return last


def form_value(value) -> str:
    """A check's answer as the form posts it: 是/否 as 1/0, amounts without trailing 0s."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return amount(value)
    return str(value)


def amount(value: Decimal) -> str:
    """12000.00 → 12000, 3500.50 → 3500.5: as an officer would type it."""
    text = f"{rules.to_fen(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def read(check: Check, name: str) -> str:
    """One answer as a person reads it: 不愁吃 是, 住房安全 A, 教育支出 800 元."""
    label = Check._meta.get_field(name).verbose_name
    value = getattr(check, name)
    if isinstance(value, bool):
        return f"{label} {'是' if value else '否'}"
    if isinstance(value, Decimal):
        return f"{label} {amount(value)} 元"
    if name == "housing" and len(value) == 1:  # a grade: A 级 … D 级
        return f"{label} {value} 级"
    return f"{label} {value}"
