"""The short load run in CI: 20 trainees × 20 s of role-play against gunicorn with 4 workers, on PostgreSQL.

`benchmarks/load.py` runs as its own process against a brand-new PostgreSQL database on the suite's
server (created here with a unique name and dropped afterwards, so the suite's tables are never
touched) and must report no failed request and no lost, duplicated or misplaced turn. It runs only
when the suite runs against PostgreSQL (DATABASE_URL set, as in `.ci/run`): several gunicorn
processes writing one SQLite file is the single-machine setup, not the fleet the test stands for.

A second, quick test (both backends) makes sure the database check itself can fail: it is fed a
client view that disagrees with what is stored, in every way it looks for.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from tests.conftest import POSTGRES_URL, ROOT

BENCHMARKS = ROOT / "benchmarks"
USERS, SECONDS = 20, 20


def _load_module() -> ModuleType:
    """benchmarks/load.py as a module (it imports its helper `_serve` from its own folder)."""
    if "benchmark_load" in sys.modules:
        return sys.modules["benchmark_load"]
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("benchmark_load", BENCHMARKS / "load.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the suite's PostgreSQL server; dropped (connections and all) afterwards."""
    assert POSTGRES_URL
    name = f"load_short_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        for attempt in range(5):
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                break
            except SQLAlchemyError as exc:
                # "source database template1 is being accessed by other users": another CREATE DATABASE
                if "being accessed" in str(exc) and attempt < 4:
                    time.sleep(1)
                    continue
                pytest.skip(f"cannot create a PostgreSQL database for the load run: {exc}")
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="the short load run needs PostgreSQL: set DATABASE_URL (as .ci/run does)")
def test_short_load_run_loses_and_duplicates_no_turn(tmp_path: Path) -> None:
    summary_file = tmp_path / "load.json"
    with _fresh_postgres_database() as url:
        began = time.monotonic()
        run = subprocess.run(
            [sys.executable, str(BENCHMARKS / "load.py"), "--users", str(USERS), "--seconds", str(SECONDS),
             "--workers", "4", "--database-url", url, "--json", str(summary_file)],
            cwd=ROOT, capture_output=True, text=True, timeout=240)
        took = time.monotonic() - began
    output = f"exit {run.returncode} after {took:.0f} s\n{run.stdout}\n{run.stderr[-3000:]}"
    assert run.returncode == 0, output
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    check = summary["check"]
    assert summary["errors"] == {}, output
    assert (check["lost"], check["duplicated"], check["misplaced"], check["gaps"]) == (0, 0, 0, 0), output
    assert check["failures"] == 0 and summary["server_log"]["tracebacks"] == 0, output
    # the run did real work: every trainee played, conversations ended and every accepted turn was checked
    assert summary["turns"] >= USERS and summary["sessions_finished"] > 0, output
    assert check["turns_checked"] == summary["turns"], output


def test_the_database_check_finds_lost_duplicated_and_misplaced_turns(app, make_user) -> None:
    from trainer.roleplay import services as roleplay

    load = _load_module()
    user = make_user("trainee")
    scenario = roleplay.scenarios()[0]
    session = roleplay.start(user, scenario.id)
    replies = ["您好，非常抱歉给您添麻烦了，请问您家是几栋几号？", "请您放心，我们马上安排师傅上门处理。"]
    for n, reply in enumerate(replies):
        roleplay.take_turn(session, user, reply, n)
    done = session.status == "finished"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    database = load.Database(uri, "postgresql" if uri.startswith("postgresql") else "sqlite")
    trainees = [load.Trainee(user.id, user.username, "unused")]

    def check(accepted: list[str], *, acknowledged: bool = True, finished: bool = done):
        log = load.SessionLog(session.id, user.id, scenario.id, accepted=accepted, finished=finished)
        return load.check_database(database, trainees, [log] if acknowledged else [])

    agrees = check(replies)
    assert agrees.failures == 0 and agrees.turns_checked == 2, agrees.examples
    lost = check([*replies, "这一句客户端收到了 200，却没有存下来。"])
    assert (lost.lost, lost.failures) == (1, 1), lost.examples
    duplicated = check(replies[:1])
    assert (duplicated.duplicated, duplicated.failures) == (1, 1), duplicated.examples
    misplaced = check(list(reversed(replies)))
    assert (misplaced.misplaced, misplaced.failures) == (2, 2), misplaced.examples
    assert check(replies, finished=not done).wrong_status == 1
    assert check(replies, acknowledged=False).unacknowledged_sessions == 1
