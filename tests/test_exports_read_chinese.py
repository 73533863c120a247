"""Every export a county files reads in its language: the five lists and the ledger of
the demo county, as workbook and as CSV, show rules by 名称 (the code only in the column
规则代码) and people by name and unit, never a login name (domain.md §5, §7)."""

import csv
import io

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from monitor.models import User
from monitor.rules import RULE_NAMES

from .test_pages_read_chinese import demo_county  # noqa: F401  (a fixture)

CODE_COLUMN = "规则代码"


def csv_tables(folder) -> dict[str, list[list[str]]]:
    return {path.name: list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            for path in folder.glob("*.csv")}


def xlsx_tables(path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {f"{path.name}:{name}": book.get_sheet_by_name(name).to_python()
            for name in book.sheet_names}


def what_people_read(table: list[list]) -> list[str]:
    """Every cell but those of the 规则代码 column (found in any header row)."""
    hidden = {row.index(CODE_COLUMN) for row in table[:5] if CODE_COLUMN in row}
    return [str(cell) for row in table for col, cell in enumerate(row)
            if col not in hidden and cell not in ("", None)]


@pytest.mark.django_db
def test_no_export_shows_a_rule_code_or_a_login(demo_county, tmp_path):  # noqa: F811
    county = User.objects.get(username="county").place_id
    for fmt in ("xlsx", "csv"):
        call_command("five_lists", "--place", county, "--format", fmt,
                     "--out", str(tmp_path / fmt), stdout=io.StringIO())
        call_command("ledger", "--place", county, "--out", str(tmp_path / f"台账.{fmt}"),
                     stdout=io.StringIO())
    tables = csv_tables(tmp_path / "csv") | csv_tables(tmp_path)
    for path in [*(tmp_path / "xlsx").glob("*.xlsx"), tmp_path / "台账.xlsx"]:
        tables |= xlsx_tables(path)
    assert len(tables) == 12  # five lists twice, the ledger twice
    logins = set(User.objects.values_list("username", flat=True))
    rows_with_codes = 0
    for name, table in tables.items():
        cells = what_people_read(table)
        assert not [c for c in cells if c in RULE_NAMES], name
        assert not [c for c in cells if any(login in c.split() for login in logins)
                    or c in logins], name
        if any(CODE_COLUMN in row for row in table[:5]):  # the codes are there, for machines
            rows_with_codes += any(str(c) in RULE_NAMES for row in table for c in row)
    assert rows_with_codes >= 2  # the problems list keeps its codes for machines
