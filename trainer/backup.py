"""`trainer backup FILE` and `trainer restore FILE`: a whole database to one file and back.

Why it is built this way:

* **SQLite** is copied with SQLite's own online backup API (`sqlite3.Connection.backup`), not with `cp`:
  a file copy of a live WAL database can miss the pages still in `-wal` or catch a transaction half
  written. The backup API copies every page in one step inside one read transaction, so it is a
  consistent snapshot, and in WAL mode readers never block writers, so the app keeps serving while it
  runs. The copy is switched to rollback-journal mode so the backup is one self-contained file.
  Restoring uses the same API the other way round: the configured database is rewritten page by page
  under SQLite's locks, so app processes that have it open see the restored data on their next query.
* **PostgreSQL** is dumped by `pg_dump --format=custom` and restored by `pg_restore --clean --if-exists
  --no-owner --single-transaction`, so a failed restore changes nothing; it waits (a while, then gives
  up) for other sessions holding table locks, since DROP TABLE would queue behind them and the app behind
  it. Trainer tables of a newer schema that the backup lacks are dropped, so `trainer db upgrade` can
  recreate them; tables that are not the trainer's are left alone. The connection comes from the
  SQLAlchemy URL as a libpq connection string *without* the password; the password travels in
  `PGPASSWORD` in the child's environment only, so it is never on a command line (visible in `ps`) and
  never in a message (the tools' output is scrubbed of it anyway).
* A backup is written to a temporary file beside FILE (same file system, mode 0600: it holds password
  hashes) and only renamed to FILE when it is complete and checked, so a failed or interrupted backup
  never leaves a half file under FILE's name. An existing FILE is kept unless `force` is given.
* A restore first makes sure the file is of the right kind for the configured database (an SQLite file,
  a `pg_dump` custom archive, neither), that it is a trainer database and that its schema revision is
  one this code knows; it refuses to replace a database that holds data unless `force` is given. After
  restoring it compares the schema revision with the migrations' head and says to run
  `trainer db upgrade` when the backup is older.

Everything here raises `BackupError` with a message meant for the operator; the CLI prints it and
exits non-zero.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"
#: tables whose rows are bookkeeping, not data: a database holding only these counts as empty
BOOKKEEPING_TABLES = frozenset({"alembic_version", "health_probes"})
#: how long to wait for SQLite locks (another process writing) and PostgreSQL table locks before giving up
LOCK_WAIT_SECONDS = 30.0
PG_INSTALL_HINT = ("install the PostgreSQL client tools, version at least the server's "
                   "(Debian/Ubuntu: apt-get install postgresql-client; RHEL: dnf install postgresql; "
                   "macOS: brew install libpq)")


class BackupError(Exception):
    """A backup or restore that did not happen, with the reason in words an operator can act on."""


class Refused(BackupError):
    """Not even tried: the file or the database is not one this command may touch (nothing was changed)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    tables: int
    rows: int | None  # None when counting would cost a pass over the data (PostgreSQL)

    @property
    def summary(self) -> str:
        rows = f", {self.rows:,} rows" if self.rows is not None else ""
        return f"backup written: {self.path} ({human_size(self.size)}, {self.tables} tables{rows})"


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    database: str  # the URL without its password
    revision: str
    head: str
    #: "current", or "older" (run `trainer db upgrade`)
    schema: str
    notes: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        out = [f"restored {self.source} into {self.database}"]
        if self.schema == "current":
            out.append(f"schema revision {self.revision} matches this code's migrations")
        else:
            out.append(f"schema revision {self.revision} is older than this code's {self.head}: "
                       "run `trainer db upgrade` before starting the app")
        out.extend(self.notes)
        out.append("restart the app processes so none keeps a connection from before the restore")
        return out


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def safe_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


# --- what kind of file -----------------------------------------------------------------------------------


def file_kind(path: Path) -> str:
    """"sqlite", "pg_custom" (a pg_dump custom archive), "pg_plain" (a pg_dump SQL script) or "unknown"."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    if head.startswith(PG_CUSTOM_HEADER):
        return "pg_custom"
    if b"PostgreSQL database dump" in head[:200]:
        return "pg_plain"
    return "unknown"


KIND_NAMES = {"sqlite": "an SQLite database", "pg_custom": "a PostgreSQL dump (pg_dump custom format)",
              "pg_plain": "a PostgreSQL plain SQL dump", "unknown": "neither an SQLite database nor a pg_dump archive"}


def _dialect(url: URL) -> str:
    name = url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise Refused(f"backup and restore support SQLite and PostgreSQL, not {name}")
    return name


# --- schema revisions ------------------------------------------------------------------------------------


def _revision_state(revision: str | None) -> str:
    """"current", "older" or "unknown" compared with the migrations shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from .health import MIGRATIONS, expected_revision

    if not revision:
        return "unknown"
    if revision == expected_revision():
        return "current"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    return "older" if revision in known else "unknown"


def _check_revision(revision: str | None, source: Path) -> str:
    from .health import expected_revision

    state = _revision_state(revision)
    if revision is None:
        raise Refused(f"{source} holds no schema revision (no alembic_version row): "
                          "it is not a backup of a trainer database")
    if state == "unknown":
        raise Refused(f"{source} is at schema revision {revision!r}, which this code does not know "
                          f"(its migrations end at {expected_revision()}): it was made by a newer version "
                          "of the trainer; restore it with that version")
    return state


# --- is the target empty? --------------------------------------------------------------------------------


def tables_with_rows(engine: Engine) -> dict[str, int]:
    """Every table of the database that holds rows, with its row count; bookkeeping tables are left out."""
    found: dict[str, int] = {}
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        preparer = engine.dialect.identifier_preparer
        for name in sorted(names):
            if name in BOOKKEEPING_TABLES:
                continue
            quoted = preparer.quote(name)
            if conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first() is not None:
                found[name] = conn.execute(text(f"SELECT count(*) FROM {quoted}")).scalar_one()
    return found


def _refuse_if_not_empty(engine: Engine, url: URL, force: bool) -> None:
    if force:
        return
    filled = tables_with_rows(engine)
    if filled:
        # the accounts first (the surest sign of a database in use), then the biggest tables
        ranked = sorted(filled.items(), key=lambda item: (item[0] != "users", -item[1], item[0]))
        shown = ", ".join(f"{name} ({rows:,} row{'s' if rows != 1 else ''})" for name, rows in ranked[:5])
        more = f" and {len(filled) - 5} more table(s)" if len(filled) > 5 else ""
        raise Refused(f"the database {safe_url(url)} is not empty: {shown}{more}. Nothing was changed; "
                          "add --force to replace everything in it with the backup")


# --- the file a backup is written to ---------------------------------------------------------------------


@contextlib.contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    """A fresh 0600 file in FILE's folder; removed unless the caller renamed it into place."""
    folder = target.parent
    if not folder.is_dir():
        raise Refused(f"folder {folder} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=folder)
    except OSError as exc:
        raise BackupError(f"cannot write in {folder}: {exc.strerror}") from exc
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _check_target(target: Path, force: bool) -> None:
    if target.is_dir():
        raise Refused(f"{target} is a folder; give a file name")
    if target.exists() and not force:
        raise Refused(f"{target} already exists; choose another name or add --force to replace it")


def _put_in_place(temp: Path, target: Path, force: bool) -> None:
    """Move the finished backup to FILE: atomically, and without clobbering a FILE that appeared meanwhile."""
    with temp.open("rb") as fh:
        os.fsync(fh.fileno())
    if force:
        os.replace(temp, target)
    else:
        try:
            os.link(temp, target)  # fails if FILE exists, unlike rename
        except FileExistsError as exc:
            raise Refused(f"{target} already exists; choose another name or add --force to replace it") from exc
        except OSError:  # a file system without hard links
            if target.exists():
                raise Refused(f"{target} already exists; choose another name or add --force to replace it") from None
            os.replace(temp, target)
        else:
            temp.unlink()
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- SQLite ----------------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        raise Refused("the configured database is an in-memory SQLite database: there is nothing to back up")
    return Path(database)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True, timeout=LOCK_WAIT_SECONDS)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from exc


def _deadline(what: str) -> Callable[[int, int, int], None]:
    """A backup progress callback that gives up when SQLite stays locked for LOCK_WAIT_SECONDS.

    Python's `backup()` retries a busy step forever; raising from the callback is the way to stop it.
    """
    started = time.monotonic()

    def progress(status: int, _remaining: int, _total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() - started > LOCK_WAIT_SECONDS:
            raise BackupError(f"{what} stayed locked by another connection for {LOCK_WAIT_SECONDS:g} s "
                              "(an app process in the middle of a write?); try again, or stop the app first")

    return progress


def _sqlite_counts(conn: sqlite3.Connection) -> tuple[int, int]:
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'")]
    rows = sum(conn.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
               for name in names)
    return len(names), rows


def _integrity(conn: sqlite3.Connection) -> str:
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    return "ok" if problems == ["ok"] else "; ".join(problems[:5])


def _backup_sqlite(url: URL, target: Path, force: bool) -> BackupResult:
    source = _sqlite_path(url)
    if not source.is_file():
        raise Refused(f"there is no database at {source} (run `trainer db upgrade` to create it)")
    if target.exists() and target.resolve() == source.resolve():
        raise Refused(f"{target} is the live database itself; give another file name")
    _check_target(target, force)
    with _temporary_beside(target) as temp:
        src = _connect_read_only(source)
        try:
            dst = sqlite3.connect(temp)
            try:
                # One step (pages=-1): the whole database inside one read transaction — a consistent
                # snapshot however busy the app is; in WAL mode the app's writers are not held up.
                src.backup(dst, pages=-1, progress=_deadline(f"the database {source}"))
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
                verdict = _integrity(dst)
                if verdict != "ok":
                    raise BackupError(f"the copy failed its integrity check ({verdict}); {target} was not written")
                tables, rows = _sqlite_counts(dst)
            finally:
                dst.close()
        except sqlite3.Error as exc:
            raise BackupError(f"backup of {source} failed: {exc}") from exc
        finally:
            src.close()
        size = temp.stat().st_size
        _put_in_place(temp, target, force)
    return BackupResult(target, size, tables, rows)


def _sqlite_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _restore_sqlite(engine: Engine, url: URL, source: Path, force: bool) -> tuple[str, list[str]]:
    target = _sqlite_path(url)
    if target.exists() and target.resolve() == source.resolve():
        raise Refused(f"{source} is the configured database itself; nothing to restore")
    src = _connect_read_only(source)
    try:
        try:
            verdict = _integrity(src)
        except sqlite3.DatabaseError as exc:
            raise Refused(f"{source} is not a readable SQLite database: {exc}") from exc
        if verdict != "ok":
            raise Refused(f"{source} failed its integrity check ({verdict}); nothing was restored")
        revision = _sqlite_revision(src)
        _check_revision(revision, source)
        _refuse_if_not_empty(engine, url, force)
        engine.dispose()  # this process's own pooled connections must not hold the file open
        try:
            dst = sqlite3.connect(target, timeout=LOCK_WAIT_SECONDS)
            try:
                src.backup(dst, pages=-1, progress=_deadline(f"the database {target}"))
                verdict = _integrity(dst)
            except BackupError as exc:
                raise BackupError(f"{exc}; the database was not changed") from exc
            finally:
                dst.close()
        except sqlite3.Error as exc:
            # one write transaction on the target: rolled back, the database is as it was
            raise BackupError(f"restore into {target} failed: {exc}; the database was not changed") from exc
        if verdict != "ok":
            raise BackupError(f"the restored database failed its integrity check ({verdict})")
    finally:
        src.close()
    return revision or "", []


# --- PostgreSQL ------------------------------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """`pg_dump` or `pg_restore`: on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian's layout)."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple[int, ...]:
        number = Path(path).parent.parent.name
        return tuple(int(part) for part in number.split(".") if part.isdigit())

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} not found on PATH or under /usr/lib/postgresql/*/bin: {PG_INSTALL_HINT}")


def _conninfo_value(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment (PGPASSWORD) for the child."""
    parts: dict[str, str] = {}
    if url.host:
        parts["host"] = url.host
    if url.port:
        parts["port"] = str(url.port)
    if url.username:
        parts["user"] = url.username
    if url.database:
        parts["dbname"] = url.database
    for key, value in url.query.items():  # sslmode, host=/run/postgresql, connect_timeout, …
        if key != "password":
            parts[key] = value[-1] if isinstance(value, tuple) else value
    password = url.password if url.password is not None else url.query.get("password")
    if isinstance(password, tuple):
        password = password[-1]
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    if password:
        env["PGPASSWORD"] = str(password)
    conninfo = " ".join(f"{key}={_conninfo_value(str(value))}" for key, value in parts.items())
    return conninfo, env


def _scrub(message: str, url: URL) -> str:
    password = url.password
    if password:
        message = message.replace(str(password), "***")
    return message.strip()


def _run(args: list[str], env: Mapping[str, str], url: URL, what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(args, env=dict(env), capture_output=True, check=False)
    except OSError as exc:
        raise BackupError(f"cannot run {args[0]}: {exc.strerror}; {PG_INSTALL_HINT}") from exc
    if done.returncode != 0:
        detail = _scrub(done.stderr.decode("utf-8", "replace"), url) or f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {detail}")
    return done


def _archive_tables(pg_restore: str, archive: Path, url: URL) -> list[str]:
    """The tables whose data the archive holds (`pg_restore --list`); fails on anything but a readable archive."""
    listing = _run([pg_restore, "--list", str(archive)], os.environ, url, f"reading {archive}")
    tables = []
    for line in listing.stdout.decode("utf-8", "replace").splitlines():
        match = re.match(r"^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) ", line)
        if match:
            tables.append(match.group(2))
    return tables


def _archive_revision(pg_restore: str, archive: Path, url: URL) -> str | None:
    """The alembic_version row inside the archive, read without restoring anything."""
    script = _run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(archive)], os.environ,
                  url, f"reading {archive}").stdout.decode("utf-8", "replace")
    match = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(.*?)^\\\.$", script, re.M | re.S)
    if not match:
        return None
    rows = [line for line in match.group(1).splitlines() if line]
    return rows[0] if rows else None


def _wait_for_other_transactions(engine: Engine, url: URL) -> None:
    """Refuse while other sessions hold table locks (an app mid-request, a session idle in transaction).

    pg_restore's DROP TABLE would queue behind them, and every new query of the app behind it, for as long
    as they last: the archive's own `SET lock_timeout = 0` overrides any timeout we could give. A session
    that starts after this check can still make the restore wait; stop the app before restoring.
    """
    query = text("SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'relation' AND pid <> pg_backend_pid() "
                 "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        with engine.connect() as conn:
            holders = conn.execute(query).scalar_one()
        if not holders:
            return
        if time.monotonic() >= deadline:
            raise Refused(f"{holders} other connection(s) to {safe_url(url)} kept tables locked for "
                          f"{LOCK_WAIT_SECONDS:g} s (an app process in the middle of a transaction?): stop the app "
                          "and try again. Nothing was changed")
        time.sleep(0.2)


def _backup_postgres(url: URL, target: Path, force: bool) -> BackupResult:
    pg_dump = find_pg_tool("pg_dump")
    pg_restore = find_pg_tool("pg_restore")
    _check_target(target, force)
    conninfo, env = pg_connection(url)
    with _temporary_beside(target) as temp:
        _run([pg_dump, "--format=custom", "--no-password", f"--file={temp}", f"--dbname={conninfo}"], env, url,
             f"pg_dump of {safe_url(url)}")
        tables = _archive_tables(pg_restore, temp, url)  # proves the archive reads back
        size = temp.stat().st_size
        _put_in_place(temp, target, force)
    return BackupResult(target, size, len(tables), None)


def _restore_postgres(engine: Engine, url: URL, source: Path, force: bool) -> tuple[str, list[str]]:
    pg_restore = find_pg_tool("pg_restore")
    archived = _archive_tables(pg_restore, source, url)
    revision = _archive_revision(pg_restore, source, url)
    _check_revision(revision, source)
    _refuse_if_not_empty(engine, url, force)
    from .extensions import db

    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
    _wait_for_other_transactions(engine, url)
    engine.dispose()  # our own idle connections must not hold locks that DROP TABLE waits for
    conninfo, env = pg_connection(url)
    try:
        _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
              "--no-password", f"--dbname={conninfo}", str(source)], env, url, f"pg_restore into {safe_url(url)}")
    except BackupError as exc:
        raise BackupError(f"{exc}. The restore ran as one transaction: the database was not changed") from exc
    notes = []
    # Tables of a newer schema that the (older) backup does not have would make `trainer db upgrade` fail
    # on "already exists": drop the trainer's own; leave anything else alone and say so.
    extra = sorted(present - set(archived) - {"alembic_version"})
    ours = [name for name in extra if name in db.metadata.tables]
    if ours:
        preparer = engine.dialect.identifier_preparer
        with engine.begin() as conn:
            for name in ours:
                conn.execute(text(f"DROP TABLE IF EXISTS {preparer.quote(name)} CASCADE"))
        notes.append(f"dropped {len(ours)} table(s) the backup does not have: {', '.join(ours)}")
    others = [name for name in extra if name not in db.metadata.tables]
    if others:
        notes.append(f"left alone {len(others)} table(s) that are not the trainer's: {', '.join(others)}")
    engine.dispose()
    return revision or "", notes


# --- entry points ----------------------------------------------------------------------------------------


def backup_database(url: URL, target: Path, *, force: bool = False) -> BackupResult:
    """Write the whole database at `url` to `target` (SQLite file or pg_dump custom archive)."""
    try:
        if _dialect(url) == "sqlite":
            return _backup_sqlite(url, target, force)
        return _backup_postgres(url, target, force)
    except OSError as exc:  # the disk filled up, the folder went read-only, …: the temporary file is gone already
        raise BackupError(f"writing {target} failed: {exc.strerror or exc}; {target} was not written") from exc


def restore_database(engine: Engine, source: Path, *, force: bool = False) -> RestoreResult:
    """Replace the contents of the database behind `engine` with the backup in `source`."""
    from .health import expected_revision

    url = engine.url
    dialect = _dialect(url)
    if not source.is_file():
        raise Refused(f"{source}: no such file")
    try:
        kind = file_kind(source)
    except OSError as exc:
        raise BackupError(f"{source}: cannot read the file ({exc.strerror})") from exc
    wanted = "sqlite" if dialect == "sqlite" else "pg_custom"
    if kind == "unknown":
        raise Refused(f"{source} is {KIND_NAMES[kind]}: nothing to restore. Nothing was changed")
    if kind != wanted:
        here = "SQLite" if dialect == "sqlite" else "PostgreSQL"
        hint = ("restore a plain SQL dump with psql, or make a custom-format one with `trainer backup`"
                if kind == "pg_plain" else
                "a backup restores into the same kind of database it was made from (set DATABASE_URL accordingly)")
        raise Refused(f"{source} is {KIND_NAMES[kind]}, but the configured database {safe_url(url)} is {here}: "
                      f"{hint}. Nothing was changed")
    if dialect == "sqlite":
        revision, notes = _restore_sqlite(engine, url, source, force)
    else:
        revision, notes = _restore_postgres(engine, url, source, force)
    state = _revision_state(revision)
    return RestoreResult(source, safe_url(url), revision, expected_revision(),
                         "current" if state == "current" else "older", notes)
