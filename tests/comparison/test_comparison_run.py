"""Department data comparison (domain.md §9, interfaces.md compare_department): rows
that cannot be compared, reading and refusals, scope, the kept record, the command and
the pages."""

import csv
from io import StringIO

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError

from alerts.models import Alert, AlertMove
from casework.comparison import comparison_run, report_path
from casework.models import DepartmentComparison
from households.models import Place
from monitor.roles import Refused

from ..alert_helpers import alert_of
from ..factories import HouseholdFactory, MemberFactory, id_number
from .helpers import (
    HOUSES,
    INSURED,
    ON,
    compare,
    insured_list,
    person,
    report,
    write_list,
)

# ── rows that cannot be compared, reading, refusals ───────────────────────────────────

def test_unreadable_rows_are_counted_with_their_row_numbers(tmp_path, home):
    father = person(home, "杨父").id_number
    comparison = compare(tmp_path, "insured", INSURED, [
        [father, "杨父", "已参保"], [father, "杨父", "已参保"], ["", "无号", "已参保"],
        ["500241198001010010", "错号", "已参保"], [person(home, "杨小").id_number, "杨小", "参了"]])
    assert comparison.invalid == 4
    assert comparison.problems[0] == f"第3行：身份证号 {father} 与第2行重复"
    assert comparison.problems[1] == "第4行：身份证号为空"
    assert "校验码" in comparison.problems[2]
    assert comparison.problems[3].startswith("第6行：参保状态“参了”应为以下之一")


def test_it_reads_a_gb18030_csv(tmp_path, home):
    path = write_list(tmp_path, INSURED, insured_list(home), encoding="gb18030")
    comparison = comparison_run(kind="insured", path=path, actor=None, on=ON)
    assert comparison.matched == 2


def test_it_reads_an_xlsx_list(tmp_path, home):
    path = tmp_path / "名单.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("参保")
    for n, row in enumerate([INSURED, *insured_list(home)]):
        sheet.write_row(n, 0, row)
    book.close()
    comparison = comparison_run(kind="insured", path=path, actor=None, on=ON)
    assert (comparison.matched, comparison.file_name) == (2, "名单.xlsx")


def test_a_list_without_its_column_is_refused_naming_it(tmp_path, home):
    with pytest.raises(Refused, match="名单缺少必需的列：参保状态"):
        compare(tmp_path, "insured", ["身份证号", "姓名"], [])
    assert not DepartmentComparison.objects.exists()


def test_a_village_officer_may_not_compare(tmp_path, home, village_officer):
    with pytest.raises(Refused, match="须由区县监管人员或管理员办理"):
        compare(tmp_path, "insured", INSURED, [], actor=village_officer)


# ── scope and the kept record ─────────────────────────────────────────────────────────

def test_households_outside_the_comparers_county_are_not_compared(
        tmp_path, home, other_county_supervisor):
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"),
                         actor=other_county_supervisor)
    assert comparison.only_in_list == 2 and comparison.only_in_registry == 0
    assert {r["户编号"] for r in report(comparison)} == {""}
    assert not Alert.objects.exists()
    assert comparison.place == other_county_supervisor.place


def test_the_comparison_is_kept_with_who_when_file_and_counts(tmp_path, home,
                                                              county_supervisor):
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保") + [
        [id_number(), "外地人", "已参保"]], actor=county_supervisor)
    kept = DepartmentComparison.objects.get()
    assert (kept.created_by, kept.kind, kept.file_name, kept.compared_on, kept.rows) == (
        county_supervisor, "insured", "名单.csv", ON, 3)
    assert (kept.matched, kept.only_in_list, kept.only_in_registry, kept.disagreeing) == (
        1, 1, 0, 1)
    assert report_path(comparison).exists()


# ── the command ───────────────────────────────────────────────────────────────────────

def test_the_command_writes_the_report_and_prints_each_count(tmp_path, home):
    path = write_list(tmp_path, INSURED, insured_list(home, 杨小="未参保"))
    out, stdout = tmp_path / "out" / "报告.csv", StringIO()
    call_command("compare_department", str(path), kind="insured", out=str(out), stdout=stdout)
    text = stdout.getvalue()
    for line in ("一致 1", "名单有登记无 0", "登记有名单无 0", "不一致 1", "新发预警 1"):
        assert line in text
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["身份证号", "姓名", "户编号", "结果", "字段", "登记值", "名单值"]
    assert rows[1][1:] == ["杨小", "HA001", "不一致", "参保状态", "已参保", "未参保"]
    assert DepartmentComparison.objects.get().created_by is None


def test_the_command_writes_an_xlsx_report(tmp_path, home):
    path = write_list(tmp_path, INSURED, insured_list(home, 杨小="未参保"))
    out = tmp_path / "报告.xlsx"
    call_command("compare_department", str(path), kind="insured", out=str(out),
                 stdout=StringIO())
    assert out.stat().st_size > 0


def test_the_command_refuses_an_unreadable_file(tmp_path, places):
    with pytest.raises(CommandError, match="找不到文件") as refused:
        call_command("compare_department", str(tmp_path / "无.csv"), kind="insured",
                     out=str(tmp_path / "r.csv"))
    assert refused.value.returncode == 2


def test_the_command_compares_only_the_place_it_is_given(tmp_path, home, household_b):
    MemberFactory(household=household_b, name="田芳", id_number=id_number())
    path = write_list(tmp_path, INSURED, insured_list(home))
    call_command("compare_department", str(path), kind="insured", place="500241101201",
                 out=str(tmp_path / "r.csv"), stdout=StringIO())
    assert DepartmentComparison.objects.get().only_in_registry == 0


def test_the_command_files_the_comparison_under_the_only_county(tmp_path, home):
    Place.objects.filter(code="500102").delete()
    path = write_list(tmp_path, INSURED, insured_list(home))
    call_command("compare_department", str(path), kind="insured", out=str(tmp_path / "r.csv"),
                 date="2026-09-01", stdout=StringIO())
    comparison = DepartmentComparison.objects.get()
    assert (comparison.place_id, comparison.compared_on) == ("500241", ON)


def test_moves_of_an_attached_finding_keep_the_five_lists_balanced(tmp_path, home):
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    alert = alert_of(home, "UNINSURED")
    assert AlertMove.objects.filter(alert=alert).order_by("-id").first().to_state == alert.state


def test_a_household_factory_without_members_is_harmless(tmp_path, places):
    HouseholdFactory(village=places["village_a"], number="HA009", head_id_number="")
    comparison = compare(tmp_path, "houses", HOUSES, [])
    assert comparison.rows == 0


# ── The pages ─────────────────────────────────────────────────────────────────────────

def upload(client, tmp_path, rows, kind="insured", header=INSURED):
    path = write_list(tmp_path, header, rows)
    with path.open("rb") as handle:
        return client.post("/monitoring/comparisons/", {
            "kind": kind, "file": handle, "compared_on": ON.isoformat()})


def test_a_county_supervisor_uploads_a_list_and_sees_the_result(client, tmp_path, home,
                                                                 county_supervisor):
    client.force_login(county_supervisor)
    response = upload(client, tmp_path, insured_list(home, 杨小="未参保"))
    comparison = DepartmentComparison.objects.get()
    assert response.status_code == 302
    assert response.url == f"/monitoring/comparisons/{comparison.pk}/"
    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "杨小" in text and "未参保" in text and "HA001" in text
    assert (comparison.created_by, comparison.file_name) == (county_supervisor, "名单.csv")
    listing = client.get("/monitoring/comparisons/")
    assert "名单.csv" in listing.content.decode()


def test_the_report_downloads_as_csv(client, tmp_path, home, county_supervisor):
    client.force_login(county_supervisor)
    upload(client, tmp_path, insured_list(home, 杨小="未参保"))
    comparison = DepartmentComparison.objects.get()
    response = client.get(f"/monitoring/comparisons/{comparison.pk}/report/")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "身份证号,姓名,户编号,结果,字段,登记值,名单值"
    assert "attachment" in response["Content-Disposition"]


def test_a_refused_list_says_why_on_the_page(client, tmp_path, home, county_supervisor):
    client.force_login(county_supervisor)
    response = upload(client, tmp_path, [], header=["身份证号", "姓名"])
    assert response.status_code == 200
    assert "名单缺少必需的列：参保状态" in response.content.decode()


def test_the_comparison_page_is_for_the_county_and_administrators(
        client, village_officer, town_supervisor, education_staff, admin_user):
    for user in (village_officer, town_supervisor, education_staff):
        client.force_login(user)
        assert client.get("/monitoring/comparisons/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/monitoring/comparisons/").status_code == 200


def test_another_countys_comparison_is_not_found(client, tmp_path, home, county_supervisor,
                                                 other_county_supervisor):
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home),
                         actor=county_supervisor)
    client.force_login(other_county_supervisor)
    for url in (f"/monitoring/comparisons/{comparison.pk}/",
                f"/monitoring/comparisons/{comparison.pk}/report/"):
        assert client.get(url).status_code == 404
    assert "名单.csv" not in client.get("/monitoring/comparisons/").content.decode()


def test_the_comparison_pages_need_a_login(client):
    response = client.get("/monitoring/comparisons/")
    assert response.status_code == 302 and "/login/" in response.url
