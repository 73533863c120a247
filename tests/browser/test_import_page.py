"""A town clerk loads the campaign survey from the 导入排查 page in a real browser: uploads
a small workbook with bad rows, reads the dry run's refused rows, imports the good rows,
watches the progress bar move on its own to the summary, and downloads the error report
ready to fix and load again."""

import pytest

from households.models import Household
from monitor.roles import Role
from survey import jobs, tasks
from survey.models import ImportJob, ImportState

from ..conftest import AIKOU, ZHONGHE_VILLAGE
from ..factories import UserFactory, id_number, place
from ..survey_helpers import check_row, family, household_row, member_row, read_xlsx, write_xlsx
from .conftest import needs_chromium
from .test_visit_flow import log_in

pytestmark = needs_chromium


@pytest.fixture
def town(transactional_db, settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "imports"
    place("500241", "秀山县"), place("500241002", "中和街道"), place(ZHONGHE_VILLAGE, "金田村")
    town = place(AIKOU, "隘口镇")
    place(f"{AIKOU}201", "平所村")
    return UserFactory(username="charlie", first_name="李秀英", unit="隘口镇人民政府",
                       role=Role.TOWN, place=town)


def workbook_with_bad_rows(path):
    """H001 (good), H002 with an ID number whose check character is wrong, H003 in the
    other town's village."""
    households, members, checks = family()
    good = id_number()
    bad_id = good[:-1] + ("1" if good[-1] == "0" else "0")  # the check character wrong
    households += [household_row("H002", 户主身份证号=bad_id),
                   household_row("H003", village=ZHONGHE_VILLAGE, 户主身份证号=id_number())]
    members += [member_row("H002", "田二", bad_id), member_row("H003", "田三", id_number())]
    checks += [check_row("H002"), check_row("H003")]
    return write_xlsx(path, households, members, checks)


def test_a_town_clerk_loads_a_workbook_from_the_page(open_page, live_server, town, tmp_path,
                                                     monkeypatch):
    base = live_server.url
    page = open_page(1366, 768)
    log_in(page, base, "charlie")
    page.goto(f"{base}/imports/")
    assert "文件不超过 50 MB" in page.inner_text("main")
    page.set_input_files("#files", str(workbook_with_bad_rows(tmp_path / "隘口镇排查.xlsx")))
    page.click("button:has-text('上传并检查')")
    # The dry run (in-process here) has checked the file; nothing is written yet.
    page.wait_for_selector("text=检查完成：尚未写入任何数据")
    table = page.inner_text("table.rejected")
    assert "户主身份证号" in table and "不在本人负责的地区范围内（隘口镇）" in table
    assert not Household.objects.exists()

    # No worker picks the import up yet: the page shows it waiting, then moving, then done,
    # without being reloaded by hand.
    monkeypatch.setattr(tasks, "queue", lambda job_id: None)
    page.click("button:has-text('导入正确的 5 行')")
    page.wait_for_selector("text=排队中，马上开始")
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.IMPORTING)
    jobs.progress_write(job, "writing", 2, 5)
    page.wait_for_selector("text=第 3 步（共 4 步）：写入数据")
    page.wait_for_selector("#import-text:has-text('2 / 5 行')")
    assert page.get_attribute("#import-bar", "value") == "60"  # (2 steps + 2/5) of 4
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.QUEUED)
    jobs.import_run(job.pk)  # the worker
    page.wait_for_selector("text=导入完成", timeout=15_000)
    assert Household.objects.get().number == "H001"
    summary = page.inner_text("main")
    assert "新发预警：3" in summary and "未导入的行：6" in summary

    with page.expect_download() as download:
        page.click("a:has-text('下载错误报告')")
    report = tmp_path / "report.xlsx"
    download.value.save_as(report)
    refused = read_xlsx(report)
    assert [row["户编号"] for row in refused["农户"]] == ["H002", "H003"]
    assert all(row["错误原因"] for sheet in refused.values() for row in sheet)
    assert not open_page.outside.urls
