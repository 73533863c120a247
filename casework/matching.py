"""Reading a department's list and matching it against the registry, person by person:
the report rows, the counts, the unreadable rows and the risks a comparison raises
(comparison.py runs it, says what each result means, and raises the alerts)."""
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery

from alerts.models import Measure, MeasureState
from households.idnumber import parse_id_number
from households.models import Check, Member
from monitor.choices import UNSAFE_HOUSING, Health, HousingGrade, Schooling
from monitor.periods import age_on
from monitor.policy import Policy
from monitor.roles import Refused
from monitor.tabular import UnreadableFile, decode
from monitor.xlsx_reading import sheet_rows

from .models import ComparisonKind

ONLY_IN_LIST = "名单有登记无"
ONLY_IN_REGISTRY = "登记有名单无"
DISAGREE = "不一致"
SAFE_HOUSING = (HousingGrade.RELOCATED, HousingGrade.RENOVATED)
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")


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
    """The first sheet's rows, read where a file that lies about its size cannot abort
    the web worker (monitor/xlsx_reading.py)."""
    return list(sheet_rows(path, 0))


def columns_of(header: list[str], spec: KindSpec) -> dict[str, int]:
    """Where 身份证号, 姓名 and the kind's column are; a missing required one refuses."""
    where = {name: header.index(name) for name in ("身份证号", "姓名", spec.column)
             if name in header}
    missing = [name for name in ("身份证号", spec.column) if name not in where]
    if missing:
        raise Refused(f"名单缺少必需的列：{'、'.join(missing)}"
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
