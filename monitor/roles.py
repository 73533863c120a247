"""The roles people work in and the departments' channels (domain.md §1), and the one
refusal the services raise.

A service that will not do what it is asked raises `Refused`, saying why in Chinese;
`LostRace` when someone else changed the object since the actor loaded it. The API
answers a refusal 400 `{"detail": …}` and a lost race 409 (monitor/api.py); a page shows
either as an error message (`refusal_as_message`) and goes on as it would. Something
outside the user's scope is not a refusal: it does not exist (404).
"""

from contextlib import contextmanager

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
