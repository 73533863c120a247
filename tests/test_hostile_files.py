"""No file may abort the process that reads it (issue 16, item 2).

The reader of .xlsx sheets allocates a sheet's whole range before it yields a row, and
an allocation that fails aborts the process: a 5 KB file can ask for 550 GB. A sheet's
size cannot be told from its XML without reading it as the reader does (the <dimension>
may lie; cells without a reference are placed by their position), so every sheet is
read in a child process under a memory limit (monitor/xlsx_reading.py). These tests send
each kind of lying sheet through every way a workbook comes in: the department-list
upload page, compare_department and import_survey; and they hold every reader of sheet
cells to that one module, so a reader added later is covered too.
"""

import re
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from casework.models import DepartmentComparison
from monitor.tabular import UnreadableFile
from monitor.xlsx_reading import sheet_rows

from .comparison.helpers import INSURED, ON
from .survey_helpers import raw_sheets, two_households, write_raw_xlsx

FAR = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
HOSTILE_SHEETS = {
    # Declares two cells, holds one at the last column of the last row.
    "a dimension that lies": lambda xml: xml.replace(
        "<sheetData>", '<dimension ref="A1:B2"/><sheetData>').replace("</sheetData>",
                                                                      FAR + "</sheetData>"),
    # No dimension at all, the same far cell.
    "a far cell and no dimension": lambda xml: xml.replace("</sheetData>",
                                                           FAR + "</sheetData>"),
    # No cell reference anywhere: 20,000 cells in a row are 20,000 columns, and a row
    # numbered 1,048,576 makes that 20 billion cells; no reference says so.
    "cells placed by position": lambda xml: xml.replace("</sheetData>", (
        "<row>" + "<c><v>1</v></c>" * 20000 + '</row><row r="1048576"><c><v>1</v></c></row>'
        "</sheetData>")),
}
TOO_BIG = "太大，无法读取"


def tamper(path: Path, sheet: int, how) -> Path:
    """The workbook with its sheet number `sheet` (1 = the first) rewritten by `how`."""
    part = f"xl/worksheets/sheet{sheet}.xml"
    with zipfile.ZipFile(path) as source:
        parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    parts[part] = how(parts[part].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def department_list(tmp_path: Path, how) -> Path:
    rows = [(1, INSURED), (2, ["500241198001011234", "杨父", "已参保"])]
    return tamper(write_raw_xlsx(tmp_path / "名单.xlsx", {"Sheet1": rows}), 1, how)


def survey_workbook(tmp_path: Path, how) -> Path:
    return tamper(write_raw_xlsx(tmp_path / "排查.xlsx", raw_sheets(*two_households())), 2, how)


@pytest.mark.parametrize("what", HOSTILE_SHEETS)
def test_a_lying_sheet_is_refused_in_chinese_and_the_reader_lives(tmp_path, what):
    path = department_list(tmp_path, HOSTILE_SHEETS[what])
    with pytest.raises(UnreadableFile, match=TOO_BIG):
        list(sheet_rows(path, 0))


@pytest.mark.parametrize("what", HOSTILE_SHEETS)
def test_the_department_list_upload_refuses_a_lying_sheet_on_the_page(
        client, tmp_path, county_supervisor, what):
    client.force_login(county_supervisor)
    path = department_list(tmp_path, HOSTILE_SHEETS[what])
    with path.open("rb") as handle:
        response = client.post("/monitoring/comparisons/", {
            "kind": "insured", "file": handle, "compared_on": ON.isoformat()})
    assert response.status_code == 200
    assert TOO_BIG in response.content.decode()
    assert not DepartmentComparison.objects.exists()


@pytest.mark.parametrize("what", HOSTILE_SHEETS)
def test_compare_department_exits_2_for_a_lying_sheet(tmp_path, places, what):
    path = department_list(tmp_path, HOSTILE_SHEETS[what])
    with pytest.raises(CommandError, match=TOO_BIG) as refused:
        call_command("compare_department", str(path), kind="insured",
                     out=str(tmp_path / "r.csv"), stdout=StringIO())
    assert refused.value.returncode == 2


@pytest.mark.parametrize("what", HOSTILE_SHEETS)
def test_import_survey_exits_2_for_a_lying_sheet(places, tmp_path, run, what):
    code, _, err = run(survey_workbook(tmp_path, HOSTILE_SHEETS[what]))
    assert code == 2, err
    assert "成员" in err and "太大" in err


def test_an_honest_workbook_still_reads_as_typed(tmp_path):
    rows = [(1, INSURED), (3, ["500241198001011234", "杨父", "已参保"])]
    path = write_raw_xlsx(tmp_path / "名单.xlsx", {"Sheet1": rows})
    assert [row for row in sheet_rows(path, 0) if row] == [
        INSURED, ["500241198001011234", "杨父", "已参保"]]
    assert len(list(sheet_rows(path, 0))) == 3  # row numbers as Excel shows them


def test_sheet_cells_are_read_only_through_the_memory_limited_reader():
    """python-calamine's calls that read a sheet's cells appear in one module: a reader
    of uploads or files added later goes through monitor/xlsx_reading.py or fails here."""
    reading_calls = re.compile(r"get_sheet_by_(name|index)|\.to_python\(|iter_rows\(|"
                               r"load_workbook\(")
    root = Path(settings.BASE_DIR)
    apps = [folder for folder in root.iterdir() if (folder / "__init__.py").exists()
            and folder.name not in ("tests", "bench")]
    readers = [str(path.relative_to(root)) for app in apps for path in app.rglob("*.py")
               if reading_calls.search(path.read_text())]
    assert readers == ["monitor/xlsx_reading.py"]
