"""Validating the workbook's rows: each sheet on its own, then across sheets and against
the registry (interfaces.md, domain.md §3–4).

A bad row is not imported: it is reported with sheet, row, column, value and reason, and
the rows that depend on it go with it, each saying why.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from households.models import Household
from monitor.choices import PovertyStatus
from monitor.tabular import UnreadableFile

from . import cells
from .columns import CHECK_FIELDS, LIMITS, MEMBER_FIELDS, OBSERVED, SHEETS, required_columns
from .reading import Sheet, records
from .registry import Registry, Row

REASON = "错误原因"  # the error report's added column, ignored when a report is imported


@dataclass
class Rejected:
    sheet: str
    row: int  # as Excel shows it (header is row 1); 0 for the sheet as a whole
    column: str
    value: str
    reason: str

    def __str__(self):
        where = f"{self.sheet} 第{self.row}行" if self.row else self.sheet
        column = f" {self.column}" if self.column else ""
        value = f"“{quoted(self.value)}”" if self.value else ""
        return f"{where}{column}{value}：{self.reason}"


SHOWN_CHARACTERS = 40


def quoted(value: str) -> str:
    """A value as the terminal shows it: control characters visible, a long one cut."""
    value = cells.CONTROL.sub("�", value)
    if len(value) > SHOWN_CHARACTERS:
        return f"{value[:SHOWN_CHARACTERS]}…（共 {len(value)} 字）"
    return value


@dataclass
class CleanSheet:
    """A sheet's good rows by key, and every rejected cell."""

    name: str
    header: list[str] = field(default_factory=list)
    rows: dict = field(default_factory=dict)  # key → (row number, cleaned values)
    rejected: list[Rejected] = field(default_factory=list)
    rejected_numbers: dict[str, int] = field(default_factory=dict)  # 户编号 → first bad row
    warnings: list[str] = field(default_factory=list)

    def refuse(self, number: int, record: dict, problems: list[tuple[str, str]]) -> None:
        self.rejected += [Rejected(self.name, number, column, record.get(column, ""), reason)
                          for column, reason in problems]
        if record.get("户编号"):
            self.rejected_numbers.setdefault(record["户编号"], number)

    def reject(self, key, column: str, reason: str) -> None:
        """Take out a row that passed its own checks, for a reason found elsewhere."""
        number, cleaned = self.rows.pop(key)
        self.refuse(number, {**cleaned, column: shown(cleaned.get(column))}, [(column, reason)])


@dataclass
class Survey:
    households: CleanSheet
    members: CleanSheet
    checks: CleanSheet

    def sheets(self) -> list[CleanSheet]:
        return [self.households, self.members, self.checks]


def shown(value) -> str:
    """A cleaned value as the officer typed it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


# ── One sheet ────────────────────────────────────────────────────────────────────────

def cleaners(name: str, villages: set[str], today: date) -> dict:
    """The column → cleaner map of a sheet, with today's date and the known villages."""
    special = {
        "village": partial(cells.village_code, villages=villages),
        "id": partial(cells.id_number, today=today),
        "date": partial(cells.visit_date, today=today),
        "year": lambda text: cells.year(text, today) if text else None,
    }
    return {column: special.get(spec, spec) for column, spec in SHEETS[name].items()}


NO_KNOWN_COLUMN = ("；表头中没有任何应有的列：请确认表头在前 10 行内，CSV 文件请另存为 UTF-8 "
                   "或 GB18030 编码")


def header_problems(name: str, header: list[str]) -> tuple[list[str], str, list[str]]:
    """(columns, reason) that refuse the whole sheet, and warnings. A required column
    missing, or a known one twice (which of the two is right?), refuses it; an unknown
    column, even repeated, is ignored with a warning. An empty sheet has none of them."""
    if not header:
        return [], "", []
    known = set(SHEETS[name])
    warnings = [f"{name}：未知列“{c}”已忽略" for c in header if c and c not in known | {REASON}]
    twice = {c: n for c, n in Counter(header).items() if n > 1 and c in known}
    missing = [c for c in required_columns(name) if c not in header]
    if missing:
        reason = f"缺少列：{'、'.join(missing)}（整张表未导入，请补上该列）"
        if not known & set(header):
            reason += NO_KNOWN_COLUMN
        return missing, reason, warnings
    if twice:
        counts = "、".join(f"“{c}”出现 {n} 次" for c, n in twice.items())
        reason = f"列{counts}，无法确定以哪一列为准（整张表未导入，请删去多余的列）"
        return list(twice), reason, warnings
    return [], "", warnings


def household_consistency(cleaned: dict) -> list[tuple[str, str]]:
    """Registration, poverty status and exit year must tell one story."""
    status, registered = cleaned.get("脱贫状态"), cleaned.get("是否建档立卡")
    problems = []
    if status == PovertyStatus.GENERAL and registered:
        problems.append(("脱贫状态", "建档立卡户的脱贫状态应为“未脱贫”或“已脱贫”"))
    if status in (PovertyStatus.NOT_OUT, PovertyStatus.OUT) and registered is False:
        problems.append(("脱贫状态", "未建档立卡的农户脱贫状态应为“一般农户”"))
    if status == PovertyStatus.OUT and not cleaned.get("脱贫年度"):
        problems.append(("脱贫年度", "已脱贫的农户须填脱贫年度"))
    if status != PovertyStatus.OUT and cleaned.get("脱贫年度"):
        problems.append(("脱贫年度", "只有已脱贫的农户填脱贫年度"))
    return problems


ROW_KEYS = {
    "农户": lambda c: c["户编号"],
    "成员": lambda c: c["身份证号"],
    "排查": lambda c: (c["户编号"], c["排查日期"], c["排查类型"]),
}
DUPLICATE = {"农户": ("户编号", "户编号重复"), "成员": ("身份证号", "身份证号在本文件中重复"),
             "排查": ("排查日期", "同一户同一天同一类型的排查重复")}


UNREMEMBERED = {"身份证号", "户主身份证号"}  # each appears once: remembering them saves nothing
REMEMBERED = 5_000  # distinct texts remembered per column (amounts, mostly unique, fill it)
MISSING = object()


@dataclass
class ColumnRule:
    """How one known column of a sheet is cleaned: where it is in the row, its cleaner,
    its length limit, and the cleaned value of each text seen so far. A county file says
    是, 否, 集中排查 or a village code hundreds of thousands of times; each is cleaned
    once (every cleaner gives the same value for the same text), then looked up."""

    column: str
    index: int
    clean: object
    limit: int
    seen: dict
    remember: bool

    def first_time(self, text: str):
        """The cleaned value of a text not seen yet; raises cells.CellError as the
        cleaner does."""
        value = self.clean(cells.fits(text, self.limit))
        if self.remember and len(self.seen) < REMEMBERED:
            self.seen[text] = value
        return value


def column_rules(header: list[str], clean: dict) -> list[ColumnRule]:
    """A rule per known column of the header (the first, when a column is repeated)."""
    first = {}
    for index, column in enumerate(header):
        first.setdefault(column, index)
    return [ColumnRule(column, first[column], cleaner, LIMITS.get(column, cells.EXCEL_CELL_MAX),
                       {}, column not in UNREMEMBERED)
            for column, cleaner in clean.items() if column in first]


def row_type(columns: list[str]) -> type:
    """A sheet's cleaned row: its values in a tuple, read like a dict (row["户编号"],
    "备注" in row, row.get(...), {**row}). A county's 917,000 rows as dicts would take
    about 1 GB; as tuples, about a third of it."""
    index = {column: i for i, column in enumerate(columns)}
    value = tuple.__getitem__

    class CleanRow(tuple):
        __slots__ = ()

        def __getitem__(self, column: str):
            return value(self, index[column])

        def __contains__(self, column) -> bool:
            return column in index

        def get(self, column: str, default=None):
            at = index.get(column)
            return default if at is None else value(self, at)

        def keys(self):
            return index.keys()

        def __repr__(self):
            return repr(dict(zip(columns, tuple.__iter__(self), strict=True)))

    return CleanRow


def record_of(header: list[str], row: list[str]) -> dict[str, str]:
    """One row as {column: text}, as reading.records gives it (for the error report)."""
    [(_, record)] = records(header, [(0, row)])
    return record


def clean_sheet(sheet: Sheet, villages: set[str], today: date) -> CleanSheet:
    """Every row of one sheet cleaned on its own, a rule per column; bad and repeated rows
    rejected. This is the loop a county's 10 million cells go through."""
    header, rows = sheet.open()
    result = CleanSheet(sheet.name, header=header)
    columns, reason, result.warnings = header_problems(sheet.name, header)
    if reason:
        return refuse_sheet(result, records(header, rows), "、".join(columns), reason)
    rules = [(rule.column, rule.index, rule.seen, rule)
             for rule in column_rules(header, cleaners(sheet.name, villages, today))]
    clean_row_type = row_type([column for column, _, _, _ in rules])
    row_key, households = ROW_KEYS[sheet.name], sheet.name == "农户"
    kept, width = result.rows, len(header)
    for number, row in rows:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        values, problems = [], []
        for column, index, seen, rule in rules:
            text = row[index]
            value = seen.get(text, MISSING)
            if value is MISSING:
                try:
                    value = rule.first_time(text)
                except cells.CellError as problem:
                    problems.append((column, str(problem)))
                    continue
            values.append(value)
        if not problems:
            cleaned = clean_row_type(values)
            if households:
                problems = household_consistency(cleaned)
        if not problems:
            key = row_key(cleaned)
            if key not in kept:
                kept[key] = (number, cleaned)
                continue
            column, reason = DUPLICATE[sheet.name]
            problems = [(column, f"{reason}（与第{kept[key][0]}行）")]
        result.refuse(number, record_of(header, row), problems)
    return result


def refuse_sheet(result: CleanSheet, rows, columns: str, reason: str) -> CleanSheet:
    """A header the sheet cannot be read by: every row is refused, naming the columns."""
    for number, record in rows:
        result.refuse(number, record, [(columns, reason)])
    if not result.rejected:
        result.rejected.append(Rejected(result.name, 0, columns, "", reason))
    return result


# ── Across sheets and against the registry ───────────────────────────────────────────

def survey_validate(survey: Survey, registry: Registry, place=None) -> None:
    """The rules that need more than one row, in the order their rejections cascade.
    A workbook without a single row is refused whole (UnreadableFile): it is the wrong
    file, or its data is not where the header says. With a place (a town's or county's
    import from the page), rows of households outside it are refused first."""
    if not any(sheet.rows or sheet.rejected for sheet in survey.sheets()):
        raise UnreadableFile("工作簿中没有数据：农户、成员、排查三张表都只有表头或是空的，"
                             "请确认选对了文件")
    if place is not None:
        reject_outside_place(survey, registry, place)
    reject_unknown_officers(survey, registry)
    reject_heads_registered_elsewhere(survey, registry, place)
    drop_orphans(survey, registry)
    reject_members_registered_elsewhere(survey, registry, place)
    reject_worked_check_changes(survey, registry)
    reject_frozen_member_changes(survey, registry)
    reject_checks_of_rejected_members(survey, registry)
    reject_checks_without_members(survey, registry)


def outside_place(place) -> str:
    return f"不在本人负责的地区范围内（{place.name}）"


def reject_outside_place(survey: Survey, registry: Registry, place) -> None:
    """A town loads only its own villages' rows (domain.md §1: scope holds for imports):
    a household whose village, in this file or in the registry, lies outside the place,
    and the members and checks of such a household, are refused row by row. A household
    of the place may not be moved out of it, nor one from outside moved in."""
    inside = place.code

    def village_of(number: str) -> str | None:
        known = registry.households.get(number)
        return known.village_id if known else None

    file_villages = {number: cleaned["村代码"]
                     for number, (_, cleaned) in survey.households.rows.items()}
    for number, village in file_villages.items():
        registered = village_of(number)
        if not village.startswith(inside):
            survey.households.reject(number, "村代码", outside_place(place))
        elif registered and not registered.startswith(inside):
            survey.households.reject(number, "户编号", outside_place(place))
    for sheet in (survey.members, survey.checks):
        for key, (_, cleaned) in list(sheet.rows.items()):
            number = cleaned["户编号"]
            villages = {file_villages.get(number), village_of(number)} - {None}
            if any(not village.startswith(inside) for village in villages):
                sheet.reject(key, "户编号", outside_place(place))


def reject_unknown_officers(survey: Survey, registry: Registry) -> None:
    """The 信息员 column names a village officer of the household's own village
    (domain.md §2); anyone else is refused with the row."""
    for number, (_, cleaned) in list(survey.households.rows.items()):
        username = cleaned.get("信息员")
        if not username:
            continue
        officer = registry.officers.get(username)
        if officer is None:
            survey.households.reject(number, "信息员",
                                     "没有这个村干部账号（信息员应填村干部的登录用户名）")
        elif officer.place_id != cleaned["村代码"]:
            survey.households.reject(number, "信息员",
                                     "该村干部不在本户所在的村工作，不能担任本户信息员")


ONE_HOUSEHOLD = "一人只能在一户"
NO_MEMBERS = "该户在成员表和系统中都没有成员，无法计算人均纯收入"


def reject_heads_registered_elsewhere(survey: Survey, registry: Registry, place=None) -> None:
    """One person, one household (domain.md §3): a head's ID number must not belong to a
    member of another household, in this file or in the registry."""
    in_file = {id_number: cleaned["户编号"]
               for id_number, (_, cleaned) in survey.members.rows.items()}
    for number, (_, cleaned) in list(survey.households.rows.items()):
        head = cleaned["户主身份证号"]
        registered = registry.members.get(head)
        owners = {in_file.get(head), registered.household__number if registered else None}
        others = sorted(owners - {None, number})
        if others:
            other = (f"农户 {others[0]} " if seen_by_importer(others[0], place)
                     else "本人负责地区以外一户")
            survey.households.reject(number, "户主身份证号",
                                     f"该身份证号已是{other}的成员，{ONE_HOUSEHOLD}")


def drop_orphans(survey: Survey, registry: Registry) -> None:
    """Members and checks need their household: in this file's good rows or the registry."""
    bad = survey.households.rejected_numbers
    for sheet in (survey.members, survey.checks):
        for key, (_, cleaned) in list(sheet.rows.items()):
            number = cleaned["户编号"]
            if number in survey.households.rows or number in registry.households:
                continue
            reason = (f"所属农户（农户表第{bad[number]}行）未能导入，本行一并退回"
                      if number in bad else "户编号在农户表和系统中都不存在")
            sheet.reject(key, "户编号", reason)


def seen_by_importer(number: str, place) -> bool:
    """Whether a refusal may name another household by its 户编号: the command sees
    all, the page's user their place; outside it a household is as one that does not
    exist (domain.md §1), so it goes unnamed."""
    return place is None or Household.objects.filter(
        number=number, village__code__startswith=place.code).exists()


def reject_members_registered_elsewhere(survey: Survey, registry: Registry,
                                        place=None) -> None:
    if not registry.members:
        return  # a new county's file: nobody is registered anywhere yet
    for id_number, (_, cleaned) in list(survey.members.rows.items()):
        known = registry.members.get(id_number)
        if known and known.household__number != cleaned["户编号"]:
            other = known.household__number
            where = (f"其他农户（户编号 {other}）" if seen_by_importer(other, place)
                     else "本人负责地区以外的农户")
            survey.members.reject(id_number, "身份证号",
                                  f"该身份证号已登记在{where}，{ONE_HOUSEHOLD}")


def check_changes(cleaned: dict, known: Row) -> list[str]:
    """The columns of a check row that differ from the stored check."""
    return [column for column, name in CHECK_FIELDS.items()
            if column in cleaned and cleaned[column] != getattr(known, name)]


def member_changes(cleaned: dict, known: Row) -> list[str]:
    """The columns of a member row that differ from the stored member."""
    return [column for column, name in MEMBER_FIELDS.items()
            if column in cleaned and cleaned[column] != getattr(known, name)]


def stored_check(cleaned: dict, registry: Registry) -> Row | None:
    household_id = registry.household_id(cleaned["户编号"])
    return registry.checks.get((household_id, cleaned["排查日期"], cleaned["排查类型"]))


WORKED = "该户的预警已有人处理"
NEW_CHECK = "如需更正，请新增一次排查（如“核实”）"


def reject_worked_check_changes(survey: Survey, registry: Registry) -> None:
    """A check is never edited after the alerts of its household were worked on by a
    person (domain.md §4): a correction is a new check."""
    if not registry.worked:
        return
    for key, (_, cleaned) in list(survey.checks.rows.items()):
        known = stored_check(cleaned, registry)
        if known is None or known.household_id not in registry.worked:
            continue
        if changed := check_changes(cleaned, known):
            survey.checks.reject(key, changed[0], f"{WORKED}，已登记的排查不能修改"
                                                  f"（改动：{'、'.join(changed)}）；{NEW_CHECK}")


def newest_in_file(checks: CleanSheet) -> dict[str, date]:
    """Each household's newest visit date among the file's good check rows."""
    newest: dict[str, date] = {}
    for _, cleaned in checks.rows.values():
        number, day = cleaned["户编号"], cleaned["排查日期"]
        newest[number] = max(day, newest.get(number, day))
    return newest


def frozen_households(survey: Survey, registry: Registry) -> set[str]:
    """Worked households whose newest check in this file is already stored: their member
    rows describe that check, which may not change."""
    if not registry.worked:
        return set()
    newest = newest_in_file(survey.checks)
    has_new = {cleaned["户编号"] for _, cleaned in survey.checks.rows.values()
               if cleaned["排查日期"] == newest[cleaned["户编号"]]
               and stored_check(cleaned, registry) is None}
    return {number for number in newest if number not in has_new
            and registry.household_id(number) in registry.worked}


def reject_frozen_member_changes(survey: Survey, registry: Registry) -> None:
    frozen = frozen_households(survey, registry)
    if not frozen:
        return
    for id_number, (_, cleaned) in list(survey.members.rows.items()):
        if cleaned["户编号"] not in frozen:
            continue
        known = registry.members.get(id_number)
        if known is None:
            survey.members.reject(id_number, "身份证号",
                                  f"{WORKED}，其最近一次排查已登记，不能再加成员；请随新的一次排查一并导入")
        elif changed := [c for c in member_changes(cleaned, known) if c in OBSERVED]:
            survey.members.reject(id_number, changed[0],
                                  f"{WORKED}，成员情况随排查登记，不能修改（改动：{'、'.join(changed)}）；"
                                  f"{NEW_CHECK}")


def reject_checks_of_rejected_members(survey: Survey, registry: Registry) -> None:
    """A new or changed check of a household with a rejected member row waits for it:
    the per-capita income and the rules read every member."""
    bad = survey.members.rejected_numbers
    if not bad:
        return
    for key, (_, cleaned) in list(survey.checks.rows.items()):
        if cleaned["户编号"] not in bad:
            continue
        known = stored_check(cleaned, registry)
        if known is None or check_changes(cleaned, known):
            survey.checks.reject(key, "户编号", f"该户成员表第{bad[cleaned['户编号']]}行未能导入，"
                                              "人均收入和预警要按全部成员计算，请改正后与本行一并导入")


def reject_checks_without_members(survey: Survey, registry: Registry) -> None:
    in_file = Counter(cleaned["户编号"] for _, cleaned in survey.members.rows.values())
    for key, (_, cleaned) in list(survey.checks.rows.items()):
        number = cleaned["户编号"]
        if not in_file[number] and not registry.member_counts.get(
                registry.household_id(number)):
            survey.checks.reject(key, "户编号", NO_MEMBERS)
