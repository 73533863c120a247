"""The workbook's columns (interfaces.md), each with the function that cleans it (or the
name of one that needs today's date or the known villages, see validation.cleaners)."""

from households.models import NOTES_MAX, Check, Household, Member
from monitor.choices import (
    CheckKind,
    Health,
    HousingGrade,
    Labour,
    PovertyStatus,
    Schooling,
    SuddenEvent,
    Work,
)

from . import cells

OPTIONAL = {"村民小组", "联系电话", "脱贫年度", "排查人", "突发损失", "备注", "与户主关系",
            "信息员"}

HOUSEHOLD = {
    "户编号": cells.required, "村代码": "village", "村民小组": cells.text,
    "户主姓名": cells.name, "户主身份证号": "id", "联系电话": cells.text,
    "是否建档立卡": cells.yes_no, "脱贫状态": cells.one_of(PovertyStatus.values),
    "脱贫年度": "year",
    # The household's information officer (信息员), by username: a village officer of the
    # household's village (validation.reject_unknown_officers); empty leaves it as it is.
    "信息员": cells.text,
}
MEMBER = {
    "户编号": cells.required, "姓名": cells.name, "身份证号": "id", "与户主关系": cells.text,
    "在校情况": cells.one_of(Schooling.values), "健康状况": cells.one_of(Health.values),
    "劳动能力": cells.one_of(Labour.values), "务工状况": cells.one_of(Work.values),
    "参加基本医疗保险": cells.yes_no,
}
CHECK = {
    "户编号": cells.required, "排查日期": "date", "排查类型": cells.one_of(CheckKind.values),
    "排查人": cells.person, "不愁吃": cells.yes_no, "不愁穿": cells.yes_no,
    "住房安全": cells.one_of(HousingGrade.values), "饮水水量": cells.yes_no,
    "饮水水质": cells.yes_no, "取水方便": cells.yes_no, "供水保证": cells.yes_no,
    "工资性收入": cells.money, "经营性收入": cells.money, "财产性收入": cells.money,
    "转移性收入": cells.money, "医疗自付支出": cells.money, "教育支出": cells.money,
    "突发情况": cells.one_of(SuddenEvent.values), "突发损失": cells.money, "备注": cells.text,
}
SHEETS = {"农户": HOUSEHOLD, "成员": MEMBER, "排查": CHECK}

# Column → model field.
HOUSEHOLD_FIELDS = {
    "村代码": "village_id", "村民小组": "group", "户主姓名": "head_name",
    "户主身份证号": "head_id_number", "联系电话": "phone", "是否建档立卡": "registered",
    "脱贫状态": "poverty_status", "脱贫年度": "poverty_exit_year",
}
MEMBER_FIELDS = {
    "姓名": "name", "与户主关系": "relation", "在校情况": "schooling", "健康状况": "health",
    "劳动能力": "labour", "务工状况": "work", "参加基本医疗保险": "insured",
}
# What a check observes of a member (domain.md §4); name and relation are not observations.
OBSERVED = {"在校情况", "健康状况", "劳动能力", "务工状况", "参加基本医疗保险"}
CHECK_FIELDS = {
    "排查人": "officer_name", "不愁吃": "food_secure", "不愁穿": "clothing_secure",
    "住房安全": "housing", "饮水水量": "water_quantity", "饮水水质": "water_quality",
    "取水方便": "water_convenience", "供水保证": "water_reliability",
    "工资性收入": "income_wages", "经营性收入": "income_business",
    "财产性收入": "income_property", "转移性收入": "income_transfers",
    "医疗自付支出": "medical_spending", "教育支出": "education_spending",
    "突发情况": "sudden_event", "突发损失": "sudden_loss", "备注": "notes",
}


def required_columns(sheet: str) -> list[str]:
    return [column for column in SHEETS[sheet] if column not in OPTIONAL]


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


# The longest text each column may hold (what its field stores; the API's 2,000 for
# notes); other columns are checked by their own rule, after Excel's cell limit.
USERNAME_MAX = 150  # Django's username
ID_TEXT = 40  # longer than any ID typed wrong, short enough to quote back in the reason
LIMITS = {
    "户编号": _max_length(Household, "number"), "村民小组": _max_length(Household, "group"),
    "户主姓名": _max_length(Household, "head_name"), "联系电话": _max_length(Household, "phone"),
    "户主身份证号": ID_TEXT, "身份证号": ID_TEXT, "村代码": ID_TEXT,
    "姓名": _max_length(Member, "name"), "与户主关系": _max_length(Member, "relation"),
    "排查人": _max_length(Check, "officer_name"), "备注": NOTES_MAX,
    "信息员": USERNAME_MAX,
}
