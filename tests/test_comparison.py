"""Department data comparison (domain.md §9, interfaces.md compare_department): each
result per kind, the alerts that risky disagreements raise (once), scope, the kept record,
the command."""

import csv
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError

from alerts.engine import evaluate_household
from alerts.models import Alert, AlertMove, Measure, MeasureState, Plan, Source, State
from casework.comparison import ComparisonRefused, comparison_run, report_path
from casework.models import DepartmentComparison
from households.models import Place, StatusChange
from visits.services import check_record

from .alert_helpers import alert_of, family, put, record
from .factories import HouseholdFactory, MemberFactory, id_number

ON = date(2026, 9, 1)
D0 = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def home(places):
    """杨父 (head, 1980, insured, working) and 杨小 (born 2013-03-01, 在校)."""
    household = family(places["village_a"], "HA001")
    household.head_name, household.head_id_number = "杨父", person(household, "杨父").id_number
    household.save()
    return household


def person(household, name):
    return household.members.get(name=name)


def write_list(tmp_path, header, rows, name="名单.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def compare(tmp_path, kind, header, rows, actor=None, **options):
    path = write_list(tmp_path, header, rows)
    return comparison_run(kind=kind, path=path, actor=actor, on=ON, **options)


def report(comparison) -> list[dict]:
    with report_path(comparison).open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def results(comparison) -> list[tuple]:
    return [(r["姓名"], r["结果"], r["字段"], r["登记值"], r["名单值"]) for r in report(comparison)]


INSURED = ["身份证号", "姓名", "参保状态"]
PUPILS = ["身份证号", "姓名", "在校情况"]
HOUSES = ["身份证号", "姓名", "住房安全"]
ALLOWANCE = ["身份证号", "姓名", "低保类别"]
DISABILITY = ["身份证号", "姓名", "残疾等级"]


def insured_list(household, **status):
    """Every member of the household on the insured list, 已参保 unless named."""
    return [[m.id_number, m.name, status.get(m.name, "已参保")] for m in household.members.all()]


# ── insured ───────────────────────────────────────────────────────────────────────────

def test_it_counts_members_insured_on_both_sides_as_matched(tmp_path, home):
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home))
    assert (comparison.rows, comparison.matched) == (2, 2)
    assert report(comparison) == []


def test_it_reports_someone_on_the_list_the_registry_does_not_have(tmp_path, home):
    stranger = id_number(date(1990, 1, 1))
    comparison = compare(tmp_path, "insured", INSURED,
                         insured_list(home) + [[stranger, "外地人", "已参保"]])
    assert results(comparison) == [("外地人", "名单有登记无", "参保状态", "", "已参保")]
    assert report(comparison)[0]["户编号"] == ""
    assert comparison.only_in_list == 1


def test_it_reports_registry_members_missing_from_the_insured_list(tmp_path, home):
    father = person(home, "杨父")
    comparison = compare(tmp_path, "insured", INSURED, [[father.id_number, "杨父", "已参保"]])
    assert results(comparison) == [("杨小", "登记有名单无", "参保状态", "已参保", "")]
    assert report(comparison)[0]["户编号"] == "HA001"
    assert comparison.only_in_registry == 1


def test_it_reports_a_status_that_disagrees_without_an_alert_when_it_is_no_risk(
        tmp_path, home):
    home.members.filter(name="杨小").update(insured=False)
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home))
    assert results(comparison) == [("杨小", "不一致", "参保状态", "未参保", "已参保")]
    assert comparison.disagreeing == 1
    assert not Alert.objects.exists()


def test_it_reports_a_name_that_disagrees(tmp_path, home):
    rows = insured_list(home)
    rows[0][1] = "杨富"
    comparison = compare(tmp_path, "insured", INSURED, rows)
    assert results(comparison) == [("杨父", "不一致", "姓名", "杨父", "杨富")]


def test_the_list_saying_uninsured_raises_an_uninsured_alert_from_the_department(
        tmp_path, home, county_supervisor):
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"),
                         actor=county_supervisor)
    alert = alert_of(home, "UNINSURED")
    assert (alert.source, alert.state, alert.severity, alert.channel) == (
        Source.DEPARTMENT, State.RAISED, "high", "medical")
    assert (alert.raised_on, alert.last_seen_on) == (ON, ON)
    assert "杨小 未参保（登记为 已参保）" in alert.evidence["text"]
    assert alert.evidence["values"]["字段"] == "参保状态"
    assert alert.evidence["comparison"] == comparison.pk
    assert alert.verify_by is not None
    move = alert.moves.get()
    assert (move.actor, move.to_state) == (county_supervisor, State.RAISED)
    assert comparison.alerts_raised == 1


def test_a_department_alert_makes_the_household_borderline(tmp_path, home):
    record(home, D0)
    assert home.__class__.objects.get(pk=home.pk).household_class != "临界"
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    home.refresh_from_db()
    assert home.household_class == "临界"
    assert StatusChange.objects.filter(household=home, new="临界").exists()


def test_an_open_alert_takes_the_finding_instead_of_a_second_alert(tmp_path, home):
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    assert Alert.objects.filter(household=home, rule="UNINSURED").count() == 1
    assert (comparison.alerts_raised, comparison.alerts_updated) == (0, 1)
    alert = alert_of(home, "UNINSURED")
    assert alert.evidence["comparison"] == comparison.pk
    assert alert.moves.count() == 2
    assert alert.moves.last().note.startswith("部门比对再次发现")


def test_an_open_alert_from_a_check_gains_the_lists_finding(tmp_path, home):
    child = person(home, "杨小")
    check_record(household=home, recorded_by=None, visit_date=D0, kind="日常走访",
                 member_updates={child.id_number: {"insured": False}},
                 income_wages=Decimal("40000"))
    evaluate_household(home.id)
    home.members.filter(name="杨小").update(insured=True)  # the registry was corrected since
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    alert = Alert.objects.get(household=home, rule="UNINSURED")
    assert alert.source == Source.CHECK
    assert alert.evidence["text"] == "未参加基本医疗保险：杨小"
    assert "医保部门名单" in alert.evidence["values"]["部门名单"]
    assert alert.last_seen_on == ON


def test_an_alert_ready_to_close_returns_when_the_list_finds_it_again(tmp_path, home):
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    alert = put(alert_of(home, "UNINSURED"), State.VERIFIED)
    Alert.objects.filter(pk=alert.pk).update(state_before_ready=State.VERIFIED)
    put(alert, State.READY_TO_CLOSE)
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    alert.refresh_from_db()
    assert alert.state == State.VERIFIED
    assert alert.moves.last().from_state == State.READY_TO_CLOSE


# ── pupils ────────────────────────────────────────────────────────────────────────────

def test_a_pupil_at_school_on_both_sides_matches(tmp_path, home):
    child = person(home, "杨小")
    comparison = compare(tmp_path, "pupils", PUPILS, [[child.id_number, "杨小", "在校"]])
    assert (comparison.matched, report(comparison)) == (1, [])


def test_a_school_age_child_missing_from_the_pupils_list_is_reported(tmp_path, home):
    comparison = compare(tmp_path, "pupils", PUPILS, [])
    assert results(comparison) == [("杨小", "登记有名单无", "在校情况", "在校", "")]


def test_a_pupil_the_registry_does_not_have_is_reported(tmp_path, home):
    comparison = compare(tmp_path, "pupils", PUPILS,
                         [[person(home, "杨小").id_number, "杨小", "在校"],
                          [id_number(date(2015, 1, 1)), "吴丽", "在校"]])
    assert results(comparison) == [("吴丽", "名单有登记无", "在校情况", "", "在校")]


def test_a_schooling_that_disagrees_without_risk_raises_nothing(tmp_path, home):
    comparison = compare(tmp_path, "pupils", PUPILS,
                         [[person(home, "杨小").id_number, "杨小", "送教上门"]])
    assert results(comparison) == [("杨小", "不一致", "在校情况", "在校", "送教上门")]
    assert not Alert.objects.exists()


def test_a_dropout_of_school_age_raises_a_dropout_alert(tmp_path, home):
    compare(tmp_path, "pupils", PUPILS, [[person(home, "杨小").id_number, "杨小", "失学辍学"]])
    alert = alert_of(home, "DROPOUT")
    assert (alert.source, alert.channel, alert.risk_type) == (Source.DEPARTMENT, "education",
                                                              "因学")
    assert alert.evidence["threshold"] == {"义务教育年龄": "6–15岁"}


def test_a_dropout_older_than_school_age_is_reported_without_an_alert(tmp_path, home):
    older = MemberFactory(household=home, name="杨大", relation="子女",
                          id_number=id_number(date(2009, 1, 1)), schooling="在校")
    comparison = compare(tmp_path, "pupils", PUPILS, [
        [person(home, "杨小").id_number, "杨小", "在校"], [older.id_number, "杨大", "失学辍学"]])
    assert results(comparison) == [("杨大", "不一致", "在校情况", "在校", "失学辍学")]
    assert not Alert.objects.exists()


# ── houses ────────────────────────────────────────────────────────────────────────────

def head_row(household, grade):
    return [household.members.get(relation="户主").id_number, "杨父", grade]


@pytest.fixture
def housed(home):
    """The household's newest check grades the house B."""
    record(home, D0, housing="B")
    return home


def test_a_house_graded_alike_matches_by_the_heads_id(tmp_path, housed):
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(housed, "B")])
    assert (comparison.matched, report(comparison)) == (1, [])


def test_a_renovated_house_agrees_with_a_safe_grade(tmp_path, home):
    record(home, D0, housing="已改造")
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(home, "A")])
    assert comparison.matched == 1


def test_the_list_grading_a_house_c_raises_a_housing_alert(tmp_path, housed):
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(housed, "C")])
    assert results(comparison) == [("杨父", "不一致", "住房安全", "B", "C")]
    alert = alert_of(housed, "HOUSING")
    assert (alert.source, alert.channel) == (Source.DEPARTMENT, "housing")


def test_a_house_whose_head_id_is_missing_is_found_by_the_head_member(tmp_path, housed):
    housed.__class__.objects.filter(pk=housed.pk).update(head_id_number="")
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(housed, "B")])
    assert comparison.matched == 1


def test_a_house_found_by_another_members_id_is_the_same_house(tmp_path, housed):
    comparison = compare(tmp_path, "houses", HOUSES,
                         [[person(housed, "杨小").id_number, "杨小", "B"]])
    assert (comparison.matched, comparison.only_in_list) == (1, 0)


def test_an_unsafe_house_missing_from_the_list_is_reported(tmp_path, home):
    record(home, D0, housing="D")
    comparison = compare(tmp_path, "houses", HOUSES, [])
    assert results(comparison) == [("杨父", "登记有名单无", "住房安全", "D", "")]


def test_a_house_without_a_check_disagrees_with_any_grade(tmp_path, home):
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(home, "A")])
    assert results(comparison) == [("杨父", "不一致", "住房安全", "（无排查记录）", "A")]


# ── allowance ─────────────────────────────────────────────────────────────────────────

def on_allowance(household):
    record(household, D0, housing="D")
    plan = Plan.objects.create(household=household)
    Measure.objects.create(plan=plan, alert=alert_of(household, "HOUSING"), name="低保",
                           channel="civil", deadline=D0, state=MeasureState.DONE)


def test_a_recipient_in_the_registry_matches(tmp_path, home):
    comparison = compare(tmp_path, "allowance", ALLOWANCE,
                         [[person(home, "杨父").id_number, "杨父", "农村低保一类"]])
    assert (comparison.matched, report(comparison)) == (1, [])


def test_a_recipient_the_registry_does_not_have_is_reported(tmp_path, home):
    comparison = compare(tmp_path, "allowance", ALLOWANCE,
                         [[id_number(date(1950, 1, 1)), "龙秀", "农村低保"]])
    assert results(comparison) == [("龙秀", "名单有登记无", "低保类别", "", "农村低保")]


def test_a_household_on_allowance_by_its_plan_missing_from_the_list_is_reported(
        tmp_path, home, household_b):
    on_allowance(home)
    comparison = compare(tmp_path, "allowance", ALLOWANCE, [])
    assert results(comparison) == [("杨父", "登记有名单无", "低保类别", "一户一策：低保已落实", "")]


def test_a_household_on_allowance_is_found_by_any_member(tmp_path, home):
    on_allowance(home)
    comparison = compare(tmp_path, "allowance", ALLOWANCE,
                         [[person(home, "杨小").id_number, "杨小", "农村低保"]])
    assert comparison.only_in_registry == 0


# ── disability ────────────────────────────────────────────────────────────────────────

def test_a_disabled_member_of_the_same_grade_matches(tmp_path, home):
    home.members.filter(name="杨父").update(health="残疾", disability_grade="二级")
    comparison = compare(tmp_path, "disability", DISABILITY,
                         [[person(home, "杨父").id_number, "杨父", "二级"]])
    assert (comparison.matched, report(comparison)) == (1, [])


def test_a_disability_grade_that_disagrees_is_reported(tmp_path, home):
    home.members.filter(name="杨父").update(health="残疾", disability_grade="二级")
    comparison = compare(tmp_path, "disability", DISABILITY,
                         [[person(home, "杨父").id_number, "杨父", "三级"]])
    assert results(comparison) == [("杨父", "不一致", "残疾等级", "二级", "三级")]


def test_a_blank_registry_grade_is_not_a_disagreement(tmp_path, home):
    home.members.filter(name="杨父").update(health="残疾")
    comparison = compare(tmp_path, "disability", DISABILITY,
                         [[person(home, "杨父").id_number, "杨父", "三级"]])
    assert comparison.matched == 1


def test_a_listed_member_the_registry_calls_healthy_disagrees(tmp_path, home):
    comparison = compare(tmp_path, "disability", DISABILITY,
                         [[person(home, "杨父").id_number, "杨父", "四级"]])
    assert results(comparison) == [("杨父", "不一致", "健康状况", "健康", "残疾（四级）")]


def test_a_disabled_member_missing_from_the_register_is_reported(tmp_path, home):
    home.members.filter(name="杨父").update(health="残疾", disability_grade="一级")
    comparison = compare(tmp_path, "disability", DISABILITY, [])
    assert results(comparison) == [("杨父", "登记有名单无", "残疾等级", "残疾（一级）", "")]


def test_no_disability_or_allowance_difference_raises_an_alert(tmp_path, home):
    compare(tmp_path, "disability", DISABILITY, [[id_number(), "某人", "一级"]])
    compare(tmp_path, "allowance", ALLOWANCE, [[id_number(), "某人", "低保"]])
    assert not Alert.objects.exists()


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
    with pytest.raises(ComparisonRefused, match="名单缺少必需的列：参保状态"):
        compare(tmp_path, "insured", ["身份证号", "姓名"], [])
    assert not DepartmentComparison.objects.exists()


def test_a_village_officer_may_not_compare(tmp_path, home, village_officer):
    with pytest.raises(ComparisonRefused, match="须由区县监管人员或管理员办理"):
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
