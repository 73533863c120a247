"""What the server gives the phone for work without signal (domain.md §10, visits/offline.py):
the service worker at the root, the manifest, the pages the phone may keep (a village
officer's own villages only), and the token that tells the outbox whether the login holds.
The phone's side is tested in a real browser (tests/browser/test_offline.py)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from visits.offline import KEEP_HEADER

from .factories import MemberFactory

STATIC = Path(settings.BASE_DIR) / "static"


def test_the_service_worker_is_served_from_the_root_for_every_page(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    shell = json.loads(re.search(r"var SHELL_URLS = (\[.*?\]);", response.content.decode())[1])
    assert "/static/js/outbox.js" in shell and "/static/vendor/idb/idb-8.0.4.umd.js" in shell
    assert not [url for url in shell if "echarts" in url]  # the phone draws no charts
    assert shell[-1] == reverse("offline_fallback")
    imports = json.loads(re.search(r"importScripts.apply\(self, (\[.*?\])\)",
                                   response.content.decode())[1])
    assert imports and set(imports) <= set(shell)


def test_the_manifest_names_the_app_in_chinese_with_its_icons(client, db):
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["name"].startswith("守望") and manifest["short_name"] == "守望"
    assert manifest["start_url"] == "/households/"
    for icon in manifest["icons"]:
        assert (STATIC / icon["src"].removeprefix("/static/")).exists()


def test_the_no_signal_page_names_no_one(client, village_officer):
    client.force_login(village_officer)
    page = client.get("/offline/").content.decode()
    assert "没有信号" in page and village_officer.username not in page


@pytest.mark.parametrize("path", ["/households/", "/households/HA001/",
                                  "/households/HA001/checks/new/", "/households/outbox/",
                                  "/households/HA001/members/new/"])
def test_a_village_officer_may_keep_their_pages_on_the_phone(client, village_officer, household_a,
                                                              path):
    client.force_login(village_officer)
    assert client.get(path)[KEEP_HEADER] == "keep"


def test_a_filtered_list_is_not_kept(client, village_officer, household_a):
    client.force_login(village_officer)
    assert KEEP_HEADER not in client.get("/households/", {"q": "HA"})


@pytest.mark.parametrize("persona", ["town_supervisor", "county_supervisor", "education_staff"])
def test_other_roles_keep_nothing_with_personal_data_on_a_phone(client, request, household_a,
                                                                  persona):
    client.force_login(request.getfixturevalue(persona))
    assert KEEP_HEADER not in client.get("/households/")
    assert client.get(reverse("households:offline_pages")).status_code == 403


def test_the_pages_to_download_are_the_officers_villages_only(
        client, village_officer, household_a, household_b, household_other_town):
    MemberFactory(household=household_a)
    client.force_login(village_officer)
    answer = client.get(reverse("households:offline_pages")).json()
    visible = household_a.number
    assert answer["households"] == 1
    assert f"/households/{visible}/" in answer["pages"]
    assert f"/households/{visible}/checks/new/" in answer["pages"]
    assert f"/households/{visible}/members/new/" in answer["pages"]
    member = household_a.members.get()  # each member's forms too: who left, an ID fixed
    assert f"/households/{visible}/members/{member.pk}/leave/" in answer["pages"]
    assert f"/households/{visible}/members/{member.pk}/id-number/" in answer["pages"]
    assert "/households/" in answer["pages"] and "/households/outbox/" in answer["pages"]
    others = (household_b.number, household_other_town.number)
    assert not [p for p in answer["pages"] if any(f"/{n}/" in p for n in others)]


def test_the_send_token_says_when_the_login_has_expired(client, village_officer):
    assert client.get(reverse("households:send_token")).status_code == 401
    client.force_login(village_officer)
    answer = client.get(reverse("households:send_token")).json()
    assert answer["user"] == village_officer.pk and len(answer["csrf"]) >= 32
