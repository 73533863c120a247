"""Who may do what (monitor/roles.py, issue 14), and how one refusal reaches a page and
the API."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import Http404
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory

from monitor.api import exception_handler
from monitor.roles import (
    COMPARE_LISTS,
    READ_CASEWORK,
    RECORD_CHECKS,
    RECORD_DECLARATIONS,
    RECORD_OBJECTIONS,
    VILLAGE_STEPS,
    WORK_ALERTS,
    LostRace,
    Refused,
    Role,
    may,
    refusal_as_message,
    require,
)

from .factories import UserFactory


def user(role, *, superuser=False):
    return UserFactory.build(role=role, is_superuser=superuser)


def test_an_administrator_records_checks_but_not_declarations():
    admin = user(Role.ADMIN)
    assert may(admin, RECORD_CHECKS)
    assert not may(admin, RECORD_DECLARATIONS)
    assert may(admin, READ_CASEWORK) and may(admin, COMPARE_LISTS)
    assert not may(admin, WORK_ALERTS)


def test_a_superuser_may_only_what_says_so_beyond_their_role():
    boss = user(Role.DEPARTMENT, superuser=True)
    assert may(boss, RECORD_CHECKS) and may(boss, COMPARE_LISTS)
    assert not may(boss, RECORD_DECLARATIONS)


def test_require_refuses_in_the_capabilitys_words():
    require(user(Role.TOWN), RECORD_OBJECTIONS)
    with pytest.raises(Refused, match="^行业部门不能记录公示异议$"):
        require(user(Role.DEPARTMENT), RECORD_OBJECTIONS)
    with pytest.raises(Refused, match="^“入户核实”须由村干部办理$"):
        require(user(Role.TOWN), VILLAGE_STEPS, step="入户核实")


@pytest.mark.parametrize("refusal, status", [(Refused("排除预警须填写理由"), 400),
                                             (LostRace("该申报已经受理，请刷新页面"), 409)])
def test_the_api_answers_a_refusal_400_and_a_lost_race_409(refusal, status):
    response = exception_handler(refusal, {})
    assert (response.status_code, response.data) == (status, {"detail": str(refusal)})


def test_a_page_shows_a_refusal_as_an_error_message_and_nothing_else():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with refusal_as_message(request):
        raise LostRace("该预警刚被他人处理")
    assert [str(m) for m in get_messages(request)] == ["该预警刚被他人处理"]
    with pytest.raises(Http404), refusal_as_message(request):
        raise Http404("未找到该预警")


def test_templates_ask_by_the_capabilitys_name():
    page = Template('{% load roles %}{% if user|may:"COMPARE_LISTS" %}部门比对{% endif %}')
    assert page.render(Context({"user": user(Role.COUNTY)})) == "部门比对"
    assert page.render(Context({"user": user(Role.TOWN)})) == ""
    with pytest.raises(TemplateSyntaxError):
        Template('{% load roles %}{{ user|may:"COMPARERS" }}').render(
            Context({"user": user(Role.COUNTY)}))


def test_each_role_lands_where_its_day_starts(client, education_staff, town_supervisor,
                                              village_officer):
    from django.test import override_settings

    with override_settings(AXES_ENABLED=False):
        for user, lands in ((education_staff, "/alerts/tasks/"), (town_supervisor, "/"),
                            (village_officer, "/households/")):
            user.set_password("pw-for-landing-1")
            user.save()
            client.logout()
            response = client.post("/login/", {"username": user.username,
                                               "password": "pw-for-landing-1"}, follow=True)
            assert response.redirect_chain[-1][0] == lands
