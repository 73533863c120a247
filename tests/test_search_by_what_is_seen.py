"""A user is searched for only by what they are shown (issue 16, item 1).

Department staff see ID numbers masked (500241********1234): the search may match the
last four characters they see, and no digit they do not. Otherwise asking "does this
tail match?" digit by digit rebuilds the whole number and the birth date in it. The
class test asks every address of the project that takes no parameter, pages and API:
a search for the true hidden digits must answer exactly as one for wrong ones.
"""

import re

import pytest

from .alert_helpers import alert_row
from .factories import HouseholdFactory, MemberFactory
from .url_helpers import plain_routes

HEAD_ID = "500241198005011236"
CHILD_ID = "500241201303016657"
WRONG = "99999999"  # eight digits that end no ID number here


@pytest.fixture
def seen(places):
    """A household of village A with an education alert: the education staff's work."""
    household = HouseholdFactory(village=places["village_a"], number="HA001",
                                 head_id_number=HEAD_ID)
    MemberFactory(household=household, name="杨小", relation="子女", id_number=CHILD_ID)
    alert = alert_row(household, rule="DROPOUT")
    alert.channel = "education"
    alert.save()
    return household


def numbers_found(client, url: str, query: str) -> set[str]:
    response = client.get(url, {"q": query})
    assert response.status_code == 200
    if url.startswith("/api/"):
        return {row["number"] for row in response.json()["results"]}
    return set(re.findall(r"HA\d{3}", response.content.decode()))


@pytest.mark.parametrize("url", ["/households/", "/api/households/"])
def test_department_staff_find_a_household_by_the_four_digits_they_see(
        client, seen, education_staff, url):
    client.force_login(education_staff)
    assert numbers_found(client, url, HEAD_ID[-4:]) == {"HA001"}
    assert numbers_found(client, url, CHILD_ID[-4:]) == {"HA001"}


@pytest.mark.parametrize("url", ["/households/", "/api/households/"])
@pytest.mark.parametrize("tail", [5, 8, 12, 18])
def test_department_staff_cannot_match_digits_hidden_from_them(
        client, seen, education_staff, url, tail):
    client.force_login(education_staff)
    assert numbers_found(client, url, HEAD_ID[-tail:]) == set()
    assert numbers_found(client, url, CHILD_ID[-tail:]) == set()


@pytest.mark.parametrize("url", ["/households/", "/api/households/"])
def test_those_who_see_id_numbers_search_by_any_tail(client, seen, town_supervisor, url):
    client.force_login(town_supervisor)
    assert numbers_found(client, url, HEAD_ID[-8:]) == {"HA001"}
    assert numbers_found(client, url, CHILD_ID) == {"HA001"}


def normalised(body: bytes, query: str) -> str:
    text = body.decode("utf-8", "replace").replace(query, "Q")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    text = re.sub(r'"csrf": "[^"]*"', "", text)  # the phone's token for its outbox
    return re.sub(r"\d\d:\d\d(:\d\d)?(\.\d+)?", "", text)  # 统计时间 and other clocks


def test_no_address_answers_differently_for_hidden_digits(client, seen, education_staff):
    """Every address without a parameter, asked with q= the true hidden digits and q= wrong
    ones (the same last four), answers the same: no page or API added later can become
    the oracle either."""
    client.force_login(education_staff)
    right, wrong = HEAD_ID[-8:], WRONG[:4] + HEAD_ID[-4:]
    for url in plain_routes():
        if url in ("/logout/",):
            continue
        answers = [client.get(url, {"q": query}) for query in (right, wrong)]
        assert answers[0].status_code == answers[1].status_code, url
        if answers[0].streaming:  # a file download: its zip carries the time it was made
            assert answers[0]["Content-Type"] == answers[1]["Content-Type"], url
            continue
        bodies = [normalised(a.content, q) for a, q in zip(answers, (right, wrong),
                                                           strict=True)]
        assert bodies[0] == bodies[1], url
