"""Resident ID numbers (GB 11643): validation, birth date, sex and age.

Structure: 6-digit area code, 8-digit birth date, 3-digit sequence (odd = male),
check character from the weighted sum mod 11.
"""

import re
from dataclasses import dataclass
from datetime import date
from operator import mul

from django.core.exceptions import ValidationError

from monitor.periods import age_on

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_MAP = "10X98765432"
SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII digits: full-width ones would be stored as typed


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    male: bool

    @property
    def sex(self) -> str:
        return "男" if self.male else "女"

    def age_on(self, day: date) -> int:
        """Whole years of age on `day`."""
        return age_on(self.birth_date, day)


def local_today() -> date:
    """Today in the county's time zone (Asia/Shanghai), not the server's UTC date."""
    from django.utils import timezone

    return timezone.localdate()


def check_character(first17: str) -> str:
    total = sum(map(mul, map(int, first17), WEIGHTS))  # 17 digits: SHAPE or the caller saw to it
    return CHECK_MAP[total % 11]


def parse_id_number(raw: str, *, today: date | None = None) -> ResidentId:
    """Return the parsed ID, or raise ValidationError saying in Chinese what is wrong."""
    number = (raw or "").strip().upper()
    if not SHAPE.fullmatch(number):
        raise ValidationError(
            f"身份证号“{raw}”格式不对：应为18位，前17位是数字，最后一位是数字或X",
            code="id_shape",
        )
    try:
        birth, male = born_and_male(number)
    except ValueError:
        raise ValidationError(
            f"身份证号“{number}”中的出生日期{number[6:14]}不存在", code="id_birth_date"
        ) from None
    if birth > (today or local_today()):
        raise ValidationError(
            f"身份证号“{number}”中的出生日期{birth:%Y-%m-%d}在今天之后", code="id_future"
        )
    expected = check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(
            f"身份证号“{number}”校验码错误：最后一位应为{expected}，而不是{number[17]}",
            code="id_check",
        )
    return ResidentId(number=number, birth_date=birth, male=male)


def born_and_male(number: str) -> tuple[date, bool]:
    """Birth date and sex read off an ID number, unchecked (parse_id_number checks first).
    ValueError for a date that does not exist."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14])), \
        int(number[16]) % 2 == 1


def validate_id_number(value: str) -> None:
    """Model-field validator."""
    parse_id_number(value)
