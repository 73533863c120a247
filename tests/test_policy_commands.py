"""county IT previews and adopts a policy change from the server (interfaces.md
"Policy: policy_preview and policy_adopt"): the CSV of the households that change (UTF-8
with BOM, rules by 名称 joined by 、), the figures printed, exit 2 for an unknown place,
name or value."""

import csv
import sys
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from alerts.models import Alert, AlertMove
from monitor.models import MonitoringLine, PolicySetting
from reports.management.commands.policy_preview import Command

from .alert_helpers import alert_of, family, record

VISIT = date(2026, 5, 1)


@pytest.fixture
def just_above(places):
    """9,100 a head under the line of 6,000: 巩固, no alert (tests/test_policy_proposal.py)."""
    household = family(places["village_a"], "HA001")
    record(household, VISIT, income_wages=Decimal("18200"))
    return household


@pytest.fixture
def run(capsys):
    """A command as county IT runs it: (exit code, stdout, stderr), never a traceback."""
    def run(name, *args):
        capsys.readouterr()
        try:
            call_command(name, *args)
            code = 0
        except CommandError as error:
            code = error.returncode
            sys.stderr.write(f"CommandError: {error}\n")
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err
    return run


def test_policy_preview_writes_the_households_that_change(run, tmp_path, just_above):
    out = tmp_path / "预览.csv"
    code, printed, _ = run("policy_preview", "--place", "500241", "--from", "2026-01-01",
                           "--line", "7600", "--out", str(out))
    assert code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows == [["户编号", "村代码", "现分类", "新分类", "新增预警", "不再触发"],
                    ["HA001", "500241101201", "巩固", "临界", "收入接近监测线", ""]]
    assert "收入接近监测线 1 户" in printed
    assert "临界" in printed and "巩固" in printed
    assert not Alert.objects.exists() and not MonitoringLine.objects.exists()


def test_rules_of_one_household_are_joined_by_the_enumeration_comma(run, tmp_path, places):
    household = family(places["village_a"], "HA002")
    record(household, VISIT, income_wages=Decimal("18200"),
           medical_spending=Decimal("5000"))  # 27 % of the income: a burden at 20 %
    out = tmp_path / "预览.csv"
    code, _, _ = run("policy_preview", "--place", "500241", "--from", "2026-01-01",
                     "--line", "7600", "--set", "medical_burden_share=0.2", "--out", str(out))
    assert code == 0
    [_, row] = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert row[4:] == ["收入接近监测线、医疗支出负担重", ""]


def test_policy_adopt_records_and_re_evaluates(run, just_above):
    code, printed, _ = run("policy_adopt", "--place", "500241", "--from", "2026-01-01",
                           "--line", "7600", "--set", "near_line_factor=1.5",
                           "--reason", "市政府 2026 年 3 号文")
    assert code == 0, printed
    assert MonitoringLine.objects.get(year=2026).amount == Decimal("7600")
    assert PolicySetting.objects.get(key="near_line_factor").value == Decimal("1.5")
    alert = alert_of(just_above, "INCOME_NEAR_LINE")
    assert AlertMove.objects.get(alert=alert).note.startswith("政策调整")


@pytest.mark.parametrize("args, words", [
    (["--place", "999999"], "未找到区县“999999”"),
    (["--place", "500241101"], "未找到区县“500241101”"),  # a town is not a county
    (["--place", "500241", "--set", "poverty_factor=2"], "未知参数“poverty_factor”"),
    (["--place", "500241", "--set", "near_line_factor=一点五"], "应为数字"),
    (["--place", "500241", "--set", "near_line_factor"], "参数名=取值"),
    (["--place", "500241", "--set", "safety_net_hold=2"], "只能为 1（开启）或 0（关闭）"),
    (["--place", "500241", "--line", "-1"], "不能为负数"),
    (["--place", "500241", "--line", "0"], "监测线须大于 0"),
    (["--place", "500241", "--from", "2026-02-30", "--line", "7000"], "生效日期"),
])
@pytest.mark.parametrize("command", ["policy_preview", "policy_adopt"])
def test_an_unknown_place_name_or_value_exits_2_saying_which(run, tmp_path, places, command,
                                                            args, words):
    args = [*args] if "--from" in args else [*args, "--from", "2026-01-01"]
    if "--line" not in args and "--set" not in args:
        args += ["--line", "7000"]
    if command == "policy_preview":
        args += ["--out", str(tmp_path / "x.csv")]
    code, _, err = run(command, *args)
    assert (code, words in err) == (2, True), err
    assert not MonitoringLine.objects.exists() and not PolicySetting.objects.exists()


def test_help_lists_the_threshold_names():
    parser = Command().create_parser("manage.py", "policy_preview")
    text = parser.format_help()
    for name in ("near_line_factor", "borderline_income_factor", "收入临界"):
        assert name in text
