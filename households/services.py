"""Writes to places, households and members (domain.md §2–3)."""

from copy import copy
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from monitor.audit import audit_bulk, audit_event, audit_record, diff
from monitor.models import AuditAction

from .models import CODE_LENGTH, Check, Household, Place

MEMBER_FIELDS_A_CHECK_UPDATES = ("schooling", "health", "labour", "work", "insured")


@dataclass
class PlacesLoaded:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def parent_code(code: str) -> str | None:
    """A village's town is its first 9 digits, a town's county its first 6."""
    return {12: code[:9], 9: code[:6]}.get(len(code))


@transaction.atomic
def places_load(*, rows: list[tuple[int, str, str]]) -> PlacesLoaded:
    """Create or rename places from (row number, code, name); loading twice changes nothing.

    Rows are taken parents first, so a file may list them in any order."""
    result = PlacesLoaded()
    for line, code, name in sorted(rows, key=lambda row: len(row[1])):
        if not code.isdigit() or len(code) not in CODE_LENGTH:
            result.errors.append(f"第{line}行：代码“{code}”应为6位（区县）、9位（乡镇）或12位（村）数字")
            continue
        if not name:
            result.errors.append(f"第{line}行：代码 {code} 缺少名称")
            continue
        parent_id = parent_code(code)
        if parent_id and not Place.objects.filter(code=parent_id).exists():
            result.errors.append(f"第{line}行：{code} {name} 的上级 {parent_id} 不存在")
            continue
        place, created = Place.objects.get_or_create(
            code=code, defaults={"name": name, "level": CODE_LENGTH[len(code)],
                                 "parent_id": parent_id},
        )
        if created:
            result.created += 1
        elif place.name != name:
            place.name = name
            place.save(update_fields=["name"])
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def member_snapshot(member) -> dict:
    """A member as a check saw them: what the rules of domain.md §5 read."""
    return {
        "id_number": member.id_number,
        "name": member.name,
        "birth_date": member.birth_date.isoformat(),
        "schooling": member.schooling,
        "health": member.health,
        "labour": member.labour,
        "work": member.work,
        "insured": member.insured,
    }


@transaction.atomic
def check_record(*, household: Household, recorded_by, visit_date: date, kind: str,
                 member_updates: dict[str, dict] | None = None, **answers) -> Check:
    """Record one visit (domain.md §4) and queue its evaluation after commit.

    `member_updates` maps an ID number to the member's schooling, health, labour, work or
    insurance as seen on the visit. They update the member only when this is the household's
    newest check; the check keeps them either way, as what it saw. The trail gets the check
    (created, by the recorder) and each member it changed (old → new)."""
    from monitor.tasks import schedule_evaluation

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
