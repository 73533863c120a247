"""Recording a check (domain.md §4): the one write an officer's visit makes. It updates
the members the visit saw and queues the household's evaluation (alerts/tasks.py)."""

from copy import copy
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alerts.tasks import schedule_evaluation
from households.models import Check, Household
from households.services import MEMBER_FIELDS_A_CHECK_UPDATES, member_snapshot
from monitor.audit import audit_bulk, audit_event, audit_record, diff
from monitor.models import AuditAction


@transaction.atomic
def check_record(*, household: Household, recorded_by, visit_date: date, kind: str,
                 member_updates: dict[str, dict] | None = None, **answers) -> Check:
    """Record one visit (domain.md §4) and queue its evaluation after commit.

    `member_updates` maps an ID number to the member's schooling, health, labour, work or
    insurance as seen on the visit. They update the member only when this is the household's
    newest check; the check keeps them either way, as what it saw. The trail gets the check
    (created, by the recorder) and each member it changed (old → new)."""
    if visit_date > timezone.localdate():
        raise ValidationError({"visit_date": "排查日期不能晚于今天"})
    member_updates = member_updates or {}
    members = list(household.members.all())
    unknown = set(member_updates) - {m.id_number for m in members}
    if unknown:
        raise ValidationError({"members": f"不是本户成员：{'、'.join(sorted(unknown))}"})
    newest = household.checks.order_by("-visit_date").values_list("visit_date", flat=True)
    is_newest = not newest.exists() or visit_date >= newest.first()
    changed = []
    for member in members:
        before = copy(member)
        for name, value in member_updates.get(member.id_number, {}).items():
            if name not in MEMBER_FIELDS_A_CHECK_UPDATES:
                raise ValidationError({"members": f"排查不能修改成员的“{name}”"})
            setattr(member, name, value)
        if is_newest and member.id_number in member_updates:
            member.save()
            changed.append((member, diff(before, member, MEMBER_FIELDS_A_CHECK_UPDATES)))
    check = Check.objects.create(
        household=household, recorded_by=recorded_by, visit_date=visit_date, kind=kind,
        members=[member_snapshot(m) for m in members], **answers,
    )
    audit_record(actor=recorded_by, action=AuditAction.CREATED, obj=check,
                 note=f"排查人：{check.officer_name}" if check.officer_name else "")
    audit_bulk(audit_event(actor=recorded_by, action=AuditAction.CHANGED, obj=member,
                           changes=changes, note=f"随 {visit_date} {kind}更新")
               for member, changes in changed if changes)
    schedule_evaluation([household.id])
    return check
