"""Fixtures of the comparison tests: the report under a temporary MEDIA_ROOT, and a
household of village A to compare lists against."""

import pytest

from ..alert_helpers import family
from .helpers import person


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def home(places):
    """杨父 (head, 1980, insured, working) and 杨小 (born 2013-03-01, 在校)."""
    household = family(places["village_a"], "HA001")
    household.head_name, household.head_id_number = "杨父", person(household, "杨父").id_number
    household.save()
    return household
