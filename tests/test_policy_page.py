"""Who sets the county's policy, and where (domain.md §1): the administrator manages users,
places, monitoring lines, thresholds and the measures catalogue in the admin site as staff
with exactly those permissions (set by `add_user --role admin`, reset when the role
changes), without being a superuser; the county supervisor sets the county's lines and
thresholds on the 政策 page, effective-dated, the values in force shown beside each, every
change in the audit trail with who and why."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from monitor.models import AuditEvent, MonitoringLine, PolicySetting, User

ADMIN_ADD_PAGES = ["/admin/monitor/monitoringline/add/", "/admin/monitor/policysetting/add/",
                   "/admin/households/place/add/", "/admin/alerts/measurecatalogue/add/",
                   "/admin/monitor/user/add/"]


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("DJANGO_USER_PASSWORD", "correct-horse-battery-9")


@pytest.fixture
def it_admin(places):
    call_command("add_user", "it", "--role", "admin")
    return User.objects.get(username="it")


@pytest.mark.parametrize("page", ADMIN_ADD_PAGES)
def test_an_administrator_made_by_add_user_manages_policy_in_the_admin_site(client, it_admin,
                                                                            page):
    assert not it_admin.is_superuser
    client.force_login(it_admin)
    assert client.get(page).status_code == 200


def test_the_administrator_has_exactly_those_permissions(client, it_admin):
    client.force_login(it_admin)
    assert client.get("/admin/households/household/").status_code == 403
    assert client.get("/admin/monitor/auditevent/").status_code == 403


def test_an_administrator_adds_a_line_in_the_admin_site_and_it_is_audited(client, it_admin):
    client.force_login(it_admin)
    response = client.post("/admin/monitor/monitoringline/add/",
                           {"province": "50", "year": "2026", "amount": "7200"})
    assert response.status_code == 302
    assert MonitoringLine.objects.get(year=2026).amount == Decimal("7200")
    assert AuditEvent.objects.filter(object_kind="line", actor=it_admin).exists()


def test_changing_the_role_takes_the_admin_site_away(client, it_admin):
    call_command("add_user", "it", "--role", "county", "--place", "500241")
    user = User.objects.get(username="it")
    assert (user.is_staff, user.user_permissions.count()) == (False, 0)
    client.force_login(user)
    assert client.get("/admin/monitor/policysetting/add/").status_code == 302  # to login


# ── The 政策 page ─────────────────────────────────────────────────────────────────────

def test_a_county_supervisor_sees_each_threshold_with_the_value_in_force(client,
                                                                         county_supervisor):
    PolicySetting.objects.create(key="high_verify_days", value=5,
                                 effective_from=date(2022, 1, 1), note="县政府文件")
    client.force_login(county_supervisor)
    response = client.get("/policy/")
    assert response.status_code == 200
    [row] = [t for t in response.context["thresholds"] if t["key"] == "high_verify_days"]
    assert (row["in_force"], row["default"]) == ("5", "3")
    [hold] = [t for t in response.context["thresholds"] if t["key"] == "safety_net_hold"]
    assert hold["in_force"] == "开启"
    assert "高风险：核实时限（天）" in response.content.decode()


def test_a_county_supervisor_sets_a_threshold_from_a_date_and_says_why(client,
                                                                       county_supervisor):
    client.force_login(county_supervisor)
    response = client.post("/policy/change/", {
        "kind": "threshold", "key": "near_line_factor", "value": "1.6",
        "effective_from": "2027-01-01", "reason": "市里通知：临界倍数上调"})
    assert response.status_code == 302
    setting = PolicySetting.objects.get(key="near_line_factor")
    assert (setting.value, setting.effective_from) == (Decimal("1.6"), date(2027, 1, 1))
    event = AuditEvent.objects.get(object_kind="policy")
    assert (event.actor, event.note, event.changes) == (
        county_supervisor, "市里通知：临界倍数上调", {"取值": [None, "1.6"]})


def test_a_county_supervisor_sets_the_countys_line(client, county_supervisor):
    client.force_login(county_supervisor)
    client.post("/policy/change/", {"kind": "line", "year": "2026", "amount": "7000",
                                    "reason": "市级监测线"})
    assert MonitoringLine.objects.get(province="50", year=2026).amount == Decimal("7000")
    response = client.get("/policy/")
    assert response.context["line_in_force"] == Decimal("7000")


def test_a_change_without_a_reason_is_refused(client, county_supervisor):
    client.force_login(county_supervisor)
    response = client.post("/policy/change/", {
        "kind": "threshold", "key": "near_line_factor", "value": "1.6",
        "effective_from": "2027-01-01", "reason": " "}, follow=True)
    assert "请填写调整原因" in response.content.decode()
    assert not PolicySetting.objects.exists()


def test_a_switch_takes_only_on_or_off(client, county_supervisor):
    client.force_login(county_supervisor)
    response = client.post("/policy/change/", {
        "kind": "threshold", "key": "safety_net_hold", "value": "2",
        "effective_from": "2027-01-01", "reason": "试行"}, follow=True)
    assert "只能为 1（开启）或 0（关闭）" in response.content.decode()


def test_the_administrator_may_use_the_page_too(client, it_admin):
    client.force_login(it_admin)
    assert client.get("/policy/").status_code == 200


@pytest.mark.parametrize("role", ["village_officer", "town_supervisor", "education_staff"])
def test_others_may_not_set_policy(request, client, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get("/policy/").status_code == 403
    assert client.post("/policy/change/", {
        "kind": "line", "year": "2026", "amount": "1", "reason": "x"}).status_code == 403
    assert not MonitoringLine.objects.exists()


def test_the_menu_offers_the_page_to_the_county_supervisor(client, county_supervisor,
                                                           town_supervisor):
    client.force_login(county_supervisor)
    assert 'href="/policy/"' in client.get("/alerts/").content.decode()
    client.force_login(town_supervisor)
    assert 'href="/policy/"' not in client.get("/alerts/").content.decode()


def test_an_administrator_cannot_make_anyone_a_superuser(client, it_admin, village_officer):
    client.force_login(it_admin)
    page = client.get(f"/admin/monitor/user/{village_officer.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()


def test_a_role_changed_to_admin_in_the_admin_site_gets_the_admin_sites_permissions(
        client, it_admin, places):
    call_command("add_user", "zhao", "--role", "county", "--place", "500241")
    zhao = User.objects.get(username="zhao")
    client.force_login(it_admin)
    page = client.get(f"/admin/monitor/user/{zhao.pk}/change/")
    data = {key: value for key, value in page.context["adminform"].form.initial.items()
            if value is not None and key in page.context["adminform"].form.fields}
    data.update({"role": "admin", "place": "", "username": "zhao"})
    response = client.post(f"/admin/monitor/user/{zhao.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    zhao.refresh_from_db()
    assert zhao.is_staff and zhao.user_permissions.count() == 20


def test_a_number_too_large_for_the_policy_is_refused_not_a_server_error(client,
                                                                         county_supervisor):
    client.force_login(county_supervisor)
    for form in ({"kind": "line", "year": "2026", "amount": "1e9", "reason": "试"},
                 {"kind": "threshold", "key": "near_line_factor", "value": "1e9",
                  "effective_from": "2027-01-01", "reason": "试"}):
        response = client.post("/policy/change/", form, follow=True)
        assert response.status_code == 200 and "超出范围" in response.content.decode()
    assert not PolicySetting.objects.exists()
    assert not MonitoringLine.objects.filter(year=2026).exists()


def test_an_administrator_cannot_open_a_superusers_account(client, it_admin):
    root = User.objects.create_superuser("root", password="x-very-long-password-1")
    client.force_login(it_admin)
    assert client.get(f"/admin/monitor/user/{root.pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/monitor/user/{root.pk}/password/").status_code == 404
    assert "root" not in client.get("/admin/monitor/user/").content.decode()
