"""`manage.py backup` and `restore`: a backup brings every row back as it was, a failed
one never destroys the previous backup, and nothing prints or passes the password.

SQLite is tested on files of its own (pytest-django's SQLite test database lives in
memory); PostgreSQL, in CI's PostgreSQL run, by a real pg_dump/pg_restore round trip of
the test database itself."""

import sqlite3
from contextlib import closing

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from households.models import Place
from monitor.backup import BackupError, database_backup, database_restore

from .factories import place

ON_POSTGRESQL = connection.vendor == "postgresql"


def sqlite_database(path, names):
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("create table if not exists place (name text)")
        db.execute("delete from place")
        db.executemany("insert into place values (?)", [(name,) for name in names])
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


def names(database):
    with closing(sqlite3.connect(database["NAME"])) as db:
        return [name for (name,) in db.execute("select name from place order by name")]


def test_it_restores_an_sqlite_database_as_it_was_backed_up(tmp_path):
    database = sqlite_database(tmp_path / "db.sqlite3", ["平所村", "隘口镇"])
    database_backup(database=database, out=tmp_path / "backup.sqlite3")
    sqlite_database(tmp_path / "db.sqlite3", ["改过的"])
    database_restore(database=database, source=tmp_path / "backup.sqlite3")
    assert names(database) == ["平所村", "隘口镇"]


def test_a_failed_backup_leaves_the_previous_one_alone(tmp_path):
    (tmp_path / "backup.sqlite3").write_bytes(b"yesterday's backup")
    missing = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "gone.sqlite3")}
    with pytest.raises(BackupError, match="找不到数据库文件"):
        database_backup(database=missing, out=tmp_path / "backup.sqlite3")
    assert (tmp_path / "backup.sqlite3").read_bytes() == b"yesterday's backup"
    assert [p.name for p in tmp_path.iterdir()] == ["backup.sqlite3"]


def test_it_refuses_to_restore_a_file_that_is_not_a_backup(tmp_path):
    database = sqlite_database(tmp_path / "db.sqlite3", ["平所村"])
    (tmp_path / "notes.txt").write_text("不是备份")
    with pytest.raises(BackupError, match="不是 SQLite 数据库的备份"):
        database_restore(database=database, source=tmp_path / "notes.txt")
    assert names(database) == ["平所村"]


def test_restore_says_when_the_backup_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "missing.dump"), "--no-input")


def test_backup_says_when_the_folder_is_missing(tmp_path):
    with pytest.raises(CommandError, match="备份文件所在的目录不存在"):
        call_command("backup", str(tmp_path / "no-such-folder" / "x.dump"))


POSTGRESQL = {"ENGINE": "django.db.backends.postgresql", "NAME": "shouwang", "USER": "sw",
              "PASSWORD": "s3cret-county-pw", "HOST": "10.1.2.3", "PORT": "5433"}


def test_it_says_when_pg_dump_is_not_installed(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="找不到 pg_dump：请安装 PostgreSQL 客户端"):
        database_backup(database=POSTGRESQL, out=tmp_path / "x.dump")


def test_the_password_goes_to_pg_dump_in_pgpassword_only(tmp_path, monkeypatch):
    """A stand-in pg_dump records what it was given and fails like a refused login."""
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD/argv"\n'
                    'printf "%s" "$PGPASSWORD" > "$RECORD/password"\n'
                    'echo "pg_dump: error: connection failed" >&2\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setenv("RECORD", str(tmp_path))
    with pytest.raises(BackupError) as refused:
        database_backup(database=POSTGRESQL, out=tmp_path / "x.dump")
    assert "pg_dump 失败（退出码 1）：pg_dump: error: connection failed" in str(refused.value)
    assert "s3cret" not in str(refused.value)
    argv = (tmp_path / "argv").read_text().split()
    assert "s3cret-county-pw" not in " ".join(argv)
    assert {"--format=custom", "--no-password", "--dbname=shouwang", "--host=10.1.2.3",
            "--port=5433", "--username=sw"} <= set(argv)
    assert (tmp_path / "password").read_text() == "s3cret-county-pw"
    assert not (tmp_path / "x.dump").exists()


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs DATABASE_URL on PostgreSQL (CI's run)")
def test_a_postgresql_backup_restores_every_row(transactional_db, tmp_path):
    place("500241101201", "平所村")
    call_command("backup", str(tmp_path / "county.dump"))
    Place.objects.filter(code="500241101201").update(name="改过的")
    place("500102", "涪陵区")
    call_command("restore", str(tmp_path / "county.dump"), "--no-input")
    assert dict(Place.objects.values_list("code", "name")) == {
        "500241": "地区500241", "500241101": "地区500241101", "500241101201": "平所村"}


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs DATABASE_URL on PostgreSQL (CI's run)")
def test_postgresql_refuses_a_backup_of_another_kind(transactional_db, tmp_path):
    database = sqlite_database(tmp_path / "db.sqlite3", ["平所村"])
    with pytest.raises(CommandError, match="不是 `manage.py backup` 在 PostgreSQL 上做的备份"):
        call_command("restore", database["NAME"], "--no-input")
