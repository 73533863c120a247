"""PostgreSQL restarting during an import leaves it either done or cleanly re-runnable
(issue 9): the import is one transaction, and the command says what happened."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from demo.county import write_demo_survey
from households.models import Check, Household, Member
from survey.importing import survey_import

from .fault_helpers import (
    database_url,
    lock_waiters,
    side_connection,
    tables_written_by,
    terminate,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def import_survey(path) -> subprocess.Popen:
    """manage.py import_survey as county IT runs it, on the test database."""
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": ""}
    return subprocess.Popen([sys.executable, "manage.py", "import_survey", str(path)],
                            cwd=settings.BASE_DIR, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Member.objects.count(), Check.objects.count()


def test_an_import_cut_off_by_a_postgresql_restart_writes_nothing_and_reruns_whole(tmp_path):
    """The import is frozen midway by a SHARE lock the test holds on households_check:
    its households and members are written, its first COPY of checks waits. Terminating
    its backend then is what a PostgreSQL restart (fast shutdown) does to it: the same
    'terminating connection due to administrator command', at a known point."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend: PostgreSQL only")
    survey = write_demo_survey(tmp_path, households=40, seed=5, fmt="xlsx")
    call_command("load_places", str(survey.places_file), stdout=io.StringIO())
    expected = survey_import(path=survey.workbook, dry_run=True)  # what it holds
    assert expected.households_created == survey.households
    holder, watcher = side_connection(), side_connection(autocommit=True)
    try:
        holder.execute("LOCK TABLE households_check IN SHARE MODE")
        cut = import_survey(survey.workbook)
        waiting = wait_for(lambda: lock_waiters(watcher, 'COPY "households_check"%'), 120)
        assert waiting, cut.communicate(timeout=60)
        assert {"households_household", "households_member"} <= tables_written_by(
            watcher, waiting[0])
        terminate(watcher, waiting[0])
        _, err = cut.communicate(timeout=60)
    finally:
        holder.close()
        watcher.close()
    assert cut.returncode == 3, err
    assert "与数据库的连接断开" in err and "重新运行同一命令" in err
    assert "Traceback" not in err
    assert counts() == (0, 0, 0)
    rerun = import_survey(survey.workbook)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == (1 if expected.rejected else 0), err
    assert counts() == (expected.households_created, expected.members_created,
                        expected.checks_created)
    assert not Check.objects.unevaluated().exists()


@pytest.mark.django_db
def test_a_connection_lost_while_evaluating_keeps_the_import_and_the_sweep_finishes_it(
        places, tmp_path, monkeypatch, capsys):
    from django.core.management import CommandError
    from django.db import OperationalError

    from .survey_helpers import family, write_xlsx

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly\nThis probably…")

    monkeypatch.setattr("survey.management.commands.import_survey.survey_evaluate", lost)
    with pytest.raises(CommandError) as cut:
        call_command("import_survey", str(write_xlsx(tmp_path / "s.xlsx", *family())))
    assert cut.value.returncode == 3
    assert "数据已导入" in str(cut.value) and "server closed the connection" in str(cut.value)
    assert counts() == (1, 2, 2) and Check.objects.unevaluated().count() == 2
    call_command("evaluate_pending")
    assert not Check.objects.unevaluated().exists()
    assert Household.objects.get().alerts.exists()
