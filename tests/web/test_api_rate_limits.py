"""Per-token API rate limits (trainer/api/ratelimit.py): counted in the database, shared by every app.

The clock of the limiter is pinned in these tests, so a window never ends half-way through a test.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from trainer import create_app
from trainer.accounts import services as accounts
from trainer.api import ratelimit
from trainer.api.ratelimit import ApiRateCounter, Limit
from trainer.config import DEFAULT_API_RATE_LIMITS, api_rate_limits
from trainer.extensions import db
from trainer.roleplay.models import RoleplaySession, RoleplayTurn

CALM = "王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。"
SOLVE = "维修师傅30分钟内上门，请您放心。"
#: 45 s into a minute: a 60-second window has 15 s left
T0 = datetime(2026, 12, 3, 8, 0, 45)
SCORE_BODY = {"id": "r1", "text": "您好，请问有什么可以帮您？"}


class Clock:
    """The limiter's `utcnow`, moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    pinned = Clock(T0)
    monkeypatch.setattr(ratelimit, "utcnow", pinned)
    return pinned


@pytest.fixture
def token_of(app):
    def issue(user) -> dict[str, str]:
        return {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}

    return issue


def _limits(app, **buckets: tuple[int, int] | None) -> None:
    app.config["API_RATE_LIMITS"] = {**DEFAULT_API_RATE_LIMITS, **buckets}


def _trainee_turns(session_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(RoleplayTurn).where(
        RoleplayTurn.session_id == session_id, RoleplayTurn.role == "trainee"))


def _hits(user_id: int, bucket: str) -> list[int]:
    return list(db.session.scalars(select(ApiRateCounter.hits).where(
        ApiRateCounter.user_id == user_id, ApiRateCounter.bucket == bucket)))


def test_the_reply_past_the_limit_is_429_with_retry_after_and_no_turn(app, make_user, token_of, fixture_content,
                                                                        clock):
    _limits(app, roleplay_turn=(1, 60))
    user = make_user("trainee")
    client, headers = app.test_client(), token_of(user)
    session = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers)
    assert session.status_code == 201
    url = f"/api/v1/roleplay/sessions/{session.get_json()['session']}/turns"
    first = client.post(url, json={"text": CALM, "after": 0}, headers=headers)
    assert first.status_code == 200
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == ("1", "0")

    refused = client.post(url, json={"text": SOLVE, "after": 1}, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "15"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    body = refused.get_json()
    assert (body["status"], body["code"], body["retry_after"]) == (429, "api.rate_limited", 15)
    assert body["error"] == "这个 API 令牌的请求过于频繁（每 1 分钟最多 1 次），请 15 秒后再试。"
    session_id = session.get_json()["session"]
    assert _trainee_turns(session_id) == 1
    assert db.session.get(RoleplaySession, session_id).status != "finished"
    assert _hits(user.id, "roleplay_turn") == [1]  # a refused request is not even counted

    clock.now = T0 + timedelta(seconds=15)  # the next window: the same reply now goes through
    again = client.post(url, json={"text": SOLVE, "after": 1}, headers=headers)
    assert again.status_code == 200 and again.get_json()["finished"]
    assert _trainee_turns(session_id) == 2


def test_starting_role_plays_and_practice_are_limited_too(app, make_user, token_of, fixture_content, clock):
    _limits(app, roleplay_start=(1, 60), practice=(1, 60))
    client, headers = app.test_client(), token_of(make_user("trainee"))
    start = {"scenario": "fixture-leak"}
    assert client.post("/api/v1/roleplay/sessions", json=start, headers=headers).status_code == 201
    assert client.post("/api/v1/roleplay/sessions", json=start, headers=headers).status_code == 429
    assert db.session.scalar(select(func.count()).select_from(RoleplaySession)) == 1
    assert client.post("/api/v1/practice", json={}, headers=headers).status_code == 400
    refused = client.post("/api/v1/practice", json={"text": CALM}, headers=headers)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 15


def test_requests_refused_for_bad_input_still_count(app, make_user, token_of, clock):
    _limits(app, score=(3, 60))
    client, headers = app.test_client(), token_of(make_user("trainee"))
    bad = [client.post("/api/v1/score", data="not json", headers=headers),
           client.post("/api/v1/score", json=["a list"], headers=headers),
           client.post("/api/v1/score", json={"id": "x"}, headers=headers)]
    assert [r.status_code for r in bad] == [400, 400, 400]
    assert [r.headers["X-RateLimit-Remaining"] for r in bad] == ["2", "1", "0"]
    assert client.post("/api/v1/score", json=SCORE_BODY, headers=headers).status_code == 429


def test_another_token_and_another_bucket_are_unaffected(app, make_user, token_of, clock):
    _limits(app, score=(2, 60))
    client = app.test_client()
    busy, calm = token_of(make_user("trainee")), token_of(make_user("supervisor"))
    codes = [client.post("/api/v1/score", json=SCORE_BODY, headers=busy).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.post("/api/v1/score", json=SCORE_BODY, headers=calm).status_code == 200
    me = client.get("/api/v1/me", headers=busy)  # the `other` bucket has its own count
    assert me.status_code == 200
    assert me.headers["X-RateLimit-Limit"] == str(DEFAULT_API_RATE_LIMITS["other"][0])


def test_the_window_resets_and_old_windows_are_pruned(app, make_user, token_of, clock):
    _limits(app, score=(2, 60))
    user = make_user("trainee")
    client, headers = app.test_client(), token_of(user)
    clock.now = T0 + timedelta(seconds=14)  # the last second of the window
    assert [client.post("/api/v1/score", json=SCORE_BODY, headers=headers).status_code
            for _ in range(3)] == [200, 200, 429]
    assert client.post("/api/v1/score", json=SCORE_BODY, headers=headers).headers["Retry-After"] == "1"
    clock.now = T0 + timedelta(seconds=15)
    fresh = client.post("/api/v1/score", json=SCORE_BODY, headers=headers)
    assert fresh.status_code == 200 and fresh.headers["X-RateLimit-Remaining"] == "1"
    assert _hits(user.id, "score") == [1]  # the ended window was deleted when this one began


def test_two_app_instances_on_one_database_share_the_count(app, app_config, make_user, token_of, clock):
    """Two `create_app()`s stand for two gunicorn workers (or hosts): neither may grant more than the limit."""
    limits = {**DEFAULT_API_RATE_LIMITS, "score": (4, 60)}
    app.config["API_RATE_LIMITS"] = limits
    other = create_app({**app_config, "API_RATE_LIMITS": limits})
    other.test_client_class = type(app.test_client())
    headers = token_of(make_user("trainee"))
    first, second = app.test_client(), other.test_client()
    try:
        codes = [(first if n % 2 else second).post("/api/v1/score", json=SCORE_BODY, headers=headers).status_code
                 for n in range(6)]
    finally:
        with other.app_context():
            db.engine.dispose()
    assert codes == [200, 200, 200, 200, 429, 429]


def test_concurrent_requests_never_pass_the_limit(app, make_user):
    """The upsert is atomic: twelve simultaneous hits with room for five let exactly five through."""
    user_id = make_user("trainee").id
    barrier = threading.Barrier(12)
    allowed: list[bool] = []

    def one() -> None:
        with app.app_context():
            barrier.wait()
            allowed.append(ratelimit.hit(user_id, "score", Limit(5, 60), now=T0).allowed)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [False] * 7 + [True] * 5
    assert _hits(user_id, "score") == [5]


def test_an_unlimited_bucket_counts_nothing(app, make_user, token_of):
    _limits(app, score=None)
    user = make_user("trainee")
    client, headers = app.test_client(), token_of(user)
    response = client.post("/api/v1/score", json=SCORE_BODY, headers=headers)
    assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers
    assert _hits(user.id, "score") == []


def test_anonymous_requests_are_not_counted(app, client):
    assert client.post("/api/v1/score", json=SCORE_BODY).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(ApiRateCounter)) == 0


def test_limits_come_from_the_environment(monkeypatch, app_config):
    assert api_rate_limits(None) == DEFAULT_API_RATE_LIMITS
    parsed = api_rate_limits(" score=5/10 , other=off")
    assert parsed == {**DEFAULT_API_RATE_LIMITS, "score": (5, 10), "other": None}
    assert set(api_rate_limits("off").values()) == {None}
    for bad in ("score=5", "score=0/60", "nope=1/1", "score=-1/60", "score=a/b"):
        with pytest.raises(ValueError):
            api_rate_limits(bad)
    monkeypatch.setenv("TRAINER_API_RATE_LIMITS", "roleplay_turn=7/30")
    config = {k: v for k, v in app_config.items() if k != "API_RATE_LIMITS"}
    built = create_app(config)
    assert built.config["API_RATE_LIMITS"]["roleplay_turn"] == (7, 30)
    assert built.config["API_RATE_LIMITS"]["score"] == DEFAULT_API_RATE_LIMITS["score"]


@pytest.mark.parametrize("value", [(0, 60), (5,), "5/60", (5, 60.0)])
def test_a_malformed_limit_stops_the_app_from_starting(app_config, value):
    with pytest.raises(ValueError, match="API_RATE_LIMITS"):
        create_app({**app_config, "API_RATE_LIMITS": {"score": value}})
