"""Personal data (issue 9, monitor/privacy.py): department staff see ID numbers, phones and
birth dates masked in pages, the API and every export they can reach, the roles that work
cases see them in full, and no log line carries them."""

import io
import logging
import sys
import zipfile
from contextlib import contextmanager
from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from casework.models import DepartmentComparison
from households.models import Household
from monitor.privacy import (
    PersonalDataFilter,
    mask_id_number,
    mask_phone,
    mask_text,
    sees_personal_data,
)
from monitor.roles import Role

from .alert_helpers import family, record
from .factories import UserFactory

D0 = date(2026, 3, 10)
PHONE = "13812345678"
ID = "500241198005010016"  # an ID-shaped number for log lines (not checked)


@pytest.fixture
def home(places):
    """HA001 in village A with a phone: the 13-year-old dropped out (DROPOUT, education)
    and the house is grade D (HOUSING, housing)."""
    household = family(places["village_a"], "HA001")
    Household.objects.filter(pk=household.pk).update(phone=PHONE)
    household.refresh_from_db()
    record(household, D0, housing="D", child="失学辍学")
    return household


def full_numbers(household) -> list[str]:
    """Every number of the household that only the roles working cases may see."""
    return [household.head_id_number, household.phone,
            *household.members.values_list("id_number", flat=True)]


def page(client, user, name, *args):
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# ── Who sees what ─────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("role, sees", [
    (Role.VILLAGE, True), (Role.TOWN, True), (Role.COUNTY, True), (Role.ADMIN, True),
    (Role.DEPARTMENT, False),
])
def test_the_roles_that_work_cases_see_full_numbers_and_department_staff_do_not(
        db, role, sees):
    assert sees_personal_data(UserFactory.build(role=role)) is sees


def test_logged_out_and_inactive_users_see_masks(db):
    from django.contrib.auth.models import AnonymousUser

    assert not sees_personal_data(AnonymousUser())
    assert not sees_personal_data(UserFactory.build(role=Role.COUNTY, is_active=False))
    assert not sees_personal_data(None)


def test_an_id_number_keeps_its_area_code_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_a_phone_keeps_its_first_three_and_last_four():
    assert mask_phone(PHONE) == "138****5678"


def test_numbers_inside_chinese_text_are_masked():
    text = f"户主身份证号{ID}，电话{PHONE}；另一号码 +86 139-1234-5678"
    assert mask_text(text) == ("户主身份证号500241********0016，电话138****5678；"
                               "另一号码 +86 139****5678")


def test_other_numbers_are_left_alone():
    text = "村代码 500241101201，户编号 HA001，人均纯收入 13800.00 元，流水号 12345678901234567890"
    assert mask_text(text) == text


# ── Pages ─────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("name", ["households:detail", "households:print"])
def test_department_staff_see_masked_id_numbers_and_phone_on_the_household_page(
        client, education_staff, home, name):
    html = page(client, education_staff, name, "HA001")
    for number in full_numbers(home):
        assert number not in html
    assert mask_id_number(home.head_id_number) in html
    for member in home.members.all():
        assert mask_id_number(member.id_number) in html
    assert "138****5678" in html


def test_department_staff_see_ages_instead_of_birth_dates_on_the_household_page(
        client, education_staff, home):
    html = page(client, education_staff, "households:detail", "HA001")
    assert "2013-03-01" not in html and "1980-01-01" not in html
    assert "13岁" in html


def test_a_town_supervisor_sees_the_full_numbers_on_the_household_page(
        client, town_supervisor, home):
    html = page(client, town_supervisor, "households:detail", "HA001")
    for number in full_numbers(home):
        assert number in html
    assert "2013-03-01" in html


# ── The API ───────────────────────────────────────────────────────────────────────────

def test_department_staff_get_masked_numbers_in_every_api_list(education_staff, home):
    client = api(education_staff)
    for url in ("/api/households/", "/api/members/", "/api/checks/"):
        response = client.get(url)
        assert response.status_code == 200 and response.json()["count"] > 0, url
        for number in full_numbers(home):
            assert number not in response.content.decode(), url
    body = client.get("/api/members/").json()["results"]
    assert {m["id_number"] for m in body} == {
        mask_id_number(n) for n in home.members.values_list("id_number", flat=True)}


def test_a_town_supervisor_gets_full_numbers_from_the_api(town_supervisor, home):
    body = api(town_supervisor).get(f"/api/households/{home.pk}/").json()
    assert body["head_id_number"] == home.head_id_number
    assert body["phone"] == PHONE
    assert {m["id_number"] for m in body["members"]} == set(
        home.members.values_list("id_number", flat=True))
    assert body["members"][0]["birth_date"] == "1980-01-01"


# ── Exports ───────────────────────────────────────────────────────────────────────────

def test_the_ledger_a_department_user_pulls_carries_no_full_number(education_staff, home):
    response = api(education_staff).get("/api/ledger/")
    assert response.status_code == 200 and response.json()["count"] == 1
    for number in full_numbers(home):
        assert number not in response.content.decode()


def test_the_five_lists_a_department_user_downloads_carry_no_full_number(
        client, education_staff, home):
    client.force_login(education_staff)
    response = client.get(reverse("reports:five_lists_export"), {"format": "csv"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        text = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert "HA001" in text
    for number in full_numbers(home):
        assert number not in text


def test_the_five_lists_a_department_user_reads_from_the_api_carry_no_full_number(
        education_staff, home):
    client = api(education_staff)
    for name in ("problems", "rectification", "tasks", "responsibility", "effect"):
        response = client.get(f"/api/five-lists/{name}/")
        assert response.status_code == 200, name
        for number in full_numbers(home):
            assert number not in response.content.decode(), name


def test_department_staff_cannot_open_a_comparison_or_its_report(
        client, education_staff, county_supervisor, home):
    comparison = DepartmentComparison.objects.create(
        kind="insured", place=education_staff.place, file_name="名单.csv",
        compared_on=D0, created_by=county_supervisor)
    client.force_login(education_staff)
    for name in ("casework:comparison", "casework:comparison_report"):
        assert client.get(reverse(name, args=[comparison.pk])).status_code == 403


def test_the_comparison_page_shows_the_county_full_id_numbers(
        client, county_supervisor, home, settings, tmp_path):
    from casework.comparison import comparison_run

    settings.MEDIA_ROOT = tmp_path / "media"
    child = home.members.get(name="杨小")
    listed = tmp_path / "名单.csv"
    listed.write_text(f"身份证号,姓名,参保状态\n{child.id_number},杨小,未参保\n{ID},外人,已参保\n",
                      encoding="utf-8")
    comparison = comparison_run(kind="insured", path=listed, actor=county_supervisor, on=D0)
    html = page(client, county_supervisor, "casework:comparison", comparison.pk)
    assert child.id_number in html and ID in html


# ── Logs ──────────────────────────────────────────────────────────────────────────────

def formatted(record: logging.LogRecord) -> str:
    PersonalDataFilter().filter(record)
    return logging.Formatter().format(record)


def test_the_log_filter_masks_an_id_number_and_a_phone_in_a_record():
    record = logging.LogRecord("households", logging.WARNING, __file__, 1,
                               "导入 %s 失败，联系 %s", (ID, int(PHONE)), None)
    assert formatted(record) == "导入 500241********0016 失败，联系 138****5678"


def test_the_log_filter_masks_numbers_in_a_traceback():
    try:
        raise ValueError(f"身份证号“{ID}”校验码错误")
    except ValueError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1,
                                   "Internal Server Error: /x/", (), sys.exc_info())
    text = formatted(record)
    assert "ValueError" in text and ID not in text and "500241********0016" in text


@contextmanager
def output_of(logger_name: str, handler_name: str):
    """What that logger's handler of that name (settings.LOGGING) writes in the block."""
    handler = next(h for h in logging.getLogger(logger_name).handlers if h.name == handler_name)
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(old)


def test_a_404_on_a_path_with_an_id_number_is_logged_masked(client, town_supervisor):
    client.force_login(town_supervisor)
    with output_of("", "console") as log:
        response = client.get(f"/households/{ID}/", {"q": PHONE})
    assert response.status_code == 404
    assert "Not Found: /households/500241********0016/" in log.getvalue()
    assert ID not in log.getvalue()


def test_request_lines_of_the_development_server_are_logged_masked():
    with output_of("django.server", "django.server") as log:
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET /api/households/?q={ID}&phone={PHONE} HTTP/1.1", "200", "512")
    assert "?q=500241********0016&phone=138****5678" in log.getvalue()
    assert ID not in log.getvalue() and PHONE not in log.getvalue()


@pytest.mark.parametrize("name", ["alerts.escalation", "django.request", "django.server",
                                  "django.security.csrf", "celery", "celery.app.trace"])
def test_every_handler_a_logger_writes_to_masks(name):
    logger, handlers = logging.getLogger(name), []
    while logger is not None:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    ours = [h for h in handlers if not type(h).__module__.startswith("_pytest")
            and not isinstance(h, logging.NullHandler)]  # pytest's own; one that writes nothing
    assert ours
    for handler in ours:
        assert any(isinstance(f, PersonalDataFilter) for f in handler.filters), handler


def test_the_celery_worker_logs_through_the_masked_handlers():
    from shouwang.celery import use_django_logging

    use_django_logging(loglevel=logging.INFO)
    root = [h for h in logging.getLogger().handlers
            if not type(h).__module__.startswith("_pytest")]
    assert [h.name for h in root] == ["console"]
    assert any(isinstance(f, PersonalDataFilter) for f in root[0].filters)
    assert logging.getLogger("celery").level == logging.INFO
