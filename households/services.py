"""Writes to places, households and members (domain.md §2–3). Recording a check, which
also queues its evaluation, is visits/services.py."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import CODE_LENGTH, Place

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


def place_named(code: str | None) -> Place | None:
    """The place with this code, for a command that binds a user to it; None for none."""
    if not code:
        return None
    place = Place.objects.filter(code=code).first()
    if place is None:
        raise ValidationError(f"地区代码 {code} 不存在，请先用 load_places 导入")
    return place
