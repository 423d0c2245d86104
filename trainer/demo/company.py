"""A large generated company for scale tests and benchmarks: `trainer demo --agents N --evidence M`.

The story demo (this package's __init__) makes eight trainees whose history tells a story through the
real services; that is far too slow for the thousands of agents HR's pages must be measured against,
and a story is not the point here. This module writes N trainees in teams of about ten (at most ten,
as even as they go, each with a supervisor) and M evidence records per agent straight into the tables
with SQLAlchemy Core bulk inserts, then rebuilds the cached standings in bulk
(`competency.services.rebuild_standings`). Each batch of agents is one transaction — the agents, their
evidence and their standings — so an interrupted run leaves whole agents only and a second run completes
it. Five thousand agents with two hundred records each — a million evidence rows — take about a minute
on SQLite on a 2-core machine.

What makes the pages worth measuring: hire dates from a few weeks to six years ago (so every tenure
band and many hire cohorts appear), grades that follow tenure, scores that differ by agent, team and
indicator and drift up or down over the year, evidence spread over the last twelve months (never
before the agent was hired) on the model's second-level indicators, and a few violations.

Usernames are `agent-00001…`, `lead-0001…` and `scale-hr`, which the story demo never uses; teams are
`规模测试0001组…`. Running it again skips agents that already exist (and writes nothing for them), so it
never duplicates; a larger N adds the missing agents. Every account shares one password hash, computed
once: hashing five thousand passwords would take longer than everything else together.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select, text

from ..accounts import services as accounts
from ..accounts.models import Team, User, team_supervisors
from ..competency import services as competency
from ..competency.models import Evidence
from ..content import load_content
from ..extensions import db
from ..review.models import Violation, ViolationCategory
from ..sync import sync_content
from ..timeutil import utcnow

SEED = 20261211
TEAM_SIZE = 10
#: agents written (with their evidence and standings) per transaction
BATCH = 500
HISTORY_DAYS = 365
HR_USERNAME = "scale-hr"
#: Core tables: plain executemany inserts, no ORM bookkeeping per row
USERS, EVIDENCE = User.__table__, Evidence.__table__
AGENT_PREFIX, LEAD_PREFIX, TEAM_PREFIX = "agent-", "lead-", "规模测试"
#: evidence sources (no source record behind them, so the profile shows no link)
SOURCES = ("exam", "roleplay", "practice", "review", "supervisor", "typing", "weekly", "quiz")
BY_SUPERVISOR = frozenset({"review", "supervisor"})
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "晓雯", "小雨", "婷", "浩", "宇", "欣怡", "子涵", "佳琪", "俊杰", "思远", "雪",
         "晨", "悦", "嘉怡", "文博", "一鸣", "梓萱", "雨桐")


def agent_username(number: int) -> str:
    return f"{AGENT_PREFIX}{number:05d}"


def lead_username(number: int) -> str:
    return f"{LEAD_PREFIX}{number:04d}"


def team_name(number: int) -> str:
    return f"{TEAM_PREFIX}{number:04d}组"


def team_count(agents: int) -> int:
    """Teams for `agents` trainees: at most TEAM_SIZE each, as even as they go (25 agents: 9, 8 and 8)."""
    return max(1, -(-agents // TEAM_SIZE))


def team_of(number: int, agents: int) -> int:
    """The team (1-based) of agent `number` (1-based) among `agents`: sizes differ by at most one."""
    return (number - 1) * team_count(agents) // agents + 1


@dataclass(frozen=True)
class CompanySummary:
    agents: int  # agents created by this run
    skipped: int  # agents that already existed (left untouched)
    teams: int  # teams created by this run
    evidence: int
    violations: int
    standings: int

    def __str__(self) -> str:
        if not self.agents:
            return f"scale company: all {self.skipped} agent(s) already present; nothing added"
        skipped = f", {self.skipped} existing agent(s) skipped" if self.skipped else ""
        return (f"scale company: created {self.agents} agent(s) in {self.teams} new team(s), "
                f"{self.evidence} evidence record(s), {self.standings} standing(s), "
                f"{self.violations} violation(s){skipped}")


@dataclass(frozen=True)
class _Agent:
    """What the generator needs to know about one new agent to write its evidence."""

    id: int
    team: int
    hired: date
    skill: float  # where the agent stands on average
    drift: float  # points gained (or lost) over the year
    offsets: tuple[float, ...]  # per indicator


def _tenure_days(rng: random.Random) -> int:
    """A spread of tenures: some new joiners, most between three months and three years, a few veterans."""
    band = rng.random()
    if band < 0.15:
        return rng.randint(20, 90)
    if band < 0.45:
        return rng.randint(91, 365)
    if band < 0.75:
        return rng.randint(366, 730)
    return rng.randint(731, 6 * 365)


def _grade(tenure_days: int, rng: random.Random) -> str:
    months = tenure_days / 30.4
    if months < 3:
        return "junior"
    if months < 12:
        return rng.choice(("junior", "junior", "intermediate"))
    if months < 24:
        return rng.choice(("intermediate", "intermediate", "senior"))
    return rng.choice(("intermediate", "senior", "senior", "expert"))


def _ensure_content() -> None:
    """The competency model, grades and violation categories must be in the database first."""
    if competency.active_weight_set() is None or db.session.scalar(select(ViolationCategory.id).limit(1)) is None:
        sync_content(load_content(current_app.config["CONTENT_ROOT"]))


def _existing(prefix: str) -> set[str]:
    return set(db.session.scalars(select(User.username).where(User.username.like(f"{prefix}%"))))


def _user_row(username: str, name: str, role: str, password_hash: str, now: datetime, **extra) -> dict:
    return {"username": username, "display_name": name, "password_hash": password_hash, "role": role,
            "active": True, "login_id": secrets.token_urlsafe(24), "created_at": now, "team_id": None,
            "grade_code": None, "hire_date": None, **extra}


def _teams(agents: int, password_hash: str, now: datetime,
           rng: random.Random) -> tuple[dict[int, int], dict[int, int], int]:
    """Make the missing teams and their supervisors; returns team number → team id and → supervisor id."""
    wanted = range(1, team_count(agents) + 1)
    names = {team_name(k): k for k in wanted}
    have = dict(db.session.execute(select(Team.name, Team.id).where(Team.name.in_(names))).all())
    missing = [k for k in wanted if team_name(k) not in have]
    if missing:
        db.session.execute(Team.__table__.insert(), [
            {"name": team_name(k), "description": "trainer demo --agents 生成的规模测试团队", "created_at": now}
            for k in missing])
    leads = {lead_username(k): k for k in wanted}
    present = _existing(LEAD_PREFIX)
    new_leads = [k for k in wanted if lead_username(k) not in present]
    if new_leads:
        db.session.execute(USERS.insert(), [
            _user_row(lead_username(k), f"主管 {rng.choice(SURNAMES)}{rng.choice(GIVEN)}", "supervisor", password_hash,
                      now, hire_date=(now - timedelta(days=rng.randint(700, 3000))).date()) for k in new_leads])
    team_ids = {names[n]: i for n, i in db.session.execute(select(Team.name, Team.id).where(Team.name.in_(names)))}
    lead_ids = {leads[u]: i for u, i in db.session.execute(
        select(User.username, User.id).where(User.username.in_(leads)))}
    if missing:
        db.session.execute(team_supervisors.insert(),
                           [{"team_id": team_ids[k], "user_id": lead_ids[k]} for k in missing])
    return team_ids, lead_ids, len(missing)


def _new_agents(numbers: list[int], agents: int, team_ids: dict[int, int], indicators: int, password_hash: str,
                now: datetime, rng: random.Random, team_weak: dict[int, int]) -> list[_Agent]:
    """Insert one batch of agents; returns them with the traits their evidence is drawn from."""
    rows, traits = [], {}
    for number in numbers:
        tenure = _tenure_days(rng)
        hired = (now - timedelta(days=tenure)).date()
        team = team_of(number, agents)
        username = agent_username(number)
        rows.append(_user_row(username, f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}", "trainee", password_hash, now,
                              team_id=team_ids[team], grade_code=_grade(tenure, rng), hire_date=hired))
        skill = min(88.0, max(40.0, rng.gauss(58 + min(tenure, 1460) / 1460 * 20, 8)))
        offsets = [rng.gauss(0, 6) for _ in range(indicators)]
        offsets[team_weak[team]] -= 10  # each team has an indicator it is weaker on
        traits[username] = (team, hired, skill, rng.gauss(4, 8), tuple(offsets))
    db.session.execute(USERS.insert(), rows)
    ids = db.session.execute(select(User.username, User.id).where(User.username.in_(list(traits))))
    return [_Agent(uid, *traits[name]) for name, uid in ids]


def _evidence_rows(agent: _Agent, per_agent: int, indicators: list[str], lead: int, now: datetime,
                   rng: random.Random) -> Iterator[dict]:
    """`per_agent` records over the last year (from the hire date when later): every indicator once, then at random."""
    first = max(now - timedelta(days=HISTORY_DAYS), datetime.combine(agent.hired, datetime.min.time()))
    span = (now - first).total_seconds()
    for k in range(per_agent):
        slot = k if k < len(indicators) else rng.randrange(len(indicators))
        share = rng.random()
        at = first + timedelta(seconds=int(share * span))
        value = agent.skill + agent.offsets[slot] + agent.drift * (share - 0.5) + rng.gauss(0, 7)
        kind = SOURCES[rng.randrange(len(SOURCES))]
        yield {"agent_id": agent.id, "indicator_id": indicators[slot], "value": round(min(100.0, max(0.0, value)), 1),
               "source_kind": kind, "source_id": "", "recorded_at": at,
               "recorded_by_id": lead if kind in BY_SUPERVISOR else None, "supersedes_id": None, "note": ""}


def _violations(batch: list[_Agent], leads: dict[int, int], categories: list[ViolationCategory], now: datetime,
                rng: random.Random) -> list[dict]:
    """About one agent in thirty gets a violation somewhere in the year (at least one per batch)."""
    if not categories or not batch:
        return []
    chosen = [a for a in batch if rng.random() < 1 / 30] or [rng.choice(batch)]
    rows = []
    for agent in chosen:
        category = rng.choice(categories)
        first = max(now - timedelta(days=HISTORY_DAYS), datetime.combine(agent.hired, datetime.min.time()))
        occurred = first + (now - first) * rng.random()
        rows.append({"agent_id": agent.id, "category_id": category.id, "points": category.points,
                     "occurred_on": occurred.replace(microsecond=0), "note": "规模测试数据",
                     "item_id": None, "recorded_by_id": leads[agent.team],
                     "recorded_at": min(now, occurred + timedelta(days=1)).replace(microsecond=0), "voids_id": None})
    return rows


def _refresh_planner_statistics() -> None:
    """PostgreSQL plans on table statistics that autovacuum refreshes only some time after a load, and
    never for tables as small as the model's weights (fewer than 50 rows changed): without this the HR
    overview of 5,000 agents is planned as a nested loop over 55,000 standings and takes twice as long."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def create_company(agents: int, evidence: int, *, password: str, seed: int = SEED,
                   progress: Callable[[int, int], None] | None = None) -> CompanySummary:
    """Make (or complete) the company of `agents` trainees with `evidence` records each.

    `progress(done, total)` is called after each committed batch. Agents already present are skipped.
    """
    if agents < 1 or evidence < 0:
        raise ValueError("agents must be at least 1 and evidence at least 0")
    _ensure_content()
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    password_hash = accounts.hash_password(password)  # once for every account
    model = competency.model_view()
    indicators = [i.id for g in model.groups for i in g.indicators] if model else []
    if not indicators:
        raise RuntimeError("the competency model has no second-level indicators")
    categories = list(db.session.scalars(select(ViolationCategory).where(ViolationCategory.retired.is_(False))
                                         .order_by(ViolationCategory.position)))
    if accounts.get_user(HR_USERNAME) is None:
        db.session.execute(USERS.insert(), [_user_row(HR_USERNAME, "人力 规模测试", "hr", password_hash, now)])
    team_ids, lead_ids, new_teams = _teams(agents, password_hash, now, rng)
    team_weak = {k: random.Random(seed + k).randrange(len(indicators)) for k in team_ids}
    db.session.commit()

    present = _existing(AGENT_PREFIX)
    numbers = [n for n in range(1, agents + 1) if agent_username(n) not in present]
    made = records = violations = standings = 0
    for start in range(0, len(numbers), BATCH):
        batch = _new_agents(numbers[start:start + BATCH], agents, team_ids, len(indicators), password_hash, now,
                            rng, team_weak)
        rows: list[dict] = []
        for agent in batch:
            rows.extend(_evidence_rows(agent, evidence, indicators, lead_ids[agent.team], now, rng))
            if len(rows) >= 20_000:
                db.session.execute(EVIDENCE.insert(), rows)
                records += len(rows)
                rows = []
        if rows:
            db.session.execute(EVIDENCE.insert(), rows)
            records += len(rows)
        found = _violations(batch, lead_ids, categories, now, rng)
        if found:
            db.session.execute(Violation.__table__.insert(), found)
        violations += len(found)
        standings += competency.rebuild_standings([a.id for a in batch])  # commits the batch
        made += len(batch)
        if progress is not None:
            progress(made, len(numbers))
    if made:
        _refresh_planner_statistics()
    return CompanySummary(made, agents - len(numbers), new_teams, records, violations, standings)
