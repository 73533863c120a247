"""Data-quality checks before reporting upward (疑点核查, domain.md §2, §6, §9).

Each check is a named query over the households in scope and returns the doubtful points
(疑点) a county clears before it reports:

    NO_WORK_WITHOUT_LABOUR  an open NO_WORK alert on a household whose members, as
                            registered now, include no 普通 or 技能 labourer — NO_WORK needs a
                            labourer, so the alert or the members are wrong;
    NO_PLAN                 a monitored household with no plan (一户一策) a month after its
                            county confirmation, or with no confirmation on record at all;
    OFFICER_OVERLOAD        an information officer carrying more than
                            officer_max_households (200) households;
    CLASS_MISMATCH          a household whose stored class (分类) or key group (重点群体)
                            differs from what monitor.classification derives from its newest
                            check and open alerts now (Fuling's 六统一: ledger and checks
                            agree). Households with a check still waiting for evaluation are
                            left out, as the engine has not caught up with them yet.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from alerts.engine import derived_now
from alerts.models import Alert, Plan
from households.models import Check, Household, Member
from monitor.choices import ABLE_LABOUR
from monitor.models import person_name
from monitor.policy import Policy

from .identification import add_months
from .models import CasePurpose, CaseState, IdentificationCase

COLUMNS = ["疑点", "户编号", "村代码", "村", "信息员", "说明"]
CHUNK = 1000


@dataclass(frozen=True)
class Doubt:
    """One doubtful point: which check found it, where, and what is wrong."""

    code: str
    number: str
    village_code: str
    village: str
    officer: str
    detail: str

    @property
    def title(self) -> str:
        return TITLES[self.code]

    def row(self) -> list[str]:
        return [self.title, self.number, self.village_code, self.village, self.officer,
                self.detail]


def no_work_without_labour(households, today: date) -> Iterator[Doubt]:
    open_no_work = Alert.objects.open().filter(household=OuterRef("pk"), rule="NO_WORK")
    able = Member.objects.filter(household=OuterRef("pk"), labour__in=ABLE_LABOUR)
    for h in households.filter(Exists(open_no_work)).exclude(Exists(able)).select_related(
            "village").order_by("number"):
        yield Doubt("NO_WORK_WITHOUT_LABOUR", h.number, h.village_id, h.village.name, "",
                    "有未销号的务工就业不稳（NO_WORK）预警，但家庭成员中没有普通或技能劳动力")


def no_plan(households, today: date) -> Iterator[Doubt]:
    confirmed = IdentificationCase.objects.filter(
        household=OuterRef("pk"), purpose=CasePurpose.INCLUDE, state=CaseState.CONFIRMED,
    ).order_by("-closed_on").values("closed_on")[:1]
    month_ago = add_months(today, -1)
    found = households.exclude(monitoring_category="").exclude(
        Exists(Plan.objects.filter(household=OuterRef("pk")))).annotate(
        confirmed_on=Subquery(confirmed)).filter(
        # Within a month of T: by the end of T + 1 month; doubtful from the day after.
        Q(confirmed_on__isnull=True) | Q(confirmed_on__lt=month_ago))
    for h in found.select_related("village").order_by("number"):
        when = f"{h.confirmed_on} 县级确认，已超过一个月" if h.confirmed_on else "无县级确认记录"
        yield Doubt("NO_PLAN", h.number, h.village_id, h.village.name, "",
                    f"监测对象（{h.monitoring_category}），{when}，仍无帮扶计划（一户一策）")


def officer_overload(households, today: date) -> Iterator[Doubt]:
    limit = int(Policy().value("officer_max_households", today))
    loads = households.exclude(info_officer=None).values(
        "info_officer", "info_officer__username", "info_officer__first_name",
        "info_officer__last_name").annotate(n=Count("id")).filter(
        n__gt=limit).order_by("-n", "info_officer__username")
    for load in loads:
        villages = households.filter(info_officer=load["info_officer"]).values_list(
            "village_id", "village__name").distinct().order_by("village_id")
        codes = "、".join(code for code, _ in villages)
        names = "、".join(name for _, name in villages)
        officer = person_name(load["info_officer__first_name"], load["info_officer__last_name"],
                              load["info_officer__username"])
        yield Doubt("OFFICER_OVERLOAD", "", codes, names, officer,
                    f"联系 {load['n']} 户，超过每名信息员 {limit} 户的上限")


def class_mismatch(households, today: date) -> Iterator[Doubt]:
    policy = Policy()
    pending = Check.objects.filter(household=OuterRef("pk"), evaluated_at__isnull=True)
    ids = list(households.exclude(Exists(pending)).order_by("number").values_list("id",
                                                                                flat=True))
    for start in range(0, len(ids), CHUNK):
        yield from _mismatches(ids[start:start + CHUNK], policy)


def _mismatches(ids: list[int], policy: Policy) -> Iterator[Doubt]:
    """The households whose stored class or key group is not what their newest check and
    open alerts derive (alerts.engine.derived_now, set-wise over the chunk)."""
    households = list(Household.objects.filter(id__in=ids).select_related("village")
                      .order_by("number"))  # the instances have every field derived_now reads
    derived = {household_id: (household_class, group) for household_id, household_class, group
               in derived_now(households, policy).select(
                   "household_id", "class", "key_group").rows()}
    for h in households:
        derived_class, derived_group = derived[h.id]
        wrong = [f"{label}登记为“{stored or '空'}”，按最近一次排查应为“{derived or '空'}”"
                 for label, stored, derived in (("分类", h.household_class, derived_class),
                                                ("重点群体", h.key_group, derived_group))
                 if stored != derived]
        if wrong:
            yield Doubt("CLASS_MISMATCH", h.number, h.village_id, h.village.name, "",
                        "；".join(wrong))


CHECKS = [
    ("NO_WORK_WITHOUT_LABOUR", "无劳动力却有务工预警", no_work_without_labour),
    ("NO_PLAN", "监测对象无帮扶计划", no_plan),
    ("OFFICER_OVERLOAD", "信息员联系户数超限", officer_overload),
    ("CLASS_MISMATCH", "分类与排查不一致（六统一）", class_mismatch),
]
TITLES = {code: title for code, title, _ in CHECKS}


def doubts(households, today: date, only: str = "") -> list[Doubt]:
    """Every doubtful point among these households (the caller's scope), check by
    check; `only` keeps one check."""
    found = []
    for code, _, check in CHECKS:
        if not only or code == only:
            found += list(check(households, today))
    return found
