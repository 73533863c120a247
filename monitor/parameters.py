"""The county's policy parameters (domain.md §5–7, §9) with the national mechanism's
defaults: what a PolicySetting may set, and the value that holds when none does."""

from decimal import Decimal

D = Decimal

DEFAULTS: dict[str, tuple[Decimal, str]] = {
    # Rules (§5)
    "near_line_factor": (D("1.5"), "收入临界：人均纯收入低于监测线的倍数"),
    "income_drop_share": (D("0.30"), "收入大幅缩减：较上次排查下降的比例"),
    "medical_burden_share": (D("0.50"), "因病：医疗自付支出超过家庭年收入的比例"),
    "school_age_from": (D("6"), "义务教育年龄下限（岁）"),
    "school_age_to": (D("15"), "义务教育年龄上限（岁）"),
    # Classification (§6)
    "borderline_income_factor": (D("1.2"), "临界：人均纯收入低于监测线的倍数"),
    "borderline_transfer_share": (D("0.50"), "临界：转移性收入占比"),
    "consolidated_income_factor": (D("2"), "巩固：人均纯收入低于监测线的倍数"),
    "consolidated_spending_share": (D("0.20"), "巩固：医疗加教育支出占收入比例"),
    # Xiushan's key groups (§3)
    "key_group_income_factor": (D("1.5"), "临界户：人均纯收入低于监测线的倍数"),
    # Deadlines in days (§7)
    "high_verify_days": (D("3"), "高风险：核实时限（天）"),
    "high_plan_days": (D("7"), "高风险：制定帮扶计划时限（天）"),
    "high_close_days": (D("30"), "高风险：销号时限（天）"),
    "medium_verify_days": (D("7"), "中风险：核实时限（天）"),
    "medium_plan_days": (D("15"), "中风险：制定帮扶计划时限（天）"),
    "medium_close_days": (D("60"), "中风险：销号时限（天）"),
    "declaration_accept_days": (D("2"), "农户申报：乡镇受理时限（天）"),
    # Identification and elimination (§2, §9)
    "notice_days": (D("5"), "公示期（天）"),
    "officer_max_households": (D("200"), "每名信息员最多联系户数"),
    "elimination_gap_months": (D("6"), "风险消除：最近两次排查至少间隔（月）"),
    # A household on the safety net (no 普通 or 技能 labourer, transfers at least this
    # share of income) is not proposed for elimination while the hold is on (1; 0 = off):
    # its risk is held by 兜底保障, not gone (§9).
    "safety_net_hold": (D("1"), "风险消除：兜底保障户不标注风险消除（1 开启，0 关闭）"),
    "safety_net_transfer_share": (D("0.50"), "兜底保障户：转移性收入占收入比例不低于"),
}

SWITCHES = {"safety_net_hold"}  # settings that are on (1) or off (0), not amounts

FIRST_LINE = (2021, D("6000"))  # 1.5 × the old national poverty line, when the mechanism began
