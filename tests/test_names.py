"""A name cannot hold control or bidirectional-override characters (issue 16, item 12):
U+202E makes "王小明" + U+202E + "ffo" display as another text. One check
(monitor.names.validate_name) is used by the models, the page forms, the API and the
import; the class test finds every field of the project's models that holds a person's
name and holds it to that check, so a name field added later is covered too."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from households.models import Check, Household
from monitor.names import validate_name

from . import test_pages_check as page
from .api.test_api_checks import answers as api_answers
from .survey_helpers import check_row, household_row, member_row, write_csv_folder

HOSTILE = ["王小明\u202effo", "王\u200b小明", "王\u2066小明", "王\x07小明", "王\ufeff小明",
           "王\u2028小明"]
PROJECT_APPS = ("monitor", "households", "alerts", "casework", "reports", "survey", "visits")
NOT_PEOPLE = {("User", "username"), ("Place", "name"), ("MeasureCatalogue", "name"),
              ("Measure", "name"), ("DepartmentComparison", "file_name"),
              ("ImportJob", "file_name")}


def person_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            if getattr(field, "get_internal_type", lambda: "")() != "CharField":
                continue
            label = str(field.verbose_name)
            if field.name.endswith("name") or "人" in label or "姓" in label or "名" == label:
                if (model.__name__, field.name) not in NOT_PEOPLE:
                    yield model, field


def test_every_field_holding_a_persons_name_uses_the_one_check():
    fields = {(model.__name__, field.name): validate_name in field.validators
              for model, field in person_fields()}
    assert len(fields) >= 7
    assert all(fields.values()), fields


@pytest.mark.parametrize("name", HOSTILE)
def test_the_check_refuses_each_hostile_character(name):
    with pytest.raises(ValidationError, match="改变显示方向"):
        validate_name(name)


def test_real_names_pass():
    for name in ("王小明", "欧阳娜娜", "阿卜杜·热合曼", "买买提·艾力", "Li Ming", ""):
        validate_name(name)


@pytest.fixture
def home(places):
    return page.family(places["village_a"], "HA001")


@pytest.mark.parametrize("name", HOSTILE[:3])
def test_the_page_and_the_api_refuse_a_hostile_officer_name(client, home, village_officer,
                                                            name):
    response = page.post(client, village_officer, home, page.answers(home, officer_name=name))
    assert "改变显示方向" in page.errors(response)["officer_name"][0]
    api = APIClient()
    api.force_authenticate(village_officer)
    answer = api.post("/api/checks/", api_answers(home, officer_name=name), format="json")
    assert answer.status_code == 400 and "改变显示方向" in answer.json()["officer_name"][0]
    assert not Check.objects.exists()


@pytest.mark.parametrize(("sheet", "column"), [("农户", "户主姓名"), ("成员", "姓名"),
                                               ("排查", "排查人")])
def test_the_import_refuses_a_hostile_name_in_every_name_column(places, tmp_path, run,
                                                               sheet, column):
    rows = {"农户": [household_row()], "成员": [member_row()], "排查": [check_row()]}
    rows[sheet][0][column] = HOSTILE[0]
    code, _, err = run(write_csv_folder(tmp_path / "s", rows["农户"], rows["成员"],
                                        rows["排查"]))
    assert code == 1 and "改变显示方向" in err
    assert not Household.objects.filter(head_name=HOSTILE[0]).exists()
