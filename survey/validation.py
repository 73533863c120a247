"""Validating the workbook's rows, a sheet at a time and column by column (interfaces.md,
domain.md §3–4); the rules across sheets and against the registry are in across.py.

A bad row is not imported: it is reported with sheet, row, column, value and reason, and
the rows that depend on it go with it, each saying why.

Each column is cleaned as a whole. What is surely valid is taken by a columnar expression
(fast_values: ID numbers with their check character, dates, amounts, names); every other
distinct text goes once through its cell's own rule (cells.py), which decides and gives
the reason. The expressions only ever accept a subset of what the rule accepts, with the
same value, so the law of a cell stays in cells.py.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

import polars as pl

from households.idnumber import CHECK_MAP, SHAPE, WEIGHTS
from monitor.choices import PovertyStatus
from monitor.tabular import FORMULA_START

from . import cells
from .columns import LIMITS, SHEETS, required_columns
from .reading import ROW, Sheet

REASON = "错误原因"  # the error report's added column, ignored when a report is imported
MONEY = pl.Decimal(14, 2)


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
    """A sheet's good rows as a frame (ROW and the cleaned value of each known column),
    and every rejected cell."""

    name: str
    header: list[str] = field(default_factory=list)
    frame: pl.DataFrame = field(default_factory=lambda: pl.DataFrame({ROW: []}))
    rejected: list[Rejected] = field(default_factory=list)
    rejected_numbers: dict[str, int] = field(default_factory=dict)  # 户编号 → first bad row
    warnings: list[str] = field(default_factory=list)
    read: int = 0  # rows read: the header and the rows below it

    def refuse(self, number: int, household: str | None, problems: list[tuple]) -> None:
        """A row refused: (column, value, reason) for each problem."""
        self.rejected += [Rejected(self.name, number, column, value, reason)
                          for column, value, reason in problems]
        if household:
            self.rejected_numbers.setdefault(household, number)

    def reject(self, rows: pl.DataFrame) -> None:
        """Take out good rows for a reason found elsewhere: `rows` holds ROW, `column` and
        `reason` (one per row); the value reported is the cleaned one, as typed."""
        if rows.is_empty():
            return
        rows = rows.unique(ROW, keep="first", maintain_order=True).sort(ROW)
        found = self.frame.join(rows.select(ROW, "column", "reason"), on=ROW)
        for row in found.sort(ROW).rows(named=True):
            self.refuse(row[ROW], row.get("户编号"),
                        [(row["column"], shown(row.get(row["column"])), row["reason"])])
        self.frame = self.frame.join(rows.select(ROW), on=ROW, how="anti")


@dataclass
class Survey:
    households: CleanSheet
    members: CleanSheet
    checks: CleanSheet
    # The households whose rows are as last imported (digest.py), and their member rows
    # (身份证号, 户编号): taken out of the sheets before the registry is read.
    unchanged: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"户编号": pl.String, "household_id": pl.Int64}))
    unchanged_members: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"身份证号": pl.String, "户编号": pl.String}))
    unchanged_rows: dict[str, int] = field(default_factory=dict)  # sheet → rows

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


# ── One column ───────────────────────────────────────────────────────────────────────

def cleaners(name: str, villages: set[str], today: date) -> dict:
    """The column → cleaner map of a sheet, with today's date and the known villages."""
    special = {
        "village": partial(cells.village_code, villages=villages),
        "id": partial(cells.id_number, today=today),
        "date": partial(cells.visit_date, today=today),
        "year": lambda text: cells.year(text, today) if text else None,
    }
    return {column: special.get(spec, spec) for column, spec in SHEETS[name].items()}


@dataclass
class ColumnRule:
    """How one known column of a sheet is cleaned: its cleaner and length limit, what it
    is in the registry (dtype), and the expression that takes its surely valid texts."""

    column: str
    clean: object
    limit: int
    spec: object = None  # the SHEETS entry: a cells function or "id", "date", …

    def first_time(self, text: str):
        """The cleaned value of one text; raises cells.CellError as the cleaner does."""
        return self.clean(cells.fits(text, self.limit))

    @property
    def dtype(self) -> pl.DataType:
        return DTYPES.get(self.spec, pl.String)


DTYPES = {cells.yes_no: pl.Boolean, cells.money: MONEY, "date": pl.Date, "year": pl.Int64}


def column_rules(header: list[str], clean: dict, specs: dict | None = None
                 ) -> list[ColumnRule]:
    """A rule per known column of the header (the table keeps the first of a repeated
    column: reading.named_columns)."""
    specs, named = specs or {}, set(header)
    return [ColumnRule(column, cleaner, LIMITS.get(column, cells.EXCEL_CELL_MAX),
                       specs.get(column))
            for column, cleaner in clean.items() if column in named]


# Letters, marks, digits, punctuation, symbols, spaces: no control, format, separator,
# private-use or surrogate character (monitor/names.py's UNSAFE, cells.CONTROL).
SAFE = r"^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]*$"
AMOUNT = r"^[0-9]{1,11}(\.[0-9]{1,2})?$"
ID_SHAPE = f"^{SHAPE.pattern}$"  # households/idnumber.py, whole text


def fast_value(rule: ColumnRule, today: date) -> pl.Expr | None:
    """The cleaned value of texts that are surely valid in this column, null elsewhere
    (those go through the cell's own rule); None where every text goes that way."""
    text = pl.col("text")
    safe = (text.str.len_chars() <= rule.limit) & text.str.contains(SAFE)
    if rule.spec in (cells.text, cells.person):
        return pl.when(safe).then(text)
    if rule.spec is cells.required:
        return pl.when(safe & (text != "")).then(text)
    if rule.spec is cells.name:
        formula = text.str.slice(0, 1).is_in(list(FORMULA_START))
        return pl.when(safe & (text != "") & ~formula).then(text)
    if rule.spec is cells.money:
        return pl.when(text.str.contains(AMOUNT)).then(text).cast(MONEY, strict=False)
    if rule.spec == "date":
        day = pl.when(text.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")).then(text
                                                                              ).str.to_date(
            "%Y-%m-%d", strict=False)
        return pl.when(day <= today).then(day)
    if rule.spec == "id":
        shaped = pl.when(text.str.contains(ID_SHAPE)).then(text)
        born = shaped.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
        total = pl.sum_horizontal(shaped.str.slice(i, 1).cast(pl.Int64) * weight
                                  for i, weight in enumerate(WEIGHTS))
        expected = (total % 11).replace_strict(list(range(11)), list(CHECK_MAP),
                                               return_dtype=pl.String)
        return pl.when((born <= today) & (shaped.str.slice(17, 1) == expected)).then(shaped)
    return None


def clean_column(texts: pl.Series, rule: ColumnRule, today: date
                 ) -> tuple[pl.Series, pl.Series]:
    """(cleaned values, reasons) of a column: a reason where the text is refused."""
    frame = texts.rename("text").to_frame()
    fast = fast_value(rule, today)
    if fast is not None:
        frame = frame.with_columns(fast.alias("fast"))
        rest = frame.filter(pl.col("fast").is_null())["text"].unique()
    else:
        frame = frame.with_columns(pl.lit(None, rule.dtype).alias("fast"))
        rest = texts.unique()
    values, reasons = [], []
    for text in rest:
        try:
            values.append(rule.first_time(text))
            reasons.append(None)
        except cells.CellError as problem:
            values.append(None)
            reasons.append(str(problem))
    found = pl.DataFrame({"text": rest, "value": values, "reason": reasons},
                         schema={"text": pl.String, "value": rule.dtype, "reason": pl.String})
    frame = frame.join(found, on="text", how="left", maintain_order="left")
    return (frame.select(pl.coalesce("fast", "value").alias(rule.column)).to_series(),
            frame.select(pl.when(pl.col("fast").is_null()).then("reason")).to_series())


# ── One sheet ────────────────────────────────────────────────────────────────────────

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


def household_consistency() -> list[tuple[str, pl.Expr]]:
    """Registration, poverty status and exit year must tell one story: (column, the
    reason where a row breaks it), in the order they are reported."""
    status, registered, year = pl.col("脱贫状态"), pl.col("是否建档立卡"), pl.col("脱贫年度")
    return [
        ("脱贫状态", pl.when((status == PovertyStatus.GENERAL) & registered)
         .then(pl.lit("建档立卡户的脱贫状态应为“未脱贫”或“已脱贫”"))),
        ("脱贫状态", pl.when(status.is_in([PovertyStatus.NOT_OUT, PovertyStatus.OUT])
                             & ~registered).then(pl.lit("未建档立卡的农户脱贫状态应为“一般农户”"))),
        ("脱贫年度", pl.when((status == PovertyStatus.OUT) & year.is_null())
         .then(pl.lit("已脱贫的农户须填脱贫年度"))),
        ("脱贫年度", pl.when((status != PovertyStatus.OUT) & year.is_not_null())
         .then(pl.lit("只有已脱贫的农户填脱贫年度"))),
    ]


ROW_KEYS = {"农户": ["户编号"], "成员": ["身份证号"], "排查": ["户编号", "排查日期", "排查类型"]}
DUPLICATE = {"农户": ("户编号", "户编号重复"), "成员": ("身份证号", "身份证号在本文件中重复"),
             "排查": ("排查日期", "同一户同一天同一类型的排查重复")}


def clean_sheet(sheet: Sheet, villages: set[str], today: date) -> CleanSheet:
    """Every row of one sheet cleaned, a column at a time; bad and repeated rows
    rejected, each with all its bad cells in the order of the columns."""
    header, table = sheet.table()
    empty = pl.DataFrame(schema=sheet_schema(sheet.name, [ROW, *SHEETS[sheet.name]]))
    result = CleanSheet(sheet.name, header=header, frame=empty,
                        read=table.height + bool(header))
    if not header:
        return result
    columns, reason, result.warnings = header_problems(sheet.name, header)
    if reason:
        return refuse_sheet(result, table, "、".join(columns), reason)
    rules = column_rules(header, cleaners(sheet.name, villages, today), SHEETS[sheet.name])
    cleaned, problems = {ROW: table[ROW]}, []
    for rule in rules:
        cleaned[rule.column], reasons = clean_column(table[rule.column], rule, today)
        problems.append((rule.column, reasons))
    frame = pl.DataFrame(cleaned, schema=sheet_schema(sheet.name, cleaned))
    if sheet.name == "农户":
        whole = frame.with_columns(pl.lit(None, pl.Int64).alias("脱贫年度")
                                   ) if "脱贫年度" not in frame.columns else frame
        passed = ~any_reason(problems)
        problems += [(column, whole.select(pl.when(passed).then(check)).to_series())
                     for column, check in household_consistency()]
    good = frame.filter(~any_reason(problems))
    first = good.select(pl.col(ROW).first().over(ROW_KEYS[sheet.name]))[ROW]
    column, duplicate = DUPLICATE[sheet.name]
    repeats = good.select(ROW, pl.when(first != pl.col(ROW)).then(
        pl.lit(f"{duplicate}（与第") + first.cast(pl.String) + pl.lit("行）")).alias("reason")
    ).filter(pl.col("reason").is_not_null())
    result.frame = good.join(repeats.select(ROW), on=ROW, how="anti")
    refuse_rows(result, table, problems, column, repeats)
    return result


def any_reason(problems: list[tuple[str, pl.Series]]) -> pl.Series:
    """Whether each row has a problem in any of the columns."""
    return pl.DataFrame([reasons.rename(str(i)) for i, (_, reasons) in enumerate(problems)]
                        ).select(pl.any_horizontal(pl.all().is_not_null())).to_series()


def sheet_schema(name: str, columns) -> dict:
    """The dtypes of a sheet's cleaned frame, for the columns it has."""
    rules = column_rules(list(SHEETS[name]), dict.fromkeys(SHEETS[name]), SHEETS[name])
    dtypes = {ROW: pl.Int64, **{rule.column: rule.dtype for rule in rules}}
    return {column: dtypes[column] for column in columns}


def refuse_rows(result: CleanSheet, table: pl.DataFrame, problems: list[tuple[str, pl.Series]],
                duplicate_column: str, repeats: pl.DataFrame) -> None:
    """Refuse every row with a problem, in row order, each problem with the cell's text."""
    found = [pl.DataFrame({ROW: table[ROW], "reason": reasons}).filter(
        pl.col("reason").is_not_null()).with_columns(pl.lit(order).alias("order"),
                                                     pl.lit(column).alias("column"))
             for order, (column, reasons) in enumerate(problems)]
    found.append(repeats.with_columns(pl.lit(len(problems)).alias("order"),
                                      pl.lit(duplicate_column).alias("column")))
    found = pl.concat(f.select(ROW, pl.col("order").cast(pl.Int64), "column", "reason")
                      for f in found).sort(ROW, "order")
    if found.is_empty():
        return
    texts = table.join(found.select(ROW).unique(), on=ROW)
    texts = {row[ROW]: row for row in texts.rows(named=True)}
    for (number,), group in found.group_by(ROW, maintain_order=True):
        record = texts[number]
        result.refuse(number, record.get("户编号"),
                      [(column, record.get(column, ""), reason)
                       for column, reason in group.select("column", "reason").rows()])


def refuse_sheet(result: CleanSheet, table: pl.DataFrame, columns: str,
                 reason: str) -> CleanSheet:
    """A header the sheet cannot be read by: every row is refused, naming the columns."""
    for row in table.rows(named=True):
        result.refuse(row[ROW], row.get("户编号"), [(columns, row.get(columns, ""), reason)])
    if not result.rejected:
        result.rejected.append(Rejected(result.name, 0, columns, "", reason))
    return result
