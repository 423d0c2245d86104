"""`POST /api/v1/practice`: a course practice reply graded exactly as the lesson page grades it, recorded only
for an enrolled trainee, with every part of the grade and its reason — and the bad input the issue lists."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import post_form
from trainer.accounts import services as accounts
from trainer.extensions import db
from trainer.learning import services as learning
from trainer.practice.models import PracticeAttempt

SLUG = "sample-course"
GOOD = "您好，阳光物业客服中心，我姓林，请问有什么可以帮您？"


@pytest.fixture
def api(app, make_user, fixture_content):
    user = make_user("trainee")
    return app.test_client(), {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}, user


def _attempts() -> int:
    return db.session.scalar(select(func.count()).select_from(PracticeAttempt))


def test_api_practice_grades_without_recording_when_not_enrolled(api):
    client, headers, _ = api
    response = client.post("/api/v1/practice", json={"course": SLUG, "block": "p2-1", "text": GOOD}, headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["recorded"] is False and body["attempt"] is None and _attempts() == 0
    assert 0 <= body["grade"] <= 100 and body["passed"] is True
    assert {p["id"] for p in body["parts"]} >= {"phrases", "key_points", "form"}
    assert all(p["reason"] for p in body["parts"])


def test_api_practice_records_for_an_enrolled_trainee_exactly_as_the_lesson_page(api, signed_in):
    client, headers, user = api
    learning.enrol(user, learning.get_course(SLUG))
    via_api = client.post("/api/v1/practice", json={"course": SLUG, "block": "sample-course-p2-1", "text": GOOD},
                          headers=headers).get_json()
    assert via_api["recorded"] is True and _attempts() == 1
    page_client, page_user = signed_in("trainee")
    learning.enrol(page_user, learning.get_course(SLUG))
    post_form(page_client, f"/courses/{SLUG}/learn/1", {"practice_id": "sample-course-p2-1", "text": GOOD})
    on_page = db.session.scalars(select(PracticeAttempt).where(PracticeAttempt.user_id == page_user.id)).one()
    assert on_page.score == via_api["grade"] and on_page.report["parts"] == via_api["parts"]


@pytest.mark.parametrize("body, status", [
    ({"course": "no-such-course", "block": "p2-1", "text": GOOD}, 404),
    ({"course": SLUG, "block": "p9-9", "text": GOOD}, 404),
    ({"course": SLUG, "block": "p2-1", "text": ""}, 400),
    ({"course": SLUG, "block": "p2-1", "text": "   "}, 400),
    ({"course": SLUG, "block": "p2-1", "text": 42}, 400),
    ({"course": SLUG, "block": "p2-1", "text": "好" * 5001}, 413),
    ({"course": ["x"], "block": "p2-1", "text": GOOD}, 404),
    ([], 400),
])
def test_api_practice_bad_input_is_refused_and_nothing_is_stored(api, body, status):
    client, headers, user = api
    learning.enrol(user, learning.get_course(SLUG))
    response = client.post("/api/v1/practice", json=body, headers=headers)
    assert response.status_code == status
    assert set(response.get_json()) >= {"error", "status"} and _attempts() == 0


def test_api_practice_is_for_trainees(app, make_user, fixture_content):
    lead = make_user("supervisor")
    response = app.test_client().post("/api/v1/practice", json={"course": SLUG, "block": "p2-1", "text": GOOD},
                                      headers={"Authorization": f"Bearer {accounts.issue_api_token(lead)}"})
    assert response.status_code == 403
