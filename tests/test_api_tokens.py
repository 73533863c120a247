"""API tokens expire after API_TOKEN_DAYS, end when their owner changes password, and
their owner sees, renews and revokes them on the 账号 page (issue 16, item 9). An
expired or ended token is refused by every API address."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from .url_helpers import plain_routes

PASSWORD = "correct-horse-9"


def api_with(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


@pytest.fixture
def token(town_supervisor):
    """A token of a user whose password was set long before (a fixture's user has just
    had one set: as if at the token's own age it would already be older)."""
    type(town_supervisor).objects.filter(pk=town_supervisor.pk).update(
        password_changed_at=timezone.now() - timedelta(days=365))
    return Token.objects.create(user=town_supervisor)


def age(token, days: float) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=days))


def test_a_token_works_until_it_is_api_token_days_old(token, settings):
    settings.API_TOKEN_DAYS = 30
    age(token, 29.9)
    assert api_with(token.key).get("/api/households/").status_code == 200
    age(token, 30.1)
    answer = api_with(token.key).get("/api/households/")
    assert answer.status_code == 401
    assert "令牌已过期或因修改密码而失效" in answer.json()["detail"]


def test_an_expired_token_is_refused_by_every_api_address(token):
    age(token, 31)
    api = api_with(token.key)
    for url in plain_routes():
        if url.startswith("/api/") and url not in ("/api/schema/", "/api/docs/"):
            assert api.get(url).status_code == 401, url


def test_a_new_password_ends_the_token(client, token, town_supervisor):
    town_supervisor.set_password(PASSWORD)
    town_supervisor.password_changed_at = None
    town_supervisor.save()
    client.force_login(town_supervisor)
    assert api_with(token.key).get("/api/households/").status_code == 200
    response = client.post("/password/", {"old_password": PASSWORD,
                                          "new_password1": "another-horse-7",
                                          "new_password2": "another-horse-7"})
    assert response.status_code == 302
    assert api_with(token.key).get("/api/households/").status_code == 401


def test_the_account_page_makes_shows_and_revokes_the_users_own_token(client,
                                                                      town_supervisor):
    client.force_login(town_supervisor)
    page = client.get("/account/").content.decode()
    assert "您目前没有 API 令牌" in page
    page = client.post("/account/", {"action": "renew"}).content.decode()
    key = Token.objects.get(user=town_supervisor).key
    assert key in page and "只显示这一次" in page
    assert api_with(key).get("/api/households/").status_code == 200
    later = client.get("/account/").content.decode()
    assert key not in later and key[-4:] in later and "到期" in later
    client.post("/account/", {"action": "revoke"})
    assert not Token.objects.filter(user=town_supervisor).exists()
    assert api_with(key).get("/api/households/").status_code == 401


def test_a_renewed_token_ends_the_old_one(client, token, town_supervisor):
    client.force_login(town_supervisor)
    client.post("/account/", {"action": "renew"})
    assert api_with(token.key).get("/api/households/").status_code == 401


def test_the_account_page_needs_a_login(client):
    assert client.get("/account/").status_code == 302
