from datetime import date

from django.core.management import call_command

from demo.county import write_demo_survey
from households.idnumber import parse_id_number
from households.models import Check, Household, Member
from monitor.models import User
from monitor.tabular import read_csv


def rows(folder, sheet):
    header, data = read_csv(folder / f"{sheet}.csv")
    return [dict(zip(header, row, strict=True)) for row in data]


def test_the_demo_survey_is_the_same_for_the_same_seed(tmp_path):
    first = write_demo_survey(tmp_path / "a", households=120, seed=7, today=date(2026, 11, 1))
    second = write_demo_survey(tmp_path / "b", households=120, seed=7, today=date(2026, 11, 1))
    for sheet in ("农户", "成员", "排查"):
        assert rows(first.workbook, sheet) == rows(second.workbook, sheet)


def test_demo_households_have_about_three_members_and_valid_ids(tmp_path):
    survey = write_demo_survey(tmp_path, households=500, seed=1, today=date(2026, 11, 1))
    assert 2.9 < survey.members / survey.households < 3.7
    for member in rows(survey.workbook, "成员")[:300]:
        parse_id_number(member["身份证号"])


def test_every_household_has_one_head_and_checks_in_the_past(tmp_path):
    survey = write_demo_survey(tmp_path, households=100, seed=3, today=date(2026, 11, 1))
    assert sum(m["与户主关系"] == "户主" for m in rows(survey.workbook, "成员")) == 100
    assert all(c["排查日期"] <= "2026-11-01" for c in rows(survey.workbook, "排查"))


def test_the_demo_command_loads_a_county_with_checks_and_users_of_every_role(db, capsys):
    call_command("demo_county", "--households", "100")
    out = capsys.readouterr().out
    assert "演示账号" in out
    assert Household.objects.count() == 100
    assert Member.objects.count() > 250
    assert Check.objects.filter(evaluated_at__isnull=False).count() == Check.objects.count() > 0
    assert Household.objects.exclude(household_class="").count() == 100
    assert set(User.objects.values_list("role", flat=True)) == {
        "admin", "county", "town", "village", "department"}
    call_command("demo_county", "--households", "100")
    assert "已存在" in capsys.readouterr().out
    assert Household.objects.count() == 100


def test_every_demo_login_has_a_name_and_work_on_first_login(db, capsys):
    from alerts.models import Alert, Task
    from monitor.roles import Channel

    call_command("demo_county", "--households", "600")
    out = capsys.readouterr().out
    village = User.objects.get(username="village")
    assert village.display_name != "village" and village.unit.endswith("村委会")
    assert village.name_and_unit in out  # the logins printed are people
    assert Household.objects.filter(info_officer=village).count() > 0
    assert Household.objects.filter(info_officer=village).count() == Household.objects.filter(
        village_id=village.place_id).count()
    assert Alert.objects.filter(rule="DROPOUT").exists()
    for channel in Channel:
        person = User.objects.get(username=f"dept_{channel.value}")
        assert Task.objects.visible_to(person).filter(channel=channel, person=person).exists(), (
            channel)
