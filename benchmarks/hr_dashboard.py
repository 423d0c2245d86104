"""How HR's pages scale with the size of the company: time and SQL statements at 50, 500 and 5,000 agents.

For each size a fresh database gets the generated company of `trainer demo --agents N --evidence M`
(trainer/demo/company.py); then, signed in as its HR account through Flask's test client, it times
the first page of the HR overview `/hr`, a team's heatmap `/teams/<id>`, one agent's profile
`/competency/agents/<id>` (the median of --repeat requests after one warm-up each) and counts the SQL
statements each sends (a `before_cursor_execute` listener on the engine), and times streaming the
whole `/hr/export.xlsx`. The table gives each figure against the smallest size's.

The targets (issue 11 item 9): every page within 3× of its time at 50 agents with a statement count
that does not grow, and the XLSX of 5,000 agents in under 15 s.

Runs on SQLite (a temporary instance) and, when DATABASE_URL is set, on PostgreSQL too — in a schema of
its own (`trainer_bench`), created and dropped by the benchmark, so the database's other data is left alone.

    .venv/bin/python benchmarks/hr_dashboard.py [--sizes 50,500,5000] [--evidence 200] [--repeat 5]
        [--xlsx-repeat 3] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, select, text

from trainer.config import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent

PG_SCHEMA = "trainer_bench"
PAGE_TARGET, XLSX_TARGET_S, XLSX_TARGET_AGENTS = 3.0, 15.0, 5000
CSRF_RE = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')


@dataclass(frozen=True)
class Figure:
    backend: str
    agents: int
    what: str
    seconds: float
    statements: int


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def _sqlite_instance():
    with tempfile.TemporaryDirectory(prefix="hr-bench-") as folder:
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "INSTANCE_PATH": folder}


@contextmanager
def _postgres_instance(url: str):
    """A schema of our own on DATABASE_URL: made empty before the run, dropped after it."""
    uri = normalise_database_url(url)
    admin = create_engine(uri)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    try:
        with tempfile.TemporaryDirectory(prefix="hr-bench-") as folder:
            yield {"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": folder,
                   "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True,
                                                 "connect_args": {"options": f"-csearch_path={PG_SCHEMA}"}}}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        admin.dispose()


def _timed(client, url: str, count: Callable[[], int], repeat: int) -> tuple[float, int]:
    """The median time of `repeat` full requests (body read) after a warm-up, and the statements of one."""
    warm = client.get(url)
    assert warm.status_code == 200, (url, warm.status_code)
    timings, statements = [], 0
    for _ in range(repeat):
        before = count()
        began = time.perf_counter()
        response = client.get(url)
        response.get_data()
        timings.append(time.perf_counter() - began)
        statements = count() - before
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), statements


def measure(backend: str, instance: dict, agents: int, evidence: int, repeat: int, xlsx_repeat: int) -> list[Figure]:
    """Build the company of `agents` in `instance`, then time HR's pages on it."""
    from flask_migrate import upgrade

    from trainer import create_app
    from trainer.accounts.models import Team, User
    from trainer.content import load_content
    from trainer.demo import DEMO_PASSWORD
    from trainer.demo.company import HR_USERNAME, TEAM_PREFIX, agent_username, create_company
    from trainer.extensions import db
    from trainer.sync import sync_content

    app = create_app({**instance, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "CONTENT_ROOT": ROOT})
    with app.app_context():
        upgrade()
        sync_content(load_content(ROOT))
        began = time.perf_counter()
        summary = create_company(agents, evidence, password=DEMO_PASSWORD)
        made = time.perf_counter() - began
        _log(f"{backend}: {summary} in {made:.1f} s")
        team_id = db.session.scalar(select(Team.id).where(Team.name.like(f"{TEAM_PREFIX}%")).order_by(Team.name))
        agent_id = db.session.scalar(select(User.id).where(User.username == agent_username(1)))
        engine = db.engine
        db.session.remove()

    seen = {"n": 0}

    def statement(*_args) -> None:
        seen["n"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    try:
        client = app.test_client()
        token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
        signed_in = client.post("/login", data={"username": HR_USERNAME, "password": DEMO_PASSWORD,
                                                "csrf_token": token})
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
        figures = [Figure(backend, agents, "generate company", made, 0)]
        for what, url in (("/hr (first page)", "/hr"), ("/teams/<id>", f"/teams/{team_id}"),
                          ("/competency/agents/<id>", f"/competency/agents/{agent_id}")):
            seconds, statements = _timed(client, url, lambda: seen["n"], repeat)
            figures.append(Figure(backend, agents, what, seconds, statements))
            _log(f"{backend} {agents}: {what} {seconds * 1000:.0f} ms, {statements} statements")
        seconds, statements = _timed(client, "/hr/export.xlsx", lambda: seen["n"], xlsx_repeat)
        figures.append(Figure(backend, agents, "/hr/export.xlsx (all)", seconds, statements))
        _log(f"{backend} {agents}: xlsx {seconds:.2f} s, {statements} statements")
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        engine.dispose()
    return figures


def _verdict(figure: Figure, base: Figure | None) -> str:
    if figure.what == "generate company":
        return ""
    if figure.what.startswith("/hr/export.xlsx"):
        if figure.agents >= XLSX_TARGET_AGENTS:
            return "ok" if figure.seconds < XLSX_TARGET_S else f"MISS (≥ {XLSX_TARGET_S:.0f} s)"
        return ""
    if base is None or base is figure:
        return ""
    slow = figure.seconds > PAGE_TARGET * base.seconds
    grows = figure.statements > base.statements
    return "ok" if not (slow or grows) else "MISS (" + ", ".join(
        [f"> {PAGE_TARGET:.0f}× time"] * slow + ["more statements"] * grows) + ")"


def report(figures: list[Figure], evidence: int) -> None:
    smallest = {}
    for f in figures:
        key = (f.backend, f.what)
        if key not in smallest or f.agents < smallest[key].agents:
            smallest[key] = f
    print(f"\nHR pages against the size of the company ({evidence} evidence per agent; median of repeated requests)")
    header = f"{'backend':10s} {'agents':>6s}  {'what':26s} {'time':>10s} {'× smallest':>10s} " \
             f"{'statements':>10s} {'(smallest)':>10s}  target"
    print(header)
    print("-" * len(header))
    for f in figures:
        base = smallest[(f.backend, f.what)]
        shown = f"{f.seconds:.2f} s" if f.seconds >= 1 else f"{f.seconds * 1000:.0f} ms"
        ratio = f"{f.seconds / base.seconds:.2f}" if base.seconds else "-"
        stmts = "" if f.what == "generate company" else str(f.statements)
        base_stmts = "" if f.what == "generate company" else str(base.statements)
        print(f"{f.backend:10s} {f.agents:6d}  {f.what:26s} {shown:>10s} {ratio:>10s} {stmts:>10s} "
              f"{base_stmts:>10s}  {_verdict(f, base)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500,5000", help="company sizes (agents), comma-separated")
    parser.add_argument("--evidence", type=int, default=200, help="evidence records per agent")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (the median is shown)")
    parser.add_argument("--xlsx-repeat", type=int, default=3, help="timed downloads of the XLSX export")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="sqlite and/or postgresql (PostgreSQL only when DATABASE_URL is set)")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    chosen = {b.strip() for b in args.backends.split(",")}
    backends: list[tuple[str, Callable]] = [("sqlite", _sqlite_instance)] if "sqlite" in chosen else []
    if "postgresql" in chosen and os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        backends.append(("postgresql", lambda: _postgres_instance(url)))
    if not backends:
        parser.error("no backend to run: --backends postgresql needs DATABASE_URL")
    figures: list[Figure] = []
    for backend, instance in backends:
        for size in sizes:
            with instance() as config:
                figures.extend(measure(backend, config, size, args.evidence, args.repeat, args.xlsx_repeat))
    report(figures, args.evidence)


if __name__ == "__main__":
    main()
