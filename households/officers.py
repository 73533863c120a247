"""Who looks after which households: the information officer (信息员) of each household,
assigned by a town or county supervisor in bulk (by village group, or households ticked),
a village officer of the household's own village. One officer looks after at most the
policy's number of households (officer_max_households, 200: domain.md §2); more is
allowed, with a warning, since the village may have no one else yet.

The import sets it too, from the workbook's 信息员 column (survey/validation.py)."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from monitor.audit import audit_bulk, audit_event
from monitor.models import AuditAction, User
from monitor.policy import Policy
from monitor.roles import ASSIGN_OFFICERS, Refused, Role, require

from .models import Household


@dataclass
class OfficersAssigned:
    changed: int  # households whose officer changed
    officer: User | None
    load: int  # the officer's households after the change
    limit: int  # the policy's maximum per officer

    @property
    def over(self) -> bool:
        return self.officer is not None and self.load > self.limit

    @property
    def warning(self) -> str:
        if not self.over:
            return ""
        return (f"{self.officer.name_and_unit} 现在联系 {self.load} 户，超过每名信息员最多 "
                f"{self.limit} 户的规定，请考虑再安排一名信息员")


def officer_limit() -> int:
    """The policy's households per officer, today."""
    return int(Policy().value("officer_max_households", timezone.localdate()))


def officers_of(village) -> list[User]:
    """The village officers who may look after the village's households: its active
    village-role users, by name."""
    return sorted(User.objects.filter(role=Role.VILLAGE, place=village, is_active=True),
                  key=lambda user: user.display_name)


def officer_loads(officers) -> dict[int, int]:
    """Households per officer, in the whole registry (an officer's load is all of it)."""
    return dict(Household.objects.filter(info_officer__in=officers).order_by()
                .values_list("info_officer").annotate(n=Count("id")))


@transaction.atomic
def officers_assign(*, households, officer: User | None, actor) -> OfficersAssigned:
    """Make `officer` the 信息员 of the households (a queryset the actor may see), or
    nobody's with None. Refused unless the officer is an active village officer of every
    household's village. Each household whose officer changes gets an audit row, old →
    new, by name and unit."""
    require(actor, ASSIGN_OFFICERS)
    households = list(households.select_related("village", "info_officer")
                      .select_for_update(of=("self",)))
    if officer is not None:
        refuse_foreign(officer, households)
    moved = [h for h in households if h.info_officer_id != (officer.pk if officer else None)]
    audit_bulk(audit_event(actor=actor, action=AuditAction.CHANGED, obj=h, changes={
        "信息员": [shown(h.info_officer), shown(officer)]}) for h in moved)
    Household.objects.filter(pk__in=[h.pk for h in moved]).update(
        info_officer=officer, updated_at=timezone.now())
    load = officer_loads([officer]).get(officer.pk, 0) if officer else 0
    return OfficersAssigned(changed=len(moved), officer=officer, load=load,
                            limit=officer_limit())


def refuse_foreign(officer: User, households: list[Household]) -> None:
    if officer.role != Role.VILLAGE or not officer.is_active:
        raise Refused(f"{officer.name_and_unit} 不是在岗的村干部，不能担任信息员")
    other = next((h for h in households if h.village_id != officer.place_id), None)
    if other is not None:
        raise Refused(f"{officer.name_and_unit} 不在{other.village.name}工作，不能担任该村"
                      f"农户（如 {other.number}）的信息员")


def shown(user: User | None) -> str | None:
    return user.name_and_unit if user else None
