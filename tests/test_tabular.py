"""Tables written for Excel (monitor/tabular.py): what a person typed stays text."""

import csv

from monitor.tabular import write_table


def read_csv(path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_a_typed_formula_is_written_as_text_in_a_csv(tmp_path):
    path = tmp_path / "台账.csv"
    write_table(path, ["备注", "金额"], [["=HYPERLINK(\"http://x\")", -5], ["@SUM(A1)", "3.50"]])
    assert read_csv(path) == [["备注", "金额"], ["'=HYPERLINK(\"http://x\")", "-5"],
                              ["'@SUM(A1)", "3.50"]]


def test_plain_text_and_negative_numbers_are_left_alone(tmp_path):
    path = tmp_path / "台账.csv"
    assert write_table(path, ["户主", "差额"], [["杨明华", "-12.5"]]) == 1
    assert read_csv(path)[1] == ["杨明华", "-12.5"]
