"""The demo county's people, and the work each finds on first login.

Every demo login is a named person with a unit (people are shown by name and unit,
never by login), and each has something to do the moment they log in: the village
officer is the information officer of their village's households, the town has a queue,
and each department has tasks of its channel, assigned through the same services a town
supervisor uses on the 一户一策 page.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from alerts.models import Alert, State, Task
from alerts.plans import catalogue_for, plan_add_measure, task_assign
from alerts.services import alert_verify
from households.models import Household, Place
from monitor.models import User
from monitor.roles import Channel, Role

# (login, role, name, unit) of the demo's people; the place is given by the command.
DEPARTMENT_PEOPLE = {
    Channel.CIVIL: ("赵德胜", "县民政局"),
    Channel.EDUCATION: ("孙丽华", "县教育委员会"),
    Channel.MEDICAL: ("周文静", "县医疗保障局"),
    Channel.HOUSING: ("吴国强", "县住房和城乡建设委员会"),
    Channel.WATER: ("郑海波", "县水利局"),
    Channel.LABOUR: ("钱志刚", "县人力资源和社会保障局"),
}
TASKS_PER_DEPARTMENT = 3


def person_of(role: str, place: Place | None, channel: str = "") -> tuple[str, str]:
    """The demo person's name and unit for a role in a place."""
    if role == Role.DEPARTMENT:
        return DEPARTMENT_PEOPLE[Channel(channel)]
    if role == Role.VILLAGE:
        return "王小燕", f"{place.name}委会"
    if role == Role.TOWN:
        return "李秀英", f"{place.name}人民政府"
    if role == Role.COUNTY:
        return "陈建国", f"{place.name}乡村振兴局"
    return "刘晓东", "县乡村振兴局信息中心"


@transaction.atomic
def give_the_village_officer_households(officer: User) -> int:
    """The demo's village officer is the information officer of every household of
    their village (so 我联系的农户 is theirs), in place of the village's generated one."""
    return Household.objects.filter(village_id=officer.place_id).exclude(
        info_officer=officer).update(info_officer=officer)


def give_departments_tasks(town: Place, officer_of) -> int:
    """For each department with no task yet, a few open alerts of its channel in the town:
    verified by the village's officer, a measure from the catalogue, a task for the
    department's person. Returns the number of tasks assigned."""
    supervisor = User.objects.get(username="town")
    assigned = 0
    for channel in Channel:
        person = User.objects.filter(role=Role.DEPARTMENT, channel=channel).first()
        if person is None or Task.objects.filter(channel=channel).exists():
            continue
        alerts = Alert.objects.open().filter(
            channel=channel, state=State.RAISED, village_code__startswith=town.code,
        ).select_related("household").order_by("raised_on", "id")[:TASKS_PER_DEPARTMENT]
        for alert in alerts:
            assigned += plan_and_assign(alert, officer_of(alert.household.village_id),
                                        supervisor, person)
    return assigned


@transaction.atomic
def plan_and_assign(alert: Alert, officer: User, supervisor: User, person: User) -> int:
    catalogue = catalogue_for(alert)
    if officer is None or not catalogue:
        return 0
    alert = alert_verify(alert=alert, actor=officer, note="入户核实，情况属实")
    due = timezone.localdate() + timedelta(days=14)
    measure = plan_add_measure(alert=alert, actor=officer, measure=catalogue[0].name,
                               deadline=due)
    task_assign(measure=measure, actor=supervisor, unit=person.unit, person=person, due=due)
    return 1
