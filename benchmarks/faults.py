"""Faults under load: kill -9 of gunicorn workers mid-turn, and PostgreSQL restarted, with a database check.

    .venv/bin/python benchmarks/faults.py [--users 30] [--seconds 30] [--every 3] [--workers 4]
        [--database-url postgresql://…] [--pg-data DIR --pg-ctl PATH [--pg-log FILE]]
        [--checks kill9,pgrestart] [--no-sqlite] [--seed 1]

Both checks drive the load client of benchmarks/load.py (simulated trainees playing role-plays
through the API, each reply sent with `after`, resent up to 3 times on no answer or a 5xx) against
gunicorn on a throw-away database (benchmarks/_serve.py), while a fault is injected:

`kill9` (a temporary SQLite file, and the PostgreSQL of --database-url when given): every --every
seconds one gunicorn worker — preferably one that holds an accepted client connection right now, i.e.
is in the middle of a request — gets SIGKILL; the master boots a new one. Printed: the kills (how many
landed mid-request), the requests that got no answer because of them (connection reset or closed,
within a second of a kill), the resends and how they were answered.

`pgrestart` (only with a PostgreSQL URL and --pg-data/--pg-ctl of a cluster you control; run as root,
`pg_ctl` runs as the data folder's owner through `runuser`): `pg_ctl restart -m fast` at 40 % of the
run. A probe connects every 50 ms to time the downtime; requests that overlap it must be answered with
a 503 (never a 500, never no answer), requests sent after it must succeed with no repair (the same
gunicorn, no restart). Printed: the downtime, the statuses during it, the time from PostgreSQL being
back to the first success and the statuses after.

After each run: load.check_database (every acknowledged turn stored exactly once, at its position,
no gaps or duplicates), an integrity scan of every session of the run's trainees (positions 0..n-1,
roles alternating from the customer's opening, every trainee turn followed by the customer's answer
and carrying its report and score, turns_taken = trainee turns, finished ⇔ score and outcome set), and
a resume check: every session that saw a failed request (no answer or 5xx) is resumable — the
client's resend with the same `after` was answered 200 or 409 stale/finished, or, if the client gave
up, a resend now is, and the session then plays on (a further reply is accepted) unless it ended.
The exit status is 1 when any check fails.
"""

from __future__ import annotations

import argparse
import os
import pwd
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from _serve import Database, Prepared, Server, prepare, scratch_database
from load import (
    BUSY,
    FINISHED,
    RESENDS,
    STALE,
    Answer,
    Check,
    Client,
    Script,
    SessionLog,
    Tally,
    TraineeLoop,
    check_database,
    mask,
    scripts_for,
    warm_up,
)
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from trainer.config import normalise_database_url
from trainer.roleplay.models import RoleplaySession, RoleplayTurn

_T0 = time.monotonic()
TURNS_PATH = re.compile(r"^/api/v1/roleplay/sessions/(\d+)/turns$")
#: a request that got no answer this long after a kill counts as failed by that kill
KILL_WINDOW = 1.0


def _log(message: str) -> None:
    print(f"[{time.monotonic() - _T0:5.1f} s] {message}", file=sys.stderr, flush=True)


# --- every request, with when it was sent and answered ------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One request as the client saw it, with monotonic times of sending and of the answer (or failure)."""

    method: str
    path: str
    began: float
    ended: float
    answer: Answer

    @property
    def failed(self) -> bool:
        return self.answer.status == 0 or self.answer.status >= 500

    @property
    def ok(self) -> bool:
        return 200 <= self.answer.status < 300


class RecordingClient(Client):
    """load.Client that keeps every request it sent (shared by all trainee threads)."""

    def __init__(self, port: int, timeout: float) -> None:
        super().__init__(port, timeout)
        self.lock = threading.Lock()
        self.sent: list[Sent] = []

    def send(self, method: str, path: str, token: str, body: object = None) -> Answer:
        began = time.monotonic()
        answer = super().send(method, path, token, body)
        with self.lock:
            self.sent.append(Sent(method, path, began, time.monotonic(), answer))
        return answer

    def snapshot(self) -> list[Sent]:
        with self.lock:
            return list(self.sent)


def labels(sent: list[Sent]) -> Counter[str]:
    return Counter(s.answer.label() for s in sent)


def _show(counter: Counter[str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in counter.most_common()) or "none"


# --- integrity of everything stored -------------------------------------------------------------------------


def integrity_scan(database: Database, user_ids: list[int]) -> tuple[int, int, list[str]]:
    """Every session of `user_ids`, acknowledged or not: (sessions scanned, problems, examples)."""
    engine = create_engine(database.uri)
    try:
        with engine.connect() as conn:
            sessions = list(conn.execute(select(RoleplaySession.__table__)
                                         .where(RoleplaySession.user_id.in_(user_ids))))
            turns: dict[int, list[Any]] = {}
            for row in conn.execute(
                    select(RoleplayTurn.__table__).join(RoleplaySession, RoleplaySession.id == RoleplayTurn.session_id)
                    .where(RoleplaySession.user_id.in_(user_ids))
                    .order_by(RoleplayTurn.session_id, RoleplayTurn.position, RoleplayTurn.id)):
                turns.setdefault(row.session_id, []).append(row)
    finally:
        engine.dispose()
    problems, examples = 0, []

    def bad(session_id: int, what: str) -> None:
        nonlocal problems
        problems += 1
        if len(examples) < 20:
            examples.append(f"session {session_id}: {what}")

    for s in sessions:
        rows = turns.get(s.id, [])
        if [t.position for t in rows] != list(range(len(rows))):
            bad(s.id, f"positions {[t.position for t in rows]}")
        if [t.role for t in rows] != ["customer" if p % 2 == 0 else "trainee" for p in range(len(rows))]:
            bad(s.id, f"roles {[t.role for t in rows]} do not alternate from the customer's opening")
        if len(rows) % 2 == 0:
            bad(s.id, f"{len(rows)} turns: a trainee turn without the customer's answer")
        mine = [t for t in rows if t.role == "trainee"]
        if s.turns_taken != len(mine):
            bad(s.id, f"turns_taken {s.turns_taken}, {len(mine)} trainee turns stored")
        for t in mine:
            if t.report is None or t.turn_score is None:
                bad(s.id, f"trainee turn at {t.position} has no report or score")
        if s.status == "finished" and (s.score is None or s.outcome is None or s.finished_at is None):
            bad(s.id, "finished without score, outcome or finish time")
        if s.status == "in_progress" and s.score is not None:
            bad(s.id, "in progress with a score")
    return len(sessions), problems, examples


# --- resuming sessions that saw a failed request ------------------------------------------------------------


@dataclass
class Resume:
    sessions: int = 0
    #: how the first resend after a failure was answered (by the load client itself, or by the probe)
    answered: Counter[str] = field(default_factory=Counter)
    played_on: int = 0
    #: of those, played on by the probe after the run (the client had stopped)
    probed: int = 0
    ended: int = 0
    stuck: int = 0
    examples: list[str] = field(default_factory=list)


def _stage_filler(session: SessionLog, scripts: dict[str, Script]) -> str:
    script = scripts[session.scenario]
    stages = script.scenario.stages
    index = stages.index(session.stage) if session.stage in stages else 0
    return script.fillers[index]


def _apply(session: SessionLog, text: str, answer: Answer) -> None:
    session.accepted.append(text)
    body = answer.body
    session.finished, session.outcome, session.stage = bool(body["finished"]), body["outcome"], body["stage"]


def resume_check(client: RecordingClient, tally: Tally, tokens: dict[int, str], scripts: dict[str, Script]) -> Resume:
    """Every session with a failed turn request: was it (or is it now) resumed with `after`, and does it play on?

    Run after the trainees stopped, with the server still up. What the probe stores is added to the
    SessionLog, so the database check that follows accounts for it.
    """
    result = Resume()
    sent = client.snapshot()
    by_session: dict[int, list[Sent]] = {}
    for s in sent:
        match = TURNS_PATH.match(s.path)
        if match and s.method == "POST":
            by_session.setdefault(int(match[1]), []).append(s)
    logs = {log.id: log for log in tally.sessions}
    for session_id, requests in sorted(by_session.items()):
        failures = [i for i, r in enumerate(requests) if r.failed]
        if not failures:
            continue
        result.sessions += 1
        log = logs[session_id]
        last = failures[-1]
        later = [r for r in requests[last + 1:] if not (r.answer.status == 409 and r.answer.code == BUSY)]
        first = later[0] if later else None
        resolved = first is not None and (first.answer.status == 200 or (
            first.answer.status == 409 and first.answer.code in (STALE, FINISHED)))
        token = tokens[log.user_id]
        path = f"/api/v1/roleplay/sessions/{session_id}/turns"
        if resolved:
            assert first is not None
            result.answered[f"client resend: {first.answer.label()}"] += 1
            played = any(r.answer.status == 200 for r in later[1:])
        else:
            # the client gave up (or the run ended): resend now what it never learnt the fate of
            text = log.pending or _stage_filler(log, scripts)
            answer = client.send("POST", path, token, {"text": text, "after": len(log.accepted)})
            result.answered[f"probe resend: {answer.label()}"] += 1
            if answer.status == 200:
                _apply(log, text, answer)
                log.pending = None
            elif answer.status == 409 and answer.code in (STALE, FINISHED) and log.pending:
                back = client.send("GET", f"/api/v1/roleplay/sessions/{session_id}", token)
                mine = [t["text"] for t in back.body["turns"] if t["role"] == "trainee"] if back.status == 200 else []
                if len(mine) == len(log.accepted) + 1 and mine[-1] == mask(log.pending):
                    log.accepted.append(log.pending)
                    log.pending = None
                    log.finished = back.body["status"] == "finished"
                    log.outcome, log.stage = back.body.get("outcome"), back.body.get("stage")
                else:
                    result.stuck += 1
                    result.examples.append(f"session {session_id}: resend {answer.label()}, stored turns do not match")
                    continue
            elif not (answer.status == 409 and answer.code == FINISHED and log.finished):
                result.stuck += 1
                result.examples.append(f"session {session_id}: resend answered {answer.label()} {answer.body}")
                continue
            played = False
        if played:
            result.played_on += 1
            continue
        if log.finished:
            result.ended += 1
            continue
        # play on: one more reply, which must be accepted
        text = _stage_filler(log, scripts)
        answer = client.send("POST", path, token, {"text": text, "after": len(log.accepted)})
        if answer.status != 200:
            result.stuck += 1
            result.examples.append(f"session {session_id}: the reply after resuming got {answer.label()}")
            continue
        _apply(log, text, answer)
        result.probed += 1
        result.played_on += 1
    return result


# --- one loaded run with a fault ------------------------------------------------------------------------------

Fault = Callable[[Server, RecordingClient, float, float], dict[str, Any]]


@dataclass
class Outcome:
    backend: str
    sent: list[Sent]
    tally: Tally
    fault: dict[str, Any]
    resume: Resume
    check: Check
    scanned: int
    problems: int
    problem_examples: list[str]
    server_log: dict[str, int]
    elapsed: float
    #: the first lines of each traceback gunicorn logged (at most 3)
    tracebacks: list[str] = field(default_factory=list)


def loaded_run(database: Database, fault: Fault, *, users: int, seconds: float, workers: int, timeout: float,
               seed: int) -> Outcome:
    """Prepare the database, serve it, let `users` trainees play for `seconds` while `fault` runs, then check."""
    with tempfile.TemporaryDirectory(prefix="trainer-faults-instance-") as folder:
        instance = Path(folder)
        prepared: Prepared = prepare(database, users, instance)
        scripts = scripts_for(prepared.scenarios)
        if not scripts:
            raise SystemExit("no synced scenario has transcripts in trainer/demo/replies.yaml")
        tally = Tally()
        with Server(database, instance, workers=workers) as server:
            client = RecordingClient(server.port, timeout)
            warm_up(client, prepared.trainees[0].token, 3 * workers, tally)
            with client.lock:
                client.sent.clear()
            _log(f"{database.describe()}: gunicorn --workers {workers} on {server.base_url}, {users} trainees "
                 f"for {seconds:.0f} s")
            began = time.monotonic()
            deadline = began + seconds
            loops = [TraineeLoop(t, scripts, client, tally, deadline, think=0.0, fair_share=0.1,
                                 seed=seed * 100_003 + i) for i, t in enumerate(prepared.trainees)]
            threads = [threading.Thread(target=loop.run, name=f"trainee-{i}", daemon=True)
                       for i, loop in enumerate(loops)]
            for thread in threads:
                thread.start()
            fault_figures = fault(server, client, began, deadline)
            for thread in threads:
                thread.join(timeout=max(1.0, deadline + timeout * (RESENDS + 2) - time.monotonic()))
            stuck = sum(thread.is_alive() for thread in threads)
            if stuck:
                tally.error(f"client: {stuck} trainee(s) still waiting at the end")
            elapsed = time.monotonic() - began
            sent = client.snapshot()
            _log("trainees stopped; resuming the sessions that saw a failed request")
            resume = resume_check(client, tally, {t.user_id: t.token for t in prepared.trainees},
                                  {s.scenario.id: s for s in scripts})
        server_log = server.log_counts()
        tracebacks = _tracebacks(server.logs())
        if tracebacks:  # keep the whole log for the report: the instance folder goes away
            kept = Path(tempfile.gettempdir()) / f"trainer-faults-{database.backend}-{os.getpid()}-gunicorn.log"
            kept.write_text(server.logs(), encoding="utf-8")
            tracebacks.append(f"whole gunicorn log kept in {kept}")
        check = check_database(database, prepared.trainees, tally.sessions, tally.unanswered_starts)
        scanned, problems, examples = integrity_scan(database, [t.user_id for t in prepared.trainees])
    return Outcome(database.backend, sent, tally, fault_figures, resume, check, scanned, problems, examples,
                   server_log, elapsed, tracebacks)


def _tracebacks(log: str, keep: int = 3) -> list[str]:
    """The log line before each traceback and its last frames and exception (at most `keep` of them)."""
    lines, found = log.splitlines(), []
    for i, line in enumerate(lines):
        if line.startswith("Traceback") and len(found) < keep:
            end = next((j for j in range(i + 1, len(lines)) if not lines[j].startswith((" ", "Traceback"))), i)
            frames = [x.strip() for x in lines[i + 1:end] if x.startswith("  File ")]
            found.append(" | ".join([lines[i - 1][:160] if i else "", *frames[-4:], lines[end][:240]]))
    return found


# --- kill -9 ----------------------------------------------------------------------------------------------


def _workers(server: Server) -> list[int]:
    assert server.process is not None
    master = server.process.pid
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def _connections_on(port: int) -> set[str]:
    """Socket inodes of established TCP connections whose local port is `port` (the server's side)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    return inodes


def _busy(pid: int, inodes: set[str]) -> bool:
    """Does worker `pid` hold an accepted client connection (is it in the middle of a request)?"""
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return True
    except OSError:
        return False
    return False


def kill9(every: float, rng: random.Random) -> Fault:
    """Every `every` seconds SIGKILL one worker, one in the middle of a request when one is within 0.5 s."""

    def fault(server: Server, _client: RecordingClient, began: float, deadline: float) -> dict[str, Any]:
        kills: list[tuple[float, int, bool]] = []
        at = began + every
        while at < deadline - 1.0:
            time.sleep(max(0.0, at - time.monotonic()))
            victim, busy = None, False
            give_up = time.monotonic() + 0.5
            while time.monotonic() < give_up:
                workers = _workers(server)
                inodes = _connections_on(server.port)
                busy_ones = [pid for pid in workers if _busy(pid, inodes)]
                if busy_ones:
                    victim, busy = rng.choice(busy_ones), True
                    break
                time.sleep(0.01)
            if victim is None:
                workers = _workers(server)
                victim = rng.choice(workers) if workers else None
            if victim is not None:
                try:
                    os.kill(victim, signal.SIGKILL)
                    kills.append((time.monotonic(), victim, busy))
                except ProcessLookupError:
                    pass
            at += every
        time.sleep(max(0.0, deadline - time.monotonic()))
        return {"kills": kills, "workers after": len(_workers(server))}

    return fault


def report_kill9(o: Outcome, workers: int) -> bool:
    """Print the figures of a kill9 run; True when it passed."""
    kills: list[tuple[float, int, bool]] = o.fault["kills"]
    unanswered = [s for s in o.sent if s.answer.status == 0]
    by_kill = [s for s in unanswered if any(k <= s.ended <= k + KILL_WINDOW for k, _pid, _busy in kills)]
    server_errors = [s for s in o.sent if s.answer.status >= 500]
    others = Counter(k for k in o.tally.errors.elements() if "no answer" not in k)
    print(f"\nkill9 on {o.backend}: {len(o.tally.sessions)} sessions, {len(o.sent)} requests in {o.elapsed:.1f} s, "
          f"gunicorn --workers {workers}")
    print(f"  kills                 {len(kills)} × SIGKILL, {sum(b for *_, b in kills)} of them mid-request "
          f"(worker holding a client connection); {o.fault['workers after']} workers alive at the end, "
          f"{o.server_log['workers booted']} booted in all")
    problems = _show(Counter(s.answer.problem for s in by_kill))
    turns = sum(bool(TURNS_PATH.match(s.path)) for s in by_kill)
    problems += f"; {turns} turns, {len(by_kill) - turns} starts"
    print(f"  failed by the kills   {len(by_kill)} requests got no answer ({problems}); "
          f"{len(unanswered) - len(by_kill)} other unanswered, {len(server_errors)} answered 5xx")
    print(f"  all answers           {_show(labels(o.sent))}")
    _report_common(o)
    failed = (o.check.failures > 0 or o.problems > 0 or o.resume.stuck > 0 or bool(server_errors)
              or len(unanswered) != len(by_kill) or bool(others) or o.server_log["tracebacks"] > 0)
    if others:
        print(f"  unexpected errors     {_show(others)}")
    print(f"  verdict               {'FAIL' if failed else 'ok: no half-written turn, every session resumed'}")
    return not failed


def _report_common(o: Outcome) -> None:
    t, r, c = o.tally, o.resume, o.check
    stored = ", ".join(f"409 {k} {v}" for k, v in t.stored_on_resend.items()) or "none"
    print(f"  resends               {t.resends} by the client (same text, same `after`): refused as already stored "
          f"{stored}; 409 busy {t.busy_on_resend}; stored although every attempt had an error answer "
          f"{t.stored_despite_error}")
    print(f"  resumed               {r.sessions} sessions saw a failed turn request; first answer after it: "
          f"{_show(r.answered)};"
          f" {r.played_on} played on ({r.probed} by a reply after the run), {r.ended} had ended, "
          f"{r.stuck} could not be resumed")
    for example in r.examples[:10]:
        print(f"    {example}")
    print(f"  database check        {c.turns_checked} acknowledged turns in {c.sessions_checked} sessions: "
          f"{c.lost} lost, {c.duplicated} duplicated, {c.misplaced} misplaced, "
          f"{c.gaps} with gaps, {c.wrong_count} wrong turns_taken, {c.wrong_status} wrong status, "
          f"{c.unacknowledged_sessions} unacknowledged / "
          f"{c.missing_sessions} missing sessions; {c.unacknowledged_turns} stored turns / {c.orphaned_sessions} "
          f"sessions whose request had no answer")
    for example in c.examples[:10]:
        print(f"    {example}")
    print(f"  integrity scan        {o.scanned} sessions, {o.problems} half-written or inconsistent")
    for example in o.problem_examples[:10]:
        print(f"    {example}")
    print("  server log            " + ", ".join(f"{k} {v}" for k, v in o.server_log.items()))
    for trace in o.tracebacks:
        print(f"    {trace}")


# --- PostgreSQL restart -------------------------------------------------------------------------------------


def _pg_command(pg_ctl: str, data: Path) -> list[str]:
    """pg_ctl as the owner of the data folder (through runuser when we are root)."""
    if os.geteuid() == 0:
        owner = pwd.getpwuid(data.stat().st_uid).pw_name
        if owner != "root":
            return ["runuser", "-u", owner, "--", pg_ctl]
    return [pg_ctl]


def pgrestart(conninfo: str, pg_ctl: str, data: Path, log: Path, share: float = 0.4) -> Fault:
    """`pg_ctl restart -m fast` at `share` of the run; a probe times the downtime at 50 ms resolution."""

    def fault(_server: Server, _client: RecordingClient, began: float, deadline: float) -> dict[str, Any]:
        time.sleep(max(0.0, began + share * (deadline - began) - time.monotonic()))
        figures: dict[str, Any] = {"down": None, "up": None}
        stop = threading.Event()

        def probe() -> None:
            while not stop.is_set():
                at = time.monotonic()
                try:
                    with psycopg.connect(conninfo, connect_timeout=2) as conn:
                        conn.execute("SELECT 1")
                    if figures["down"] is not None and figures["up"] is None:
                        figures["up"] = at
                        return
                except psycopg.Error:
                    if figures["down"] is None:
                        figures["down"] = at
                time.sleep(0.05)

        watcher = threading.Thread(target=probe, daemon=True)
        watcher.start()
        command = [*_pg_command(pg_ctl, data), "restart", "-m", "fast", "-w", "-t", "60", "-D", str(data),
                   "-l", str(log)]
        _log(f"restarting PostgreSQL: {' '.join(command)}")
        figures["pg_ctl_began"] = time.monotonic()
        with tempfile.TemporaryFile() as output:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                  check=False, timeout=90)
            output.seek(0)
            figures["pg_ctl_output"] = output.read().decode("utf-8", "replace").strip()
        figures["pg_ctl_ended"] = time.monotonic()
        figures["pg_ctl_status"] = done.returncode
        watcher.join(timeout=30)
        stop.set()
        _log(f"pg_ctl exited {done.returncode} after {figures['pg_ctl_ended'] - figures['pg_ctl_began']:.1f} s")
        time.sleep(max(0.0, deadline - time.monotonic()))
        return figures

    return fault


def report_pgrestart(o: Outcome) -> bool:
    """Print the figures of a pgrestart run; True when it passed."""
    f = o.fault
    down, up = f["down"], f["up"]
    print(f"\npgrestart on {o.backend}: {len(o.tally.sessions)} sessions, {len(o.sent)} requests in {o.elapsed:.1f} s")
    print(f"  pg_ctl restart -m fast  exit {f['pg_ctl_status']} in {f['pg_ctl_ended'] - f['pg_ctl_began']:.2f} s")
    if down is None or up is None:
        print(f"  FAIL: the probe never saw PostgreSQL {'down' if down is None else 'back'}: {f['pg_ctl_output']}")
        return False
    began = min(down, f["pg_ctl_began"])  # connections are terminated as the shutdown starts
    during = [s for s in o.sent if s.began <= up and s.ended >= began]
    after = [s for s in o.sent if s.began > up]
    first_ok = min((s.ended for s in o.sent if s.ok and s.ended >= up and s.began >= down), default=None)
    count_500 = sum(s.answer.status == 500 for s in o.sent)
    unanswered = [s for s in o.sent if s.answer.status == 0]
    after_5xx = [s for s in after if s.answer.status >= 500]
    for s in o.sent:
        if s.answer.status == 500:
            print(f"  500                   {s.method} {s.path} sent {s.began - down:+.2f} s, answered "
                  f"{s.ended - down:+.2f} s from the downtime's start: {s.answer.body}")
    print(f"  downtime              {up - down:.2f} s (probe: first failed connection to first success, 50 ms steps)")
    print(f"  during it             {len(during)} requests (pg_ctl's start to the end): {_show(labels(during))}")
    print(f"  first success after   {'none' if first_ok is None else f'{first_ok - up:.2f} s'} after PostgreSQL "
          f"was back")
    print(f"  after it              {len(after)} requests: {_show(labels(after))}")
    print(f"  all answers           {_show(labels(o.sent))}; 500: {count_500}, no answer: {len(unanswered)}")
    _report_common(o)
    failed = (count_500 > 0 or bool(unanswered) or bool(after_5xx) or first_ok is None
              or not any(s.answer.status == 503 for s in during) or o.check.failures > 0 or o.problems > 0
              or o.resume.stuck > 0 or o.server_log["tracebacks"] > 0)
    print(f"  verdict               {'FAIL' if failed else 'ok: 503 while down, success after without repair'}")
    return not failed


@contextmanager
def _dropped_after_restart(url: str) -> Iterator[Database]:
    """scratch_database, whose own DROP SCHEMA may fail after the restart (its pooled connection is one
    PostgreSQL terminated): then the schema is dropped on a fresh connection."""
    made: list[Database] = []
    try:
        with scratch_database(url) as database:
            made.append(database)
            yield database
    except OperationalError:
        if not made:
            raise
        engine = create_engine(normalise_database_url(url))
        try:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{made[0].schema}" CASCADE'))
        finally:
            engine.dispose()


# --- main -----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30, help="concurrent simulated trainees (default 30)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each loaded run (default 30)")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between two kills (default 3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout per request, seconds")
    parser.add_argument("--database-url", help="PostgreSQL URL: also run the checks there (a schema of its own)")
    parser.add_argument("--pg-data", type=Path, help="data folder of that PostgreSQL cluster (for pgrestart)")
    parser.add_argument("--pg-ctl", help="its pg_ctl (for pgrestart)")
    parser.add_argument("--pg-log", type=Path, help="server log for the restarted cluster (default PG_DATA/log)")
    parser.add_argument("--checks", default="kill9,pgrestart", help="comma-separated: kill9, pgrestart")
    parser.add_argument("--no-sqlite", action="store_true", help="skip kill9 on SQLite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    checks = {c.strip() for c in args.checks.split(",") if c.strip()}
    if checks - {"kill9", "pgrestart"}:
        parser.error(f"unknown check(s): {', '.join(sorted(checks - {'kill9', 'pgrestart'}))}")
    url = args.database_url
    if url and not url.startswith(("postgres://", "postgresql")):
        parser.error("--database-url must be a PostgreSQL URL")
    common = {"users": args.users, "seconds": args.seconds, "workers": args.workers, "timeout": args.timeout,
              "seed": args.seed}
    results: dict[str, bool] = {}
    if "kill9" in checks:
        for target in ([] if args.no_sqlite else [None]) + ([url] if url else []):
            with scratch_database(target) as database:
                outcome = loaded_run(database, kill9(args.every, random.Random(args.seed)), **common)
                results[f"kill9 {database.backend}"] = report_kill9(outcome, args.workers)
    if "pgrestart" in checks:
        if not (url and args.pg_data and args.pg_ctl):
            print("\npgrestart: skipped (needs --database-url postgresql://…, --pg-data and --pg-ctl)")
        else:
            with _dropped_after_restart(url) as database:
                conninfo = make_url(database.uri).set(drivername="postgresql").render_as_string(hide_password=False)
                fault = pgrestart(conninfo, args.pg_ctl, args.pg_data, args.pg_log or args.pg_data / "log")
                outcome = loaded_run(database, fault, **common)
                results["pgrestart postgresql"] = report_pgrestart(outcome)
    print("\n" + "; ".join(f"{name}: {'ok' if passed else 'FAIL'}" for name, passed in results.items()))
    return 0 if results and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
