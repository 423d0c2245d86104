"""A database that goes away between the commit and the end of the request (issue 12 item 18).

Found by `benchmarks/faults.py --checks pgrestart`: a role-play start committed, PostgreSQL restarted, and
closing the session at the end of the request (it rolls back the read made after the commit) raised inside
Flask's teardown. The exception escaped Flask, so gunicorn answered its own bare 500 for work that was
stored. These tests make the same failures happen on demand, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, PendingRollbackError
from sqlalchemy.orm import Session

from tests.conftest import login
from trainer import errors
from trainer.accounts import services as accounts
from trainer.extensions import db
from trainer.roleplay.models import RoleplaySession


def _dead_connection() -> OperationalError:
    return OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def close_fails_once(monkeypatch):
    """Once armed, the next `Session.close()` raises as it does when the server vanished under an open
    transaction."""
    real_close = Session.close
    calls = {"armed": False, "failed": 0}

    def close(self):
        if calls["armed"]:
            calls["armed"] = False
            calls["failed"] += 1
            raise _dead_connection()
        return real_close(self)

    monkeypatch.setattr(Session, "close", close)
    return calls


def test_rule_a_committed_start_is_answered_201_when_closing_the_session_fails(app, make_user, fixture_content,
                                                                               close_fails_once):
    user = make_user("trainee")
    headers = {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}
    db.session.remove()
    client = app.test_client()
    close_fails_once["armed"] = True
    started = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers)
    assert close_fails_once["failed"] == 1  # the teardown did meet the dead connection
    assert started.status_code == 201, started.get_data(as_text=True)
    session_id = started.get_json()["session"]
    stored = db.session.scalar(select(func.count()).select_from(RoleplaySession)
                               .where(RoleplaySession.id == session_id))
    assert stored == 1
    # The same app goes on serving: the dead connection was dropped, not reused.
    again = client.get(f"/api/v1/roleplay/sessions/{session_id}", headers=headers)
    assert again.status_code == 200


def test_rule_a_page_survives_a_failing_session_close(app, make_user, close_fails_once):
    user = make_user("trainee")
    client = app.test_client()
    login(client, user.username)
    close_fails_once["armed"] = True
    page = client.get("/")
    assert close_fails_once["failed"] == 1
    assert page.status_code in (200, 302)
    assert client.get("/healthz").status_code == 200


def test_rule_an_error_page_whose_layout_fails_is_still_a_chinese_page(app, client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise _dead_connection()

    monkeypatch.setattr(errors, "render_template", broken)
    page = client.get("/no-such-page")
    assert page.status_code == 404
    body = page.get_data(as_text=True)
    assert "找不到您要访问的页面" in body and "回到首页" in body
    assert "Traceback" not in body


def test_rule_a_session_left_needing_rollback_answers_503_not_500(app, make_user, fixture_content, monkeypatch):
    from trainer.roleplay import services as roleplay

    user = make_user("trainee")
    headers = {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}

    def pending(*_args, **_kwargs):
        raise PendingRollbackError("This Session's transaction has been rolled back due to a previous exception")

    monkeypatch.setattr(roleplay, "start", pending)
    answer = app.test_client().post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"},
                                    headers=headers)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert answer.get_json()["status"] == 503
