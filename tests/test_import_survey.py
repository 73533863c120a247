"""import_survey: the county's survey workbook in (interfaces.md, issue 3): what a
workbook writes, read as Excel saves it, imported again, around checks people worked on,
and in the audit trail. Rows refused, dry runs, exit codes and the error report:
test_import_survey_errors.py."""

from datetime import date

import pytest

from alerts.models import Alert, AlertMove
from households.models import Check, Household, Member, StatusChange
from survey.importing import survey_import

from .factories import id_number
from .survey_helpers import (
    CHILD,
    HEAD,
    check_row,
    family,
    household_row,
    member_row,
    read_csv,
    read_xlsx,
    rules_of,
    two_households,
    write_csv_folder,
    write_xlsx,
)


def registry_state():
    """Everything an import may write, to compare before and after."""
    return (
        list(Household.objects.values_list("number", "updated_at", "household_class",
                                           "key_group")),
        list(Member.objects.values_list("id_number", "schooling", "insured")),
        list(Check.objects.values_list("id", "evaluated_at", "income_wages", "members")),
        list(Alert.objects.values_list("id", "state", "updated_at")),
        AlertMove.objects.count(), StatusChange.objects.count(),
    )


# ── Clean workbooks ──────────────────────────────────────────────────────────────────

def test_a_clean_xlsx_imports_and_raises_the_alerts_it_shows(places, tmp_path, run):
    code, out, err = run(write_xlsx(tmp_path / "s.xlsx", *family()))
    assert code == 0, err
    assert "农户：新增 1，更新 0" in out and "成员：新增 2，更新 0" in out
    assert "排查：新增 2，更新 0" in out and "未导入行：0" in out and "新增预警：3" in out
    # 2026: a dropout of 12, 4,000 a head (< 6,000), down 83 % from 23,000.
    assert rules_of() == {"DROPOUT", "INCOME_BELOW_LINE", "INCOME_DROP"}
    household = Household.objects.get(number="H001")
    assert household.household_class == "临界" and household.key_group == "临界户"
    assert not Check.objects.filter(evaluated_at__isnull=True).exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_clean_csv_folder_imports_in_each_encoding_excel_saves(places, tmp_path, run,
                                                                  encoding):
    code, _, err = run(write_csv_folder(tmp_path / "s", *family(), encoding=encoding))
    assert code == 0, err
    household = Household.objects.get(number="H001")
    assert household.head_name == "杨明华" and household.group == "一组"
    assert Member.objects.get(id_number=CHILD).schooling == "失学辍学"
    assert rules_of() == {"DROPOUT", "INCOME_BELOW_LINE", "INCOME_DROP"}


def test_each_check_records_the_members_it_saw(places, tmp_path, run):
    run(write_csv_folder(tmp_path / "s", *family()))
    check = Check.objects.get(visit_date=date(2026, 4, 10))
    assert [m["id_number"] for m in check.members] == [HEAD, CHILD]
    assert check.members[1]["schooling"] == "失学辍学"
    assert check.members[1]["birth_date"] == "2014-03-01"
    assert check.per_capita_income == 4000


def test_the_head_and_the_members_facts_come_from_the_rows(places, tmp_path, run):
    run(write_csv_folder(tmp_path / "s", *family()))
    head, child = Member.objects.order_by("id")
    assert head.is_head and head.male and head.birth_date == date(1980, 5, 1)
    assert not child.is_head and not child.male and child.labour == "无劳动力"


def test_column_order_is_free(places, tmp_path, run):
    households, members, checks = family()
    flipped = [[dict(reversed(row.items())) for row in rows]
               for rows in (households, members, checks)]
    code, _, err = run(write_csv_folder(tmp_path / "s", *flipped))
    assert code == 0, err
    assert rules_of() == {"DROPOUT", "INCOME_BELOW_LINE", "INCOME_DROP"}


def test_a_registered_household_gets_its_key_group_without_a_check(places, tmp_path, run):
    code, _, err = run(write_csv_folder(
        tmp_path / "s", [household_row(是否建档立卡="是", 脱贫状态="未脱贫")], [member_row()], []))
    assert code == 0, err
    assert Household.objects.get().key_group == "未脱贫户"


def test_an_empty_sheet_is_nothing_to_import(places, tmp_path, run):
    households, members, _ = family()
    path = write_csv_folder(tmp_path / "s", households, members, [])
    (path / "排查.csv").write_bytes(b"")
    code, out, err = run(path)
    assert code == 0, err
    assert "排查：新增 0" in out and Member.objects.count() == 2


# ── What Excel does to cells ─────────────────────────────────────────────────────────

def test_excel_date_cells_and_numeric_code_cells_are_read_as_typed(places, tmp_path, run):
    households = [household_row("500241101201007", 是否建档立卡="是", 脱贫状态="已脱贫",
                                脱贫年度="2019")]
    members = [member_row("500241101201007")]
    checks = [check_row("500241101201007", 工资性收入="41234.5")]
    path = write_xlsx(tmp_path / "typed.xlsx", households, members, checks, typed_cells=True)
    assert read_xlsx(path)["农户"][0]["村代码"] == 500241101201.0  # what calamine hands back
    code, _, err = run(path)
    assert code == 0, err
    household = Household.objects.get()
    assert household.number == "500241101201007" and household.village_id == "500241101201"
    assert household.phone == "13800000000" and household.poverty_exit_year == 2019
    check = Check.objects.get()
    assert check.visit_date == date(2026, 4, 10) and check.income_wages == 41234.5
    assert Member.objects.get().id_number == HEAD  # typed as text, stays text


# A valid ID number that a float cannot hold (an Excel number keeps 15 digits): one from
# the factory's sequence may by chance be a multiple of 64, which a float holds exactly.
LOST_IN_EXCEL = "500241198005010017"


def test_an_id_number_excel_turned_into_a_number_is_refused_with_why(places, tmp_path, run):
    households, members, checks = family()
    households[0]["户主身份证号"] = members[0]["身份证号"] = LOST_IN_EXCEL
    path = write_xlsx(tmp_path / "s.xlsx", households, members, checks, typed_cells=True,
                      numbers={"身份证号"})
    code, _, err = run(path)
    assert code == 1
    assert "成员 第2行 身份证号“5.0024119800501E+17”：身份证号被存成了数字" in err


def test_a_title_row_above_the_header_is_skipped_and_rows_keep_excel_numbers(
        places, tmp_path, run):
    households, members, checks = two_households()
    checks[1]["住房安全"] = "E"
    code, _, err = run(write_xlsx(tmp_path / "s.xlsx", households, members, checks,
                                  title="秀山县2026年集中排查"))
    assert code == 1
    assert "排查 第4行 住房安全“E”" in err  # title row 1, header row 2, H002 on row 4
    assert Check.objects.count() == 1


def test_cells_are_stripped(places, tmp_path, run):
    households, members, checks = family()
    households[0]["户主姓名"] = "  杨明华 "
    checks[0]["排查类型"] = " 集中排查"
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 0, err
    assert Household.objects.get().head_name == "杨明华"


# ── Importing again ──────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("fmt", ["xlsx", "csv", "typed xlsx"])
def test_importing_the_same_workbook_twice_changes_nothing(places, tmp_path, run, fmt):
    if fmt == "csv":
        path = write_csv_folder(tmp_path / "s", *family())
    else:
        path = write_xlsx(tmp_path / "s.xlsx", *family(), typed_cells=fmt == "typed xlsx")
    assert run(path)[0] == 0
    before = registry_state()
    code, out, _ = run(path)
    assert code == 0
    assert "农户：新增 0，更新 0" in out and "成员：新增 0，更新 0" in out
    assert "排查：新增 0，更新 0" in out and "新增预警：0" in out
    assert registry_state() == before


def test_the_registry_read_a_key_per_query_finds_what_one_query_finds(places, tmp_path,
                                                                     run, monkeypatch):
    """A county's keys are read a few thousand at a time (registry.keys_per_query)."""
    households, members, checks = two_households()
    path = write_csv_folder(tmp_path / "s", households, members, checks)
    assert run(path)[0] == 0
    monkeypatch.setattr("survey.registry.keys_per_query", lambda: 1)
    households[0]["联系电话"] = "13900000000"
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "农户：新增 0，更新 1" in out
    assert "成员：新增 0，更新 0" in out and "排查：新增 0，更新 0" in out


def test_a_changed_household_row_updates_only_that_household(places, tmp_path, run):
    households, members, checks = two_households()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    untouched = Household.objects.get(number="H002").updated_at
    households[0]["联系电话"] = "13900000000"
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "农户：新增 0，更新 1" in out
    h001 = Household.objects.get(number="H001")
    assert h001.phone == "13900000000" and h001.updated_at > untouched
    assert Household.objects.get(number="H002").updated_at == untouched


def test_a_changed_member_row_updates_the_member_and_the_newest_check(places, tmp_path, run):
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    members[1]["在校情况"] = "在校"  # she was back at school on the 2026 visit
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "成员：新增 0，更新 1" in out and "排查：新增 0，更新 1" in out
    assert Member.objects.get(id_number=CHILD).schooling == "在校"
    newest, older = Check.objects.order_by("-visit_date")
    assert newest.members[1]["schooling"] == "在校"
    assert older.members[1]["schooling"] == "失学辍学"
    assert Alert.objects.get(rule="DROPOUT").state == "待销号"


def test_a_changed_check_row_updates_the_check_and_is_evaluated_again(places, tmp_path, run):
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    checks[1]["工资性收入"] = "60000"
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "排查：新增 0，更新 1" in out
    assert Check.objects.get(visit_date=date(2026, 4, 10)).income_wages == 60000
    assert not Check.objects.filter(evaluated_at__isnull=True).exists()
    states = dict(Alert.objects.values_list("rule", "state"))
    assert states["INCOME_BELOW_LINE"] == "待销号" and states["INCOME_DROP"] == "待销号"


def test_a_new_check_row_is_added_to_the_history(places, tmp_path, run):
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    checks.append(check_row(visit="2026-06-01", kind="回头看", 工资性收入="60000"))
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "排查：新增 1，更新 0" in out
    assert Check.objects.count() == 3
    assert Alert.objects.get(rule="INCOME_BELOW_LINE").state == "待销号"


def test_a_registration_change_moves_the_key_group_without_a_new_check(places, tmp_path,
                                                                        run):
    households, members, checks = family()
    households[0].update(是否建档立卡="是", 脱贫状态="未脱贫")
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    assert Household.objects.get().key_group == "未脱贫户"
    households[0].update(脱贫状态="已脱贫", 脱贫年度="2020")
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "农户：新增 0，更新 1" in out
    assert Household.objects.get().key_group == "已脱贫户"
    change = StatusChange.objects.filter(kind="key_group").last()
    assert (change.old, change.new) == ("未脱贫户", "已脱贫户")


def test_member_rows_older_than_the_registrys_newest_visit_stay_on_their_check(
        places, tmp_path, run):
    """A late workbook with a 2024 visit: its member rows describe 2024, not today."""
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    members[1]["在校情况"] = "在校"
    code, out, err = run(write_csv_folder(tmp_path / "b", households, members,
                                          [check_row(visit="2024-04-10")]))
    assert code == 0, err
    assert "1 人的在校、健康、劳动、务工、参保情况早于系统中该户最近一次排查" in err
    assert Member.objects.get(id_number=CHILD).schooling == "失学辍学"
    late = Check.objects.get(visit_date=date(2024, 4, 10))
    assert late.members[1]["schooling"] == "在校"


# ── A check whose alerts a person worked on is never edited (domain.md §4) ───────────

@pytest.fixture
def worked_on(places, tmp_path, run, county_supervisor):
    """family() imported, and the town verified its DROPOUT alert."""
    run(write_csv_folder(tmp_path / "first", *family()))
    alert = Alert.objects.get(rule="DROPOUT")
    AlertMove.objects.create(alert=alert, actor=county_supervisor, from_state="预警",
                             to_state="核实")
    Alert.objects.filter(pk=alert.pk).update(state="核实")
    return family()


def test_a_changed_check_row_of_a_worked_on_household_is_refused(worked_on, tmp_path, run):
    households, members, checks = worked_on
    checks[1]["工资性收入"] = "90000"
    code, _, err = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 1
    assert "排查 第3行 工资性收入“90000”：该户的预警已有人处理，已登记的排查不能修改" in err
    assert Check.objects.get(visit_date=date(2026, 4, 10)).income_wages == 6000
    [row] = read_csv(tmp_path / "b_错误报告" / "排查.csv")
    assert "请新增一次排查" in row["错误原因"] and row["工资性收入"] == "90000"


def test_a_changed_member_of_a_worked_on_household_needs_a_new_check(worked_on, tmp_path,
                                                                     run):
    households, members, checks = worked_on
    members[1]["在校情况"] = "在校"
    code, _, err = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 1
    assert "成员 第3行 在校情况“在校”：该户的预警已有人处理" in err
    assert Member.objects.get(id_number=CHILD).schooling == "失学辍学"
    # The correction as domain.md §4 wants it: a new check, with the member as it saw her.
    checks.append(check_row(visit="2026-05-02", kind="核实", 工资性收入="6000", 经营性收入="0",
                            转移性收入="2000"))
    code, out, err = run(write_csv_folder(tmp_path / "c", households, members, checks))
    assert code == 0, err
    assert Member.objects.get(id_number=CHILD).schooling == "在校"
    assert Alert.objects.get(rule="DROPOUT").state == "待销号"


def test_moves_made_by_the_engine_alone_do_not_freeze_a_check(places, tmp_path, run):
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    assert AlertMove.objects.filter(actor__isnull=True).exists()
    checks[1]["工资性收入"] = "90000"
    code, _, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0
    assert Check.objects.get(visit_date=date(2026, 4, 10)).income_wages == 90000


# ── The audit trail of an import (issue 9) ────────────────────────────────────────────

def trail(**filters):
    from monitor.models import AuditEvent

    return AuditEvent.objects.filter(source="import", **filters)


def test_an_import_records_the_file_and_each_household_it_created(tmp_path, places):
    survey_import(path=write_csv_folder(tmp_path / "a", *family()))
    household = Household.objects.get(number="H001")
    assert [e.action for e in trail(household=household)] == ["created"]
    assert trail(household=household).get().note.startswith("导入 a；")
    imported = trail(action="imported").get()
    assert imported.object_label == "a" and "农户 新增 1" in imported.note
    assert not trail(object_kind="member").exists()  # a new household's members go with it


def test_a_changed_row_records_old_and_new(tmp_path, places):
    survey_import(path=write_csv_folder(tmp_path / "a", *family()))
    households, members, checks = family()
    members[1]["在校情况"] = "在校"
    checks[1]["转移性收入"] = "3000"
    survey_import(path=write_csv_folder(tmp_path / "b", households, members, checks))
    child = trail(object_kind="member", action="changed").get()
    assert child.changes == {"在校情况": ["失学辍学", "在校"]}
    check = trail(object_kind="check", action="changed").get()
    assert check.changes["转移性收入"] == ["2000.00", "3000.00"]


def test_importing_the_same_file_again_records_only_the_file(tmp_path, places):
    folder = write_csv_folder(tmp_path / "a", *family())
    survey_import(path=folder)
    before = trail().exclude(action="imported").count()
    survey_import(path=folder)
    assert trail().exclude(action="imported").count() == before
    assert trail(action="imported").count() == 2


def test_records_created_in_a_known_household_are_in_the_trail_as_audit_event_labels_them(
        tmp_path, places):
    from monitor.audit import audit_event

    survey_import(path=write_csv_folder(tmp_path / "a", *family()))
    households, members, checks = family()
    members.append(member_row(name="杨新", id_number=id_number(date(1990, 1, 1)),
                              relation="配偶"))
    checks.append(check_row(visit="2026-05-10"))
    survey_import(path=write_csv_folder(tmp_path / "b", households, members, checks))
    member = Member.objects.get(name="杨新")
    check = Check.objects.get(visit_date=date(2026, 5, 10))
    for obj in (member, check):
        [event] = trail(action="created", object_id=str(obj.pk), object_kind=audit_event(
            actor=None, action="created", obj=obj).object_kind)
        expected = audit_event(actor=None, action="created", obj=obj)
        assert (event.object_label, event.household_id) == (expected.object_label,
                                                            obj.household_id)
        assert event.note.startswith("导入 b；") and event.changes == {}


def test_a_created_household_is_in_the_trail_as_audit_event_labels_it(tmp_path, places):
    from monitor.audit import audit_event

    survey_import(path=write_csv_folder(tmp_path / "a", *family()))
    household = Household.objects.get()
    [event] = trail(action="created", object_kind="household", object_id=str(household.pk))
    expected = audit_event(actor=None, action="created", obj=household)
    assert (event.object_label, event.household_id) == (expected.object_label, household.pk)


# ── What an unchanged workbook vouches for (issue 19: skipped by a digest) ────────────

def test_a_household_changed_on_a_page_is_not_put_back_by_the_same_workbook(tmp_path, places):
    """The workbook's rows of H001 are as last imported: they are skipped, so a newer
    change made since (a page, the phone) stays; a changed row is still read."""
    folder = write_csv_folder(tmp_path / "a", *family())
    survey_import(path=folder)
    Member.objects.filter(id_number=CHILD).update(schooling="在校")
    again = survey_import(path=folder)
    assert (again.households_unchanged, again.members_unchanged, again.checks_unchanged) == (
        1, 2, 2)
    assert Member.objects.get(id_number=CHILD).schooling == "在校"
    households, members, checks = family()
    members[1]["健康状况"] = "长期慢性病"
    changed = survey_import(path=write_csv_folder(tmp_path / "b", households, members, checks))
    assert changed.members_updated == 1
    assert Member.objects.get(id_number=CHILD).schooling == "失学辍学"  # the file's, again


def test_a_household_with_a_refused_row_is_read_whole_next_time(tmp_path, places):
    households, members, checks = family()
    checks[1]["住房安全"] = "E"
    survey_import(path=write_csv_folder(tmp_path / "a", households, members, checks))
    assert Household.objects.get().survey_digest is None
    checks[1]["住房安全"] = "B"
    fixed = survey_import(path=write_csv_folder(tmp_path / "b", households, members, checks))
    assert fixed.checks_created == 1 and fixed.households_unchanged == 1
    assert Household.objects.get().survey_digest is not None


def test_the_same_rows_in_another_order_are_still_skipped_unread(tmp_path, places):
    """Sorting the sheets differently changes no household's digest: its rows are skipped,
    so a change made since on a page stays (as when the file is the very same)."""
    households, members, checks = family()
    survey_import(path=write_csv_folder(tmp_path / "a", households, members, checks))
    Member.objects.filter(id_number=CHILD).update(schooling="在校")
    again = survey_import(path=write_csv_folder(tmp_path / "b", households, members[::-1],
                                                checks[::-1]))
    assert (again.households_unchanged, again.members_unchanged, again.checks_unchanged) == (
        1, 2, 2)
    assert Member.objects.get(id_number=CHILD).schooling == "在校"


def test_an_unchanged_household_whose_checks_were_never_evaluated_is_evaluated_again(
        tmp_path, places):
    """The first import was written but its evaluation never ran (the worker died): the
    same file again skips the rows but still sends the household to the engine."""
    folder = write_csv_folder(tmp_path / "a", *family())
    survey_import(path=folder)
    home = Household.objects.get()
    assert Check.objects.unevaluated().count() == 2
    again = survey_import(path=folder)
    assert again.households_unchanged == 1 and again.evaluate == {home.id}
