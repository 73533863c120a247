"""Building survey workbooks for tests, the way another tool following interfaces.md would,
and reading the rules an import raised."""

import csv
from datetime import date
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

from alerts.models import Alert

from .factories import id_number

HEAD = id_number(date(1980, 5, 1))
CHILD = id_number(date(2014, 3, 1), male=False)


def household_row(number="H001", village="500241101201", **changes) -> dict:
    row = {"户编号": number, "村代码": village, "村民小组": "一组", "户主姓名": "杨明华",
           "户主身份证号": HEAD, "联系电话": "13800000000", "是否建档立卡": "否",
           "脱贫状态": "一般农户", "脱贫年度": ""}
    row.update(changes)
    return row


def member_row(number="H001", name="杨明华", id_number=HEAD, relation="户主", **changes) -> dict:
    row = {"户编号": number, "姓名": name, "身份证号": id_number, "与户主关系": relation,
           "在校情况": "非在校", "健康状况": "健康", "劳动能力": "普通劳动力",
           "务工状况": "县外务工", "参加基本医疗保险": "是"}
    row.update(changes)
    return row


def check_row(number="H001", visit="2026-04-10", kind="集中排查", **changes) -> dict:
    row = {"户编号": number, "排查日期": visit, "排查类型": kind, "排查人": "田信息员",
           "不愁吃": "是", "不愁穿": "是", "住房安全": "A", "饮水水量": "是", "饮水水质": "是",
           "取水方便": "是", "供水保证": "是", "工资性收入": "40000", "经营性收入": "5000",
           "财产性收入": "0", "转移性收入": "1000", "医疗自付支出": "800", "教育支出": "1200",
           "突发情况": "无", "突发损失": "0", "备注": ""}
    row.update(changes)
    return row


def header_of(rows: list[dict], default: list[str]) -> list[str]:
    header = list(rows[0]) if rows else default
    for row in rows:
        header += [c for c in row if c not in header]
    return header


def write_csv_folder(folder: Path, households, members, checks, encoding="utf-8-sig") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("农户", households), ("成员", members), ("排查", checks)):
        if rows is None:
            continue
        header = header_of(rows, list((household_row, member_row, check_row)[
            ("农户", "成员", "排查").index(name)]()))
        with (folder / f"{name}.csv").open("w", encoding=encoding, newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header, restval="")
            writer.writeheader()
            writer.writerows(rows)
    return folder


NUMBER_COLUMNS = {"户编号", "村代码", "联系电话", "脱贫年度", "工资性收入", "经营性收入",
                  "财产性收入", "转移性收入", "医疗自付支出", "教育支出", "突发损失"}


def write_xlsx(path: Path, households, members, checks, typed_cells=False,
               numbers=NUMBER_COLUMNS, title=None) -> Path:
    """An .xlsx as Excel would save it. With typed_cells, the columns in `numbers` hold
    numbers where the text is numeric and 排查日期 holds real Excel dates; with a title,
    that line sits in row 1 above the header."""
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in (("农户", households), ("成员", members), ("排查", checks)):
        sheet = book.add_worksheet(name)
        header = header_of(rows, [])
        top = 0
        if title:
            sheet.write_string(0, 0, title)
            top = 1
        sheet.write_row(top, 0, header)
        for r, row in enumerate(rows, start=top + 1):
            for c, column in enumerate(header):
                value = str(row.get(column, ""))
                if typed_cells and column == "排查日期":
                    sheet.write_datetime(r, c, date.fromisoformat(value), date_format)
                elif typed_cells and column in numbers and is_number(value):
                    sheet.write_number(r, c, float(value))
                else:
                    sheet.write_string(r, c, value)
    book.close()
    return path


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_xlsx(path: Path) -> dict[str, list[dict]]:
    """Each sheet of an .xlsx as a list of {column: value}."""
    book = CalamineWorkbook.from_path(str(path))
    sheets = {}
    for name in book.sheet_names:
        header, *rows = book.get_sheet_by_name(name).to_python() or [[]]
        sheets[name] = [dict(zip(header, row, strict=True)) for row in rows]
    return sheets


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


class Formula(str):
    """A cell for write_raw_xlsx holding this formula and no cached value."""


def write_raw_xlsx(path: Path, sheets: dict[str, list[tuple[int, list]]]) -> Path:
    """A bare-bones .xlsx written by hand, for what Excel itself would not write: any row
    number, cells of any length, control characters, formulas without a cached result,
    and no <dimension> (so the reader's range comes from the cells alone)."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    def cell(ref: str, value) -> str:
        if isinstance(value, Formula):
            return f'<c r="{ref}"><f>{escape(value)}</f></c>'
        text = "".join(f"_x{ord(ch):04X}_" if ord(ch) < 32 and ch not in "\t\n\r" else ch
                       for ch in escape(str(value)))
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'

    def column(index: int) -> str:
        name, index = "", index + 1
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        return name

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kinds}.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      f'ContentType="{kinds}.worksheet+xml"/>' for i in range(1, len(names) + 1))
            + "</Types>"))
        archive.writestr("_rels/.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        archive.writestr("xl/workbook.xml", (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            + "".join(f'<sheet name={quoteattr(n)} sheetId="{i}" r:id="rId{i}"/>'
                      for i, n in enumerate(names, start=1)) + "</sheets></workbook>"))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{rel}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
            + "</Relationships>"))
        for i, name in enumerate(names, start=1):
            rows = "".join(
                f'<row r="{number}">' + "".join(cell(f"{column(c)}{number}", v)
                                                for c, v in enumerate(cells) if v != "")
                + "</row>" for number, cells in sheets[name])
            archive.writestr(f"xl/worksheets/sheet{i}.xml",
                             f'<worksheet xmlns="{main}"><sheetData>{rows}</sheetData></worksheet>')
    return path


def raw_sheets(households, members, checks) -> dict[str, list[tuple[int, list]]]:
    """The rows of write_xlsx's workbook as write_raw_xlsx takes them (header in row 1)."""
    sheets = {}
    for name, rows in (("农户", households), ("成员", members), ("排查", checks)):
        header = header_of(rows, [])
        sheets[name] = [(1, header)] + [(n, [row.get(c, "") for c in header])
                                        for n, row in enumerate(rows, start=2)]
    return sheets


def family():
    """H001: a head who works and a girl of 12 who dropped out of school; 2025's check
    shows 46,000 a year (23,000 a head), 2026's 8,000 (4,000 a head)."""
    return ([household_row()],
            [member_row(), member_row(name="杨小", id_number=CHILD, relation="子女",
                                      在校情况="失学辍学", 劳动能力="无劳动力", 务工状况="未务工")],
            [check_row(visit="2025-04-10"), check_row(visit="2026-04-10", 工资性收入="6000",
                                                     经营性收入="0", 转移性收入="2000")])


def two_households():
    """H001 and H002, one member and one check each: the good rows a bad one sits among."""
    return ([household_row(), household_row("H002", 户主身份证号=id_number())],
            [member_row(), member_row("H002", "田二", id_number())],
            [check_row(), check_row("H002")])


def rules_of(number="H001") -> set[str]:
    return set(Alert.objects.filter(household__number=number).values_list("rule", flat=True))
