"""Demo data: one account per role and two teams of trainees with three months of history that tells a story —
courses, exams, weekly answers, typing tests, role-plays, practice, training requests, spot checks, grades
and disputes, each dated on its own day over the last 90 days.

The story HR and the supervisors find in it:

- **林小雨 (demo-trainee)** and **周婷** improve month by month (their evidence rises from the mid-50s to
  the low 80s); **李明** joined a month ago and is finding his feet.
- **陈杰** slips: strong three months ago, weaker every month since.
- **客服二组** (team b) is consistently weaker on 理解客户需求能力 (`understanding_needs`, WEAK_INDICATOR):
  its observations, complaint practice and the role-play stages that measure it come out lower.
- Supervisors graded items a day or two after the work, judged one automatic hit wrong and lowered one
  score with a reason; a trainee acknowledged a grade, another disputed theirs and HR decided it; three
  graders calibrated; a violation was recorded.

Everything is generated from a fixed seed, so every `make run` on a new machine shows the same
living system. The password is for demonstrations only and is printed by `trainer demo`. The large
company for scale tests (`trainer demo --agents N --evidence M`) is in company.py.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..accounts import services as accounts
from ..accounts.models import Team, User
from ..competency import services as competency
from ..content import load_content
from ..extensions import db
from ..rules import services as phrase_rules
from ..sync import sync_content
from . import activity, reviews
from . import surveys as demo_surveys
from .activity import Agent, Trainee

DEMO_PASSWORD = "demo-pass-2026"
SEED = 20261125
HISTORY_DAYS = 90
#: the second-level indicator team b is weaker on, and by how many points
WEAK_TEAM, WEAK_INDICATOR, WEAK_GAP = "b", "understanding_needs", 18.0

TRAINEES = [
    Trainee("demo-trainee", "林小雨", "junior", 4, 50, 84, "a", "improves"),
    Trainee("zhang-xiaowen", "张晓雯", "intermediate", 8, 76, 79, "a"),
    Trainee("li-ming", "李明", "junior", 1, 54, 66, "a", "new"),
    Trainee("wang-fang", "王芳", "senior", 18, 85, 86, "a"),
    Trainee("chen-jie", "陈杰", "intermediate", 9, 86, 58, "a", "slips"),
    Trainee("liu-yang", "刘洋", "expert", 30, 90, 90, "b"),
    Trainee("zhou-ting", "周婷", "junior", 5, 52, 82, "b", "improves"),
    Trainee("sun-hao", "孙浩", "intermediate", 10, 74, 77, "b"),
]
TEAMS = {"a": ("客服一组", "物业服务中心前台与热线"), "b": ("客服二组", "电商售后与投诉专席")}


def has_users() -> bool:
    return (db.session.scalar(select(func.count()).select_from(User)) or 0) > 0


def _ensure_content() -> None:
    try:
        phrase_rules.rules_in_force()
    except phrase_rules.RulesNotLoaded:
        sync_content(load_content(current_app.config["CONTENT_ROOT"]))
    if competency.active_weight_set() is None:
        sync_content(load_content(current_app.config["CONTENT_ROOT"]))


def create_demo() -> str:
    """Create the demo users, teams and history; existing demo usernames are left untouched."""
    _ensure_content()
    rng = random.Random(SEED)
    today = date.today()
    now = activity.story_now()
    made: list[str] = []

    def user(username: str, role: str, name: str, **extra) -> User:
        existing = accounts.get_user(username)
        if existing is not None:
            return existing
        made.append(username)
        return accounts.create_user(
            username=username, password=DEMO_PASSWORD, role=role, display_name=name, commit=False, **extra
        )

    user("demo-admin", "admin", "系统管理员")
    hr = user("demo-hr", "hr", "人力 何静")
    lead_a = user("demo-supervisor", "supervisor", "主管 赵磊", hire_date=today - timedelta(days=900))
    lead_b = user("zhao-supervisor", "supervisor", "主管 钱敏", hire_date=today - timedelta(days=1200))
    db.session.flush()
    teams: dict[str, Team] = {}
    for key, (name, description) in TEAMS.items():
        team = next((t for t in accounts.all_teams() if t.name == name), None)
        if team is None:
            team = accounts.save_team(None, name=name, description=description,
                                      supervisors=[lead_a if key == "a" else lead_b])
        teams[key] = team

    agents: list[Agent] = []
    for spec in TRAINEES:
        is_new = accounts.get_user(spec.username) is None
        hired = spec.hire_date(today)
        agent = user(spec.username, "trainee", spec.name, team=teams[spec.team], grade_code=spec.grade,
                     hire_date=hired)
        db.session.flush()
        if is_new:
            first = max(now - timedelta(days=HISTORY_DAYS), datetime.combine(hired + timedelta(days=1), time(1)))
            weak = spec.team == WEAK_TEAM
            agents.append(Agent(agent, spec, first, now, frozenset({WEAK_INDICATOR}) if weak else frozenset(),
                                WEAK_GAP if weak else 0.0, seed=SEED))
    db.session.commit()
    if agents:
        history(agents, hr=hr, leads=(lead_a, lead_b), teams=teams, now=now, rng=rng)
    return f"demo data: created {len(made)} user(s)" if made else "demo data: already present"


def history(agents: list[Agent], *, hr: User, leads: tuple[User, User], teams: dict[str, Team], now: datetime,
            rng: random.Random) -> None:
    """Three months of work for the new demo trainees, then the standings rebuilt from the dated evidence."""
    lead_a, lead_b = leads
    replies = activity.load_replies()
    rules = phrase_rules.rules_in_force()
    model = competency.model_view()
    indicator_ids = [i.id for g in model.groups for i in g.indicators] if model else []
    activity.seeded_evidence(agents, indicator_ids)
    activity.practice_replies(agents, replies, rules)
    activity.courses(agents, lead_a, rng)
    activity.exams(agents, hr, rng)
    activity.weekly(agents, hr)
    activity.typing(agents)
    activity.roleplays(agents, replies)
    activity.requests(lead_a, hr, teams["a"], now, rng)
    activity.spot_checks(lead_a, teams["a"], now, rng)
    reviews.reviews(lead_a, lead_b, hr, teams["a"], now, rng, other_team=teams["b"])
    activity.essay_exam(agents, hr)
    # the services kept each standing up to date as they went, but with the moment they ran; recompute
    # them from the evidence as dated
    competency.rebuild_standings([a.user.id for a in agents])
    surveys_and_promotions(hr=hr, agents=agents, teams=teams, now=now, rng=random.Random(SEED + 1))


def surveys_and_promotions(*, hr: User, agents: list[Agent], teams: dict[str, Team], now: datetime,
                           rng: random.Random) -> None:
    """The rest of the story (issue 11 item 8), made by surveys.py: a finished Delphi survey and a promotion waiting.

    `agents` are the new demo trainees (`Agent.user`, `Agent.spec`, `Agent.skill_at(moment)`), `teams` maps
    "a"/"b" to the teams. It runs last, on the finished history with the standings rebuilt, so eligibility
    sees the final scores (林小雨 has been a junior for over three months and her index has risen past
    中级's bar).
    """
    demo_surveys.surveys_and_promotions(hr=hr, agents=agents, teams=teams, now=now, rng=rng)
