"""A policy proposal as a person states it, and its preview as a person reads it
(domain.md §5, interfaces.md "Policy: policy_preview and policy_adopt"): the commands, the
county's page and the API read a proposal here and present alerts/proposal.py's Preview
the same way — classes in words, rules by their 名称, a CSV of the households that change.
"""

from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from alerts.proposal import Preview, Proposal, adopt
from households.models import Place, PlaceLevel
from monitor.parameters import DEFAULTS
from monitor.periods import parse_day
from monitor.policy_changes import line_value, setting_value
from monitor.roles import Refused
from monitor.rules import rule_name
from monitor.tabular import write_table

from .dashboard import dashboard_forget

CLASSES = ["临界", "巩固", "稳定", ""]  # the order a county reads them in (§6)
UNCLASSIFIED = "未分类"  # a household without a check has no class
CSV_COLUMNS = ["户编号", "村代码", "现分类", "新分类", "新增预警", "不再触发"]
NAMES_JOINED = "、"
# The thresholds the rules, the classes and the key groups compare with (§3, §5, §6): the
# ones a preview can show the effect of; deadlines and the like change no class or alert.
PREVIEWED = ["near_line_factor", "income_drop_share", "medical_burden_share", "school_age_from",
             "school_age_to", "borderline_income_factor", "borderline_transfer_share",
             "consolidated_income_factor", "consolidated_spending_share",
             "key_group_income_factor"]


def class_label(household_class: str) -> str:
    return household_class or UNCLASSIFIED


def names(codes) -> str:
    """Rules by their 名称, as a person reads a list of them."""
    return NAMES_JOINED.join(rule_name(code) for code in codes)


# ── Reading a proposal ────────────────────────────────────────────────────────────────

def proposal_read(*, place, effective_from, line=None, settings=None,
                  counties=None) -> Proposal:
    """A proposal from what was typed: a county's code, a date (text or a date), a line
    (empty: unchanged) and thresholds {name: value}; refused, in words saying which, for
    an unknown county, threshold or value. `counties` narrows the counties a user may
    name (their scope); one outside it is as unknown as one that does not exist."""
    code = str(place or "").strip()
    county = (counties if counties is not None else Place.objects).filter(
        code=code, level=PlaceLevel.COUNTY).first()
    if county is None:
        raise Refused(f"未找到区县“{code}”：请填写 6 位区县代码" if code else "请填写区县代码")
    day = effective_from if not isinstance(effective_from, str) else parse_day(effective_from)
    if day is None:
        raise Refused(f"生效日期“{effective_from or ''}”无效，应为 YYYY-MM-DD")
    unknown = [key for key in settings or {} if key not in DEFAULTS]
    if unknown:
        raise Refused(f"未知参数“{unknown[0]}”；可调整的参数：{'、'.join(DEFAULTS)}")
    values = {key: setting_value(key, value) for key, value in (settings or {}).items()}
    amount = line_value(line) if str(line if line is not None else "").strip() else None
    if amount is None and not values:
        raise Refused("请至少填写一项拟调整的内容：新监测线或某项阈值")
    return Proposal(county=county, effective_from=day, line=amount, settings=values)


def assignments(pairs: list[str]) -> dict[str, str]:
    """`--set NAME=VALUE` pairs as {name: value}; a pair without '=' is refused."""
    values = {}
    for pair in pairs or []:
        name, sign, value = pair.partition("=")
        if not sign:
            raise Refused(f"“{pair}”应写作 参数名=取值，例如 near_line_factor=1.6")
        values[name.strip()] = value.strip()
    return values


def threshold_help() -> str:
    """The thresholds a proposal may set, by name with what each means."""
    return "；".join(f"{key}（{label}，默认 {default.normalize():f}）"
                    for key, (default, label) in DEFAULTS.items())


# ── Presenting a preview ──────────────────────────────────────────────────────────────

def csv_write(preview: Preview, path) -> int:
    """The households that change, one row each (UTF-8 with BOM, through the project's
    one CSV writer); returns the rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_table(path, CSV_COLUMNS, (
        [h.number, h.village_code, class_label(h.class_now), class_label(h.class_then),
         names(h.raised), names(h.cleared)] for h in preview.households))


def class_totals(preview: Preview) -> dict[str, tuple[int, int]]:
    """The county's households in each class, now and under the proposal."""
    totals = {cls: [0, 0] for cls in CLASSES}
    for classes in preview.by_town.values():
        for cls, (now, then) in classes.items():
            totals.setdefault(cls, [0, 0])
            totals[cls][0] += now
            totals[cls][1] += then
    return {cls: tuple(counts) for cls, counts in totals.items() if cls or any(counts)}


def summary_lines(preview: Preview) -> list[str]:
    """What the commands print: households by class now and under the proposal, the
    alerts raised and cleared by rule, and how many households change."""
    p = preview.proposal
    asked = [f"监测线 {p.line.normalize():f} 元/人·年"] if p.line is not None else []
    asked += [f"{DEFAULTS[key][1]} {value.normalize():f}" for key, value in p.settings.items()]
    lines = [f"{p.county.name}（{p.county.code}），{p.effective_from} 起：{'；'.join(asked)}",
             "分类　　现在　调整后　变化"]
    for cls, (now, then) in class_totals(preview).items():
        lines.append(f"{class_label(cls)}　{now:>6} {then:>6} {then - now:>+6}")
    lines.append("新增预警：" + rule_counts(preview.raised))
    lines.append("不再触发：" + rule_counts(preview.cleared))
    lines.append(f"分类或预警有变化的农户：{len(preview.households)} 户")
    return lines


def rule_counts(counts: dict[str, int]) -> str:
    return "，".join(f"{rule_name(code)} {n} 户" for code, n in counts.items()) or "无"


def preview_json(preview: Preview) -> dict:
    """The preview as JSON: for the API and for the page's background job. Rules by code
    and 名称, classes as words, amounts as text."""
    p = preview.proposal
    return {
        "place": {"code": p.county.code, "name": p.county.name},
        "effective_from": p.effective_from.isoformat(),
        "line": None if p.line is None else f"{p.line:f}",
        "settings": {key: f"{value:f}" for key, value in p.settings.items()},
        "by_town": [{"code": town, "classes": [
            {"class": class_label(cls), "now": now, "then": then}
            for cls, (now, then) in sorted(classes.items(), key=class_order)]}
            for town, classes in preview.by_town.items()],
        "raised": [{"rule": code, "name": rule_name(code), "households": n}
                   for code, n in preview.raised.items()],
        "cleared": [{"rule": code, "name": rule_name(code), "households": n}
                    for code, n in preview.cleared.items()],
        "households": [{
            "id": h.household_id, "number": h.number, "village": h.village_code,
            "town": h.town_code, "class_now": class_label(h.class_now),
            "class_then": class_label(h.class_then),
            "raised": [{"rule": code, "name": rule_name(code)} for code in h.raised],
            "cleared": [{"rule": code, "name": rule_name(code)} for code in h.cleared]}
            for h in preview.households],
    }


def class_order(item) -> int:
    cls = item[0]
    return CLASSES.index(cls) if cls in CLASSES else len(CLASSES)


def proposal_json(proposal: Proposal) -> dict:
    """What a background job keeps of a proposal, to read it back (`proposal_read`)."""
    return {"place": proposal.county.code, "effective_from": proposal.effective_from.isoformat(),
            "line": None if proposal.line is None else f"{proposal.line:f}",
            "settings": {key: f"{value:f}" for key, value in proposal.settings.items()}}


def decimal_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


# ── Adopting, and the page's background work ──────────────────────────────────────────

def adoption_run(proposal: Proposal, *, actor, reason: str) -> Preview:
    """Adopt the proposal (alerts/proposal.py `adopt`) and have the county's dashboards
    counted afresh, so its pages are right the moment this returns. The one way the
    page, the API and the command adopt."""
    result = adopt(proposal, actor=actor, reason=reason)
    dashboard_forget(proposal.county, timezone.localdate())
    return result
