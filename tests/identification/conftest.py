"""Fixtures of the identification tests: a household that may be proposed for
monitoring, one that may be proposed for elimination, the people who do the steps, and a
freshly proposed case of each purpose."""

from datetime import timedelta

import pytest

from casework.identification import case_propose_elimination, case_propose_inclusion

from ..alert_helpers import alert_of, family, record
from .helpers import DAY, EARLY, LATE


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


@pytest.fixture
def candidate(home):
    """A household never registered with an open HOUSING alert."""
    record(home, DAY - timedelta(days=5), housing="D")
    return home


@pytest.fixture
def monitored(home):
    """A monitored household whose last two checks (6+ months apart) fire nothing."""
    record(home, EARLY)
    record(home, LATE)
    home.monitoring_category = "边缘易致贫户"
    home.save()
    return home


@pytest.fixture
def people(village_officer, town_supervisor, county_supervisor):
    return {"village": village_officer, "town": town_supervisor, "county": county_supervisor}


@pytest.fixture(params=["纳入监测", "风险消除"])
def case(request, village_officer):
    """A case of each purpose, freshly proposed."""
    if request.param == "纳入监测":
        household = request.getfixturevalue("candidate")
        return case_propose_inclusion(household=household, alert=alert_of(household, "HOUSING"),
                                      actor=village_officer)
    household = request.getfixturevalue("monitored")
    return case_propose_elimination(household=household, actor=village_officer)
