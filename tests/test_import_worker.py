"""With a broker, the page's import runs on a real Celery worker: the dry run, then the
import, each picked up from the queue, the page following the job's state."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.models import Household
from survey.models import ImportJob, ImportState

from .fault_helpers import wait_for
from .survey_helpers import family, write_xlsx

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def state_of(job) -> str:
    return ImportJob.objects.get(pk=job.pk).state


def test_the_worker_checks_then_imports_an_uploaded_workbook(client, town_supervisor,
                                                             tmp_path, settings):
    settings.IMPORT_ROOT = tmp_path / "imports"  # the worker finds the file by its path
    path = write_xlsx(tmp_path / "排查.xlsx", *family())
    client.force_login(town_supervisor)
    client.post(reverse("survey:import"),
                {"files": [SimpleUploadedFile("排查.xlsx", path.read_bytes())]})
    job = ImportJob.objects.get()
    assert wait_for(lambda: state_of(job) == ImportState.CHECKED)
    assert not Household.objects.exists()
    client.post(reverse("survey:job_confirm", args=[job.pk]))
    assert wait_for(lambda: state_of(job) == ImportState.DONE)
    job.refresh_from_db()
    assert job.summary["households_created"] == 1 and job.summary["alerts_raised"] == 3
    assert "导入完成" in client.get(reverse("survey:job", args=[job.pk])).content.decode()
