"""The household ledger (台账) of a place, as interfaces.md specifies."""

import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from alerts.models import Alert
from households.models import Check, Household
from reports.ledger import COLUMNS, ledger_rows, ledger_values, ledger_values_postgresql

from .factories import id_number
from .survey_helpers import (
    CHILD,
    check_row,
    household_row,
    member_row,
    read_csv,
    write_csv_folder,
)

SPOUSE, ELDER, LONE = id_number(date(1982, 7, 9), male=False), id_number(date(1950, 1, 2)), \
    id_number(date(1970, 2, 3))


@pytest.fixture
def county(places, tmp_path):
    """Four households, figures worked out by hand:

    H001 (village A): 2 members; 2025 check 46,000 a year, 2026 check 8,000 → 4,000.00 a
      head; a dropout of 12 → DROPOUT, INCOME_BELOW_LINE, INCOME_DROP open → 临界, 临界户.
    H002 (village B): registered, out of poverty in 2019, 3 members; 2026 check 31,000 →
      10,333.33 a head (< 2 × 6,000, no alert) → 巩固, 已脱贫户; the county put it under
      monitoring as 脱贫不稳定户.
    H003 (village B): 1 member, no check yet → no figures.
    H004 (a village of another town): 1 member; 2026 check 90,000 → 90,000.00 → 稳定.
    """
    households = [
        household_row(),
        household_row("H002", "500241101202", 户主身份证号=SPOUSE, 是否建档立卡="是",
                      脱贫状态="已脱贫", 脱贫年度="2019"),
        household_row("H003", "500241101202", 户主姓名="田三", 户主身份证号=LONE),
        household_row("H004", "500241002201", 户主姓名="吴四", 户主身份证号=id_number()),
    ]
    members = [
        member_row(), member_row(name="杨小", id_number=CHILD, relation="子女", 在校情况="失学辍学",
                                 劳动能力="无劳动力", 务工状况="未务工"),
        member_row("H002", "彭英", SPOUSE), member_row("H002", "彭生", id_number(), "配偶"),
        member_row("H002", "彭老", ELDER, "父母", 劳动能力="丧失劳动力", 务工状况="未务工"),
        member_row("H003", "田三", LONE),
        member_row("H004", "吴四", households[3]["户主身份证号"]),
    ]
    checks = [
        check_row(visit="2025-04-10"),
        check_row(visit="2026-04-10", 工资性收入="6000", 经营性收入="0", 转移性收入="2000"),
        check_row("H002", "2026-03-01", 工资性收入="30000", 经营性收入="0", 转移性收入="1000"),
        check_row("H004", "2026-05-20", 工资性收入="85000", 经营性收入="4000",
                  转移性收入="1000"),
    ]
    call_command("import_survey", str(write_csv_folder(tmp_path / "survey", households,
                                                       members, checks)))
    Household.objects.filter(number="H002").update(monitoring_category="脱贫不稳定户")


def ledger_csv(tmp_path, place: str) -> dict[str, dict]:
    call_command("ledger", "--place", place, "--out", str(tmp_path / f"{place}.csv"))
    return {row["户编号"]: row for row in read_csv(tmp_path / f"{place}.csv")}


def test_the_csv_ledger_has_a_row_per_household_with_its_figures(county, tmp_path):
    rows = ledger_csv(tmp_path, "500241")
    assert list(rows) == ["H001", "H002", "H003", "H004"]
    picked = ["村代码", "户主姓名", "人口数", "人均纯收入", "最近排查日期", "分类", "重点群体",
              "监测类别", "未销号预警数"]
    assert {n: [row[c] for c in picked] for n, row in rows.items()} == {
        "H001": ["500241101201", "杨明华", "2", "4000.00", "2026-04-10", "临界", "临界户", "",
                 "3"],
        "H002": ["500241101202", "杨明华", "3", "10333.33", "2026-03-01", "巩固", "已脱贫户",
                 "脱贫不稳定户", "0"],
        "H003": ["500241101202", "田三", "1", "", "", "", "", "", "0"],
        "H004": ["500241002201", "吴四", "1", "90000.00", "2026-05-20", "稳定", "", "", "0"],
    }
    assert rows["H001"]["乡镇"] == "隘口镇" and rows["H001"]["村"] == "平所村"


def test_the_csv_ledger_is_utf8_with_bom_and_has_the_contracts_columns(county, tmp_path):
    call_command("ledger", "--place", "500241", "--out", str(tmp_path / "l.csv"))
    data = (tmp_path / "l.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].decode("utf-8").splitlines()[0].split(",")
    for column in ("户编号", "村代码", "户主姓名", "人口数", "人均纯收入", "分类", "重点群体",
                   "监测类别", "未销号预警数"):
        assert column in header


def test_a_town_or_village_ledger_holds_only_its_households(county, tmp_path):
    assert list(ledger_csv(tmp_path, "500241101")) == ["H001", "H002", "H003"]
    assert list(ledger_csv(tmp_path, "500241101202")) == ["H002", "H003"]
    assert list(ledger_csv(tmp_path, "500241002")) == ["H004"]


def ledger_xlsx(path) -> tuple[list, list[dict]]:
    """The ledger workbook's heading lines, and its rows as {column: value}."""
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    title, as_of, header, *rows = sheet
    return [title[0], as_of[0]], [dict(zip(header, row, strict=True)) for row in rows]


def test_the_xlsx_ledger_is_a_document_a_county_files(county, tmp_path):
    call_command("ledger", "--place", "500241", "--out", str(tmp_path / "l.xlsx"))
    heading, rows = ledger_xlsx(tmp_path / "l.xlsx")
    assert heading[0] == "秀山县农户台账"
    assert heading[1].startswith("地区：秀山县（500241）　截至 ")
    assert rows[0]["最近排查日期"] == date(2026, 4, 10)  # a real Excel date, not text
    with zipfile.ZipFile(tmp_path / "l.xlsx") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        workbook = book.read("xl/workbook.xml").decode()
    assert 'ySplit="3"' in sheet and 'state="frozen"' in sheet  # title, 截至, header
    assert 'paperSize="9"' in sheet and 'orientation="landscape"' in sheet
    assert "_xlnm.Print_Titles" in workbook  # the header on every printed page


def test_the_xlsx_ledger_has_the_same_rows_with_amounts_as_numbers(county, tmp_path):
    call_command("ledger", "--place", "500241", "--out", str(tmp_path / "l.xlsx"))
    _, rows = ledger_xlsx(tmp_path / "l.xlsx")
    by_number = {row["户编号"]: row for row in rows}
    assert list(by_number) == ["H001", "H002", "H003", "H004"]
    assert list(rows[0]) == COLUMNS
    assert by_number["H002"]["人均纯收入"] == 10333.33
    assert by_number["H002"]["人口数"] == 3 and by_number["H002"]["分类"] == "巩固"
    assert by_number["H001"]["未销号预警数"] == 3
    assert by_number["H003"]["人均纯收入"] == "" and by_number["H003"]["分类"] == ""


def test_closed_and_dismissed_alerts_are_not_counted(county, tmp_path):
    Alert.objects.filter(rule="DROPOUT").update(state="已销号")
    Alert.objects.filter(rule="INCOME_DROP").update(state="已排除")
    Alert.objects.filter(rule="INCOME_BELOW_LINE").update(state="待销号")  # still open
    assert ledger_csv(tmp_path, "500241")["H001"]["未销号预警数"] == "1"


def test_the_figures_come_from_the_newest_check_by_visit_date(county, tmp_path):
    """A late check of an earlier visit, imported after, does not become the newest."""
    call_command("import_survey", str(write_csv_folder(
        tmp_path / "late", [], [], [check_row("H002", "2025-12-01", 工资性收入="99000")])))
    row = ledger_csv(tmp_path, "500241")["H002"]
    assert row["最近排查日期"] == "2026-03-01" and row["人均纯收入"] == "10333.33"


def test_an_unknown_place_is_refused_with_a_clear_message(db, tmp_path):
    with pytest.raises(CommandError, match="地区代码 500241999 不存在") as error:
        call_command("ledger", "--place", "500241999", "--out", str(tmp_path / "l.csv"))
    assert error.value.returncode != 0
    assert not (tmp_path / "l.csv").exists()


def test_an_output_that_is_neither_xlsx_nor_csv_is_refused(places, tmp_path):
    with pytest.raises(CommandError, match=r"\.xlsx 或 \.csv"):
        call_command("ledger", "--place", "500241", "--out", str(tmp_path / "l.pdf"))


def test_the_ledger_reads_in_chunks_and_keeps_every_row(county, monkeypatch):
    monkeypatch.setattr("reports.ledger.CHUNK", 3)
    rows = list(ledger_rows(Household.objects.in_place("500241")))
    assert [row[0] for row in rows] == ["H001", "H002", "H003", "H004"]


def test_the_ledger_runs_the_same_queries_for_4_or_40_households(county, tmp_path):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            call_command("ledger", "--place", "500241", "--out", str(tmp_path / "l.csv"))
        return len(context.captured_queries)

    few = queries()
    lone = Household.objects.get(number="H003")
    for n in range(36):
        lone.pk, lone.number = None, f"H1{n:02d}"
        lone.save()
    assert queries() == few
    assert len(read_csv(tmp_path / "l.csv")) == 40


def test_every_cell_of_the_ledger_rows_is_as_pinned(county):
    """The rows as the command and the API get them, values and kinds, so a faster way of
    reading them is proven to give the same rows."""
    rows = list(ledger_rows(Household.objects.in_place("500241")))
    assert rows == [
        ["H001", "隘口镇", "500241101201", "平所村", "一组", "杨明华", 2, Decimal("4000.00"),
         date(2026, 4, 10), "临界", "临界户", "", 3],
        ["H002", "隘口镇", "500241101202", "太阳山村", "一组", "杨明华", 3, Decimal("10333.33"),
         date(2026, 3, 1), "巩固", "已脱贫户", "脱贫不稳定户", 0],
        ["H003", "隘口镇", "500241101202", "太阳山村", "一组", "田三", 1, "", "", "", "", "", 0],
        ["H004", "中和街道", "500241002201", "金田村", "一组", "吴四", 1, Decimal("90000.00"),
         date(2026, 5, 20), "稳定", "", "", 0],
    ]
    assert [type(row[7]) for row in rows] == [Decimal, Decimal, str, Decimal]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own query")
def test_postgresqls_query_gives_the_rows_the_chunked_reading_gives(county, tmp_path):
    """Also for a page of households, a check of a household of none, a closed alert and
    two checks on one day (the later recorded is the newer)."""
    call_command("import_survey", str(write_csv_folder(
        tmp_path / "more", [], [], [check_row("H004", "2026-05-20", 排查类型="回头看",
                                              工资性收入="1")])))
    assert Check.objects.filter(household__number="H004").count() == 2
    Alert.objects.filter(rule="DROPOUT").update(state="已销号")
    Check.objects.filter(household__number="H002").update(members=[])
    everyone = Household.objects.in_place("500241")
    page = Household.objects.filter(number__in=["H002", "H004"])
    for households in (everyone, page):
        assert list(ledger_values_postgresql(households)) == list(ledger_values(households))
    assert len(list(ledger_values_postgresql(page))) == 2
