"""Fixtures for the API tests: a token client per persona, and a small county whose
checks raise alerts through the real engine.

Village A's household HA001 has a child who dropped out (DROPOUT, education) and an
unsafe house (HOUSING, housing); village B's HB001 has unsafe water (WATER, water);
HZ001 in the other town raises nothing. So the education staff's scope is HA001 alone.
"""

import pytest
from django.core.cache import cache

from ..alert_helpers import family, record
from .helpers import D0, client_for


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counts live in the cache, which outlives a test: start each test at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_role(request):
    """as_role("county_supervisor") → (user, token client) for that persona fixture."""
    def make(role: str):
        user = request.getfixturevalue(role)
        return user, client_for(user)
    return make


@pytest.fixture
def county(places):
    """HA001 (village A): DROPOUT and HOUSING; HB001 (village B): WATER; HZ001: nothing."""
    ha = family(places["village_a"], "HA001")
    record(ha, D0, housing="D", child="失学辍学")
    hb = family(places["village_b"], "HB001")
    record(hb, D0, water_quality=False)
    hz = family(places["other_town_village"], "HZ001")
    record(hz, D0)
    return {"HA001": ha, "HB001": hb, "HZ001": hz}
