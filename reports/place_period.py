"""The place and period a report is asked for: the five lists' page and export, the API
and `manage.py five_lists` (the ledger asks for a place alone). One reading of the place
code and of the two days, with its refusals in Chinese."""

from dataclasses import dataclass
from datetime import date

from django.http import Http404
from django.utils import timezone

from households.models import Place
from monitor.periods import parse_day

FIELD_LABELS = {"from": "起始日期", "to": "截止日期"}  # the page's and the API's names
OPTION_LABELS = {"from": "--from 日期", "to": "--to 日期"}  # a command's options


@dataclass(frozen=True)
class PlaceAndPeriod:
    place: Place | None  # None: no code given and the user has no place of their own
    start: date | None  # None: from the earliest
    end: date  # today unless given
    errors: dict[str, list[str]]  # by parameter ("from", "to"); empty when the days are good

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


def place_asked(code: str | None, user) -> Place | None:
    """The place with this code, else the user's own (None when there is neither). A code
    outside the user's places raises Http404, the same answer as for one that names no
    place. `user` None is a command run by county IT: the code must name a loaded place."""
    code = (code or "").strip()
    if user is None:
        place = Place.objects.filter(code=code).first()
        if place is None:
            raise Http404(f"地区代码 {code} 不存在：请用已导入的区县（6位）、乡镇（9位）"
                          "或村（12位）代码")
        return place
    code = code or user.place_id
    if not code:
        return None
    place = Place.objects.visible_to(user).filter(code=code).first()
    if place is None:
        raise Http404("未找到该地区")
    return place


def place_and_period(data, user, *, labels: dict = FIELD_LABELS) -> PlaceAndPeriod:
    """`data["place"]` (place_asked) and the period from `data["from"]` to `data["to"]`
    (YYYY-MM-DD, both ends included; the end by default today). A day that is not a date,
    or a start after the end, is an error under its parameter, named by `labels`."""
    place = place_asked(data.get("place"), user)
    days, errors = {}, {}
    for name in ("from", "to"):
        text = data.get(name) or ""
        days[name] = parse_day(text)
        if text and days[name] is None:
            errors[name] = [f"{labels[name]}“{text}”无效，应为 YYYY-MM-DD 格式的真实日期，"
                            "如 2026-01-31"]
    start, end = days["from"], days["to"] or timezone.localdate()
    if not errors and start and start > end:
        errors["from"] = [f"起始日期 {start} 晚于截止日期 {end}"]
    return PlaceAndPeriod(place=place, start=start, end=end, errors=errors)
