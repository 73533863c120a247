"""The roles people work in and the departments' channels (domain.md §1), what each role
may do, and the one refusal the services raise.

Who may do what is the table below, one capability a line. Pages (which buttons and links
they show), the API and the services ask it the same way: `may(user, X)` answers, and
`require(user, X)` refuses in X's words. Which households, alerts and tasks a user sees
at all is the other half of access, in monitor/scope.py.

A service that will not do what it is asked raises `Refused`, saying why in Chinese;
`LostRace` when someone else changed the object since the actor loaded it. The API
answers a refusal 400 `{"detail": …}` and a lost race 409 (monitor/api.py); a page shows
either as an error message (`refusal_as_message`) and goes on as it would. Something
outside the user's scope is not a refusal: it does not exist (404).
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages
from django.db import models


class Role(models.TextChoices):
    VILLAGE = "village", "村干部"
    TOWN = "town", "乡镇"
    COUNTY = "county", "区县"
    DEPARTMENT = "department", "行业部门"
    ADMIN = "admin", "管理员"


class Channel(models.TextChoices):
    """The departments' "green channels" (domain.md §1, §5)."""

    CIVIL = "civil", "民政"
    EDUCATION = "education", "教育"
    MEDICAL = "medical", "医保"
    HOUSING = "housing", "住建"
    WATER = "water", "水利"
    LABOUR = "labour", "人社"


# ── Refusals ──────────────────────────────────────────────────────────────────────────


class Refused(Exception):
    """What the rules do not allow (wrong role, wrong state, something missing); the
    message says why, in Chinese."""


class LostRace(Refused):
    """Someone else changed the object since the actor loaded it."""


@contextmanager
def refusal_as_message(request):
    """How a page shows a refusal: raised inside the block, it becomes an error message
    and the block is left; the page then redirects or renders as it would."""
    try:
        yield
    except Refused as refused:
        messages.error(request, str(refused))


# ── Who may do what ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Capability:
    """The roles that may do something, and the words of a refusal: {role} is the
    actor's role, any other {name} the caller of `require` gives. With `superuser`, a
    superuser may too, whatever role they hold."""

    roles: tuple[str, ...]
    refusal: str = ""
    superuser: bool = False

    def words(self, user, **names) -> str:
        return self.refusal.format(role=Role(user.role).label, **names)


FIELD = (Role.VILLAGE, Role.TOWN, Role.COUNTY)  # village officers and their supervisors
SUPERVISORS = (Role.TOWN, Role.COUNTY)

# One line a capability: the roles that may, then what a refusal says.

# Checks (§4) and the people in them: department staff see only what their tasks need.
RECORD_CHECKS = Capability((*FIELD, Role.ADMIN), "行业部门用户不能录入排查", superuser=True)
SEE_PERSONAL_DATA = Capability((*FIELD, Role.ADMIN), superuser=True)  # ID numbers, phones in full
# Their households kept on the phone for work without signal (§10): village officers only,
# whose scope is a few villages; a town's or county's registry does not belong on a phone.
WORK_OFFLINE = Capability((Role.VILLAGE,))

# Alerts at work (§7). Working one is 核实, 开始帮扶 or 排除; those who may are whom a
# supervisor makes responsible for it (ASSIGN_ALERTS).
WORK_ALERTS = Capability(FIELD, "{role}不能{move}预警：须由村干部或乡镇、区县监管人员办理")
CLOSE_ALERTS = Capability(SUPERVISORS, "{role}不能{move}预警：须由乡镇或区县监管人员办理")
ASSIGN_ALERTS = Capability(SUPERVISORS, "{role}不能指派预警：须由乡镇或区县监管人员指派")
PLAN_MEASURES = Capability(FIELD, "{role}不能制定帮扶措施")
ASSIGN_TASKS = Capability(SUPERVISORS, "{role}不能指派任务：须由乡镇或区县监管人员指派")
# Any task they see; anyone else only a task assigned to them.
UPDATE_TASKS = Capability((Role.DEPARTMENT, *SUPERVISORS), "{role}只能更新指派给自己的任务")

# Casework (§7 sources, §9): the pages of declarations, cases and doubtful points.
READ_CASEWORK = Capability((*FIELD, Role.ADMIN), superuser=True)
RECORD_DECLARATIONS = Capability(FIELD,
                                 "{role}不能记录农户申报：须由村干部或乡镇、区县工作人员记录")
ACCEPT_DECLARATIONS = Capability(SUPERVISORS, "{role}不能受理农户申报：须由乡镇或区县监管人员受理")
PROPOSE_CASES = Capability(FIELD, "{role}不能提出{purpose}")  # 纳入监测, 风险消除
RECORD_OBJECTIONS = Capability(FIELD, "{role}不能记录公示异议")
VILLAGE_STEPS = Capability((Role.VILLAGE,), "“{step}”须由村干部办理")  # 入户核实, 民主评议, 公示
TOWN_REVIEW = Capability((Role.TOWN,), "“{step}”须由乡镇监管人员办理")
COUNTY_CONFIRMATION = Capability((Role.COUNTY,), "“{step}”须由区县监管人员办理")
# The county's policy (§1, §5): its lines and thresholds, on the 政策 page.
SET_POLICY = Capability((Role.COUNTY, Role.ADMIN),
                        "{role}不能修改政策参数：须由区县监管人员或管理员办理", superuser=True)
COMPARE_LISTS = Capability((Role.COUNTY, Role.ADMIN),
                           "{role}不能进行部门数据比对：须由区县监管人员或管理员办理",
                           superuser=True)

# The campaign survey loaded from the 导入排查 page (issue 20): a town's or county's
# supervisors, each for their own place; and who looks after which households (信息员).
IMPORT_SURVEY = Capability(SUPERVISORS, "{role}不能导入排查数据：须由乡镇或区县监管人员导入")
ASSIGN_OFFICERS = Capability(SUPERVISORS, "{role}不能分配信息员：须由乡镇或区县监管人员分配")

# The registry's members from the field (§3): a birth, a marriage, one who left or died,
# a corrected ID number. Recorded by those who record checks.
CHANGE_MEMBERS = Capability((*FIELD, Role.ADMIN), "{role}不能登记家庭成员变动", superuser=True)

# Where each role starts its day after logging in (a URL name): department staff at the
# tasks of their channel, a village officer at their households (the phone's page, which
# also keeps them for work without signal), everyone else at the dashboard of their place.
LANDING = {Role.DEPARTMENT: "alerts:tasks", Role.VILLAGE: "households:list"}
HOME = "home"


# What an administrator manages in the admin site (§1: users, places, the lines,
# thresholds and measures catalogue), as (app label, model): a user made or changed to the
# admin role gets exactly these models' permissions, and loses them with the role
# (monitor.services.user_save).
ADMIN_SITE_MODELS = (
    ("monitor", "user"), ("households", "place"), ("monitor", "monitoringline"),
    ("monitor", "policysetting"), ("alerts", "measurecatalogue"),
)


def may(user, capability: Capability) -> bool:
    return (capability.superuser and user.is_superuser) or user.role in capability.roles


def require(user, capability: Capability, **names) -> None:
    """Refuse, in the capability's words, unless the user may."""
    if not may(user, capability):
        raise Refused(capability.words(user, **names))
