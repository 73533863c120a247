"""Lists to compare and the report to read, shared by the comparison tests."""

import csv
from datetime import date

from casework.comparison import comparison_run, report_path

ON = date(2026, 9, 1)
D0 = date(2026, 3, 10)


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
