"""A check's 备注 is capped at one length (households.models.NOTES_MAX) wherever it is
typed: the page's form, the API and the survey import (issue 16, item 7)."""

import pytest
from rest_framework.test import APIClient

from households.models import NOTES_MAX, Check

from . import test_pages_check as page
from .api.test_api_checks import answers as api_answers
from .survey_helpers import check_row, household_row, member_row, write_csv_folder

TOO_LONG, LONGEST = "备" * (NOTES_MAX + 1), "备" * NOTES_MAX


@pytest.fixture
def home(places):
    return page.family(places["village_a"], "HA001")


def by_page(client, officer, household, notes: str) -> int:
    page.post(client, officer, household, page.answers(household, notes=notes))
    return Check.objects.filter(household=household, notes=notes).count()


def by_api(officer, household, notes: str) -> int:
    client = APIClient()
    client.force_authenticate(officer)
    client.post("/api/checks/", api_answers(household, notes=notes), format="json")
    return Check.objects.filter(household=household, notes=notes).count()


def by_import(run, tmp_path, notes: str) -> int:
    folder = write_csv_folder(tmp_path / notes[:3], [household_row()], [member_row()],
                              [check_row(备注=notes)])
    run(folder)
    return Check.objects.filter(notes=notes).count()


def test_the_page_refuses_a_note_longer_than_the_cap_saying_so(client, home,
                                                                village_officer):
    response = page.post(client, village_officer, home, page.answers(home, notes=TOO_LONG))
    assert page.errors(response)["notes"] == [f"备注最多 {NOTES_MAX} 个字，请精简"]


def test_every_way_in_takes_the_cap_and_refuses_one_more(client, home, village_officer,
                                                         run, tmp_path):
    assert (by_page(client, village_officer, home, TOO_LONG),
            by_api(village_officer, home, TOO_LONG),
            by_import(run, tmp_path, TOO_LONG)) == (0, 0, 0)
    assert by_page(client, village_officer, home, LONGEST) == 1
    Check.objects.all().delete()
    assert by_api(village_officer, home, LONGEST) == 1
    Check.objects.all().delete()
    assert by_import(run, tmp_path, LONGEST) == 1
