"""The 导入排查 page (issue 20): a supervisor uploads the workbook, the dry run shows the
refused rows, the good rows are imported with a summary and the error report; a town
loads only its own villages; two imports of one place never run at once; the same file
twice changes nothing; a dead worker's import is completed by running it again."""

import os
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.models import Check, Household, Member
from survey import jobs
from survey.models import ImportJob, ImportState

from .conftest import ZHONGHE_VILLAGE
from .factories import UserFactory, id_number
from .fault_helpers import REFUSED
from .survey_helpers import (
    check_row,
    family,
    household_row,
    member_row,
    read_xlsx,
    write_csv_folder,
    write_xlsx,
)


@pytest.fixture(autouse=True)
def import_root(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "imports"


def kept(name: str) -> str:
    """Where an upload of a job made by hand would be kept (its folder: the job's)."""
    return str(settings.IMPORT_ROOT / "by-hand" / name)


def with_bad_rows():
    """family() and H002, whose household row names a village that does not exist, and
    H003 in the other town's village."""
    households, members, checks = family()
    households += [household_row("H002", village="500241101299", 户主身份证号=id_number()),
                   household_row("H003", village=ZHONGHE_VILLAGE, 户主身份证号=id_number())]
    members += [member_row("H002", "田二", id_number()), member_row("H003", "田三", id_number())]
    checks += [check_row("H002"), check_row("H003")]
    return households, members, checks


def workbook(tmp_path, rows=None, name="排查.xlsx") -> SimpleUploadedFile:
    path = write_xlsx(tmp_path / name, *(rows or family()))
    return SimpleUploadedFile(name, path.read_bytes())


def upload(client, user, capture, *files):
    client.force_login(user)
    with capture(execute=True):
        response = client.post(reverse("survey:import"), {"files": list(files)})
    return response


def confirm(client, job, capture):
    with capture(execute=True):
        return client.post(reverse("survey:job_confirm", args=[job.pk]))


def registry():
    return (sorted(Household.objects.values_list("number", "updated_at")),
            sorted(Member.objects.values_list("id_number", "schooling")),
            sorted(Check.objects.values_list("id", "evaluated_at")))


# ── Upload, dry run, import ──────────────────────────────────────────────────────────

def test_the_dry_run_writes_nothing_and_lists_the_refused_rows(
        client, town_supervisor, tmp_path, django_capture_on_commit_callbacks):
    response = upload(client, town_supervisor, django_capture_on_commit_callbacks,
                      workbook(tmp_path, with_bad_rows()))
    job = ImportJob.objects.get()
    assert response.url == reverse("survey:job", args=[job.pk])
    assert job.state == ImportState.CHECKED and not Household.objects.exists()
    page = client.get(response.url).content.decode()
    assert "检查完成：尚未写入任何数据" in page and "导入正确的 5 行" in page
    assert "不在本人负责的地区范围内（隘口镇）" in page and "500241101299" in page


def test_importing_the_good_rows_ends_in_the_summary_and_the_error_report(
        client, town_supervisor, tmp_path, django_capture_on_commit_callbacks):
    upload(client, town_supervisor, django_capture_on_commit_callbacks,
           workbook(tmp_path, with_bad_rows()))
    job = ImportJob.objects.get()
    confirm(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert set(Household.objects.values_list("number", flat=True)) == {"H001"}
    assert job.summary["households_created"] == 1 and job.summary["checks_created"] == 2
    assert job.summary["alerts_raised"] == 3 and job.summary["rejected_rows"] == 6
    page = client.get(reverse("survey:job", args=[job.pk])).content.decode()
    assert "导入完成" in page and "下载错误报告" in page
    report = client.get(reverse("survey:job_report", args=[job.pk]))
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"".join(report.streaming_content))
    refused = read_xlsx(path)["农户"]
    assert [row["户编号"] for row in refused] == ["H002", "H003"]
    assert refused[1]["错误原因"] == "村代码：不在本人负责的地区范围内（隘口镇）"


def test_three_csv_files_are_one_upload(client, county_supervisor, tmp_path,
                                         django_capture_on_commit_callbacks):
    folder = write_csv_folder(tmp_path / "csv", *family())
    files = [SimpleUploadedFile(name, (folder / name).read_bytes())
             for name in ("农户.csv", "成员.csv", "排查.csv")]
    upload(client, county_supervisor, django_capture_on_commit_callbacks, *files)
    job = ImportJob.objects.get()
    assert job.state == ImportState.CHECKED and job.summary["good_rows"] == 5


def test_stopping_after_the_dry_run_writes_nothing(client, town_supervisor, tmp_path,
                                                   django_capture_on_commit_callbacks):
    upload(client, town_supervisor, django_capture_on_commit_callbacks, workbook(tmp_path))
    job = ImportJob.objects.get()
    client.post(reverse("survey:job_stop", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportState.STOPPED and not Household.objects.exists()
    assert confirm(client, job, django_capture_on_commit_callbacks).status_code == 302
    assert not Household.objects.exists()


@pytest.mark.parametrize("names, words", [
    (["a.xlsx", "b.xlsx"], "只能上传一个 Excel 工作簿"),
    (["农户.csv", "成员.csv"], "缺少 排查.csv"),
    (["households.csv", "成员.csv", "排查.csv"], "文件名不对：households.csv"),
    (["排查.pdf"], "只能上传一个 Excel 工作簿"),
])
def test_an_upload_that_is_not_the_workbook_is_refused_in_words(
        client, town_supervisor, names, words, django_capture_on_commit_callbacks):
    files = [SimpleUploadedFile(name, b"x") for name in names]
    response = upload(client, town_supervisor, django_capture_on_commit_callbacks, *files)
    assert words in response.content.decode() and not ImportJob.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_kept(
        client, town_supervisor, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(jobs, "MAX_UPLOAD_BYTES", 10)
    response = upload(client, town_supervisor, django_capture_on_commit_callbacks,
                      SimpleUploadedFile("排查.xlsx", b"x" * 11))
    assert "文件太大" in response.content.decode() and not ImportJob.objects.exists()


def test_the_page_states_the_limits_before_the_upload(client, town_supervisor):
    client.force_login(town_supervisor)
    page = client.get(reverse("survey:import")).content.decode()
    assert "文件不超过 50 MB" in page and "万个单元格" in page and "只导入隘口镇的农户" in page


# ── Scope and roles ──────────────────────────────────────────────────────────────────

def test_only_the_uploaders_place_sees_the_job(client, town_supervisor, places, tmp_path,
                                               django_capture_on_commit_callbacks):
    upload(client, town_supervisor, django_capture_on_commit_callbacks, workbook(tmp_path))
    job = ImportJob.objects.get()
    other = UserFactory(role="town", place=places["other_town"])
    client.force_login(other)
    for name in ("survey:job", "survey:job_status", "survey:job_report"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("survey:job_confirm", args=[job.pk])).status_code == 404
    assert job.file_name not in client.get(reverse("survey:import")).content.decode()


def test_a_village_officer_cannot_open_the_import_page(client, village_officer):
    client.force_login(village_officer)
    assert client.get(reverse("survey:import")).status_code == 403


# ── One import of a place at a time ──────────────────────────────────────────────────

def test_a_town_waits_while_its_county_imports_and_is_told_who(
        client, town_supervisor, county_supervisor, places, tmp_path,
        django_capture_on_commit_callbacks):
    county_supervisor.first_name, county_supervisor.unit = "王小燕", "县乡村振兴局"
    county_supervisor.save()
    ImportJob.objects.create(user=county_supervisor, place=places["county"], path=kept("排查.xlsx"),
                             file_name="全县排查.xlsx", state=ImportState.IMPORTING)
    response = upload(client, town_supervisor, django_capture_on_commit_callbacks,
                      workbook(tmp_path))
    words = response.content.decode()
    assert "王小燕 · 县乡村振兴局 正在导入“全县排查.xlsx”（秀山县" in words
    assert ImportJob.objects.count() == 1


def test_another_town_imports_meanwhile(client, places, county_supervisor, tmp_path,
                                        django_capture_on_commit_callbacks):
    ImportJob.objects.create(user=county_supervisor, place=places["town"], path=kept("排查.xlsx"),
                             file_name="隘口镇.xlsx", state=ImportState.IMPORTING)
    other = UserFactory(role="town", place=places["other_town"])
    upload(client, other, django_capture_on_commit_callbacks, workbook(tmp_path))
    assert ImportJob.objects.filter(place=places["other_town"]).get().state == \
        ImportState.CHECKED


# ── Twice, and after a dead worker ───────────────────────────────────────────────────

def test_the_same_file_twice_changes_nothing(client, town_supervisor, tmp_path,
                                             django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    upload(client, town_supervisor, capture, workbook(tmp_path))
    confirm(client, ImportJob.objects.get(), capture)
    before = registry()
    response = upload(client, town_supervisor, capture, workbook(tmp_path))
    assert "导入不会改变任何数据" in client.get(response.url).content.decode()
    job = ImportJob.objects.first()
    confirm(client, job, capture)
    job.refresh_from_db()
    assert job.state == ImportState.DONE and registry() == before
    assert job.summary["households_unchanged"] == 1 and job.summary["checks_unchanged"] == 2
    assert job.summary["changes"] == 0 and job.summary["alerts_raised"] == 0


def test_a_worker_that_died_mid_import_is_shown_and_a_rerun_completes_it(
        client, town_supervisor, tmp_path, django_capture_on_commit_callbacks):
    upload(client, town_supervisor, django_capture_on_commit_callbacks, workbook(tmp_path))
    job = ImportJob.objects.get()
    # The worker claimed the import, said it was writing, and was killed: its
    # transaction went with it, and the job still says 导入中.
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.IMPORTING, confirmed=True)
    jobs.progress_write(job, "writing", 2, 5)
    long_ago = time.time() - jobs.STALE_AFTER.total_seconds() - 60
    os.utime(jobs.progress_path(job), (long_ago, long_ago))
    page = client.get(reverse("survey:job", args=[job.pk])).content.decode()
    assert "导入中断了" in page and "重新导入" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("survey:job_rerun", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.summary["alerts_raised"] == 3
    assert Household.objects.count() == 1 and Check.objects.filter(
        evaluated_at__isnull=True).count() == 0


def test_an_error_mid_write_leaves_nothing_and_a_rerun_completes_it(
        client, town_supervisor, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    upload(client, town_supervisor, django_capture_on_commit_callbacks, workbook(tmp_path))
    job = ImportJob.objects.get()

    def killed(*args, **kwargs):
        raise RuntimeError("the worker was killed")

    with monkeypatch.context() as patched:
        patched.setattr("survey.importing.write_checks", killed)
        confirm(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED and "重新导入" in job.error
    assert not Household.objects.exists() and not Member.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("survey:job_rerun", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportState.DONE and Check.objects.count() == 2


def test_an_import_killed_while_evaluating_is_evaluated_by_the_rerun(
        client, town_supervisor, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    upload(client, town_supervisor, django_capture_on_commit_callbacks, workbook(tmp_path))
    job = ImportJob.objects.get()

    def killed(*args, **kwargs):
        raise RuntimeError("the worker was killed")

    with monkeypatch.context() as patched:
        patched.setattr("survey.jobs.survey_evaluate", killed)
        confirm(client, job, django_capture_on_commit_callbacks)
    assert Check.objects.filter(evaluated_at__isnull=True).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("survey:job_rerun", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.summary["checks_unchanged"] == 2
    assert not Check.objects.filter(evaluated_at__isnull=True).exists()
    assert job.summary["alerts_raised"] == 3


# ── Progress ─────────────────────────────────────────────────────────────────────────

def test_the_status_says_the_phase_and_the_rows(client, town_supervisor, places):
    job = ImportJob.objects.create(user=town_supervisor, place=places["town"],
                                   path=kept("排查.xlsx"), file_name="排查.xlsx",
                                   state=ImportState.IMPORTING, confirmed=True)
    jobs.progress_write(job, "writing", 50, 100)
    client.force_login(town_supervisor)
    status = client.get(reverse("survey:job_status", args=[job.pk])).json()
    assert status["phase"] == "写入数据" and (status["step"], status["steps"]) == (3, 4)
    assert status["percent"] == 62 and status["text"] == "50 / 100 行"
    assert status["running"] and not status["interrupted"]



def test_while_the_place_is_busy_the_page_says_who_and_offers_no_upload(
        client, town_supervisor, county_supervisor, places):
    ImportJob.objects.create(user=county_supervisor, place=places["county"],
                             path=kept("全县排查.xlsx"), file_name="全县排查.xlsx",
                             state=ImportState.CHECKING)
    client.force_login(town_supervisor)
    page = client.get(reverse("survey:import")).content.decode()
    assert "正在导入“全县排查.xlsx”" in page and "上传并检查" not in page


def test_with_the_queue_down_the_job_says_so_and_can_be_run_again(
        client, town_supervisor, tmp_path, broker, django_capture_on_commit_callbacks):
    broker(REFUSED)
    upload(client, town_supervisor, django_capture_on_commit_callbacks, workbook(tmp_path))
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED and "后台任务队列暂时不可用" in job.error
    broker("")  # back to in-process work
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("survey:job_rerun", args=[job.pk]))
    assert ImportJob.objects.get().state == ImportState.CHECKED
