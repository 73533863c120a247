"""Department data comparison (部门数据比对, domain.md §9; `compare_department` in
interfaces.md).

A department hands over a list keyed by 身份证号. It is matched against the registry of the
households in scope, person by person, and every difference becomes a report row:

- 名单有登记无: the list has the person, the registry (in scope) does not. A person
  registered outside the comparer's place is answered like one not registered at all.
- 登记有名单无: the registry has someone the list should contain and does not. What
  "should contain" means depends on the list:
    insured     every registry member (everyone should be insured);
    pupils      members of compulsory-school age (policy school_age_from–to) on the
                comparison date;
    houses      households whose newest check grades the house C or D (a housing
                department's list must carry every unsafe house), judged by household;
    allowance   households whose plan (一户一策) has a 低保 measure carried out, judged by
                household (the registry records 低保 nowhere else); reported on the head;
    disability  members whose health is 残疾.
- 不一致: both have the person and a field disagrees: the list's column (参保状态,
  在校情况, 住房安全 against the newest check, 残疾等级 — a blank registry grade is not a
  disagreement, as the survey workbook has no grade column), or 姓名. One row per field.

Persons in both with nothing disagreeing are counted as 一致 and not reported. Rows that
cannot be compared (no or an invalid ID number, a value outside the column's words, an ID
twice) are counted as 名单错误 with their row numbers, not reported as a result.

A disagreement that means risk raises an alert of that rule with source 部门, deduplicated
like every alert (one open alert per household and rule; an open one gets the department's
finding added to its evidence instead):
    insured  the list says 未参保, the registry 已参保 → UNINSURED;
    pupils   the list says 失学辍学 for a child aged 6–15 on the comparison date, the
             registry does not → DROPOUT;
    houses   the list grades the house C or D, the newest check does not → HOUSING.

The comparison is set-based: the registry is loaded once into dicts, the list is matched
by dict lookups, and alerts and their moves are written in bulk — a county's 80,000-row
list takes seconds, not 80,000 round trips.
"""
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts.engine import refresh_statuses
from alerts.models import Alert, Source
from alerts.raising import Move, alert_raise, department_attach, of_rule, save_alerts
from households.models import Household, Place
from monitor.audit import audit_record, command_note
from monitor.models import AuditAction
from monitor.policy import Policy
from monitor.roles import COMPARE_LISTS, Refused, require
from monitor.rules import RULES_BY_CODE
from monitor.scope import sees_everything
from monitor.tabular import CsvWriter, UnreadableFile

from .matching import KINDS, REGISTRY, Context, columns_of, match_list, read_list
from .models import DepartmentComparison

REPORT_COLUMNS = ["身份证号", "姓名", "户编号", "结果", "字段", "登记值", "名单值"]
PROBLEMS_KEPT = 200


# ── Alerts from the list's risks (§7: source 部门, deduplicated) ──────────────────────

RISK_THRESHOLD = {
    "UNINSURED": lambda ctx: {"名单参保状态": "未参保"},
    "DROPOUT": lambda ctx: {"义务教育年龄": f"{ctx.school_ages[0]}–{ctx.school_ages[1]}岁"},
    "HOUSING": lambda ctx: {"危房等级": "C、D"},
}


def department_evidence(ctx: Context, comparison: DepartmentComparison, rule: str,
                        persons: list[dict]) -> dict:
    """Which list, which field, the registry's value against the list's, per person."""
    who = "、".join(f"{p['姓名']} {p['名单值']}（登记为 {p['登记值']}）" for p in persons)
    source = f"{ctx.spec.department}名单（{comparison.file_name}，{ctx.on.isoformat()}）"
    return {
        "text": f"{source}：{ctx.spec.column} {who}",
        "values": {
            "部门名单": source, "字段": ctx.spec.column,
            "登记值": [f"{p['姓名']}：{p['登记值']}" for p in persons],
            "名单值": [f"{p['姓名']}：{p['名单值']}" for p in persons],
        },
        "threshold": RISK_THRESHOLD[rule](ctx),
        "comparison": comparison.pk,
    }


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None else None  # a command acts for no one


def new_alert(household: Household, rule_code: str, evidence: dict, on: date, today: date,
              policy: Policy, actor) -> tuple[Alert, Move]:
    """An alert of the list's risk, found on the list's date; its deadlines run from
    today, the day the system learns of it."""
    return alert_raise(household_id=household.id, **of_rule(RULES_BY_CODE[rule_code]),
                       source=Source.DEPARTMENT, found_on=on, evidence=evidence,
                       t=policy.thresholds(household.village_id[:2], today),
                       counted_from=today, actor_id=_actor_id(actor))


def raise_alerts(ctx: Context, comparison: DepartmentComparison, hits: dict, actor,
                 policy: Policy) -> tuple[int, int, set[int]]:
    """Raise or attach one alert per (household, rule) of the list's risks, in bulk.
    Returns (raised, updated, households whose open alerts changed)."""
    if not hits:
        return 0, 0, set()
    ids = sorted({household_id for household_id, _ in hits})
    households = {}
    for chunk in chunks(ids):
        households.update(Household.objects.select_for_update().in_bulk(chunk))
    open_alerts = {}
    for chunk in chunks(ids):
        for alert in Alert.objects.open().filter(household_id__in=chunk, rule__in=RISK_THRESHOLD
                                                 ).select_related("cleared_by"):
            open_alerts[alert.household_id, alert.rule] = alert
    today, new, changed, moves, touched = timezone.localdate(), [], [], [], set()
    for (household_id, rule), persons in hits.items():
        evidence = department_evidence(ctx, comparison, rule, persons)
        alert = open_alerts.get((household_id, rule))
        if alert is None:
            alert, move = new_alert(households[household_id], rule, evidence, ctx.on, today,
                                    policy, actor)
            new.append(alert)
            found = [move]
        else:
            found = department_attach(alert, evidence=evidence, on=ctx.on,
                                      actor_id=_actor_id(actor))
            changed.append(alert)
        moves += found
        if any(move.from_state != move.to_state for move in found):
            touched.add(household_id)
    save_alerts(new, changed, moves)
    return len(new), len(changed), touched


def chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# ── The comparison, kept ──────────────────────────────────────────────────────────────

def comparisons_visible_to(user):
    """Comparisons of the user's place and below (administrators: all, including those
    of the whole registry run from the command line)."""
    comparisons = DepartmentComparison.objects.select_related("created_by", "place")
    if sees_everything(user):
        return comparisons
    return comparisons.filter(place__in=Place.objects.visible_to(user))


def report_path(comparison: DepartmentComparison) -> Path:
    return Path(settings.MEDIA_ROOT) / comparison.report


def write_report(comparison: DepartmentComparison, rows: list[list[str]]) -> str:
    """The report as CSV (UTF-8 with BOM, so Excel opens it) under MEDIA_ROOT; returns
    its path relative to MEDIA_ROOT."""
    relative = f"comparisons/{comparison.pk}-{comparison.kind}.csv"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = CsvWriter(handle)  # a list's 姓名 typed as =HYPERLINK(…) stays text
        writer.writerow(REPORT_COLUMNS)
        writer.writerows(rows)
    return relative


def scope_households(actor, place):
    """The households the actor may compare (the command, with no actor: all), within
    `place` if given."""
    households = (Household.objects.visible_to(actor) if actor is not None
                  else Household.objects.all())
    return households.in_place(place.code) if place is not None else households


def may_compare(actor) -> None:
    if actor is not None:  # a command (no actor) may compare
        require(actor, COMPARE_LISTS)


@transaction.atomic
def comparison_run(*, kind: str, path: Path, actor, place=None, file_name: str = "",
                   on: date | None = None) -> DepartmentComparison:
    """Compare one department list with the registry of the households in the actor's
    scope (the command, with no actor: the whole registry, or `place`), raise the alerts
    its risks mean, and keep the comparison with its report."""
    started = time.perf_counter()
    may_compare(actor)
    if kind not in KINDS:
        raise Refused(f"未知的名单类型“{kind}”，可选：{'、'.join(KINDS)}")
    place = place if place is not None else getattr(actor, "place", None)
    on, policy = on or timezone.localdate(), Policy()
    try:
        rows = read_list(path)
    except UnreadableFile as exc:
        raise Refused(str(exc)) from exc
    ctx = Context(kind, KINDS[kind], on, (int(policy.value("school_age_from", on)),
                                          int(policy.value("school_age_to", on))))
    columns_of(rows.header, ctx.spec)
    found = match_list(ctx, rows, REGISTRY[kind](scope_households(actor, place), on, policy))
    comparison = DepartmentComparison.objects.create(
        kind=kind, place=place, file_name=file_name or Path(path).name, compared_on=on,
        rows=len(rows.rows), matched=found.matched, only_in_list=found.only_in_list,
        only_in_registry=found.only_in_registry, disagreeing=found.disagreeing,
        invalid=len(found.problems), problems=found.problems[:PROBLEMS_KEPT],
        created_by=actor)
    raised, updated, touched = raise_alerts(ctx, comparison, found.hits, actor, policy)
    refresh_statuses(touched)
    comparison.alerts_raised, comparison.alerts_updated = raised, updated
    comparison.report = write_report(comparison, found.report)
    comparison.seconds = Decimal(f"{time.perf_counter() - started:.2f}")
    comparison.save(update_fields=["alerts_raised", "alerts_updated", "report", "seconds"])
    audit_record(actor=actor, action=AuditAction.IMPORTED, obj=comparison,
                 label=f"{comparison.get_kind_display()} {comparison.file_name}",
                 note="；".join(filter(None, [
                     f"名单 {comparison.rows} 行，一致 {comparison.matched}，名单有登记无 "
                     f"{comparison.only_in_list}，登记有名单无 {comparison.only_in_registry}，"
                     f"不一致 {comparison.disagreeing}，新发预警 {raised}，更新预警 {updated}",
                     f"范围：{place}" if place is not None else "范围：全部登记",
                     command_note() if actor is None else ""])))
    return comparison
