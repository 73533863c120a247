"""A workbook made by another tool (the demo generator, following interfaces.md) imports,
and the five lists' problem list and the ledger agree, household by household, with an
independent reading of domain.md §5–6 straight from the workbook's cells."""

import csv
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from demo.county import write_demo_survey

LINE = Decimal("6000")
TODAY = date(2026, 11, 1)


def read(path):
    with open(path, encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def age(id_number: str, on: date) -> int:
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def income(check) -> Decimal:
    return sum(Decimal(check[c]) for c in ("工资性收入", "经营性收入", "财产性收入", "转移性收入"))


def expected_rules(check, previous, members) -> set[str]:
    """§5, read from the cells the way a county officer would apply the table."""
    visit = date.fromisoformat(check["排查日期"])
    total, n = income(check), len(members)
    per_head = total / n
    fired = set()
    fired |= {"FOOD"} if check["不愁吃"] == "否" else set()
    fired |= {"CLOTHING"} if check["不愁穿"] == "否" else set()
    if any(m["在校情况"] == "失学辍学" and 6 <= age(m["身份证号"], visit) <= 15 for m in members):
        fired.add("DROPOUT")
    if any(m["参加基本医疗保险"] == "否" for m in members):
        fired.add("UNINSURED")
    if check["住房安全"] in ("C", "D"):
        fired.add("HOUSING")
    if "否" in (check["饮水水量"], check["饮水水质"], check["取水方便"], check["供水保证"]):
        fired.add("WATER")
    if per_head < LINE:
        fired.add("INCOME_BELOW_LINE")
    elif per_head < LINE * Decimal("1.5"):
        fired.add("INCOME_NEAR_LINE")
    if previous is not None:
        before = income(previous) / n
        if before > 0 and (before - per_head) / before >= Decimal("0.3"):
            fired.add("INCOME_DROP")
    medical = Decimal(check["医疗自付支出"])
    if medical > 0 and (total <= 0 or medical > total / 2):
        fired.add("MEDICAL_BURDEN")
    able = [m for m in members if m["劳动能力"] in ("普通劳动力", "技能劳动力")]
    if not able:
        fired.add("NO_LABOUR")
    elif not any(m["务工状况"] in ("县内务工", "县外务工") for m in members):
        fired.add("NO_WORK")
    if check["突发情况"] != "无":
        fired.add("SUDDEN_EVENT")
    return fired


HIGH = {"FOOD", "CLOTHING", "DROPOUT", "UNINSURED", "HOUSING", "WATER", "INCOME_BELOW_LINE",
        "SUDDEN_EVENT"}


def expected_class(check, members, open_rules: set[str]) -> str:
    """§6 in its order: 临界, then 巩固, else 稳定."""
    total = income(check)
    per_head = total / len(members)
    if (open_rules & HIGH or per_head < LINE * Decimal("1.2") or "NO_LABOUR" in open_rules
            or (total > 0 and Decimal(check["转移性收入"]) / total >= Decimal("0.5"))):
        return "临界"
    spending = Decimal(check["医疗自付支出"]) + Decimal(check["教育支出"])
    if (per_head < LINE * 2 or (total > 0 and spending / total >= Decimal("0.2"))
            or open_rules - HIGH):
        return "巩固"
    return "稳定"


@pytest.mark.django_db
def test_problems_and_ledger_match_the_spec_for_every_household(tmp_path, monkeypatch):
    survey = write_demo_survey(tmp_path / "county", households=300, seed=11, today=TODAY)
    call_command("load_places", str(survey.places_file))
    call_command("import_survey", str(survey.workbook))
    call_command("five_lists", "--place", "500241", "--format", "csv", "--out",
                 str(tmp_path / "lists"))
    call_command("ledger", "--place", "500241", "--out", str(tmp_path / "ledger.csv"))

    members, checks = defaultdict(list), defaultdict(list)
    for m in read(survey.workbook / "成员.csv"):
        members[m["户编号"]].append(m)
    for c in read(survey.workbook / "排查.csv"):
        checks[c["户编号"]].append(c)
    alerts = defaultdict(dict)
    for row in read(tmp_path / "lists" / "问题清单.csv"):
        alerts[row["户编号"]][row["规则代码"]] = row["状态"]
    ledger = {row["户编号"]: row for row in read(tmp_path / "ledger.csv")}

    assert len(ledger) == 300
    for number, visits in checks.items():
        visits.sort(key=lambda c: c["排查日期"])
        fired_each = [expected_rules(c, visits[i - 1] if i else None, members[number])
                      for i, c in enumerate(visits)]
        newest = fired_each[-1]
        raised = set().union(*fired_each)
        assert set(alerts[number]) == raised, number
        for rule, state in alerts[number].items():
            assert state == ("预警" if rule in newest else "待销号"), (number, rule)
        # Open is every state but 已销号 and 已排除, so 待销号 alerts still count (§7).
        assert ledger[number]["分类"] == expected_class(visits[-1], members[number], raised), \
            number
        per_head = income(visits[-1]) / len(members[number])
        assert ledger[number]["人均纯收入"] == f"{per_head:.2f}"
        assert ledger[number]["未销号预警数"] == str(len(alerts[number]))
