"""The import core as the import page calls it (issue 20): a town's or county's place
limits the rows it loads, the progress is told phase by phase, the 信息员 column sets a
household's information officer, and what the file did not change is counted."""

from households.models import Check, Household, Member
from monitor.models import AuditEvent
from survey.importing import survey_evaluate, survey_import
from survey.result import PHASES

from .conftest import ZHONGHE_VILLAGE
from .factories import id_number
from .survey_helpers import check_row, family, household_row, member_row, write_csv_folder

OUTSIDE = "不在本人负责的地区范围内（隘口镇）"


def town_and_other_town():
    """H001 in 平所村 (隘口镇), H002 in 金田村 (中和街道), a member and a check each."""
    return ([household_row(), household_row("H002", village=ZHONGHE_VILLAGE,
                                            户主身份证号=id_number())],
            [member_row(), member_row("H002", "田二", id_number())],
            [check_row(), check_row("H002")])


def reasons(result) -> set[tuple[str, str, str]]:
    return {(r.sheet, r.column, r.reason) for r in result.rejected}


# ── The place ────────────────────────────────────────────────────────────────────────

def test_a_town_loads_its_own_villages_and_refuses_the_rest_row_by_row(places, tmp_path):
    folder = write_csv_folder(tmp_path / "s", *town_and_other_town())
    result = survey_import(path=folder, place=places["town"])
    assert set(Household.objects.values_list("number", flat=True)) == {"H001"}
    assert reasons(result) == {("农户", "村代码", OUTSIDE), ("成员", "户编号", OUTSIDE),
                               ("排查", "户编号", OUTSIDE)}
    assert result.rejected_rows == 3


def test_the_county_loads_every_town_of_it(places, tmp_path):
    folder = write_csv_folder(tmp_path / "s", *town_and_other_town())
    result = survey_import(path=folder, place=places["county"])
    assert not result.rejected and Household.objects.count() == 2


def test_a_town_cannot_touch_a_household_registered_in_another_town(places, tmp_path):
    survey_import(path=write_csv_folder(tmp_path / "a", *town_and_other_town()))
    # H002 "moved" into the town's village, and a new member and check for it.
    households, members, checks = town_and_other_town()
    households[1]["村代码"] = places["village_a"].code
    members.append(member_row("H002", "田三", id_number()))
    checks.append(check_row("H002", visit="2026-05-01"))
    result = survey_import(path=write_csv_folder(tmp_path / "b", households, members, checks),
                           place=places["town"])
    assert Household.objects.get(number="H002").village_id == ZHONGHE_VILLAGE
    assert {(r.sheet, r.reason) for r in result.rejected} == {
        ("农户", OUTSIDE), ("成员", OUTSIDE), ("排查", OUTSIDE)}
    assert Member.objects.filter(household__number="H002").count() == 1


# ── Progress ─────────────────────────────────────────────────────────────────────────

def test_the_progress_moves_through_the_four_phases_in_order(places, tmp_path):
    seen = []
    result = survey_import(path=write_csv_folder(tmp_path / "s", *family()),
                           progress=lambda *step: seen.append(step))
    survey_evaluate(result, progress=lambda *step: seen.append(step))
    phases = [phase for phase, _, _ in seen]
    assert [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p] == list(PHASES)
    assert ("reading", 8, 8) in seen  # every line read: five rows and three headers
    assert seen[-1] == ("evaluating", 1, 1)
    written = [(done, total) for phase, done, total in seen if phase == "writing"]
    assert written[-1] == (5, 5)  # a household, two members, two checks


# ── 信息员 ────────────────────────────────────────────────────────────────────────────

def test_the_officer_column_sets_each_households_officer(places, village_officer, tmp_path):
    households, members, checks = family()
    households[0]["信息员"] = "alice"
    survey_import(path=write_csv_folder(tmp_path / "s", households, members, checks))
    assert Household.objects.get(number="H001").info_officer == village_officer


def test_an_empty_officer_cell_keeps_the_officer(places, village_officer, tmp_path):
    households, members, checks = family()
    households[0]["信息员"] = "alice"
    survey_import(path=write_csv_folder(tmp_path / "a", households, members, checks))
    households[0]["信息员"] = ""
    result = survey_import(path=write_csv_folder(tmp_path / "b", households, members, checks))
    assert Household.objects.get(number="H001").info_officer == village_officer
    assert result.households_unchanged == 1


def test_an_officer_of_another_village_or_no_officer_at_all_is_refused(
        places, other_village_officer, town_supervisor, tmp_path):
    households, members, checks = two_households_with_officers("bob", "charlie")
    result = survey_import(path=write_csv_folder(tmp_path / "s", households, members, checks))
    assert {(r.row, r.column, r.value) for r in result.rejected if r.sheet == "农户"} == {
        (2, "信息员", "bob"), (3, "信息员", "charlie")}
    assert not Household.objects.exists()


def two_households_with_officers(first: str, second: str):
    households = [household_row(信息员=first),
                  household_row("H002", 户主身份证号=id_number(), 信息员=second)]
    return households, [member_row(), member_row("H002", "田二", id_number())], \
        [check_row(), check_row("H002")]


def test_a_changed_officer_is_on_the_trail_by_name(places, village_officer, tmp_path):
    village_officer.first_name, village_officer.unit = "王小燕", "平所村委会"
    village_officer.save()
    survey_import(path=write_csv_folder(tmp_path / "a", *family()))
    households, members, checks = family()
    households[0]["信息员"] = "alice"
    survey_import(path=write_csv_folder(tmp_path / "b", households, members, checks))
    event = AuditEvent.objects.filter(object_kind="household", action="changed").get()
    assert event.changes == {"信息员": [None, "王小燕 · 平所村委会"]}


# ── Unchanged ────────────────────────────────────────────────────────────────────────

def test_a_file_loaded_twice_counts_everything_unchanged(places, tmp_path):
    folder = write_csv_folder(tmp_path / "s", *family())
    survey_import(path=folder)
    checks = list(Check.objects.values_list("id", "evaluated_at"))
    again = survey_import(path=folder)
    assert (again.households_created, again.households_updated, again.households_unchanged,
            again.members_created, again.members_updated, again.members_unchanged,
            again.checks_created, again.checks_updated, again.checks_unchanged) == (
        0, 0, 1, 0, 0, 2, 0, 0, 2)
    assert list(Check.objects.values_list("id", "evaluated_at")) == checks


def test_the_page_import_names_its_user_on_the_trail(places, town_supervisor, tmp_path):
    survey_import(path=write_csv_folder(tmp_path / "s", *family()), actor=town_supervisor,
                  place=places["town"])
    events = AuditEvent.objects.all()
    assert events.count() > 1 and all(e.actor == town_supervisor for e in events)


def test_a_town_is_not_told_the_number_of_another_towns_household(places, tmp_path):
    """One person, one household: refused, without naming a household outside the town."""
    households, members, checks = town_and_other_town()
    survey_import(path=write_csv_folder(tmp_path / "a", households, members, checks))
    elsewhere = members[1]["身份证号"]  # 田二 of H002, in the other town
    head = id_number()
    result = survey_import(path=write_csv_folder(
        tmp_path / "b", [household_row("H009", 户主身份证号=head)],
        [member_row("H009", id_number=head), member_row("H009", "田二", elsewhere)],
        [check_row("H009")]), place=places["town"])
    [reason] = [r.reason for r in result.rejected if r.sheet == "成员"]
    assert "H002" not in reason and "本人负责地区以外的农户" in reason
