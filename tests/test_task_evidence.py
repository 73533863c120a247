"""A task carries evidence (佐证材料): a photo or a scanned form, size-limited, checked by
its content, and seen only by whoever sees the task (its household's place, its channel)."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from alerts.models import TaskEvidence
from alerts.plans import plan_add_measure, task_add_evidence, task_assign, task_update
from alerts.services import NotFound
from monitor.models import AuditEvent
from monitor.roles import Channel, Refused, Role

from .alert_helpers import alert_of, family, put, record
from .factories import UserFactory

D0 = date(2026, 3, 10)
DUE = D0 + timedelta(days=20)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 200


def photo(name="竣工照片.jpg", content=JPEG):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    return tmp_path


@pytest.fixture
def housing_staff(places):
    return UserFactory(username="gina", first_name="龚娜", role=Role.DEPARTMENT,
                       place=places["county"], channel=Channel.HOUSING, unit="县住建委")


@pytest.fixture
def housing_task(places, village_officer, town_supervisor, housing_staff):
    home = family(places["village_a"], "HA001")
    record(home, D0, housing="D")
    measure = plan_add_measure(alert=alert_of(home, "HOUSING"), actor=village_officer,
                               measure="危房改造", deadline=DUE)
    return task_assign(measure=measure, actor=town_supervisor, unit="县住建委",
                       person=housing_staff, due=DUE)


def test_the_housing_department_keeps_a_photo_with_its_task(housing_task, housing_staff):
    evidence = task_add_evidence(task=housing_task, actor=housing_staff, upload=photo(),
                                 note="改造后正面照")
    assert (evidence.name, evidence.content_type, evidence.size) == (
        "竣工照片.jpg", "image/jpeg", len(JPEG))
    assert evidence.file.read() == JPEG
    assert "竣工照片" not in evidence.file.name  # stored under a random name
    assert housing_task.updates.latest("id").note.startswith("上传佐证材料：竣工照片.jpg")
    assert AuditEvent.objects.filter(note__startswith="上传佐证材料：竣工照片.jpg",
                                     actor=housing_staff).exists()


def test_a_scanned_form_is_kept_as_a_pdf_even_after_the_task_is_done(housing_task,
                                                                    housing_staff):
    task = task_update(task=housing_task, actor=housing_staff, state="已完成")
    evidence = task_add_evidence(task=task, actor=housing_staff,
                                 upload=SimpleUploadedFile("验收表.pdf", PDF))
    assert evidence.content_type == "application/pdf" and not evidence.is_image


def test_a_program_renamed_jpg_is_refused_by_its_content(housing_task, housing_staff):
    with pytest.raises(Refused, match="不是照片.*或 PDF 扫描件"):
        task_add_evidence(task=housing_task, actor=housing_staff,
                          upload=photo("照片.jpg", b"MZ\x90\x00" + b"\x00" * 100))
    assert not TaskEvidence.objects.exists()


def test_a_file_over_the_limit_is_refused_with_its_size(housing_task, housing_staff):
    big = JPEG + b"\x00" * (1024 * 1024)
    with pytest.raises(Refused, match="超过上限 1.0 MB"):
        task_add_evidence(task=housing_task, actor=housing_staff, upload=photo(content=big))


def test_an_empty_upload_is_refused(housing_task, housing_staff):
    with pytest.raises(Refused, match="请选择"):
        task_add_evidence(task=housing_task, actor=housing_staff, upload=None)


def test_another_channel_cannot_see_the_task_nor_add_to_it(housing_task, education_staff):
    with pytest.raises(NotFound):
        task_add_evidence(task=housing_task, actor=education_staff, upload=photo())


def test_a_closed_alert_takes_no_more_evidence(housing_task, housing_staff):
    put(housing_task.measure.alert, "已销号")
    housing_task.refresh_from_db()
    with pytest.raises(Refused, match="不能再上传佐证材料"):
        task_add_evidence(task=housing_task, actor=housing_staff, upload=photo())


def test_the_tasks_page_uploads_and_shows_the_photo_to_those_who_see_the_task(
        client, housing_task, housing_staff, town_supervisor, education_staff, places):
    client.force_login(housing_staff)
    response = client.post(f"/alerts/tasks/{housing_task.pk}/evidence/",
                           {"file": photo(), "note": "竣工"}, follow=True)
    page = response.content.decode()
    assert "已上传佐证材料“竣工照片.jpg”" in page and "照片：竣工照片.jpg" in page
    evidence = TaskEvidence.objects.get()
    client.force_login(town_supervisor)
    shown = client.get(f"/alerts/evidence/{evidence.pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content) == JPEG
    client.force_login(education_staff)
    assert client.get(f"/alerts/evidence/{evidence.pk}/").status_code == 404
    other_town = UserFactory(role=Role.TOWN, place=places["other_town"])
    client.force_login(other_town)
    assert client.get(f"/alerts/evidence/{evidence.pk}/").status_code == 404


def test_the_tasks_page_says_why_a_file_was_refused(client, housing_task, housing_staff):
    client.force_login(housing_staff)
    response = client.post(f"/alerts/tasks/{housing_task.pk}/evidence/",
                           {"file": photo("病毒.jpg", b"not an image at all")}, follow=True)
    assert "“病毒.jpg”不是照片" in response.content.decode()
    assert not TaskEvidence.objects.exists()


def test_the_api_uploads_evidence_and_lists_it_with_the_task(housing_task, housing_staff):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(housing_staff)
    response = api.post(f"/api/tasks/{housing_task.pk}/evidence/",
                        {"file": photo(), "note": "竣工"}, format="multipart")
    assert response.status_code == 201, response.content
    [listed] = response.json()["evidence"]
    assert (listed["name"], listed["content_type"]) == ("竣工照片.jpg", "image/jpeg")
    assert listed["url"] == f"/alerts/evidence/{listed['id']}/"
    refused = api.post(f"/api/tasks/{housing_task.pk}/evidence/",
                       {"file": photo("x.jpg", b"plain text")}, format="multipart")
    assert refused.status_code == 400 and "不是照片" in refused.content.decode()
