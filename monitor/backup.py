"""Backup and restore of the whole database, so nothing is lost when a county server dies.

PostgreSQL: `pg_dump -Fc` and `pg_restore --clean --if-exists` in one transaction, with the
password handed over in PGPASSWORD and never shown. SQLite (a newcomer's db.sqlite3): the
file copied with sqlite3's online backup API, which is safe while the site is running.

A backup is written next to its destination and renamed into place only when complete,
so a failed backup never destroys the previous one.
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

PG_MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format
SQLITE_MAGIC = b"SQLite format 3\x00"
# Connection options of DATABASES[...]["OPTIONS"] that libpq also reads from the environment.
PG_OPTION_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
                 "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY"}


class BackupError(Exception):
    """A backup or restore that could not be done, said so that the county can act on it."""


def database_backup(*, database: dict, out: Path) -> None:
    """Write a complete copy of `database` (a DATABASES entry) to the file `out`."""
    out = Path(out)
    if not out.parent.is_dir():
        raise BackupError(f"备份文件所在的目录不存在：{out.parent}")
    if out.is_dir():
        raise BackupError(f"{out} 是一个目录，请给出备份文件的名字，例如 {out / 'shouwang.dump'}")
    partial = out.with_name(f".{out.name}.partial")
    try:
        if _engine(database) == "postgresql":
            _pg_run("pg_dump", ["--format=custom", f"--file={partial}"], database)
        else:
            _sqlite_copy(_sqlite_path(database, must_exist=True), partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def database_restore(*, database: dict, source: Path) -> None:
    """Replace everything in `database` by the backup `source`. On PostgreSQL a restore that
    fails half-way changes nothing. Nobody else should be writing meanwhile."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"找不到备份文件：{source}")
    with source.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if _engine(database) == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise BackupError(f"{source} 不是 `manage.py backup` 在 PostgreSQL 上做的备份"
                              "（pg_dump 自定义格式），无法恢复")
        _pg_run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                               "--exit-on-error", str(source)], database)
    else:
        if head != SQLITE_MAGIC:
            raise BackupError(f"{source} 不是 SQLite 数据库的备份，无法恢复")
        _sqlite_copy(source, _sqlite_path(database, must_exist=False))


def database_label(database: dict) -> str:
    """The database as a person would name it: its name and server, never its password."""
    if _engine(database) == "postgresql":
        server = database.get("HOST") or "本机"
        if database.get("PORT"):
            server += f":{database['PORT']}"
        return f"PostgreSQL 数据库 {database['NAME']}（{server}）"
    return f"SQLite 数据库 {database['NAME']}"


def _engine(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"只能备份 PostgreSQL 或 SQLite 数据库，不能备份 {engine}")


def _pg_run(program: str, args: list[str], database: dict) -> None:
    if shutil.which(program) is None:
        raise BackupError(f"找不到 {program}：请安装 PostgreSQL 客户端（Debian 上为 "
                          "apt-get install postgresql-client），版本不低于数据库服务器")
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    for option, variable in PG_OPTION_ENV.items():
        if database.get("OPTIONS", {}).get(option):
            env[variable] = str(database["OPTIONS"][option])
    connection = ["--no-password", f"--dbname={database['NAME']}"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            connection.append(f"{flag}={database[key]}")
    done = subprocess.run([program, *connection, *args], env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise BackupError(f"{program} 失败（退出码 {done.returncode}）：{done.stderr.strip()}")


def _sqlite_path(database: dict, *, must_exist: bool) -> Path:
    name = str(database["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("这是内存中的 SQLite 数据库，没有可备份或恢复的文件")
    path = Path(name)
    if must_exist and not path.is_file():
        raise BackupError(f"找不到数据库文件：{path}")
    if not path.parent.is_dir():
        raise BackupError(f"数据库文件所在的目录不存在：{path.parent}")
    return path


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy page by page under SQLite's own locks: a running site may keep reading and
    writing `source`; `target` becomes an exact copy, whatever it held before."""
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    except sqlite3.Error as error:
        raise BackupError(f"复制 SQLite 数据库失败：{error}") from error
