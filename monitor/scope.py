"""Scope: who may see which places, households, checks, alerts, measures, tasks and audit
events (domain.md §1). This is the one access rule; every page, API, export, report,
import and command asks it, through the `visible_to(user)` of each kind's QuerySet
(`Household.objects.visible_to(user)`). An object outside the answer is treated as if it
did not exist (404).

- An administrator sees everything.
- Village, town and county staff see everything within their place.
- Department staff see, within their county, the work of their channel: its alerts,
  measures and tasks, and the households (with their checks and members) that have an
  alert of the channel; all places of the county; no audit trail.
- Anyone else (inactive, logged out, no place) sees nothing.

A kind takes part by giving its QuerySet two methods: `in_place(code)`, the objects
within a place, and `of_channel(channel)`, those that are a channel's work.
"""

from django.db.models import QuerySet
from django.http import Http404

from .roles import FIELD, Role


def is_active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def sees_everything(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def sees_audit_trail(user) -> bool:
    """The trail shows ID numbers, phones and incomes old → new: village officers,
    supervisors and administrators read it; department staff, who see only what their
    tasks need, do not."""
    return is_active(user) and (sees_everything(user) or user.role in FIELD)


def visible(queryset: QuerySet, user, *, departments: bool = True) -> QuerySet:
    """The part of `queryset` this user may see, by the rule above. `departments=False`
    for a kind department staff never see (the audit trail)."""
    if not is_active(user):
        return queryset.none()
    if sees_everything(user):
        return queryset
    if user.place_id is None:
        return queryset.none()
    if user.role in FIELD:
        return queryset.in_place(user.place_id)
    if user.role == Role.DEPARTMENT and departments:
        return queryset.in_place(user.place_id).of_channel(user.channel)
    return queryset.none()


def place_covers(place_code: str | None, village_code: str) -> bool:
    """Whether a place (a county, town or village code) contains a village: place codes
    nest by prefix (500241 ⊃ 500241101 ⊃ 500241101201). What `in_place(code)` asks in
    the database, for one object already loaded; the queue's assignee list asks the same
    in the browser (static/js/queue.js)."""
    return bool(place_code) and village_code.startswith(place_code)


def knows_person(user, person) -> bool:
    """Whether a message may name this person to this user: an administrator may be
    told anyone; others the people working within their own place and the department
    staff of their county (whom their pages offer to pick). Anyone else (another
    county's staff, say) is "所选人员": a refusal must not tell whose id that was."""
    if not is_active(user) or person is None:
        return False
    if sees_everything(user):
        return True
    if not user.place_id or not person.place_id:
        return False
    return person.place_id.startswith(user.place_id) or (
        person.role == Role.DEPARTMENT and person.place_id == user.place_id[:6])


def person_named(person, user) -> str:
    """The person as a message to this user names them (knows_person), else 所选人员."""
    return person.display_name if knows_person(user, person) else "所选人员"


def require_visible(obj, user, missing: str) -> None:
    """Outside the user's scope an object does not exist: a 404 with the words for a
    missing one (`missing`), as for an object that is not there."""
    if not type(obj).objects.visible_to(user).filter(pk=obj.pk).exists():
        raise Http404(missing)
