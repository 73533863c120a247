"""村民小组 names in the order people count them: 一组, 二组 … 十一组, or 1组, 2组 … 11组,
rather than the order of their characters (一组, 七组, 三组 …)."""

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}
NUMERAL = re.compile(r"[0-9]+|[零〇一二两三四五六七八九十百]+")


def chinese_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23, 一百零五 → 105."""
    total, current = 0, 0
    for char in text:
        if char in DIGITS:
            current = DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def group_key(name: str) -> tuple:
    """Sort key: the first number in the name (Arabic or Chinese), then the name; names
    without a number after those with one; the empty name (未分组) last."""
    if not name:
        return (2, 0, "")
    found = NUMERAL.search(name)
    if found is None:
        return (1, 0, name)
    number = found.group()
    return (0, int(number) if number.isdigit() else chinese_number(number), name)
