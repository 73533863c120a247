"""Refusals a person reads in Chinese: the 404 (also what a household outside one's scope
answers), 403 and 500 pages, on every page address."""

import re

from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.defaults import bad_request, server_error

ENGLISH = re.compile(r"Not Found|Forbidden|Server Error|Bad Request|requested resource")


def page_patterns(resolver=None, prefix=""):
    """Every page address (not the API, admin or static files), with its parameters
    filled by values that name nothing."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from page_patterns(entry, route)
        elif isinstance(entry, URLPattern) and not route.startswith(("api/", "admin/")):
            yield re.sub(r"<int:\w+>", "987654", re.sub(r"<(str:)?\w+>", "NOPE404", route))


def test_every_page_that_finds_nothing_says_so_in_chinese(client, education_staff):
    client.force_login(education_staff)
    missing = 0
    for path in page_patterns():
        if "987654" not in path and "NOPE404" not in path:
            continue
        answer = client.get("/" + path)
        if answer.status_code == 404:
            missing += 1
            body = answer.content.decode()
            assert "页面不存在" in body and not ENGLISH.search(body), path
    assert missing >= 10  # the household, alert, plan, task, case ... pages were all tried


def test_a_role_refused_a_page_reads_why_in_chinese(client, education_staff):
    client.force_login(education_staff)
    answer = client.get("/monitoring/declarations/")
    assert answer.status_code == 403
    body = answer.content.decode()
    assert "没有权限" in body and "行业部门" in body and not ENGLISH.search(body)


def test_a_server_error_and_a_bad_request_read_in_chinese(db):
    request = RequestFactory().get("/")
    assert "系统出错" in server_error(request).content.decode()
    assert "请求有误" in bad_request(request, Exception()).content.decode()


def test_the_admin_site_reads_the_login_lockout_in_chinese(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    body = client.get("/admin/").content.decode()
    assert "登录锁定" in body and "登录失败记录" in body
    assert not re.search(r"Access attempts|Access logs|Axes", body)
