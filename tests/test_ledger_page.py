"""The 台账 from the pages: the household list's 导出台账 runs the ledger of the user's
place in the background with progress, as that user sees it, as Excel or CSV."""

import csv
import io

import pytest
from django.urls import reverse

from alerts.models import ExportJob
from households.models import Household

from .factories import HouseholdFactory


@pytest.fixture
def households(places):
    HouseholdFactory(village=places["village_a"], number="HA001")
    HouseholdFactory(village=places["village_b"], number="HB001")
    HouseholdFactory(village=places["other_town_village"], number="HC001")


def export(client, user, settings, tmp_path, capture, **form):
    settings.EXPORT_ROOT = tmp_path
    client.force_login(user)
    with capture(execute=True):
        response = client.post(reverse("reports:ledger_export"), form)
    return response


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_town_exports_its_ledger_from_the_household_list(
        client, town_supervisor, households, settings, tmp_path,
        django_capture_on_commit_callbacks, fmt):
    client.force_login(town_supervisor)
    assert reverse("reports:ledger_export") in client.get("/households/").content.decode()
    response = export(client, town_supervisor, settings, tmp_path,
                      django_capture_on_commit_callbacks, format=fmt)
    job = ExportJob.objects.get()
    assert response.url == reverse("reports:export", args=[job.pk])
    assert (job.kind, job.state, job.rows_total, job.percent) == ("ledger", "已完成", 2, 100)
    status = client.get(response.url).content.decode()
    assert "导出农户台账" in status and "下载" in status
    body = b"".join(client.get(reverse("reports:export_download", args=[job.pk]))
                    .streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert [row[0] for row in rows[1:]] == ["HA001", "HB001"]  # not the other town's
    else:
        assert body[:2] == b"PK"


def test_a_village_officer_gets_only_their_village(client, village_officer, households,
                                                   settings, tmp_path,
                                                   django_capture_on_commit_callbacks):
    export(client, village_officer, settings, tmp_path, django_capture_on_commit_callbacks,
           format="csv")
    assert ExportJob.objects.get().rows_total == 1


def test_a_place_outside_the_scope_is_refused(client, town_supervisor, households, places,
                                              settings, tmp_path,
                                              django_capture_on_commit_callbacks):
    response = export(client, town_supervisor, settings, tmp_path,
                      django_capture_on_commit_callbacks, format="csv",
                      place=places["other_town"].code)
    assert response.status_code == 400 and not ExportJob.objects.exists()
    assert Household.objects.count() == 3
