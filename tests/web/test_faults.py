"""Faults a real desk will meet (issue 12 item 18): a full SQLite disk refuses the write with a clear 503,
keeps the database whole, and the same reply goes through once the space is back."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from tests.conftest import POSTGRES_URL
from trainer.accounts import services as accounts
from trainer.extensions import db
from trainer.roleplay.models import RoleplayTurn

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite only: a full disk is simulated with "
                                "PRAGMA max_page_count")

CALM = "王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。"


@pytest.fixture
def disk(app):
    """`disk.fill()` caps the database file at its current size, as a full disk does; `disk.free()` lifts it."""

    class Disk:
        limit: int | None = None

        def _cap(self, dbapi_connection, _record) -> None:
            if self.limit is not None:
                cursor = dbapi_connection.cursor()
                cursor.execute(f"PRAGMA max_page_count = {self.limit}")
                cursor.close()

        def fill(self) -> None:
            db.session.commit()
            with db.engine.connect() as connection:
                connection.exec_driver_sql("VACUUM")  # no free pages left inside the file
                self.limit = connection.exec_driver_sql("PRAGMA page_count").scalar()
            self._reconnect()

        def free(self) -> None:
            self.limit = None
            self._reconnect()

        @staticmethod
        def _reconnect() -> None:
            db.session.remove()
            db.engine.dispose()

    state = Disk()
    event.listen(db.engine, "connect", state._cap)
    yield state
    event.remove(db.engine, "connect", state._cap)
    state.free()


def _turns(session_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(RoleplayTurn)
                             .where(RoleplayTurn.session_id == session_id))


def test_rule_a_full_disk_refuses_the_turn_with_503_and_keeps_the_database_whole(app, make_user, fixture_content,
                                                                                  disk):
    user = make_user("trainee")
    headers = {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}
    client = app.test_client()
    started = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers)
    session_id = started.get_json()["session"]
    before = _turns(session_id)
    url = f"/api/v1/roleplay/sessions/{session_id}/turns"
    reply = CALM + "。".join(["我们会安排师傅尽快上门检查漏水的位置并告诉您进度"] * 40)

    disk.fill()
    refused = client.post(url, json={"text": reply, "after": 0}, headers=headers)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"]
    assert refused.get_json()["status"] == 503 and "数据库暂时无法使用" in refused.get_json()["error"]

    disk.free()
    assert _turns(session_id) == before  # nothing half-written
    assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    accepted = client.post(url, json={"text": reply, "after": 0}, headers=headers)
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    assert _turns(session_id) == before + 2  # the trainee's reply and the customer's answer, once
    again = client.post(url, json={"text": reply, "after": 0}, headers=headers)
    assert again.status_code == 409  # a retry of the same reply is recognised, not stored twice
