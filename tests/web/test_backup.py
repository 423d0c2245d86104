"""Issue 12 item 16: `trainer backup FILE` and `trainer restore FILE` (trainer/backup.py).

Every test runs against the suite's database: SQLite by default, PostgreSQL (pg_dump / pg_restore) when
DATABASE_URL points at one. The round trip compares every table of the database, row by row in primary-key
order, before the backup and after the restore.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from tests.conftest import POSTGRES_URL
from trainer import backup as backup_module
from trainer.accounts import services
from trainer.backup import BackupError, backup_database, file_kind, find_pg_tool, pg_connection
from trainer.competency.services import record_evidence
from trainer.extensions import db
from trainer.health import expected_revision
from trainer.review import audit as review_audit

KIND = "pg_custom" if POSTGRES_URL else "sqlite"


@pytest.fixture(autouse=True)
def _pg_tools() -> None:
    """On PostgreSQL every test here needs pg_dump and pg_restore; without them skip, saying why."""
    if POSTGRES_URL:
        try:
            find_pg_tool("pg_dump")
            find_pg_tool("pg_restore")
        except BackupError as exc:
            pytest.skip(f"PostgreSQL client tools not installed: {exc}")


def snapshot(engine: Engine | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (bookkeeping included), each table in primary-key order."""
    db.session.remove()
    engine = engine or db.engine
    tables: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        inspector = inspect(conn)
        quote = engine.dialect.identifier_preparer.quote
        for name in sorted(inspector.get_table_names()):
            columns = [c["name"] for c in inspector.get_columns(name)]
            order = inspector.get_pk_constraint(name)["constrained_columns"] or columns
            sql = f"SELECT * FROM {quote(name)} ORDER BY {', '.join(quote(c) for c in order)}"
            tables[name] = [tuple(row) for row in conn.execute(text(sql))]
    return tables


def populate(make_user, make_team) -> None:
    """A small but varied company: a team, its supervisor, trainees with evidence, tokens and audit records."""
    admin = make_user("admin")
    supervisor = make_user("supervisor")
    team = make_team("备份一组", supervisors=[supervisor])
    trainees = [make_user("trainee", team=team, display_name=f"学员 {i}") for i in range(3)]
    services.issue_api_token(trainees[0], actor=admin)
    for number, trainee in enumerate(trainees):
        for indicator, value in (("self_motivation", 60 + number), ("communication", 71.5)):
            record_evidence(agent=trainee, indicator_id=indicator, value=value, source_kind="exam",
                            recorded_by=supervisor, note="备份测试")
    review_audit.record(actor=supervisor, action="grade", agent_id=trainees[1].id, target="backup-test",
                        before=None, after={"score": 88, "note": "引号 ' 和 \" 都在"}, reason="round trip")
    db.session.commit()


def set_revision(revision: str) -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


# --- the round trip ------------------------------------------------------------------------------------


def test_round_trip_restores_every_table_exactly(runner, make_user, make_team, tmp_path):
    populate(make_user, make_team)
    before = snapshot()
    assert sum(len(rows) for rows in before.values()) > 100  # content, users, evidence, audit records
    target = tmp_path / "trainer.backup"

    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert f"backup written: {target} (" in result.stdout and " tables" in result.stdout
    assert file_kind(target) == KIND and leftovers(tmp_path) == []
    assert oct(target.stat().st_mode & 0o777) == "0o600"  # it holds password hashes

    # change the database after the backup: new rows in several tables and an edited row
    extra_team = make_team("备份之后")
    newcomer = make_user("trainee", team=extra_team)
    record_evidence(agent=newcomer, indicator_id="communication", value=50, source_kind="exam")
    services.get_user("trainee-3").display_name = "改过的名字"
    db.session.commit()
    assert snapshot() != before

    result = runner.invoke(args=["restore", "--force", str(target)])
    assert result.exit_code == 0, result.output
    assert f"schema revision {expected_revision()} matches" in result.stdout
    after = snapshot()
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table

    # the restored database takes new rows: identity sequences came back too
    make_user("trainee", username="after-restore")
    record_evidence(agent=services.get_user("after-restore"), indicator_id="communication", value=1,
                    source_kind="exam")


def test_restore_refuses_a_database_that_holds_data_and_changes_nothing(runner, make_user, make_team, tmp_path):
    populate(make_user, make_team)
    target = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    make_user("hr", username="later-hire")
    before = snapshot()

    result = runner.invoke(args=["restore", str(target)])
    assert result.exit_code == 1
    assert "is not empty" in result.stderr and "users (" in result.stderr and "--force" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert snapshot() == before


def test_restore_into_an_empty_database_needs_no_force(runner, make_user, make_team, tmp_path, app_config):
    populate(make_user, make_team)
    before = snapshot()
    target = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0

    from trainer import create_app

    with _empty_database(tmp_path) as uri:
        other = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": uri})
        with other.app_context():
            result = other.test_cli_runner().invoke(args=["restore", str(target)])
            assert result.exit_code == 0, result.output
            restored = snapshot()
            db.session.remove()
            db.engine.dispose()
    assert restored == before


@contextlib.contextmanager
def _empty_database(folder: Path) -> Iterator[str]:
    """A brand-new database beside the suite's: an SQLite file that does not exist yet, or a fresh PostgreSQL
    database on the same server (dropped afterwards)."""
    if not POSTGRES_URL:
        yield f"sqlite:///{folder / 'fresh.sqlite3'}"
        return
    name = f"backup_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except SQLAlchemyError as exc:  # no right to create databases: skip, saying why
            pytest.skip(f"cannot create a second PostgreSQL database: {exc}")
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- refusals ------------------------------------------------------------------------------------------


def test_backup_refuses_to_overwrite_a_file_without_force(runner, tmp_path):
    target = tmp_path / "exists.bak"
    target.write_bytes(b"keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert target.read_bytes() == b"keep me" and leftovers(tmp_path) == []

    result = runner.invoke(args=["backup", "--force", str(target)])
    assert result.exit_code == 0, result.output
    assert file_kind(target) == KIND


def test_backup_into_a_missing_folder_is_refused(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "no-such-folder" / "x.bak")])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


def test_a_failed_backup_leaves_no_half_file(runner, tmp_path, monkeypatch):
    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_module, "_put_in_place", disk_full)
    target = tmp_path / "full.bak"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr and "was not written" in result.stderr
    assert not target.exists() and leftovers(tmp_path) == []


def _sqlite_file(path: Path, *, trainer: bool) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('hello')")
    if trainer:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES (?)", (expected_revision(),))
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("name", ["random", "empty", "plain_sql", "fake_pgdump", "foreign_sqlite", "sqlite"])
def test_restore_refuses_files_of_the_wrong_kind(runner, make_user, tmp_path, name):
    make_user("hr")
    path = tmp_path / f"{name}.bak"
    if name == "random":
        path.write_bytes(os.urandom(64 * 1024))
    elif name == "empty":
        path.write_bytes(b"")
    elif name == "plain_sql":
        path.write_text("--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE x ();\n", encoding="utf-8")
    elif name == "fake_pgdump":
        path.write_bytes(b"PGDMP" + os.urandom(4096))
    else:
        _sqlite_file(path, trainer=name == "sqlite")
    if name == "sqlite" and not POSTGRES_URL:
        pytest.skip("a trainer SQLite file is the right kind for an SQLite database")
    before = snapshot()

    result = runner.invoke(args=["restore", "--force", str(path)])
    assert result.exit_code == 1, result.output
    message = result.stderr
    expected = {
        "random": "neither an SQLite database nor a pg_dump archive",
        "empty": "neither an SQLite database nor a pg_dump archive",
        "plain_sql": "plain SQL dump",
        "fake_pgdump": "failed" if POSTGRES_URL else "is a PostgreSQL dump",
        "foreign_sqlite": "is an SQLite database, but" if POSTGRES_URL else "not a backup of a trainer database",
        "sqlite": "is an SQLite database, but",
    }[name]
    assert expected in message, message
    assert "Traceback" not in result.output
    assert snapshot() == before


def test_restore_gives_up_on_a_database_kept_locked_by_another_connection(runner, make_user, tmp_path, monkeypatch):
    """An app process holding a transaction open must not make the restore (and then the app) wait for ever."""
    make_user("hr", username="busy-day")
    target = tmp_path / "busy.bak"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    make_user("hr", username="after-the-backup")
    before = snapshot()
    monkeypatch.setattr(backup_module, "LOCK_WAIT_SECONDS", 1.0)
    other = create_engine(db.engine.url)
    try:
        with other.connect() as conn:
            if POSTGRES_URL:  # a reader mid-transaction: DROP TABLE would queue behind it
                conn.execute(text("SELECT count(*) FROM users"))
            else:  # a writer mid-transaction: the restore cannot take SQLite's write lock
                conn.execute(text("UPDATE users SET display_name = display_name WHERE username = 'busy-day'"))
            result = runner.invoke(args=["restore", "--force", str(target)])
            conn.rollback()
    finally:
        other.dispose()
    assert result.exit_code == 1, result.output
    assert "locked" in result.stderr and "stop the app" in result.stderr
    assert snapshot() == before


def test_restore_of_a_missing_file_is_refused(runner, tmp_path):
    result = runner.invoke(args=["restore", str(tmp_path / "nothing.bak")])
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_restore_drops_tables_of_a_newer_schema_and_keeps_foreign_ones(runner, make_user, tmp_path):
    """A backup older than the code lacks the newest tables; left in place they would break `trainer db upgrade`."""
    from sqlalchemy import Column, Integer, Table

    make_user("hr", username="schema-change")
    target = tmp_path / "before-feature.bak"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    feature = Table("zz_future_feature", db.metadata, Column("id", Integer, primary_key=True))
    try:
        db.session.remove()
        feature.create(db.engine)
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE zz_someone_elses (id INTEGER PRIMARY KEY)"))
        result = runner.invoke(args=["restore", "--force", str(target)])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert "zz_future_feature" not in tables
        if POSTGRES_URL:  # pg_restore --clean touches only what the archive holds
            assert "dropped 1 table(s) the backup does not have: zz_future_feature" in result.stdout
            assert "left alone 1 table(s) that are not the trainer's: zz_someone_elses" in result.stdout
            assert "zz_someone_elses" in tables
        else:  # the whole file is replaced
            assert "zz_someone_elses" not in tables
    finally:
        db.metadata.remove(feature)
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS zz_future_feature"))
            conn.execute(text("DROP TABLE IF EXISTS zz_someone_elses"))


# --- schema revisions ----------------------------------------------------------------------------------


def test_restoring_an_older_backup_says_to_run_db_upgrade(runner, make_user, tmp_path):
    make_user("hr", username="old-times")
    head = expected_revision()
    target = tmp_path / "old.bak"
    set_revision("0010")  # as if the backup had been made before migration 0011
    try:
        assert runner.invoke(args=["backup", str(target)]).exit_code == 0
        set_revision(head)
        result = runner.invoke(args=["restore", "--force", str(target)])
        assert result.exit_code == 0, result.output
        assert f"schema revision 0010 is older than this code's {head}" in result.stdout
        assert "run `trainer db upgrade`" in result.stdout
    finally:
        set_revision(head)


def test_a_backup_from_newer_code_is_refused(runner, make_user, tmp_path):
    make_user("hr", username="from-the-future")
    head = expected_revision()
    target = tmp_path / "new.bak"
    set_revision("9999_future")
    try:
        assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    finally:
        set_revision(head)
    before = snapshot()
    result = runner.invoke(args=["restore", "--force", str(target)])
    assert result.exit_code == 1
    assert "'9999_future'" in result.stderr and "newer version" in result.stderr
    assert snapshot() == before


# --- SQLite: a backup while the app writes -------------------------------------------------------------


def test_sqlite_backup_while_another_connection_writes_is_consistent(tmp_path):
    """Runs on every suite run (it makes its own SQLite file): a writer commits two rows per transaction
    while backups are taken; each backup passes integrity_check and holds whole transactions only."""
    live = tmp_path / "live.sqlite3"
    setup = sqlite3.connect(live)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE pairs (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, half INTEGER NOT NULL, "
                  "padding BLOB)")
    setup.executemany("INSERT INTO pairs (batch, half, padding) VALUES (?, ?, randomblob(2000))",
                      [(-n // 2 - 1, n % 2) for n in range(4000)])  # ~8 MB, so a backup takes a moment
    setup.commit()
    setup.close()

    stop = threading.Event()
    errors: list[BaseException] = []
    commits = [0]

    def write() -> None:
        conn = sqlite3.connect(live, timeout=10)
        conn.execute("PRAGMA busy_timeout=10000")
        try:
            batch = 0
            while not stop.is_set():
                batch += 1
                with conn:
                    conn.execute("INSERT INTO pairs (batch, half, padding) VALUES (?, 0, randomblob(500))", (batch,))
                    conn.execute("INSERT INTO pairs (batch, half, padding) VALUES (?, 1, randomblob(500))", (batch,))
                commits[0] = batch
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    counts: list[int] = []
    during: list[int] = []
    try:
        for number in range(5):
            while commits[0] < (number + 1) * 20:  # let the writer get ahead between backups
                assert writer.is_alive(), errors
                threading.Event().wait(0.005)
            target = tmp_path / f"copy-{number}.sqlite3"
            started = commits[0]
            result = backup_database(make_url(f"sqlite:///{live}"), target)
            during.append(commits[0] - started)
            assert result.path == target and result.tables == 1
            copy = sqlite3.connect(target)
            try:
                assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
                count = copy.execute("SELECT count(*) FROM pairs").fetchone()[0]
                halves = copy.execute("SELECT count(*) FROM pairs WHERE batch > 0 GROUP BY batch "
                                      "HAVING count(*) != 2").fetchall()
            finally:
                copy.close()
            assert result.rows == count and count % 2 == 0 and halves == []
            assert not Path(f"{target}-wal").exists()
            counts.append(count)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert errors == []
    assert counts == sorted(counts) and counts[-1] > counts[0] > 4000
    assert sum(during) > 0, "the writer was never able to commit while a backup ran"


# --- PostgreSQL connection details ---------------------------------------------------------------------


def test_pg_connection_keeps_the_password_out_of_the_connection_string():
    url = make_url("postgresql+psycopg://trainer:s3cr'et%40x@db.example:5433/train ing?sslmode=require")
    conninfo, env = pg_connection(url)
    assert "s3cr" not in conninfo
    assert env["PGPASSWORD"] == "s3cr'et@x"
    assert conninfo == "host='db.example' port='5433' user='trainer' dbname='train ing' sslmode='require'"
    assert pg_connection(make_url("postgresql+psycopg://u@/db?host=/run/postgresql"))[0] == \
        "user='u' dbname='db' host='/run/postgresql'"


def test_a_missing_pg_dump_says_what_to_install(monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda _name: None)
    monkeypatch.setattr(backup_module.glob, "glob", lambda _pattern: [])
    with pytest.raises(BackupError, match=r"pg_dump not found .*apt-get install postgresql-client"):
        find_pg_tool("pg_dump")


def test_a_failing_pg_dump_is_reported_without_the_password(tmp_path):
    try:
        find_pg_tool("pg_dump")
    except BackupError as exc:
        pytest.skip(f"pg_dump not installed: {exc}")
    url = make_url("postgresql+psycopg://trainer:hunter2-very-secret@127.0.0.1:1/nowhere")
    target = tmp_path / "unreachable.bak"
    with pytest.raises(BackupError) as caught:
        backup_database(url, target)
    message = str(caught.value)
    assert "pg_dump of postgresql+psycopg://trainer:***@127.0.0.1:1/nowhere failed" in message
    assert "hunter2" not in message
    assert not target.exists() and leftovers(tmp_path) == []
