"""一张表挂图作战: the dashboard's figures for one place, all in aggregate queries.

For a county the rows are its towns, for a town its villages, for a village its groups
(村民小组); for the whole registry its counties. Every figure is read through the scope
mechanism, so a user counts only what they may see. The number of queries does not grow
with the number of households, alerts or places.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from alerts.models import Alert, Level, State, Task
from households.groups import group_key
from households.models import Household, Place
from monitor.choices import HouseholdClass, KeyGroup, PlaceLevel
from monitor.models import person_name
from monitor.policy import Policy
from monitor.roles import Channel, Role
from monitor.rules import OTHER_SOURCES, RULES
from monitor.scope import sees_everything

CLASSES = [("stable", HouseholdClass.STABLE), ("consolidated", HouseholdClass.CONSOLIDATED),
           ("borderline", HouseholdClass.BORDERLINE)]
KEY_GROUPS = [("not_out", KeyGroup.NOT_OUT), ("out", KeyGroup.OUT),
              ("key_borderline", KeyGroup.BORDERLINE)]
OPEN_STATES = [("raised", State.RAISED), ("verified", State.VERIFIED),
               ("assisting", State.IN_ASSISTANCE), ("ready", State.READY_TO_CLOSE)]
CHILD_CODE_LENGTH = {None: 6, PlaceLevel.COUNTY: 9, PlaceLevel.TOWN: 12}
TREND_MONTHS = 12


@dataclass
class Row:
    """One town, village or group: its households by class and group, its alerts by
    state, its overdue work."""

    key: str
    name: str
    code: str | None = None  # a place to drill into; None for a group
    figures: dict = field(default_factory=lambda: defaultdict(int))


@dataclass
class Dashboard:
    place: Place | None
    child_label: str
    rows: list[Row]
    total: Row
    by_rule: list[dict]
    trend: list[dict]
    officers: list[dict]
    officer_max: int
    officers_over: int
    unassigned: int
    overdue_alerts: list
    today: date
    computed_at: datetime | None = None  # when these figures were counted (统计时间)


def months_back(today: date, count: int) -> list[date]:
    """The first days of the last `count` months, oldest first, ending with this month."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _child_key(place: Place | None, prefix: str):
    """The expression that puts a household (via `prefix`) in its row."""
    if place is not None and place.level == PlaceLevel.VILLAGE:
        return F(f"{prefix}group")
    return Substr(f"{prefix}village_id", 1, CHILD_CODE_LENGTH[place.level if place else None])


def _rows(place: Place | None, households) -> list[Row]:
    """The rows in order: child places (all of them, even without households), or for a
    village its groups."""
    if place is not None and place.level == PlaceLevel.VILLAGE:
        groups = households.order_by().values_list("group", flat=True).distinct()
        return [Row(key=g, name=g or "未分组") for g in sorted(groups, key=group_key)]
    if place is None:
        children = Place.objects.filter(level=PlaceLevel.COUNTY)
    else:
        children = Place.objects.filter(parent=place)
    return [Row(key=p.code, name=p.name, code=p.code) for p in children.order_by("code")]


def dashboard_cached(user, place: Place | None, today: date) -> Dashboard:
    """The dashboard as last counted, if that was within DASHBOARD_CACHE_SECONDS; else
    counted now. A county's figures aggregate every alert it ever had (a million after a
    few years), too much to count on every visit; the page shows when they were counted
    (统计时间). The working list, the alert queue, is always read live.

    The figures depend on the place and on what the user may count within it: everyone
    whose scope covers the place counts the same, except department staff, who count
    only their channel. That is the cache key, so no one is shown another scope's figures.
    """
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return dashboard_for(user, place, today)
    return cache.get_or_set(cache_key(user, place, today),
                            lambda: dashboard_for(user, place, today), seconds)


def cache_key(user, place: Place | None, today: date) -> str:
    """Place, day and what the user counts there, as Alert.objects.visible_to decides: department
    staff their channel's work, everyone else all of it."""
    counts = (f"channel-{user.channel}"
              if user.role == Role.DEPARTMENT and not sees_everything(user) else "all")
    return dashboard_key(counts, place.code if place else "*", today)


def dashboard_key(counts: str, code: str, today: date) -> str:
    return f"dashboard:{counts}:{code}:{today}"


def dashboard_forget(place: Place, today: date) -> None:
    """Count the dashboards of `place`, every place within it and the whole registry
    afresh on their next visit: a change to a county's classes and alerts all at once (a
    policy adopted) shows at once, not DASHBOARD_CACHE_SECONDS later."""
    codes = ["*", *Place.objects.within(place.code).values_list("code", flat=True)]
    counts = ["all", *(f"channel-{channel}" for channel in Channel.values)]
    cache.delete_many([dashboard_key(c, code, today) for c in counts for code in codes])


def dashboard_for(user, place: Place | None, today: date) -> Dashboard:
    """Every figure of the dashboard for `place` (None: the whole registry), counted now."""
    households = Household.objects.visible_to(user)
    alerts = Alert.objects.visible_to(user)
    tasks = Task.objects.visible_to(user)
    if place is not None:
        households = households.in_place(place.code)
        alerts = alerts.in_place(place.code)
        tasks = tasks.in_place(place.code)
    rows = _rows(place, households)
    by_key = {row.key: row for row in rows}
    total = Row(key="", name="合计")

    def add(key, figures: dict) -> None:
        row = by_key.get(key)
        if row is None:  # e.g. a village's household outside the listed children
            row = by_key[key] = Row(key=key, name=key or "未分组")
            rows.append(row)
        for name, value in figures.items():
            row.figures[name] += value or 0
            total.figures[name] += value or 0

    for item in households.annotate(row=_child_key(place, "")).values("row").annotate(
            households=Count("id"),
            registered=Count("id", filter=Q(registered=True)),
            unclassified=Count("id", filter=Q(household_class="")),
            **{key: Count("id", filter=Q(household_class=value)) for key, value in CLASSES},
            **{key: Count("id", filter=Q(key_group=value)) for key, value in KEY_GROUPS},
    ).order_by():
        add(item.pop("row"), item)

    # One pass over the alerts (a county keeps every one it ever had) for both the rows
    # and the rules: counted per row and rule, added up both ways.
    by_rule = defaultdict(lambda: defaultdict(int))
    for item in alerts.annotate(row=_child_key(place, "household__")).values(
            "row", "rule").annotate(
            total=Count("id"),
            alerts_open=Count("id", filter=~Q(state__in=[State.CLOSED, State.DISMISSED])),
            alerts_high=Count("id", filter=Q(severity="high") & ~Q(
                state__in=[State.CLOSED, State.DISMISSED])),
            alerts_overdue=Count("id", filter=Q(overdue=True) & ~Q(
                state__in=[State.CLOSED, State.DISMISSED])),
            alerts_escalated=Count("id", filter=~Q(level=Level.VILLAGE) & ~Q(
                state__in=[State.CLOSED, State.DISMISSED])),
            alerts_closed=Count("id", filter=Q(state=State.CLOSED)),
            alerts_dismissed=Count("id", filter=Q(state=State.DISMISSED)),
            **{key: Count("id", filter=Q(state=value)) for key, value in OPEN_STATES},
    ).order_by():
        rule = by_rule[item.pop("rule")]
        rule["total"] += item.pop("total")
        rule["open"] += item["alerts_open"]
        rule["overdue"] += item["alerts_overdue"]
        add(item.pop("row"), item)

    for item in tasks.annotate(row=_child_key(place, "household__")).values("row").annotate(
            tasks_open=Count("id", filter=~Q(state="已完成")),
            tasks_overdue=Count("id", filter=~Q(state="已完成") & Q(due__lt=today)),
    ).order_by():
        add(item.pop("row"), item)

    officer_max = int(Policy().value("officer_max_households", today))
    officers, unassigned = officer_load(households, officer_max)
    return Dashboard(
        place=place, child_label=child_label(place), rows=rows, total=total,
        by_rule=alerts_by_rule(by_rule), trend=alert_trend(alerts, today),
        officers=officers, officer_max=officer_max,
        officers_over=sum(1 for o in officers if o["over"]), unassigned=unassigned,
        overdue_alerts=list(alerts.open().filter(overdue=True).with_due().select_related(
            "household__village").order_by("due", "id")[:20]),
        today=today, computed_at=timezone.now(),
    )


def child_label(place: Place | None) -> str:
    if place is None:
        return "区县"
    return {PlaceLevel.COUNTY: "乡镇", PlaceLevel.TOWN: "村"}.get(place.level, "村民小组")


def alerts_by_rule(counts: dict) -> list[dict]:
    """Per rule of §5, in the table's order, then declarations: open, overdue and all
    alerts, each rule by its 名称."""
    rows = [(rule.code, rule.name, rule.risk_type) for rule in RULES]
    rows += [(code, name, "") for code, name in OTHER_SOURCES.items()]
    return [{"rule": code, "name": name, "risk_type": risk_type,
             **{k: counts.get(code, {}).get(k, 0) for k in ("total", "open", "overdue")}}
            for code, name, risk_type in rows]


def alert_trend(alerts, today: date) -> list[dict]:
    """Alerts raised and closed per month over the last twelve months."""
    months = months_back(today, TREND_MONTHS)
    raised = {_month(item["month"]): item["n"] for item in alerts.filter(
        raised_on__gte=months[0]).annotate(month=TruncMonth("raised_on")).values(
        "month").annotate(n=Count("id")).order_by()}
    closed = {_month(item["month"]): item["n"] for item in alerts.filter(
        state=State.CLOSED, closed_at__date__gte=months[0]).annotate(
        month=TruncMonth("closed_at")).values("month").annotate(n=Count("id")).order_by()}
    return [{"month": m, "label": f"{m.year}-{m.month:02d}", "raised": raised.get(m, 0),
             "closed": closed.get(m, 0)} for m in months]


def _month(value) -> date:
    return value.date().replace(day=1) if hasattr(value, "date") else value.replace(day=1)


def officer_load(households, officer_max: int) -> tuple[list[dict], int]:
    """Households per information officer, heaviest first, flagging more than the
    policy's maximum (Fuling: one officer per at most 200 households)."""
    officers, unassigned = [], 0
    for item in households.values(
            "info_officer_id", "info_officer__username", "info_officer__first_name",
            "info_officer__last_name", "info_officer__place__name").annotate(
            n=Count("id")).order_by("-n", "info_officer__username"):
        if item["info_officer_id"] is None:
            unassigned = item["n"]
            continue
        officers.append({"name": person_name(item["info_officer__first_name"],
                                             item["info_officer__last_name"],
                                             item["info_officer__username"]),
                         "username": item["info_officer__username"],
                         "place": item["info_officer__place__name"] or "—",
                         "households": item["n"], "over": item["n"] > officer_max})
    return officers, unassigned


def chart_data(board: Dashboard) -> dict:
    """What the charts draw, as plain JSON for echarts (the tables show the same)."""
    return {
        "rows": [row.name for row in board.rows],
        "classes": {label: [row.figures[key] for row in board.rows]
                    for key, label in CLASSES} | {
            "未分类": [row.figures["unclassified"] for row in board.rows]},
        "states": {label: [row.figures[key] for row in board.rows] for key, label in OPEN_STATES},
        "rules": [r["name"] for r in board.by_rule],
        "rules_open": [r["open"] for r in board.by_rule],
        "rules_overdue": [r["overdue"] for r in board.by_rule],
        "months": [m["label"] for m in board.trend],
        "raised": [m["raised"] for m in board.trend],
        "closed": [m["closed"] for m in board.trend],
    }
