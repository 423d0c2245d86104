"""A throw-away trainer served by gunicorn, for the load benchmark (benchmarks/load.py).

`scratch_database(url)` gives a database nobody else uses: a new SQLite file in a temporary folder
when `url` is None, or on PostgreSQL a schema of its own (`load_<random>`) in the database `url`
names, created empty and dropped afterwards — the database's other schemas and tables are never
touched. `prepare(database, users)` migrates it (the real Alembic migrations), syncs the repository's
content and inserts `users` trainee accounts with API tokens in one bulk insert (one shared password
hash: the accounts never sign in, and hashing hundreds of passwords would take longer than the run).
`Server` launches `gunicorn --workers N "trainer:create_app()"` on a free port of 127.0.0.1 with the
API rate limits off (`TRAINER_API_RATE_LIMITS=off`), waits until `/healthz` answers 200 and stops it
again (SIGTERM, then SIGKILL after a grace period); its error log is kept for the report.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from trainer.config import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "load-benchmark"
USERNAME_FORMAT = "load-{:04d}"


@dataclass(frozen=True)
class Database:
    """Where the benchmark's data lives: the URI the app and the checker use, and which backend it is."""

    uri: str
    backend: str  # "sqlite" | "postgresql"
    #: the PostgreSQL schema made for this run (None on SQLite)
    schema: str | None = None

    def describe(self) -> str:
        shown = make_url(self.uri).render_as_string(hide_password=True)
        return f"{self.backend} ({shown.split('?')[0]}{f', schema {self.schema}' if self.schema else ''})"


@dataclass(frozen=True)
class Trainee:
    user_id: int
    username: str
    token: str


@dataclass(frozen=True)
class ScenarioInfo:
    """What the client needs of a synced scenario: its stages in order, with their script types."""

    id: str
    stages: tuple[str, ...]
    scripts: tuple[str, ...]
    max_turns: int


@dataclass
class Prepared:
    trainees: list[Trainee] = field(default_factory=list)
    scenarios: list[ScenarioInfo] = field(default_factory=list)
    seconds: float = 0.0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def scratch_database(url: str | None, *, keep: bool = False) -> Iterator[Database]:
    """A database for one run: a temporary SQLite file, or a fresh schema on the PostgreSQL of `url`.

    `url` may also be a `sqlite:///…` URL (used as it is, so it should name a new file). With `keep`
    the PostgreSQL schema (or the SQLite folder) is left behind for inspection and its name printed.
    """
    if url is None or url.startswith("sqlite"):
        folder = tempfile.mkdtemp(prefix="trainer-load-")
        uri = url or f"sqlite:///{folder}/load.sqlite3"
        try:
            yield Database(uri, "sqlite")
        finally:
            if keep:
                _log(f"kept the SQLite database: {uri}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return
    base = normalise_database_url(url)
    if not base.startswith("postgresql"):
        raise SystemExit(f"unsupported database URL (SQLite or PostgreSQL only): {url}")
    schema = f"load_{secrets.token_hex(4)}"
    parsed = make_url(base)
    uri = parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield Database(uri, "postgresql", schema)
    finally:
        if keep:
            _log(f"kept the PostgreSQL schema {schema}")
        else:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def token_digest(token: str) -> str:
    """The hash the app stores for an API token (`trainer.accounts.services`: SHA-256 of the token)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def prepare(database: Database, users: int, instance: Path) -> Prepared:
    """Migrate, sync the repository's content and add `users` trainees with API tokens (bulk)."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from trainer import create_app
    from trainer.accounts import services as accounts
    from trainer.accounts.models import User
    from trainer.content import load_content
    from trainer.extensions import db
    from trainer.roleplay.models import ScenarioRecord
    from trainer.sync import sync_content
    from trainer.timeutil import utcnow

    began = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.uri, "INSTANCE_PATH": instance, "SECRET_KEY": SECRET_KEY,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "CONTENT_ROOT": ROOT, "API_RATE_LIMITS": {}})
    prepared = Prepared()
    with app.app_context():
        upgrade()
        sync_content(load_content(ROOT))
        now = utcnow()
        shared_hash = accounts.hash_password(secrets.token_urlsafe(16))
        tokens = {USERNAME_FORMAT.format(n): accounts.TOKEN_PREFIX + secrets.token_urlsafe(32)
                  for n in range(1, users + 1)}
        db.session.execute(User.__table__.insert(), [
            {"username": name, "display_name": f"压测学员 {name[-4:]}", "password_hash": shared_hash,
             "role": "trainee", "active": True, "login_id": secrets.token_urlsafe(24), "created_at": now,
             "api_token_hash": token_digest(token), "api_token_created_at": now}
            for name, token in tokens.items()])
        db.session.commit()
        ids = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(list(tokens)))).all())
        prepared.trainees = [Trainee(ids[name], name, token) for name, token in tokens.items()]
        for record in db.session.scalars(select(ScenarioRecord).where(ScenarioRecord.retired.is_(False))
                                         .order_by(ScenarioRecord.id)):
            stages = record.data["stages"]
            prepared.scenarios.append(ScenarioInfo(record.id, tuple(s["id"] for s in stages),
                                                   tuple(s.get("script") or "any" for s in stages),
                                                   int(record.data["max_turns"])))
        if database.backend == "sqlite":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.session.remove()
        db.engine.dispose()
    prepared.seconds = time.perf_counter() - began
    return prepared


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn() -> list[str]:
    """The gunicorn command; without the control socket of gunicorn ≥ 24 where it has one, since every
    instance would share `~/.gunicorn/gunicorn.ctl` with any other gunicorn of the same user."""
    beside = Path(sys.executable).with_name("gunicorn")
    command = [str(beside)] if beside.exists() else [sys.executable, "-m", "gunicorn"]
    usage = subprocess.run([*command, "--help"], capture_output=True, text=True, check=False).stdout
    return [*command, "--no-control-socket"] if "--no-control-socket" in usage else command


class Server:
    """`gunicorn --workers N "trainer:create_app()"` on the benchmark's database, rate limits off.

    Use as a context manager: entering starts it and returns once `/healthz` answers 200 (or raises
    with the tail of the error log); leaving stops it.
    """

    def __init__(self, database: Database, instance: Path, *, workers: int = 4, timeout: int = 30,
                 start_within: float = 90.0) -> None:
        self.database, self.instance, self.workers = database, instance, workers
        self.timeout, self.start_within = timeout, start_within
        self.port = free_port()
        self.error_log = instance / "gunicorn-error.log"
        self.output_log = instance / "gunicorn-output.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("TRAINER_")}
        env.update({"DATABASE_URL": self.database.uri, "TRAINER_INSTANCE_PATH": str(self.instance),
                    "SECRET_KEY": SECRET_KEY, "TRAINER_CONTENT_DIR": str(ROOT), "TRAINER_API_RATE_LIMITS": "off",
                    "PYTHONUNBUFFERED": "1"})
        return env

    def __enter__(self) -> Server:
        command = [*_gunicorn(), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                   "--timeout", str(self.timeout), "--graceful-timeout", "20", "--log-level", "info",
                   "--error-logfile", str(self.error_log), "trainer:create_app()"]
        with self.output_log.open("ab") as output:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.environment(), stdin=subprocess.DEVNULL,
                                            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_within
        last = "no answer"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as answer:
                    if answer.status == 200 and json.loads(answer.read()).get("status") == "ok":
                        return
                    last = f"HTTP {answer.status}"
            except urllib.error.HTTPError as err:
                last = f"HTTP {err.code}"
            except (OSError, ValueError) as err:
                last = type(err).__name__
            time.sleep(0.25)
        raise RuntimeError(f"gunicorn not healthy within {self.start_within:.0f} s ({last}):\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM (gunicorn finishes the requests in hand), SIGKILL to its process group after 30 s."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def worker_cpu(self) -> float | None:
        """CPU seconds (user + system) the live gunicorn workers have used so far; None where /proc cannot tell."""
        if self.process is None:
            return None
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            total = 0
            for pid in children:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, ValueError, IndexError):
            return None
        return total / os.sysconf("SC_CLK_TCK")

    def logs(self) -> str:
        """gunicorn's error log and whatever its processes wrote to stdout and stderr."""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace")
                         for path in (self.error_log, self.output_log) if path.exists())

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.logs().splitlines()[-lines:]) or "(nothing logged)"

    def log_counts(self) -> dict[str, int]:
        """Worker timeouts, unhandled exceptions and worker boots seen in the logs."""
        body = self.logs()
        return {"worker timeouts": body.count("WORKER TIMEOUT"), "tracebacks": body.count("Traceback"),
                "workers booted": body.count("Booting worker")}
