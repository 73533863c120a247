"""Scope: who may see which households, places and alerts (domain.md §1).

This is the one access mechanism. Every page, API, export, report, import and command asks
it; an object outside the answer is treated as if it did not exist (404).
"""

from django.db.models import QuerySet

from alerts.models import Alert, Measure, Task
from households.models import Household, Place

from .models import AuditEvent, Role


def _place_scoped(user) -> bool:
    return user.role in (Role.VILLAGE, Role.TOWN, Role.COUNTY)


def sees_everything(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def _is_active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def households_visible_to(user) -> QuerySet[Household]:
    """Households this user may see: their place's, or for department staff those with
    an alert of their channel in their county."""
    households = Household.objects.all()
    if not _is_active(user):
        return households.none()
    if sees_everything(user):
        return households
    if user.place_id is None:
        return households.none()
    if _place_scoped(user):
        return households.in_place(user.place_id)
    if user.role == Role.DEPARTMENT:
        channel_alerts = Alert.objects.in_place(user.place_id).filter(channel=user.channel)
        return households.in_place(user.place_id).filter(
            id__in=channel_alerts.values("household_id")
        )
    return households.none()


def alerts_visible_to(user) -> QuerySet[Alert]:
    """Alerts this user may see; department staff see only their channel's."""
    alerts = Alert.objects.all()
    if not _is_active(user):
        return alerts.none()
    if sees_everything(user):
        return alerts
    if user.place_id is None:
        return alerts.none()
    alerts = alerts.in_place(user.place_id)
    if user.role == Role.DEPARTMENT:
        return alerts.filter(channel=user.channel)
    return alerts if _place_scoped(user) else alerts.none()


def places_visible_to(user) -> QuerySet[Place]:
    """The user's place and everything below it."""
    places = Place.objects.all()
    if not _is_active(user):
        return places.none()
    if sees_everything(user):
        return places
    if user.place_id is None:
        return places.none()
    return places.within(user.place_id)


def tasks_visible_to(user) -> QuerySet[Task]:
    """Tasks this user may see: those of households in their place, or for department
    staff the tasks of their channel in their county."""
    tasks = Task.objects.all()
    if not _is_active(user):
        return tasks.none()
    if sees_everything(user):
        return tasks
    if user.place_id is None:
        return tasks.none()
    tasks = tasks.in_place(user.place_id)
    if user.role == Role.DEPARTMENT:
        return tasks.filter(channel=user.channel)
    return tasks if _place_scoped(user) else tasks.none()


def sees_audit_trail(user) -> bool:
    """The trail shows ID numbers, phones and incomes old → new: village officers,
    supervisors and administrators read it; department staff, who see only what their
    tasks need, do not."""
    return _is_active(user) and (sees_everything(user) or _place_scoped(user))


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """Audit events of the households this user may see, for those who read the trail
    (exports and other events without a household: administrators only, in the admin)."""
    events = AuditEvent.objects.all()
    if not sees_audit_trail(user):
        return events.none()
    if sees_everything(user):
        return events
    return events.filter(household__in=households_visible_to(user))


def measures_visible_to(user) -> QuerySet[Measure]:
    """Measures of the alerts this user may see, and for department staff also those of
    their channel (a measure's channel may differ from its alert's: 低保 for an income
    alert is civil affairs' work)."""
    measures = Measure.objects.all()
    if not _is_active(user):
        return measures.none()
    if sees_everything(user):
        return measures
    if user.place_id is None:
        return measures.none()
    if user.role == Role.DEPARTMENT:
        return measures.in_place(user.place_id).filter(channel=user.channel)
    return measures.filter(alert__in=alerts_visible_to(user))
