"""Cleaning one cell of the survey workbook. Each function returns the value or raises
CellError with the reason in Chinese, as the officer will read it in the error report.

A county file repeats the same few words and amounts hundreds of thousands of times, so
the cleaners hand back shared objects (interned text, one Decimal per amount) instead of
a copy per cell: the validated workbook then fits in a fraction of the memory.
"""

import re
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError

from households.idnumber import parse_id_number
from monitor.names import name_problem
from monitor.tabular import FORMULA_START


class CellError(ValueError):
    pass


EXCEL_CELL_MAX = 32767  # what Excel holds in a cell; a longer one came from elsewhere
# C0 controls but tab, line feed and carriage return (Alt+Enter in a cell gives a line
# feed): NUL cannot be stored in PostgreSQL, and none of them is anything an officer typed.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fits(text: str, limit: int = EXCEL_CELL_MAX) -> str:
    """Any cell, before its column's own rule: not longer than the column holds, and no
    control characters."""
    if len(text) > limit:
        raise CellError(f"内容过长：最多 {limit} 个字，这里有 {len(text)} 个")
    if not text.isprintable() and CONTROL.search(text):  # isprintable: the common case, fast
        raise CellError("含有不可见的控制字符（如 NUL）：请删去后重新填写")
    return text


def text(value: str) -> str:
    """Free text (group, relation, officer, notes), possibly empty."""
    return sys.intern(value)


def required(value: str) -> str:
    if not value:
        raise CellError("不能为空")
    return sys.intern(value)


def name(value: str) -> str:
    """A person's name: required, and not something Excel would run as a formula (=, +,
    -, @ first), which no name begins with and which would follow it into every export."""
    if value.startswith(FORMULA_START):
        raise CellError(f"不像姓名：以“{value[0]}”开头的内容会被 Excel 当作公式，请填写姓名本身")
    return person(required(value))


def person(value: str) -> str:
    """Someone's name, possibly empty (排查人): nothing that would display as another text
    (monitor/names.py)."""
    problem = name_problem(value)
    if problem:
        raise CellError(problem)
    return sys.intern(value)


def yes_no(text: str) -> bool:
    if text not in ("是", "否"):
        raise CellError("应填“是”或“否”")
    return text == "是"


def one_of(choices):
    values = {str(value): str(value) for value in choices}

    def clean(text: str) -> str:
        if text not in values:
            raise CellError(f"应为以下之一：{'、'.join(values)}")
        return values[text]

    return clean


@lru_cache(maxsize=65536)
def money(text: str) -> Decimal:
    """Whole or decimal 元, not negative; empty is 0. (Decimals are immutable, so the
    same amount is one shared object.)"""
    if not text:
        return Decimal("0")
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise CellError("应为数字（元）") from None
    if not amount.is_finite():
        raise CellError("应为数字（元）")
    if amount < 0:
        raise CellError("金额不能为负数")
    if amount >= Decimal("1e12"):
        raise CellError("金额过大")
    return amount.quantize(Decimal("0.01"))


DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?: 00:00(?::00)?)?")


def visit_date(text: str, today: date) -> date:
    """YYYY-MM-DD (an Excel date cell arrives as that text too); 2026/4/10, as a text
    cell typed on a Chinese Windows often reads, is taken as well. Not after today."""
    match = DATE.fullmatch(text or "")
    if not match:
        raise CellError("日期格式应为 YYYY-MM-DD")
    try:
        day = date(*map(int, match.groups()))
    except ValueError:
        raise CellError("日期不存在") from None
    if day > today:
        raise CellError("日期不能晚于今天")
    return day


def id_number(text: str, today: date) -> str:
    """The 18-character resident ID, upper-case X; the reason names what is wrong."""
    if "E+" in text.upper():
        raise CellError("身份证号被存成了数字，Excel 已丢掉后几位：请把该列设为文本后重新填写")
    try:
        return parse_id_number(text, today=today).number
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def village_code(text: str, villages: set[str]) -> str:
    if not re.fullmatch(r"\d{12}", text):
        raise CellError("村代码应为12位数字")
    if text not in villages:
        raise CellError("村代码不存在（请先用 load_places 导入地区）")
    return text


def year(text: str, today: date) -> int:
    if not re.fullmatch(r"\d{4}", text):
        raise CellError("应为四位年份")
    value = int(text)
    if not 2013 <= value <= today.year:
        raise CellError(f"年份应在 2013 至 {today.year} 之间")
    return value
