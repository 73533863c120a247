"""Every CSV the project hands out is written by one writer that makes formula-looking
cells inert (issue 16, item 3): a department list's 姓名 typed as =HYPERLINK(…),
@SUM(…) or -2+3+cmd|… reaches the comparison report as text, in the page's download and
in compare_department --out, as in every other export. The class test holds every
module to that one writer, so an export added later cannot write its own CSV."""

import csv
import re
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from casework.models import DepartmentComparison
from monitor.tabular import inert

from .comparison.helpers import INSURED, ON, write_list
from .factories import id_number

TYPED = ['=HYPERLINK("http://evil.example","点我")', "@SUM(1+1)*cmd|' /C calc'!A0",
         "-2+3+cmd|' /C calc'!A0", "+1+1"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hostile_list(tmp_path, places):
    """A list whose people are not in the registry (名单有登记无), named by formulas."""
    return write_list(tmp_path, INSURED, [[id_number(), name, "已参保"] for name in TYPED])


def read_xlsx_names(path: Path) -> set[str]:
    from python_calamine import CalamineWorkbook

    return names_in(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())


def names_in(rows) -> set[str]:
    return {row[1] for row in rows[1:]}


def test_the_comparison_report_downloads_with_formula_names_as_text(client, hostile_list,
                                                                    county_supervisor):
    client.force_login(county_supervisor)
    with hostile_list.open("rb") as handle:
        client.post("/monitoring/comparisons/", {"kind": "insured", "file": handle,
                                                 "compared_on": ON.isoformat()})
    comparison = DepartmentComparison.objects.get()
    response = client.get(f"/monitoring/comparisons/{comparison.pk}/report/")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert names_in(list(csv.reader(StringIO(body)))) == {"'" + name for name in TYPED}
    page = client.get(f"/monitoring/comparisons/{comparison.pk}/").content.decode()
    assert "=HYPERLINK(&quot;http://evil.example&quot;" in page  # shown as the list had it
    assert "&#x27;=HYPERLINK" not in page


def test_compare_department_writes_formula_names_as_text_in_csv_and_xlsx(hostile_list,
                                                                        tmp_path):
    out = tmp_path / "报告.csv"
    call_command("compare_department", str(hostile_list), kind="insured", out=str(out),
                 stdout=StringIO())
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert names_in(rows) == {"'" + name for name in TYPED}
    book = tmp_path / "报告.xlsx"
    call_command("compare_department", str(hostile_list), kind="insured", out=str(book),
                 stdout=StringIO())
    with zipfile.ZipFile(book) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert read_xlsx_names(book) == set(TYPED)  # as typed, as text


def test_a_plain_negative_number_stays_a_number():
    assert inert("-5") == "-5" and inert("-2+3") == "'-2+3"


def test_every_csv_is_written_by_the_one_inert_writer():
    """csv.writer and csv.DictWriter appear only in monitor/tabular.py (CsvWriter), and
    the demo's generator of input files (a survey to import, not an export)."""
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    root = Path(settings.BASE_DIR)
    apps = [folder for folder in root.iterdir() if (folder / "__init__.py").exists()
            and folder.name not in ("tests", "bench")]
    found = sorted(str(path.relative_to(root)) for app in apps for path in app.rglob("*.py")
                   if writers.search(path.read_text()))
    assert found == ["demo/county.py", "monitor/tabular.py"]


def test_every_xlsxwriter_workbook_keeps_strings_as_text():
    """XlsxWriter turns "=…" into a formula unless told not to: each workbook an export
    opens says strings_to_formulas False (the demo's input workbook aside)."""
    root = Path(settings.BASE_DIR)
    apps = [folder for folder in root.iterdir() if (folder / "__init__.py").exists()
            and folder.name not in ("tests", "bench")]
    for app in apps:
        for path in app.rglob("*.py"):
            text = path.read_text()
            for call in re.finditer(r"xlsxwriter\.Workbook\((.{0,200})", text, re.S):
                if path.relative_to(root).as_posix() != "demo/county.py":  # a survey to import
                    assert '"strings_to_formulas": False' in call[1], path
