"""Role-play under load: N trainees playing conversations through the API against gunicorn, then a database check.

    .venv/bin/python benchmarks/load.py [--users 200] [--seconds 120] [--workers 4]
        [--database-url URL] [--think 0] [--fair-share 0.1] [--timeout 60] [--warmup N] [--seed 1]
        [--json FILE] [--keep]

A fresh database (benchmarks/_serve.py: a temporary SQLite file, or a schema of its own on the
PostgreSQL of --database-url / $DATABASE_URL, dropped afterwards) is migrated, gets the repository's
content and N trainee accounts with API tokens; gunicorn serves it with --workers processes and the
API rate limits off (`TRAINER_API_RATE_LIMITS=off`, so the limits never shape the figures).

Each simulated trainee is a thread with its own token and at most one request in flight (the client
is bounded by --users). It starts a role-play (`POST /api/v1/roleplay/sessions`, a random scenario
of the synced content) and answers every customer line (`POST …/turns` with `{"text", "after": n}`,
n the trainee turns it has seen) with the reply for the current stage from the good transcripts in
trainer/demo/replies.yaml, a different wording each time it is asked again, and with --fair-share of
polite replies that answer nothing (the customer asks again); when the conversation ends it starts
another, until --seconds have passed. Before the clock starts, a few scoring requests warm every
worker up (--warmup). A request that gets no answer, a 5xx or a 429 is sent again (up to 3 times,
same text and same `after`), as the README says is safe: a 409 `roleplay.stale` then means an earlier
attempt had been stored — and so does `roleplay.finished` when that attempt ended the conversation;
both are counted apart, and the client reads the session back to check the stored reply and carry on.

Printed: accepted turns per second, p50/p95/p99 latency of a turn, sessions started and finished,
errors by HTTP status. Then the database is read directly: every turn the client saw accepted (2xx)
must be stored exactly once, at the position its `after` implies, with the text it sent (masked as
the app masks personal data); each session's turns numbered 0, 1, 2 … without gaps, customer and
trainee alternating, `turns_taken` equal to the trainee turns stored, the finished state the client
saw; no session or turn stored that the client never saw acknowledged (except one reply, or one empty
session, per request whose answer never came). The exit status is 1 when any request failed, gunicorn
logged a traceback, or the check found a lost, duplicated or misplaced turn.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _serve import Database, Prepared, ScenarioInfo, Server, Trainee, prepare, scratch_database
from sqlalchemy import create_engine, select

from trainer.demo.activity import load_replies
from trainer.roleplay.models import RoleplaySession, RoleplayTurn
from trainer.scoring.privacy import mask

#: attempts of one request after the first that got no answer, a 5xx or a 429
RESENDS = 3
STALE, FINISHED, BUSY = "roleplay.stale", "roleplay.finished", "roleplay.busy"
_T0 = time.monotonic()


def _log(message: str) -> None:
    print(f"[{time.monotonic() - _T0:5.1f} s] {message}", file=sys.stderr, flush=True)


# --- replies ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Script:
    """The replies a simulated trainee gives in one scenario: good wordings per stage, polite fillers."""

    scenario: ScenarioInfo
    #: good transcripts, each one reply per stage in the scenario's order
    wordings: tuple[tuple[str, ...], ...]
    #: a polite reply that answers none of the stage's key points, per stage
    fillers: tuple[str, ...]


def scripts_for(scenarios: list[ScenarioInfo]) -> list[Script]:
    """Scenarios with demo transcripts that fit their stages (trainer/demo/replies.yaml)."""
    replies = load_replies()
    scripts = []
    for scenario in scenarios:
        lines = replies.roleplays.get(scenario.id) or {}
        wordings = tuple(tuple(w) for w in lines.get("good", []) if len(w) == len(scenario.stages))
        if not wordings:
            continue
        fillers = tuple(replies.fair_turns.get(script) or replies.fair_turns.get("any", "好的，我了解了。")
                        for script in scenario.scripts)
        scripts.append(Script(scenario, wordings, fillers))
    return scripts


# --- what the client saw ----------------------------------------------------------------------------------


@dataclass
class SessionLog:
    """One role-play as the client saw it: the replies acknowledged with a 2xx, in order."""

    id: int
    user_id: int
    scenario: str
    accepted: list[str] = field(default_factory=list)
    finished: bool = False
    outcome: str | None = None
    #: the stage the last answer reported
    stage: str | None = None
    #: the client gave up on it after a failed request; checked like any other
    abandoned: bool = False
    #: the reply whose fate the client never learnt (no answer, then it gave up): it may be stored
    pending: str | None = None


@dataclass
class Tally:
    """Counters shared by every trainee thread (one lock; the work under it is a few appends)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    turn_latencies: list[float] = field(default_factory=list)
    start_latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    #: resends refused because an earlier attempt had been stored, by code (stale, or finished by that turn)
    stored_on_resend: Counter[str] = field(default_factory=Counter)
    #: resends refused as busy: the attempt that got no answer was still being handled
    busy_on_resend: int = 0
    stored_despite_error: int = 0
    resends: int = 0
    sessions: list[SessionLog] = field(default_factory=list)
    failed_starts: int = 0
    #: per user, starts that got no answer or a 5xx: each may have left a session the client never saw
    unanswered_starts: Counter[int] = field(default_factory=Counter)
    last_answer: float = 0.0

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (connection refused or reset, timeout)
    body: Any
    seconds: float
    problem: str = ""  # the exception's name when status is 0

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None

    def label(self) -> str:
        if self.status == 0:
            return f"no answer ({self.problem})"
        return f"{self.status}{f' {self.code}' if self.code else ''}"


class Client:
    """A tiny HTTP/1.1 client: one connection per request (gunicorn's sync workers close them anyway)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port, self.timeout = port, timeout

    def send(self, method: str, path: str, token: str, body: object = None) -> Answer:
        began = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as err:
            return Answer(0, None, time.perf_counter() - began, type(err).__name__)
        finally:
            connection.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data[:200].decode("utf-8", "replace")
        return Answer(status, parsed, time.perf_counter() - began)


def warm_up(client: Client, token: str, requests: int, tally: Tally) -> float:
    """Score `requests` replies all at once, so each worker has loaded jieba and compiled the rules before
    the clock starts (the first request of a cold worker takes seconds); not counted in the figures."""
    began = time.perf_counter()
    patient = Client(client.port, max(client.timeout, 60.0))  # a cold worker is slow: that is the point
    body = {"id": "warm-up", "text": "您好，请问有什么可以帮您？请您放心，我马上为您处理。", "script": "phone_opening"}

    def one() -> None:
        answer = patient.send("POST", "/api/v1/score", token, body)
        if answer.status != 200:
            tally.error(f"warm-up: {answer.label()}")

    threads = [threading.Thread(target=one, daemon=True) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=patient.timeout)
    return time.perf_counter() - began


def _unknown(text: str, attempts: list[Answer]) -> str | None:
    """`text` when some attempt got no answer, so it may be stored; None when every one was answered (and an
    error answer promises that nothing was stored, so the check must find nothing)."""
    return text if any(a.status == 0 for a in attempts) else None


def _retryable(answer: Answer) -> bool:
    return answer.status == 0 or answer.status >= 500 or answer.status == 429


class TraineeLoop:
    """One simulated trainee: role-plays back to back until the deadline."""

    def __init__(self, trainee: Trainee, scripts: list[Script], client: Client, tally: Tally, deadline: float,
                 *, think: float, fair_share: float, seed: int) -> None:
        self.trainee, self.scripts, self.client, self.tally = trainee, scripts, client, tally
        self.deadline, self.think, self.fair_share = deadline, think, fair_share
        self.rng = random.Random(seed)

    def run(self) -> None:
        time.sleep(self.rng.uniform(0, 1))  # the trainees do not all press "start" in the same millisecond
        while time.monotonic() < self.deadline:
            script = self.rng.choice(self.scripts)
            session = self.start(script)
            if session is None:
                time.sleep(0.5)
                continue
            self.play(session, script)

    def _pause(self) -> None:
        if self.think:
            time.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    def start(self, script: Script) -> SessionLog | None:
        answer = self.client.send("POST", "/api/v1/roleplay/sessions", self.trainee.token,
                                  {"scenario": script.scenario.id})
        with self.tally.lock:
            self.tally.last_answer = time.monotonic()
            if answer.status == 201:
                self.tally.start_latencies.append(answer.seconds)
                session = SessionLog(answer.body["session"], self.trainee.user_id, script.scenario.id)
                self.tally.sessions.append(session)
                return session
            self.tally.errors[f"start: {answer.label()}"] += 1
            self.tally.failed_starts += 1
            if answer.status == 0:  # no answer: it may have been stored all the same (a 5xx must not be)
                self.tally.unanswered_starts[self.trainee.user_id] += 1
        return None

    def _reply(self, script: Script, stage: str, asked: int, wording: int) -> str:
        index = script.scenario.stages.index(stage)
        if self.rng.random() < self.fair_share:
            return script.fillers[index]
        return script.wordings[(wording + asked) % len(script.wordings)][index]

    def play(self, session: SessionLog, script: Script) -> None:
        stage, asked, wording = script.scenario.stages[0], 0, self.rng.randrange(len(script.wordings))
        while not session.finished and time.monotonic() < self.deadline:
            self._pause()
            if not self._turn(session, self._reply(script, stage, asked, wording)):
                session.abandoned = True
                return
            if session.stage and session.stage != stage:
                stage, asked = session.stage, 0
            else:
                asked += 1

    def _turn(self, session: SessionLog, text: str) -> bool:
        """Post one reply until its fate is known: True when it is stored (acknowledged or reconciled)."""
        path, after = f"/api/v1/roleplay/sessions/{session.id}/turns", len(session.accepted)
        failures: list[Answer] = []
        for attempt in range(RESENDS + 1):
            answer = self.client.send("POST", path, self.trainee.token, {"text": text, "after": after})
            if answer.status == 200:
                return self._accept(session, text, answer)
            if failures and answer.status == 409 and answer.code in (STALE, FINISHED):
                # the session moved past `after` (or was finished by it): an earlier attempt was stored
                return self._reconcile(session, text, failures, answer.code)
            if failures and answer.status == 409 and answer.code == BUSY:
                with self.tally.lock:  # the attempt that got no answer is still being handled
                    self.tally.busy_on_resend += 1
            else:
                self.tally.error(f"turn: {answer.label()}")
                if not _retryable(answer):
                    session.pending = _unknown(text, [*failures, answer])
                    return False
            failures.append(answer)
            if attempt < RESENDS:
                time.sleep(0.5 * 2 ** attempt)
                with self.tally.lock:
                    self.tally.resends += 1
        session.pending = _unknown(text, failures)
        return False

    def _accept(self, session: SessionLog, text: str, answer: Answer) -> bool:
        """Record a 200; False for an answer whose turn count disagrees with what the client has seen."""
        with self.tally.lock:
            self.tally.turn_latencies.append(answer.seconds)
            self.tally.last_answer = time.monotonic()
        session.accepted.append(text)
        body = answer.body
        session.finished, session.outcome, session.stage = bool(body["finished"]), body["outcome"], body["stage"]
        if body["turns"] != len(session.accepted):
            self.tally.error("turn: 200 with a wrong `turns` count")
            return False
        return True

    def _reconcile(self, session: SessionLog, text: str, failures: list[Answer], code: str) -> bool:
        """A resend was refused because an earlier attempt, never acknowledged, had been stored: read the
        session back, check that the stored turn is this reply, and carry on from it."""
        with self.tally.lock:
            self.tally.stored_on_resend[code] += 1
            if all(f.status not in (0, 409) for f in failures):
                # every earlier attempt was answered with an error, and yet one of them was stored
                self.tally.stored_despite_error += 1
        answer = self.client.send("GET", f"/api/v1/roleplay/sessions/{session.id}", self.trainee.token)
        if answer.status != 200:
            self.tally.error(f"session: {answer.label()}")
            session.pending = text
            return False
        mine = [t["text"] for t in answer.body["turns"] if t["role"] == "trainee"]
        if len(mine) != len(session.accepted) + 1 or mine[-1] != mask(text):
            self.tally.error("turn: refused resend that does not match the stored turns")
            return False
        session.accepted.append(text)
        session.finished = answer.body["status"] == "finished"
        session.outcome, session.stage = answer.body.get("outcome"), answer.body.get("stage")
        return True


# --- the database check -----------------------------------------------------------------------------------


@dataclass
class Check:
    sessions_checked: int = 0
    turns_checked: int = 0
    lost: int = 0
    duplicated: int = 0
    misplaced: int = 0
    gaps: int = 0
    wrong_count: int = 0
    wrong_status: int = 0
    unacknowledged_sessions: int = 0
    #: stored replies whose request got no answer before the client gave up (allowed: one per such session)
    unacknowledged_turns: int = 0
    #: sessions left by a start whose answer was lost (allowed, as many as such starts, with no reply)
    orphaned_sessions: int = 0
    missing_sessions: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return (self.lost + self.duplicated + self.misplaced + self.gaps + self.wrong_count + self.wrong_status
                + self.unacknowledged_sessions + self.missing_sessions)

    def note(self, message: str) -> None:
        if len(self.examples) < 20:
            self.examples.append(message)


def check_database(database: Database, trainees: list[Trainee], sessions: list[SessionLog],
                   unanswered_starts: Counter[int] | None = None) -> Check:
    """Compare what the client saw accepted with what the database holds, turn by turn.

    `unanswered_starts` (per user id) allows that many sessions the client never saw, with no reply
    in them: a start whose answer was lost may have been stored (starting is not idempotent).
    """
    engine = create_engine(database.uri)
    result = Check()
    user_ids = [t.user_id for t in trainees]
    try:
        with engine.connect() as conn:
            stored = {row.id: row for row in conn.execute(
                select(RoleplaySession.__table__).where(RoleplaySession.user_id.in_(user_ids)))}
            turns: dict[int, list[Any]] = {}
            for row in conn.execute(
                    select(RoleplayTurn.__table__).join(RoleplaySession, RoleplaySession.id == RoleplayTurn.session_id)
                    .where(RoleplaySession.user_id.in_(user_ids))
                    .order_by(RoleplayTurn.session_id, RoleplayTurn.position, RoleplayTurn.id)):
                turns.setdefault(row.session_id, []).append(row)
    finally:
        engine.dispose()
    seen = {s.id: s for s in sessions}
    allowed = Counter(unanswered_starts or {})
    for session_id in sorted(set(stored) - set(seen)):
        row = stored[session_id]
        if allowed[row.user_id] > 0 and row.turns_taken == 0 and len(turns.get(session_id, [])) == 1:
            allowed[row.user_id] -= 1
            result.orphaned_sessions += 1
            continue
        result.unacknowledged_sessions += 1
        result.note(f"session {session_id}: stored, but its start was never acknowledged")
    for log in sessions:
        row = stored.get(log.id)
        if row is None or row.user_id != log.user_id:
            result.missing_sessions += 1
            result.note(f"session {log.id}: acknowledged (201) but not stored for user {log.user_id}")
            continue
        result.sessions_checked += 1
        rows = turns.get(log.id, [])
        positions = [t.position for t in rows]
        if positions != list(range(len(rows))):
            result.gaps += 1
            result.note(f"session {log.id}: positions {positions} are not 0..{len(rows) - 1}")
        roles = [t.role for t in rows]
        expected_roles = ["customer" if p % 2 == 0 else "trainee" for p in range(len(rows))]
        if roles != expected_roles or len(rows) % 2 == 0:
            result.gaps += 1
            result.note(f"session {log.id}: roles {roles} do not alternate from the customer's opening")
        mine = [t for t in rows if t.role == "trainee"]
        if row.turns_taken != len(mine):
            result.wrong_count += 1
            result.note(f"session {log.id}: turns_taken {row.turns_taken} but {len(mine)} trainee turns stored")
        for k, text in enumerate(log.accepted):
            result.turns_checked += 1
            at = [t for t in mine if t.position == 2 * k + 1]
            if not at:
                result.lost += 1
                result.note(f"session {log.id}: accepted turn {k + 1} (after={k}) is not stored")
            elif at[0].text != mask(text):
                result.misplaced += 1
                result.note(f"session {log.id}: turn {k + 1} stored as {at[0].text[:30]!r}, sent {text[:30]!r}")
        extra = len(mine) - len(log.accepted)
        pending_stored = extra == 1 and log.pending is not None and mine[-1].text == mask(log.pending)
        if pending_stored:  # the reply whose answer never came was stored (and may have ended the session)
            result.unacknowledged_turns += 1
            extra = 0
        if extra > 0:
            result.duplicated += extra
            texts = [t.text[:30] for t in mine[len(log.accepted):]]
            result.note(f"session {log.id}: {extra} trainee turn(s) stored that were never acknowledged: {texts}")
        if log.finished != (row.status == "finished") and not pending_stored:
            result.wrong_status += 1
            result.note(f"session {log.id}: client saw finished={log.finished}, stored status {row.status}")
    return result


# --- the run ------------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


@dataclass
class Summary:
    backend: str
    users: int
    seconds: float
    workers: int
    elapsed: float
    turns: int
    turns_per_second: float
    p50: float
    p95: float
    p99: float
    max: float
    start_p50: float
    start_p95: float
    sessions_started: int
    sessions_finished: int
    outcomes: dict[str, int]
    errors: dict[str, int]
    stored_on_resend: dict[str, int]
    busy_on_resend: int
    stored_despite_error: int
    resends: int
    server_log: dict[str, int]
    #: CPU seconds the client process (every trainee thread) used while they played
    client_cpu: float
    #: CPU seconds the gunicorn workers used from the first trainee's start to the last answer (warm-up excluded)
    worker_cpu: float | None
    cpus: int
    check: dict[str, Any]
    failed: bool


def run(database: Database, users: int, seconds: float, *, workers: int, think: float, fair_share: float,
        timeout: float, seed: int, warmup: int) -> Summary:
    with tempfile.TemporaryDirectory(prefix="trainer-load-instance-") as folder:
        instance = Path(folder)
        prepared: Prepared = prepare(database, users, instance)
        scripts = scripts_for(prepared.scenarios)
        if not scripts:
            raise SystemExit("no synced scenario has transcripts in trainer/demo/replies.yaml")
        _log(f"prepared {database.describe()}: {users} trainees with tokens, {len(scripts)} scenarios "
             f"in {prepared.seconds:.1f} s")
        tally = Tally()
        with Server(database, instance, workers=workers) as server:
            _log(f"gunicorn --workers {workers} on {server.base_url} is healthy; {users} trainees for {seconds:.0f} s")
            client = Client(server.port, timeout)
            if warmup:
                warmed = warm_up(client, prepared.trainees[0].token, warmup, tally)
                _log(f"warmed up with {warmup} scoring requests in {warmed:.1f} s")
            booted_cpu = server.worker_cpu()
            began, cpu_began = time.monotonic(), time.process_time()
            deadline = began + seconds
            loops = [TraineeLoop(t, scripts, client, tally, deadline, think=think, fair_share=fair_share,
                                 seed=seed * 100_003 + i) for i, t in enumerate(prepared.trainees)]
            threads = [threading.Thread(target=loop.run, name=f"trainee-{i}", daemon=True)
                       for i, loop in enumerate(loops)]
            for thread in threads:
                thread.start()
            _progress(threads, tally, began, deadline)
            for thread in threads:
                thread.join(timeout=max(1.0, deadline + timeout * (RESENDS + 2) - time.monotonic()))
            stuck = sum(thread.is_alive() for thread in threads)
            if stuck:
                tally.error(f"client: {stuck} trainee(s) still waiting at the end")
            elapsed = max(tally.last_answer, deadline) - began
            client_cpu = time.process_time() - cpu_began
            now_cpu = server.worker_cpu()
            worker_cpu = None if now_cpu is None or booted_cpu is None else now_cpu - booted_cpu
            _log(f"every trainee has stopped ({elapsed:.1f} s); stopping gunicorn")
        server_log = server.log_counts()
        _log("gunicorn stopped; checking the database")
        check = check_database(database, prepared.trainees, tally.sessions, tally.unanswered_starts)
    turns = len(tally.turn_latencies) + sum(tally.stored_on_resend.values())
    finished = [s for s in tally.sessions if s.finished]
    failed = bool(sum(tally.errors.values())) or check.failures > 0 or server_log["tracebacks"] > 0
    return Summary(
        backend=database.backend, users=users, seconds=seconds, workers=workers, elapsed=elapsed, turns=turns,
        turns_per_second=turns / elapsed if elapsed else 0.0,
        p50=percentile(tally.turn_latencies, 0.50), p95=percentile(tally.turn_latencies, 0.95),
        p99=percentile(tally.turn_latencies, 0.99), max=max(tally.turn_latencies, default=0.0),
        start_p50=percentile(tally.start_latencies, 0.50), start_p95=percentile(tally.start_latencies, 0.95),
        sessions_started=len(tally.sessions), sessions_finished=len(finished),
        outcomes=dict(Counter(s.outcome or "?" for s in finished).most_common()),
        errors=dict(tally.errors.most_common()), stored_on_resend=dict(tally.stored_on_resend),
        busy_on_resend=tally.busy_on_resend,
        stored_despite_error=tally.stored_despite_error, resends=tally.resends, server_log=server_log,
        client_cpu=client_cpu, worker_cpu=worker_cpu, cpus=os.cpu_count() or 1,
        check=asdict(check) | {"failures": check.failures}, failed=failed)


def _progress(threads: list[threading.Thread], tally: Tally, began: float, deadline: float) -> None:
    """Every 10 s until the deadline: turns so far and the rate of the last interval."""
    last_turns, last_at = 0, began
    while time.monotonic() < deadline and any(t.is_alive() for t in threads):
        time.sleep(min(10.0, max(0.1, deadline - time.monotonic())))
        now = time.monotonic()
        with tally.lock:
            turns, errors = len(tally.turn_latencies), sum(tally.errors.values())
        _log(f"  {now - began:5.0f} s  {turns:7d} turns  {(turns - last_turns) / max(now - last_at, 1e-9):6.1f}/s  "
             f"{len(tally.sessions):5d} sessions  {errors} errors")
        last_turns, last_at = turns, now


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def report(summary: Summary) -> None:
    s, c = summary, summary.check
    print(f"\nrole-play load: {s.users} trainees × {s.seconds:.0f} s, gunicorn --workers {s.workers}, {s.backend}, "
          f"rate limits off")
    print(f"  turns accepted        {s.turns} in {s.elapsed:.1f} s = {s.turns_per_second:.1f} turns/s")
    print(f"  turn latency          p50 {_ms(s.p50)}   p95 {_ms(s.p95)}   p99 {_ms(s.p99)}   max {_ms(s.max)}")
    print(f"  session start         p50 {_ms(s.start_p50)}   p95 {_ms(s.start_p95)}")
    outcomes = ", ".join(f"{k} {v}" for k, v in s.outcomes.items()) or "-"
    print(f"  sessions              {s.sessions_started} started, {s.sessions_finished} finished ({outcomes}), "
          f"{s.sessions_started - s.sessions_finished} open at the end")
    errors = ", ".join(f"{k}: {v}" for k, v in s.errors.items()) or "none"
    print(f"  errors                {errors}")
    stored = ", ".join(f"409 {k} {v}" for k, v in s.stored_on_resend.items()) or "none"
    print(f"  resends               {s.resends} (same text, same `after`); refused because an earlier attempt "
          f"had been stored: {stored}; 409 busy while it was handled {s.busy_on_resend}; stored although "
          f"every attempt was answered with an error {s.stored_despite_error}")
    print("  server log            " + ", ".join(f"{k} {v}" for k, v in s.server_log.items()))
    requests = s.turns + s.sessions_started
    workers = "" if s.worker_cpu is None else (
        f"gunicorn workers {s.worker_cpu:.0f} s ({s.worker_cpu / max(requests, 1) * 1000:.0f} ms a request), ")
    print(f"  CPU                   {workers}client {s.client_cpu:.1f} s, over {s.elapsed:.0f} s on {s.cpus} CPUs "
          f"shared with the database and anything else running")
    print(f"  database check        {c['turns_checked']} accepted turns in {c['sessions_checked']} sessions: "
          f"{c['lost']} lost, {c['duplicated']} duplicated, {c['misplaced']} misplaced, {c['gaps']} with gaps, "
          f"{c['wrong_count']} wrong turns_taken, {c['wrong_status']} wrong status, "
          f"{c['unacknowledged_sessions']} unacknowledged / {c['missing_sessions']} missing sessions; "
          f"{c['unacknowledged_turns']} stored turns / {c['orphaned_sessions']} sessions whose request had no "
          f"answer")
    for example in c["examples"]:
        print(f"    {example}")
    print(f"  verdict               {'FAIL' if s.failed else 'ok: every accepted turn stored exactly once'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="concurrent simulated trainees (default 200)")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long they play (default 120)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or None,
                        help="PostgreSQL URL (a schema of its own is made and dropped) or sqlite:///new-file; "
                             "default $DATABASE_URL, else a temporary SQLite file")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause before each reply, seconds (default 0: reply as soon as the customer has)")
    parser.add_argument("--fair-share", type=float, default=0.1,
                        help="share of replies that answer nothing, so conversations vary (default 0.1)")
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout per request, seconds")
    parser.add_argument("--warmup", type=int, default=None,
                        help="scoring requests sent at once before the clock starts, so no worker is cold "
                             "(default 3 per worker; 0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the database (schema or file) for inspection")
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds <= 0 or args.workers < 1:
        parser.error("--users, --seconds and --workers must be positive")
    with scratch_database(args.database_url, keep=args.keep) as database:
        summary = run(database, args.users, args.seconds, workers=args.workers, think=args.think,
                      fair_share=args.fair_share, timeout=args.timeout, seed=args.seed,
                      warmup=3 * args.workers if args.warmup is None else args.warmup)
    report(summary)
    if args.json:
        args.json.write_text(json.dumps(asdict(summary), ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
