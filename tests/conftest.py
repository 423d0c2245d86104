"""Shared fixtures: an app per test on a fresh database, users made by factory, signed-in clients.

The schema is built once per run by the real Alembic migrations (so the migrations are tested on
every run) and content is synced into it. SQLite tests then copy that template file per test;
with DATABASE_URL set (CI's PostgreSQL run) the tests of one process share one database (under
pytest-xdist, one per worker): after each test every table is emptied and the rows the first sync wrote
are copied back in (a snapshot taken with COPY, which is a fraction of the cost of loading and syncing the
content again for each of ~900 tests).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from trainer import create_app
from trainer.config import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
ACCEPTANCE = Path(os.environ.get("TRAINER_ACCEPTANCE_DIR", ROOT.parent / "shared" / "acceptance"))
PASSWORD = "correct-horse-42"


def fresh_pg_database(url: str, suffix: str) -> str:
    """A PostgreSQL database beside the one `url` names, called `<name>_<suffix>`, dropped and created empty."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{suffix}"
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


def _worker_database(url: str) -> str:
    """The PostgreSQL database this test process uses: DATABASE_URL's own, or under pytest-xdist one per worker.

    Workers run at the same time and every test empties the tables it used, so each worker gets its own
    database (`<name>_gw0`, `<name>_gw1`, …). DATABASE_URL itself is pointed at it, so servers the tests
    start in subprocesses use it too.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    mine = fresh_pg_database(url, worker)
    os.environ["DATABASE_URL"] = mine
    return mine


POSTGRES_URL = (_worker_database(normalise_database_url(os.environ["DATABASE_URL"]))
                if os.environ.get("DATABASE_URL") else None)

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "CONTENT_ROOT": ROOT,
}


def acceptance_file(name: str) -> Path:
    """A file from ../shared/acceptance, or skip the test when that folder is not beside the repo."""
    path = ACCEPTANCE / name
    if not path.is_file():
        pytest.skip(f"acceptance data not available: {path}")
    return path


def _each_case(cases: Any) -> Iterable[tuple[str, Any]]:
    return ((str(case.get("id", index)), case) for index, case in enumerate(cases or []))


def acceptance_cases(name: str, select: Callable[[Any], Iterable[tuple[str, Any]]] = _each_case) -> list:
    """The cases of an acceptance file as `pytest.param`s named by their ids, for `parametrize` at collection.

    `select` turns the loaded file into (id, case) pairs (default: every list item, by its `id`). Without
    the file this is a single skipped param, so collection never fails when ../shared/acceptance is absent.
    """
    path = ACCEPTANCE / name
    if not path.is_file():
        reason = f"acceptance data not available: {path}"
        return [pytest.param(None, id="no-acceptance-data", marks=pytest.mark.skip(reason=reason))]
    return [pytest.param(case, id=ident) for ident, case in select(yaml.safe_load(path.read_text(encoding="utf-8")))]


@functools.cache
def repository_content():
    """The repository's content, loaded once per run (about a second each time); callers only read it."""
    from trainer.content import load_content

    return load_content(ROOT)


# PostgreSQL: (table, has an id column, rows as COPY text) of the freshly synced database, parents first.
_PG_SNAPSHOT: list[tuple[str, bool, bytes]] = []


def _table_names() -> list[str]:
    from trainer.extensions import db

    return [table.name for table in db.metadata.sorted_tables]


def _has_id(name: str) -> bool:
    from trainer.extensions import db

    return "id" in db.metadata.tables[name].c


def _take_pg_snapshot() -> None:
    from trainer.extensions import db

    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            _PG_SNAPSHOT.clear()
            for name in _table_names():
                with cursor.copy(f'COPY "{name}" TO STDOUT') as copy:
                    data = b"".join(bytes(chunk) for chunk in copy)
                if data:
                    _PG_SNAPSHOT.append((name, _has_id(name), data))
        raw.commit()
    finally:
        raw.close()


def _restore_pg_snapshot() -> None:
    """Empty every table, copy the synced rows back, and move each id sequence past them."""
    from trainer.extensions import db

    names = _table_names()
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
            for name, has_id, data in _PG_SNAPSHOT:
                with cursor.copy(f'COPY "{name}" FROM STDIN') as copy:
                    copy.write(data)
                if not has_id:
                    continue
                cursor.execute(f"SELECT pg_get_serial_sequence('\"{name}\"', 'id')")
                sequence = cursor.fetchone()[0]
                if sequence:
                    cursor.execute(f'SELECT setval(%s, (SELECT MAX(id) FROM "{name}"))', (sequence,))
        raw.commit()
    finally:
        raw.close()


def _prepare(uri: str, instance: Path, *, snapshot: bool = True) -> None:
    """Migrate `uri` and sync the repository's content into it; on PostgreSQL also take the snapshot each
    test is restored from (unless `snapshot` is off: a database of its own, such as the e2e server's)."""
    from flask_migrate import upgrade

    from trainer.extensions import db
    from trainer.sync import sync_content

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": instance})
    with app.app_context():
        if uri.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        sync_content(repository_content())
        if uri.startswith("postgresql") and snapshot:
            _take_pg_snapshot()
        if uri.startswith("sqlite"):
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """Migrate (and sync content into) a database once per test run."""
    if POSTGRES_URL:
        _prepare(POSTGRES_URL, tmp_path_factory.mktemp("pg-instance"))
        return POSTGRES_URL
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    _prepare(f"sqlite:///{path}", folder)
    return str(path)


def _reset_postgres(app) -> None:
    from trainer.extensions import db

    with app.app_context():
        db.session.remove()
        _restore_pg_snapshot()
        db.session.remove()


@pytest.fixture
def app_config(database_template, tmp_path) -> dict:
    if POSTGRES_URL:
        uri = POSTGRES_URL
    else:
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(database_template, target)
        uri = f"sqlite:///{target}"
    return {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": tmp_path / "instance"}


@contextlib.contextmanager
def module_app(database_template: str, folder: Path, **config):
    """An app on a database of its own for a whole module (SQLite: a copy of the template; PostgreSQL: the
    shared database, emptied afterwards), with its app context pushed while the module runs."""
    from trainer.extensions import db

    if POSTGRES_URL:
        uri = POSTGRES_URL
    else:
        shutil.copyfile(database_template, folder / "module.sqlite3")
        uri = f"sqlite:///{folder / 'module.sqlite3'}"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": folder / "instance", **config})
    app.test_client_class = IsolatedClient
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        db.session.remove()
        ctx.pop()
        if POSTGRES_URL:
            _reset_postgres(app)
        with app.app_context():
            db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own context, as real requests do.

    The test body keeps an app context pushed (for factories and direct service calls); without
    this, Flask would reuse it for every request, sharing `g` (and so a cached CSRF token) and one
    database session between requests. After each request the test's session is expired so the
    test reads what the request actually committed.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            from trainer.extensions import db

            db.session.expire_all()
        return response


@pytest.fixture
def app(app_config):
    from trainer.extensions import db

    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    ctx = application.app_context()
    ctx.push()
    yield application
    db.session.remove()
    ctx.pop()
    if POSTGRES_URL:
        _reset_postgres(application)
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: make_user("trainee", team=team) -> a committed User with password PASSWORD."""
    from trainer.accounts import services

    counter = {"n": 0}

    def make(role: str = "trainee", username: str | None = None, **fields):
        counter["n"] += 1
        username = username or f"{role}-{counter['n']}"
        return services.create_user(username=username, password=PASSWORD, role=role, **fields)

    return make


@pytest.fixture
def make_team(app):
    from trainer.accounts import services

    def make(name: str = "一组", supervisors=()):
        return services.save_team(None, name=name, description="", supervisors=list(supervisors))

    return make


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def content_with_fixtures(target: Path) -> Path:
    """A writable content tree: the repository's question_bank plus the small test course, questions and scenario."""
    shutil.copytree(ROOT / "question_bank", target / "question_bank")
    shutil.copytree(FIXTURES / "courses", target / "courses")
    shutil.copyfile(FIXTURES / "questions.yaml", target / "question_bank" / "questions" / "zz-fixture.yaml")
    # the fixture questions get a category of their own, so tests that draw by category see only them
    with (target / "question_bank" / "questions" / "categories.yaml").open("a", encoding="utf-8") as f:
        f.write("  - id: fixture\n    name: 测试题目\n")
    shutil.copyfile(FIXTURES / "scenarios" / "fixture-leak.yaml",
                    target / "question_bank" / "scenarios" / "fixture-leak.yaml")
    return target


@functools.cache
def _fixture_content_set():
    """The repository's content plus the fixtures, loaded once per run from a tree of its own."""
    from trainer.content import load_content

    return load_content(content_with_fixtures(Path(tempfile.mkdtemp(prefix="fixture-content-"))))


@pytest.fixture
def fixture_content(app, tmp_path):
    """Sync the fixture course into this test's database; returns this test's own (writable) content root."""
    from trainer.sync import sync_content

    root = content_with_fixtures(tmp_path / "content")
    sync_content(_fixture_content_set())
    app.config["CONTENT_ROOT"] = root
    return root


CSRF_RE = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')


def csrf_from(client, url: str) -> str:
    """Fetch a page and return the CSRF token of its first form, as a browser would."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no csrf token on {url} (status {page.status_code})"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, **kwargs):
    token = csrf_from(client, "/login")
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, **kwargs
    )


def post_form(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """POST `data` to `url` with a valid CSRF token taken from `page` (default: `url` itself)."""
    token = csrf_from(client, page or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


@pytest.fixture
def signed_in(client, make_user):
    """signed_in("hr") -> (client, user): a fresh user of that role, signed in on the test client."""

    def sign_in(role: str = "trainee", **fields):
        user = make_user(role, **fields)
        response = login(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client, user

    return sign_in
