"""Building checks for the engine's tests: members as a check sees them, incomes per head."""

from datetime import date
from decimal import Decimal

from households.models import Check
from monitor.parameters import DEFAULTS
from monitor.policy import Thresholds

LINE = Decimal("6000")


def thresholds(on=date(2026, 6, 1), line=LINE, **overrides) -> Thresholds:
    values = {key: default for key, (default, _) in DEFAULTS.items()}
    values.update({key: Decimal(str(v)) for key, v in overrides.items()})
    return Thresholds(on=on, line=line, values=values)


def person(name="杨明", born=date(1980, 1, 1), schooling="非在校", labour="普通劳动力",
           work="县内务工", insured=True, health="健康") -> dict:
    return {"id_number": f"ID-{name}", "name": name, "birth_date": born.isoformat(),
            "schooling": schooling, "health": health, "labour": labour, "work": work,
            "insured": insured}


def check(visit=date(2026, 6, 1), members=None, per_capita=None, **answers) -> Check:
    """An unsaved check; `per_capita` puts the whole income in wages for that per-head amount."""
    members = members if members is not None else [person()]
    if per_capita is not None:
        answers.setdefault("income_wages", Decimal(str(per_capita)) * len(members))
    answers.setdefault("income_wages", Decimal("30000") * len(members))
    return Check(visit_date=visit, kind="日常走访", members=members, **answers)
