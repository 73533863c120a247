"""Plain helpers for the API tests (fixtures are in conftest.py)."""

from datetime import date, timedelta

from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ..alert_helpers import alert_of

D0 = date(2026, 3, 10)
DUE = timezone.localdate() + timedelta(days=30)  # a deadline still ahead
ROLES = ["village_officer", "town_supervisor", "county_supervisor", "education_staff",
         "admin_user", "other_county_supervisor"]

# Which households each persona sees in the `county` fixture (domain.md §1).
SEES = {
    "village_officer": {"HA001"},
    "town_supervisor": {"HA001", "HB001"},
    "county_supervisor": {"HA001", "HB001", "HZ001"},
    "education_staff": {"HA001"},
    "admin_user": {"HA001", "HB001", "HZ001"},
    "other_county_supervisor": set(),
}


def client_for(user) -> APIClient:
    """A client authenticated the way a field app is: by token."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def results(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def numbers(response) -> set[str]:
    return {row["number"] for row in results(response)}


__all__ = ["D0", "DUE", "ROLES", "SEES", "alert_of", "client_for", "numbers", "results"]
