"""A household's members changed from the field (domain.md §3, issue 17): a member added
(a birth, a marriage), one who left or died, an ID number corrected. One service a kind
of change, each with the acting user and its audit row in one transaction.

The rules of §3 hold for each: the ID number is checked (GB 11643, households/idnumber.py)
and appears once in the whole registry; birth date and sex come from it. A member who
left is removed from the household: the checks keep them as they saw them, the trail
keeps who removed them, why and when. The household's state is judged on its newest check
(§4), so nothing is re-evaluated here: the next check counts the members as they are.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from monitor.audit import audit_record, diff
from monitor.choices import MemberJoined, MemberLeft
from monitor.models import AuditAction
from monitor.roles import CHANGE_MEMBERS, Refused, require

from .idnumber import parse_id_number
from .models import Household, Member

HEAD = "户主"
# What a member is described by when added; the rest (birth date, sex) is the ID's.
MEMBER_FIELDS = ("name", "id_number", "relation", "schooling", "health", "labour", "work",
                 "insured")


def checked_id_number(raw: str, *, member: Member | None = None) -> str:
    """The ID number, checked (§3) and not yet in the registry (but for `member` itself);
    else a ValidationError under `id_number` that says which rule it breaks."""
    try:
        number = parse_id_number(raw).number
    except ValidationError as wrong:
        raise ValidationError({"id_number": wrong.messages}) from None
    taken = Member.objects.filter(id_number=number)
    if member is not None:
        taken = taken.exclude(pk=member.pk)
    if taken.exists():
        # Said without the other household: it may lie outside the actor's scope.
        raise ValidationError({"id_number": [
            f"身份证号 {number} 已登记在册：一人只能在一户。若此人从别户迁来，"
            "请先由原户登记迁出"]})
    return number


def saved_once(member: Member) -> None:
    """Save the member; the same ID number saved by someone else a moment ago is refused
    as checked_id_number refuses it, not a server error."""
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise ValidationError({"id_number": [
            f"身份证号 {member.id_number} 刚被登记在册：一人只能在一户"]}) from None


@transaction.atomic
def member_add(*, household: Household, actor, reason: str, name: str, id_number: str,
               relation: str, **details) -> Member:
    """Add a member to the household (a birth, a marriage, a move in). `details` are the
    member's schooling, health, labour, work and insurance; left out, the defaults."""
    require(actor, CHANGE_MEMBERS)
    if reason not in MemberJoined.values:
        raise ValidationError({"reason": [f"新增成员的原因应为：{'、'.join(MemberJoined.values)}"]})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["请填写成员姓名"]})
    if relation == HEAD and household.members.filter(relation=HEAD).exists():
        raise ValidationError({"relation": ["本户已有户主；新增成员不能也是户主"]})
    member = Member(household=household, name=name, relation=relation.strip(),
                    id_number=checked_id_number(id_number), **details)
    saved_once(member)
    audit_record(actor=actor, action=AuditAction.CREATED, obj=member,
                 changes=diff(None, member, MEMBER_FIELDS), note=f"新增原因：{reason}")
    return member


@transaction.atomic
def member_remove(*, member: Member, actor, reason: str, on: date, note: str = "") -> None:
    """Record that a member left the household (married out, moved out) or died on `on`:
    the member leaves the registry; the trail keeps who they were, why and when."""
    require(actor, CHANGE_MEMBERS)
    if reason not in MemberLeft.values:
        raise ValidationError({"reason": [f"成员减少的原因应为：{'、'.join(MemberLeft.values)}"]})
    if on > timezone.localdate():
        raise ValidationError({"on": [f"{reason}日期不能晚于今天"]})
    if member.is_head:
        raise Refused(f"{member.name}是户主，不能直接减少：请先把另一名成员登记为户主")
    facts = f"{reason}（{on:%Y-%m-%d}）" + (f"：{note.strip()}" if note.strip() else "")
    audit_record(actor=actor, action=AuditAction.DELETED, obj=member,
                 changes=diff(member, None, MEMBER_FIELDS),
                 note=f"成员减少：{facts}")
    member.delete()


@transaction.atomic
def member_correct_id(*, member: Member, actor, id_number: str) -> Member:
    """Correct a member's ID number; the birth date and sex follow from the new one, and
    the household's 户主身份证号 too when it was the head's."""
    require(actor, CHANGE_MEMBERS)
    number = checked_id_number(id_number, member=member)
    if number == member.id_number:
        raise ValidationError({"id_number": ["新号码与原号码相同，无需更正"]})
    old = member.id_number
    before = Member(id_number=old, birth_date=member.birth_date, male=member.male)
    member.id_number = number
    saved_once(member)
    audit_record(actor=actor, action=AuditAction.CHANGED, obj=member,
                 changes=diff(before, member, ("id_number", "birth_date", "male")),
                 note="更正身份证号")
    household = member.household
    if member.is_head and household.head_id_number == old:
        household.head_id_number = number
        household.save(update_fields=["head_id_number", "updated_at"])
        audit_record(actor=actor, action=AuditAction.CHANGED, obj=household,
                     changes={"户主身份证号": [old, number]}, note="随户主身份证号更正")
    return member
