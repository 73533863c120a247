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
import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from alerts.engine import save_alerts
from alerts.findings import Move
from alerts.models import Alert, MeasureState, Source, State
from alerts.services import deadlines
from households.idnumber import parse_id_number
from households.models import Check, ComparisonKind, DepartmentComparison, Household, Member, Place
from monitor.audit import audit_record, command_note
from monitor.bulk import bulk_insert, bulk_set
from monitor.choices import UNSAFE_HOUSING, Health, HousingGrade, Schooling
from monitor.models import AuditAction
from monitor.periods import age_on
from monitor.policy import Policy
from monitor.roles import Role
from monitor.rules import RULES_BY_CODE
from monitor.tabular import UnreadableFile, decode

ONLY_IN_LIST = "名单有登记无"
ONLY_IN_REGISTRY = "登记有名单无"
DISAGREE = "不一致"
REPORT_COLUMNS = ["身份证号", "姓名", "户编号", "结果", "字段", "登记值", "名单值"]
SAFE_HOUSING = (HousingGrade.RELOCATED, HousingGrade.RENOVATED)
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
PROBLEMS_KEPT = 200
COMPARERS = (Role.COUNTY, Role.ADMIN)


class ComparisonRefused(Exception):
    """The list cannot be compared at all; the message says why, in Chinese."""


@dataclass(frozen=True)
class Person:
    """Someone of the registry as one list sees them."""

    id_number: str
    name: str
    household_id: int
    number: str  # 户编号
    value: str  # the registry's value of the list's column
    birth_date: date | None = None
    expected: bool = False  # the list should contain them (for 登记有名单无)


@dataclass(frozen=True)
class KindSpec:
    column: str
    allowed: tuple[str, ...] | None  # None: any text
    by_household: bool  # 登记有名单无 judged per household, not per person
    department: str


KINDS = {
    ComparisonKind.INSURED: KindSpec("参保状态", ("已参保", "未参保"), False, "医保部门"),
    ComparisonKind.PUPILS: KindSpec(
        "在校情况", (Schooling.IN_SCHOOL, Schooling.DROPPED_OUT, Schooling.TAUGHT_AT_HOME),
        False, "教育部门"),
    ComparisonKind.HOUSES: KindSpec("住房安全", ("A", "B", "C", "D"), True, "住建部门"),
    ComparisonKind.ALLOWANCE: KindSpec("低保类别", None, True, "民政部门"),
    ComparisonKind.DISABILITY: KindSpec("残疾等级", DISABILITY_GRADES, False, "残联"),
}


# ── Reading the list ──────────────────────────────────────────────────────────────────

@dataclass
class DepartmentList:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as Excel shows it, cells)


def read_list(path: Path) -> DepartmentList:
    """The list's header and rows: CSV (UTF-8, BOM or not, or GB18030) or .xlsx (the
    first sheet), every cell as text."""
    path = Path(path)
    if not path.exists():
        raise UnreadableFile(f"找不到文件：{path}")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        table = _xlsx_table(path)
    elif path.suffix.lower() in (".csv", ".txt"):
        table = list(csv.reader(io.StringIO(decode(path.read_bytes()))))
    else:
        raise UnreadableFile(f"不支持的文件类型 {path.suffix or '（无扩展名）'}："
                             "请提供 CSV 或 .xlsx 文件")
    numbered = [(n, [c.strip() for c in row]) for n, row in enumerate(table, 1) if any(row)]
    if not numbered:
        raise UnreadableFile(f"文件 {path.name} 是空的")
    return DepartmentList(numbered[0][1], numbered[1:])


def _xlsx_table(path: Path) -> list[list[str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    from survey.reading import cell_text

    try:
        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise UnreadableFile(f"无法读取 Excel 文件 {path.name}：{exc}") from exc
    return [[cell_text(cell) for cell in row] for row in rows]


def columns_of(header: list[str], spec: KindSpec) -> dict[str, int]:
    """Where 身份证号, 姓名 and the kind's column are; a missing required one refuses."""
    where = {name: header.index(name) for name in ("身份证号", "姓名", spec.column)
             if name in header}
    missing = [name for name in ("身份证号", spec.column) if name not in where]
    if missing:
        raise ComparisonRefused(f"名单缺少必需的列：{'、'.join(missing)}"
                                f"（表头为：{'、'.join(header)}）")
    return where


# ── The registry, as each list sees it ────────────────────────────────────────────────

def _members(households, *fields):
    return Member.objects.filter(household__in=households).values_list(
        "id_number", "name", "household_id", "household__number", *fields).iterator(
        chunk_size=5000)


def registry_insured(households, on: date, policy: Policy) -> dict[str, Person]:
    return {i: Person(i, n, h, num, "已参保" if insured else "未参保", expected=True)
            for i, n, h, num, insured in _members(households, "insured")}


def registry_pupils(households, on: date, policy: Policy) -> dict[str, Person]:
    t = policy.thresholds("50", on)
    low, high = int(t.school_age_from), int(t.school_age_to)
    people = {}
    for i, n, h, num, schooling, born in _members(households, "schooling", "birth_date"):
        people[i] = Person(i, n, h, num, schooling, born,
                           expected=low <= age_on(born, on) <= high)
    return people


def registry_disability(households, on: date, policy: Policy) -> dict[str, Person]:
    return {i: Person(i, n, h, num, grade if health == Health.DISABLED else health,
                      expected=health == Health.DISABLED)
            for i, n, h, num, health, grade in _members(households, "health",
                                                        "disability_grade")}


def registry_allowance(households, on: date, policy: Policy) -> dict[str, Person]:
    """Every member; the heads of households whose plan carries out 低保 are expected."""
    from alerts.models import Measure

    on_allowance = set(Measure.objects.filter(
        plan__household__in=households, name="低保", state=MeasureState.DONE,
    ).values_list("plan__household_id", flat=True))
    return {i: Person(i, n, h, num, "一户一策：低保已落实" if h in on_allowance else "",
                      expected=h in on_allowance and relation == "户主")
            for i, n, h, num, relation in _members(households, "relation")}


def registry_houses(households, on: date, policy: Policy) -> dict[str, Person]:
    """Each household under its head's ID number (and, so a list that names another
    member still finds the house, under its members' too), with its newest check's
    housing grade."""
    newest = Check.objects.filter(household=OuterRef("pk")).order_by("-visit_date", "-id")
    houses = {}
    for hid, num, head, head_id, grade in households.annotate(
            grade=Subquery(newest.values("housing")[:1])).values_list(
            "id", "number", "head_name", "head_id_number", "grade").iterator(chunk_size=5000):
        houses[hid] = Person(head_id, head, hid, num, grade or "",
                             expected=grade in UNSAFE_HOUSING)
    people = {}
    for i, n, h, num, relation in _members(households, "relation"):
        house = houses[h]
        if relation == "户主" and not house.id_number:
            houses[h] = house = Person(i, n, h, num, house.value, expected=house.expected)
        if i != house.id_number:
            people[i] = Person(i, n, h, num, house.value)  # found, never "expected"
    people.update({p.id_number: p for p in houses.values() if p.id_number})
    return people


REGISTRY: dict[str, Callable[..., dict[str, Person]]] = {
    ComparisonKind.INSURED: registry_insured,
    ComparisonKind.PUPILS: registry_pupils,
    ComparisonKind.HOUSES: registry_houses,
    ComparisonKind.ALLOWANCE: registry_allowance,
    ComparisonKind.DISABILITY: registry_disability,
}


# ── Matching ──────────────────────────────────────────────────────────────────────────

@dataclass
class Matched:
    """What matching a list found: the report rows, the counts, the unreadable rows and
    the risks to raise as (household, rule) → the persons behind it."""

    report: list[list[str]] = field(default_factory=list)
    matched: int = 0
    only_in_list: int = 0
    only_in_registry: int = 0
    disagreeing: int = 0
    problems: list[str] = field(default_factory=list)
    hits: dict[tuple[int, str], list[dict]] = field(default_factory=dict)

    def add(self, person_id: str, name: str, number: str, result: str, column: str = "",
            registry: str = "", listed: str = "") -> None:
        self.report.append([person_id, name, number, result, column, registry, listed])
        if result == ONLY_IN_LIST:
            self.only_in_list += 1
        elif result == ONLY_IN_REGISTRY:
            self.only_in_registry += 1
        else:
            self.disagreeing += 1


@dataclass(frozen=True)
class Context:
    kind: str
    spec: KindSpec
    on: date
    school_ages: tuple[int, int]


# Each returns the fields on which the list and the registry disagree for one person, as
# (字段, 登记值, 名单值), and the rule the disagreement means when it means risk ("" if not).

def insured_differs(ctx: Context, person: Person, listed: str) -> tuple[list[tuple], str]:
    if person.value == listed:
        return [], ""
    return [(ctx.spec.column, person.value, listed)], "UNINSURED" if listed == "未参保" else ""


def pupil_differs(ctx: Context, person: Person, listed: str) -> tuple[list[tuple], str]:
    if person.value == listed:
        return [], ""
    low, high = ctx.school_ages
    child = person.birth_date is not None and low <= age_on(person.birth_date, ctx.on) <= high
    risky = listed == Schooling.DROPPED_OUT and child
    return [(ctx.spec.column, person.value, listed)], "DROPOUT" if risky else ""


def house_differs(ctx: Context, person: Person, listed: str) -> tuple[list[tuple], str]:
    """已搬迁 and 已改造 are safe houses: they agree with A and B."""
    registered = person.value
    if registered == listed or (registered in SAFE_HOUSING and listed in ("A", "B")):
        return [], ""
    risky = listed in UNSAFE_HOUSING and registered not in UNSAFE_HOUSING
    return [(ctx.spec.column, registered or "（无排查记录）", listed)], "HOUSING" if risky else ""


def allowance_differs(ctx: Context, person: Person, listed: str) -> tuple[list[tuple], str]:
    return [], ""  # being on the list is what counts


def disability_differs(ctx: Context, person: Person, listed: str) -> tuple[list[tuple], str]:
    if not person.expected:
        return [("健康状况", person.value, f"残疾（{listed}）")], ""
    if person.value and person.value != listed:
        return [(ctx.spec.column, person.value, listed)], ""
    return [], ""


DIFFERS = {
    ComparisonKind.INSURED: insured_differs,
    ComparisonKind.PUPILS: pupil_differs,
    ComparisonKind.HOUSES: house_differs,
    ComparisonKind.ALLOWANCE: allowance_differs,
    ComparisonKind.DISABILITY: disability_differs,
}


def row_problem(spec: KindSpec, id_number: str, listed: str, registered: bool) -> str:
    """Why a row cannot be compared, or "" when it can."""
    if not id_number:
        return "身份证号为空"
    if spec.allowed is not None and listed not in spec.allowed:
        return f"{spec.column}“{listed}”应为以下之一：{'、'.join(spec.allowed)}"
    if not registered:
        try:
            parse_id_number(id_number)
        except ValidationError as exc:
            return exc.messages[0]
    return ""


def match_list(ctx: Context, rows: DepartmentList, registry: dict[str, Person]) -> Matched:
    """Match every row of the list against the registry by ID number, then report those
    the registry expected on the list and did not find."""
    where, found = columns_of(rows.header, ctx.spec), Matched()
    first_row: dict[str, int] = {}
    seen_households: set[int] = set()

    def cell(cells: list[str], name: str) -> str:
        at = where.get(name)
        return cells[at] if at is not None and at < len(cells) else ""

    for number, cells in rows.rows:
        id_number, name = cell(cells, "身份证号").upper(), cell(cells, "姓名")
        listed, person = cell(cells, ctx.spec.column), registry.get(id_number)
        problem = row_problem(ctx.spec, id_number, listed, person is not None)
        if not problem and id_number in first_row:
            problem = f"身份证号 {id_number} 与第{first_row[id_number]}行重复"
        if problem:
            found.problems.append(f"第{number}行：{problem}")
            continue
        first_row[id_number] = number
        if person is None:
            found.add(id_number, name, "", ONLY_IN_LIST, ctx.spec.column, "", listed)
            continue
        seen_households.add(person.household_id)
        compare_person(ctx, found, person, name, listed)
    report_missing(ctx, found, registry, set(first_row), seen_households)
    return found


def compare_person(ctx: Context, found: Matched, person: Person, name: str,
                   listed: str) -> None:
    fields, rule = DIFFERS[ctx.kind](ctx, person, listed)
    if name and name != person.name:
        fields.append(("姓名", person.name, name))
    for column, registered, value in fields:
        found.add(person.id_number, person.name, person.number, DISAGREE, column, registered,
                  value)
    if not fields:
        found.matched += 1
    if rule:
        found.hits.setdefault((person.household_id, rule), []).append({
            "姓名": person.name, "身份证号": person.id_number,
            "登记值": fields[0][1], "名单值": listed})


def report_missing(ctx: Context, found: Matched, registry: dict[str, Person],
                   seen_ids: set[str], seen_households: set[int]) -> None:
    """登记有名单无: whom the list should contain (see the module's docstring) and does not;
    by household for houses and allowance, by person otherwise."""
    missing = [p for p in registry.values() if p.expected and (
        p.household_id not in seen_households if ctx.spec.by_household
        else p.id_number not in seen_ids)]
    for p in sorted(missing, key=lambda p: (p.number, p.id_number)):
        registered = p.value
        if ctx.kind == ComparisonKind.DISABILITY:
            registered = f"残疾（{p.value}）" if p.value else "残疾（等级未填）"
        found.add(p.id_number, p.name, p.number, ONLY_IN_REGISTRY, ctx.spec.column,
                  registered, "")


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


def attach_finding(alert: Alert, evidence: dict, on: date, actor) -> Move:
    """An open alert of the rule takes the department's finding (never a second alert):
    its evidence gains the list's values, last seen moves to the comparison date, and an
    alert ready to close whose clearing check is not newer than the list returns to the
    state it left, as a check's finding would return it."""
    if alert.source == Source.DEPARTMENT:
        alert.evidence = evidence
    else:
        values = {**alert.evidence.get("values", {}), "部门名单": evidence["text"]}
        alert.evidence = {**alert.evidence, "values": values, "department": evidence}
    alert.last_seen_on = max(alert.last_seen_on, on)
    note = f"部门比对再次发现：{evidence['text']}"
    cleared_on = alert.cleared_by.visit_date if alert.cleared_by_id else None
    if alert.state == State.READY_TO_CLOSE and (cleared_on is None or on >= cleared_on):
        back = alert.state_before_ready or State.RAISED
        move = Move(alert, alert.state, back, note, actor_id=_actor_id(actor))
        alert.state, alert.state_before_ready = back, ""
        alert.cleared_by, alert.cleared_evidence = None, {}
        return move
    return Move(alert, alert.state, alert.state, note, actor_id=_actor_id(actor))


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None else None  # a command acts for no one


def new_alert(household: Household, rule_code: str, evidence: dict, on: date, today: date,
              policy: Policy, actor) -> tuple[Alert, Move]:
    rule = RULES_BY_CODE[rule_code]
    t = policy.thresholds(household.village_id[:2], today)
    alert = Alert(household=household, rule=rule.code, risk_type=rule.risk_type,
                  severity=rule.severity, channel=rule.channel, source=Source.DEPARTMENT,
                  state=State.RAISED, raised_on=on, last_seen_on=on, evidence=evidence,
                  **deadlines(rule.severity, today, t))
    return alert, Move(alert, "", State.RAISED, evidence["text"], actor_id=_actor_id(actor))


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
        else:
            move = attach_finding(alert, evidence, ctx.on, actor)
            changed.append(alert)
        moves.append(move)
        if move.from_state != move.to_state:
            touched.add(household_id)
    save_alerts(new, changed, moves)
    return len(new), len(changed), touched


def chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def refresh_statuses(household_ids) -> None:
    """Re-derive class and key group of households whose open alerts changed without a
    check (as alerts.engine.refresh_status does for one household), a batch at a time."""
    from collections import defaultdict

    from alerts.engine import status_changes, thresholds_for
    from households.models import StatusChange
    from monitor.rules import fired_rules

    policy = Policy()
    for chunk in chunks(sorted(household_ids)):
        households = Household.objects.in_bulk(chunk)
        checks, open_alerts = defaultdict(list), defaultdict(list)
        for check in Check.objects.filter(household_id__in=chunk).in_visit_order():
            checks[check.household_id].append(check)
        for household_id, rule, severity in Alert.objects.open().filter(
                household_id__in=chunk).values_list("household_id", "rule", "severity"):
            open_alerts[household_id].append((rule, severity))
        changes, moved = [], []
        for household_id, household in households.items():
            history = checks[household_id]
            newest = history[-1] if history else None
            previous = history[-2] if len(history) > 1 else None
            fired = fired_rules(newest, previous, thresholds_for(policy, household, newest)) \
                if newest else {}
            found = status_changes(household, newest, fired, open_alerts[household_id], policy)
            if found:
                changes += found
                household.updated_at = timezone.now()
                moved.append(household)
        bulk_insert(StatusChange, changes)
        bulk_set(Household, moved, ["household_class", "key_group", "updated_at"])


# ── The comparison, kept ──────────────────────────────────────────────────────────────

def comparisons_visible_to(user):
    """Comparisons of the user's place and below (administrators: all, including those
    of the whole registry run from the command line)."""
    from monitor.scope import sees_everything

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
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows(rows)
    return relative


def scope_households(actor, place):


    households = (Household.objects.visible_to(actor) if actor is not None
                  else Household.objects.all())
    return households.in_place(place.code) if place is not None else households


def may_compare(actor) -> None:
    if actor is not None and not actor.is_superuser and actor.role not in COMPARERS:
        raise ComparisonRefused(f"{Role(actor.role).label}不能进行部门数据比对："
                                "须由区县监管人员或管理员办理")


@transaction.atomic
def comparison_run(*, kind: str, path: Path, actor, place=None, file_name: str = "",
                   on: date | None = None) -> DepartmentComparison:
    """Compare one department list with the registry of the households in the actor's
    scope (the command, with no actor: the whole registry, or `place`), raise the alerts
    its risks mean, and keep the comparison with its report."""
    started = time.perf_counter()
    may_compare(actor)
    if kind not in KINDS:
        raise ComparisonRefused(f"未知的名单类型“{kind}”，可选：{'、'.join(KINDS)}")
    place = place if place is not None else getattr(actor, "place", None)
    on, policy = on or timezone.localdate(), Policy()
    try:
        rows = read_list(path)
    except UnreadableFile as exc:
        raise ComparisonRefused(str(exc)) from exc
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
