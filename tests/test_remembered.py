"""Responses served again from memory while nothing they read has changed
(monitor/remembered.py): the same bytes for the same user and URL, and on PostgreSQL the
very next request after any commit to what they read is made afresh."""

import re
from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from alerts.models import Alert
from households.models import Check, Place
from monitor import remembered
from monitor.counting import TRACKED

from .api.helpers import client_for

QUEUE_API = "/api/alerts/?open=true"


def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("change counts are PostgreSQL's; elsewhere every response is made afresh")


@pytest.fixture
def browser(client, county_supervisor):
    """A logged-in browser that has its CSRF cookie from an earlier page, as after login."""
    client.force_login(county_supervisor)
    client.get(reverse("alerts:queue"))
    return client


def asked(client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries]


def test_every_tracked_table_has_its_change_count_trigger(transactional_db):
    on_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger "
                       "WHERE tgname LIKE '%%_count_change'")
        assert {row[0] for row in cursor.fetchall()} == TRACKED


def test_the_queue_api_asked_again_is_the_same_bytes_without_reading_alerts(
        transactional_db, four_alerts, county_supervisor):
    on_postgresql()
    api = client_for(county_supervisor)
    first, _ = asked(api, QUEUE_API)
    again, queries = asked(api, QUEUE_API)
    assert again.content == first.content and len(again.json()["results"]) == 3
    assert not any('"alerts_alert"' in sql for sql in queries)
    assert again["Content-Type"] == first["Content-Type"] and again.has_header("Vary")


def test_the_api_asked_from_a_logged_in_browser_still_varies_on_its_cookie(
        transactional_db, four_alerts, browser):
    """A shared cache in front must not give one user's list to another."""
    on_postgresql()
    first, _ = asked(browser, QUEUE_API)
    again, queries = asked(browser, QUEUE_API)
    assert again.content == first.content and len(queries) == 1
    assert "Cookie" in again["Vary"]


def test_a_move_shows_on_the_very_next_request(transactional_db, four_alerts, county_supervisor):
    on_postgresql()
    api = client_for(county_supervisor)
    asked(api, QUEUE_API)
    Alert.objects.filter(rule="WATER").update(state="已销号")
    rules = sorted(a["rule"] for a in asked(api, QUEUE_API)[0].json()["results"])
    assert rules == ["HOUSING", "HOUSING"]


def test_a_renamed_village_shows_on_the_next_page(transactional_db, four_alerts, browser):
    on_postgresql()
    assert "平所村" in asked(browser, reverse("alerts:queue"))[0].content.decode()
    Place.objects.filter(name="平所村").update(name="平所新村")
    assert "平所新村" in asked(browser, reverse("alerts:queue"))[0].content.decode()


def test_the_queue_page_asked_again_comes_from_memory(transactional_db, four_alerts, browser):
    on_postgresql()
    first, _ = asked(browser, reverse("alerts:queue"))
    again, queries = asked(browser, reverse("alerts:queue"))
    assert again.content == first.content and "Cookie" in again["Vary"]
    assert not any('"alerts_alert"' in sql for sql in queries)


def test_a_page_that_makes_a_new_csrf_secret_is_not_remembered(transactional_db, four_alerts,
                                                               county_supervisor):
    """Its form's token belongs to the cookie that response sets: a later visit without
    the cookie gets a page whose form works with the cookie it is given."""
    on_postgresql()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(county_supervisor)
    for _ in range(2):
        browser.cookies.pop("csrftoken", None)
        page = browser.get(reverse("alerts:queue")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    sent = browser.post(reverse("alerts:assign"), {"csrfmiddlewaretoken": token})
    assert sent.status_code != 403


def test_users_never_share_a_remembered_response(transactional_db, four_alerts, county_supervisor,
                                                 town_supervisor):
    on_postgresql()
    county, town = client_for(county_supervisor), client_for(town_supervisor)
    assert len(asked(county, QUEUE_API)[0].json()["results"]) == 3
    assert len(asked(town, QUEUE_API)[0].json()["results"]) == 2
    assert len(asked(county, QUEUE_API)[0].json()["results"]) == 3


def test_a_user_moved_to_another_place_sees_that_place_at_once(transactional_db, four_alerts,
                                                               places, town_supervisor):
    on_postgresql()
    api = client_for(town_supervisor)
    assert len(asked(api, QUEUE_API)[0].json()["results"]) == 2
    town_supervisor.place = places["other_town"]
    town_supervisor.save()
    assert len(asked(api, QUEUE_API)[0].json()["results"]) == 1


def test_a_logout_ends_what_the_session_was_shown(transactional_db, four_alerts, browser):
    on_postgresql()
    asked(browser, reverse("alerts:queue"))
    cookie = browser.cookies["sessionid"].value
    browser.post(reverse("logout"))
    browser.cookies["sessionid"] = cookie  # a copy of the cookie kept somewhere
    response = browser.get(reverse("alerts:queue"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_expired_session_is_sent_to_log_in(transactional_db, four_alerts, browser, monkeypatch):
    """Nothing is written when a session expires: its end is remembered with it."""
    on_postgresql()
    asked(browser, reverse("alerts:queue"))
    expires = Session.objects.get().expire_date
    monkeypatch.setattr(remembered.timezone, "now", lambda: expires + timedelta(seconds=1))
    assert browser.get(reverse("alerts:queue")).status_code == 302


def test_a_deleted_token_or_a_deactivated_user_is_refused_at_once(
        transactional_db, four_alerts, county_supervisor, town_supervisor):
    on_postgresql()
    county, town = client_for(county_supervisor), client_for(town_supervisor)
    asked(county, QUEUE_API), asked(town, QUEUE_API)
    Token.objects.filter(user=county_supervisor).delete()
    assert county.get(QUEUE_API).status_code == 401
    town_supervisor.is_active = False
    town_supervisor.save()
    assert town.get(QUEUE_API).status_code == 401


def test_the_next_day_is_made_afresh(transactional_db, four_alerts, county_supervisor,
                                     monkeypatch):
    """Deadlines and overdue days are counted from today."""
    on_postgresql()
    api = client_for(county_supervisor)
    asked(api, QUEUE_API)
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(remembered.timezone, "localdate", lambda: tomorrow)
    _, queries = asked(api, QUEUE_API)
    assert any('"alerts_alert"' in sql for sql in queries)


def test_pending_messages_are_shown_not_skipped(transactional_db, four_alerts, browser):
    on_postgresql()
    asked(browser, reverse("alerts:queue"))
    request = RequestFactory().get("/")
    request.session = browser.session
    storage = messages.storage.default_storage(request)
    storage.add(messages.SUCCESS, "已指派 2 条预警")
    response = HttpResponse()
    storage.update(response)  # in the cookie: nothing is written to the database
    browser.cookies.update(response.cookies)
    assert "已指派 2 条预警" in asked(browser, reverse("alerts:queue"))[0].content.decode()


def test_the_dashboard_is_remembered_until_its_figures_are_counted_again(
        transactional_db, four_alerts, browser, settings, monkeypatch):
    on_postgresql()
    settings.DASHBOARD_CACHE_SECONDS = 120
    first, _ = asked(browser, "/")
    again, queries = asked(browser, "/")
    assert again.content == first.content
    assert not any("households_place" in sql for sql in queries)
    later = timezone.now() + timedelta(seconds=121)
    monkeypatch.setattr(remembered.timezone, "now", lambda: later)
    _, queries = asked(browser, "/")
    assert any("households_place" in sql for sql in queries)


def make_request(user):
    request = RequestFactory().get("/somewhere", HTTP_AUTHORIZATION="Token 0123456789")
    request.user, request.session = user, SessionStore()
    request._messages = []
    return request


def times_made(user, work) -> int:
    """How often a view doing `work` is made when asked for twice."""
    made = []

    def make():
        made.append(work())
        return HttpResponse("done")

    for _ in range(2):
        remembered.respond(make_request(user), "test", make)
    return len(made)


def test_a_response_reading_only_tracked_tables_is_made_once(transactional_db, four_alerts,
                                                             county_supervisor):
    on_postgresql()
    assert times_made(county_supervisor, Alert.objects.count) == 1


def test_a_response_that_read_an_untracked_table_is_not_remembered(transactional_db, four_alerts,
                                                                   county_supervisor):
    on_postgresql()
    assert times_made(county_supervisor, Check.objects.count) == 2


def test_a_response_that_wrote_is_not_remembered(transactional_db, four_alerts, county_supervisor):
    """Even to a table without change counts (its write moves none)."""
    on_postgresql()
    assert times_made(county_supervisor,
                      lambda: Check.objects.filter(pk=0).update(notes="")) == 2


def test_inside_a_transaction_nothing_is_remembered(transactional_db, four_alerts,
                                                    county_supervisor):
    on_postgresql()
    with transaction.atomic():
        assert times_made(county_supervisor, Alert.objects.count) == 2


def test_the_oldest_response_is_forgotten_first(transactional_db, four_alerts, county_supervisor,
                                                monkeypatch):
    on_postgresql()
    monkeypatch.setattr(remembered, "KEEP", 2)
    made = []

    def make_for(path):
        def make():
            made.append(path)
            return HttpResponse(str(Alert.objects.count()))
        request = make_request(county_supervisor)
        request.path = request.path_info = path
        return remembered.respond(request, "test", make)

    for path in ("/a", "/b", "/a", "/c", "/a", "/b"):
        make_for(path)
    assert made == ["/a", "/b", "/c", "/b"]
