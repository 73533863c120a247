"""The API describes itself truthfully (OpenAPI 3 at /api/schema/, Swagger UI at
/api/docs/ without a CDN) and throttles clients that ask too much."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from shouwang.settings import env_rate

from .helpers import client_for

OPERATIONS = {
    ("/api/places/", "get"), ("/api/places/{code}/", "get"),
    ("/api/households/", "get"), ("/api/households/{id}/", "get"),
    ("/api/members/", "get"), ("/api/members/{id}/", "get"), ("/api/members/", "post"),
    ("/api/members/{id}/leave/", "post"), ("/api/members/{id}/id-number/", "post"),
    ("/api/checks/", "get"), ("/api/checks/", "post"), ("/api/checks/{id}/", "get"),
    ("/api/alerts/", "get"), ("/api/alerts/{id}/", "get"),
    ("/api/alerts/{id}/moves/", "post"), ("/api/alerts/{id}/measures/", "post"),
    ("/api/alerts/assign/", "post"),
    ("/api/plans/", "get"), ("/api/plans/{id}/", "get"),
    ("/api/measures/", "get"), ("/api/measures/{id}/", "get"),
    ("/api/measures/{id}/tasks/", "post"), ("/api/measure-catalogue/", "get"),
    ("/api/tasks/", "get"), ("/api/tasks/{id}/", "get"), ("/api/tasks/{id}/updates/", "post"),
    ("/api/tasks/{id}/evidence/", "post"),
    ("/api/five-lists/", "get"), ("/api/five-lists/{list}/", "get"), ("/api/ledger/", "get"),
    ("/api/policy/preview/", "post"), ("/api/policy/adopt/", "post"),
}


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_describes_every_operation(schema):
    found = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert found == OPERATIONS


def test_the_schema_documents_the_errors_each_operation_can_answer(schema):
    paths = schema["paths"]
    assert set(paths["/api/checks/"]["post"]["responses"]) == {"201", "400", "403", "409"}
    assert set(paths["/api/alerts/{id}/moves/"]["post"]["responses"]) == {
        "200", "400", "404", "409"}
    assert set(paths["/api/households/{id}/"]["get"]["responses"]) == {"200", "404"}
    assert set(paths["/api/households/"]["get"]["responses"]) == {"200", "400", "404"}


def test_the_schema_documents_the_idempotency_key_and_money_as_decimal_strings(schema):
    parameters = schema["paths"]["/api/checks/"]["post"]["parameters"]
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= parameters[0].items()
    wages = schema["components"]["schemas"]["CheckOutput"]["properties"]["income_wages"]
    assert (wages["type"], wages["format"]) == ("string", "decimal")


def test_spectacular_validates_the_schema_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn",
                 "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_swagger_ui_loads_from_our_own_static_files(db):
    page = APIClient().get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page


# ── Throttling ────────────────────────────────────────────────────────────────────────

def test_an_authenticated_client_is_throttled_past_its_rate(county_supervisor, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute",
                                                               "anon": "100/minute"})
    client = client_for(county_supervisor)
    codes = [client.get("/api/places/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/places/")
    assert "请求已被限流" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_anonymous_clients_are_throttled_by_address(db, monkeypatch):
    """The schema is public; everything else refuses an anonymous request (401) before
    throttles are counted, as DRF checks permissions first."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "100/minute",
                                                               "anon": "2/minute"})
    codes = [APIClient().get("/api/schema/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_default_rates_leave_room_for_a_field_app(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"anon": "60/minute", "user": "1200/minute"}


@pytest.mark.parametrize("value", ["lots", "0/minute", "10/fortnight", "10 per minute"])
def test_a_bad_rate_in_the_environment_fails_loudly(monkeypatch, value):
    monkeypatch.setenv("DJANGO_API_USER_RATE", value)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_API_USER_RATE"):
        env_rate("DJANGO_API_USER_RATE", "1200/minute")
