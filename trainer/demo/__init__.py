"""Demo data: one account per role and two teams of trainees with a few months of history — courses,
exams, weekly answers, typing tests, role-plays, practice, training requests and spot checks.

Everything is generated from a fixed seed, so every `make run` on a new machine shows the same
living system. The password is for demonstrations only and is printed by `trainer demo`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import func, select

from ..accounts import services as accounts
from ..accounts.models import User
from ..competency import services as competency
from ..content import load_content
from ..extensions import db
from ..practice import services as practice
from ..rules import services as phrase_rules
from ..sync import sync_content
from ..timeutil import utcnow
from . import activity, reviews

DEMO_PASSWORD = "demo-pass-2026"
SEED = 20261125

# username, display name, grade, months since hire, skill level (mean score), team key
TRAINEES = [
    ("demo-trainee", "林小雨", "junior", 2, 68, "a"),
    ("zhang-xiaowen", "张晓雯", "intermediate", 8, 78, "a"),
    ("li-ming", "李明", "junior", 1, 61, "a"),
    ("wang-fang", "王芳", "senior", 18, 85, "a"),
    ("chen-jie", "陈杰", "intermediate", 5, 72, "a"),
    ("liu-yang", "刘洋", "expert", 30, 90, "b"),
    ("zhou-ting", "周婷", "junior", 3, 64, "b"),
    ("sun-hao", "孙浩", "intermediate", 10, 75, "b"),
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


def _demo_replies() -> dict[str, list[dict]]:
    data = yaml.safe_load((Path(__file__).parent / "replies.yaml").read_text(encoding="utf-8"))
    by_quality: dict[str, list[dict]] = {}
    for reply in data["replies"]:
        by_quality.setdefault(reply["quality"], []).append(reply)
    return by_quality


def create_demo() -> str:
    """Create the demo users, teams and evidence; existing demo usernames are left untouched."""
    _ensure_content()
    rng = random.Random(SEED)
    today = date.today()
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
    user("demo-hr", "hr", "人力 何静")
    lead_a = user("demo-supervisor", "supervisor", "主管 赵磊", hire_date=today - timedelta(days=900))
    lead_b = user("zhao-supervisor", "supervisor", "主管 钱敏", hire_date=today - timedelta(days=1200))
    db.session.flush()
    teams = {}
    for key, (name, description) in TEAMS.items():
        team = next((t for t in accounts.all_teams() if t.name == name), None)
        if team is None:
            team = accounts.save_team(None, name=name, description=description,
                                      supervisors=[lead_a if key == "a" else lead_b])
        teams[key] = team

    replies = _demo_replies()
    model = competency.model_view()
    indicator_ids = [i.id for g in model.groups for i in g.indicators] if model else []
    now = utcnow()
    new_trainees: list[tuple[User, int]] = []
    for username, name, grade, months, skill, team_key in TRAINEES:
        is_new = accounts.get_user(username) is None
        agent = user(username, "trainee", name, team=teams[team_key], grade_code=grade,
                     hire_date=today - timedelta(days=30 * months + 3))
        db.session.flush()
        if not is_new:
            continue
        new_trainees.append((agent, skill))
        for indicator in indicator_ids:
            if rng.random() < 0.12:  # nobody has been measured on everything yet
                continue
            for _ in range(rng.randint(1, 4)):
                value = max(20.0, min(100.0, rng.gauss(skill, 9)))
                competency.record_evidence(
                    agent=agent, indicator_id=indicator, value=round(value, 1), source_kind="demo",
                    source_id="seed", note="演示数据", at=now - timedelta(days=rng.randint(1, 90)),
                    commit=False,
                )
        for _ in range(4):
            quality = "good" if rng.random() * 100 < skill else rng.choice(["fair", "poor"])
            reply = rng.choice(replies[quality])
            practice.practise(agent, script=reply["script"], text=reply["text"],
                              at=now - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600)))
    db.session.commit()
    if new_trainees:
        hr = accounts.get_user("demo-hr")
        team_a = teams["a"]
        activity.courses(new_trainees, lead_a, rng)
        activity.exams(new_trainees, hr, rng)
        activity.weekly(new_trainees, rng)
        activity.typing(new_trainees, rng)
        activity.roleplays(new_trainees, rng)
        activity.requests(lead_a, hr, team_a)
        activity.spot_checks(lead_a, team_a)
        reviews.reviews(lead_a, lead_b, hr, team_a, rng)
    return f"demo data: created {len(made)} user(s)" if made else "demo data: already present"
