"""Role-play over the API and the pages: the documented JSON, the bad input the issue lists, evidence per
stage, masking of personal data, and who may read a transcript."""

import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import login, post_form
from trainer.accounts import services as accounts
from trainer.competency.models import Evidence
from trainer.extensions import db
from trainer.roleplay.models import RoleplaySession, RoleplayTurn

CALM = "王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。"
SOLVE = "维修师傅30分钟内上门，请您放心。"


@pytest.fixture
def api(app, make_user, fixture_content):
    user = make_user("trainee")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}
    return client, headers, user


def test_api_plays_a_scenario_to_a_resolved_ending(api):
    client, headers, user = api
    started = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers)
    assert started.status_code == 201
    body = started.get_json()
    assert set(body) == {"session", "customer", "emotion", "stage"}
    assert (body["emotion"], body["stage"]) == (60, "calm") and body["customer"].startswith("你们物业怎么回事")
    url = f"/api/v1/roleplay/sessions/{body['session']}/turns"
    first = client.post(url, json={"text": CALM}, headers=headers).get_json()
    assert {"report", "customer", "emotion", "stage", "finished", "outcome"} <= set(first)
    assert (first["stage"], first["finished"], first["emotion"]) == ("solve", False, 40)
    assert first["report"]["score"] == 100 and first["report"]["key_points"][0]["covered"]
    second = client.post(url, json={"text": SOLVE}, headers=headers).get_json()
    assert (second["finished"], second["outcome"]) == (True, "resolved")
    detail = client.get(f"/api/v1/roleplay/sessions/{body['session']}", headers=headers).get_json()
    assert (detail["status"], detail["outcome"], detail["scenario"]) == ("finished", "resolved", "fixture-leak")
    assert [t["role"] for t in detail["turns"]] == ["customer", "trainee", "customer", "trainee", "customer"]
    assert "report" in detail["turns"][1] and "report" not in detail["turns"][0]
    assert all({"role", "text", "emotion", "at"} <= set(t) for t in detail["turns"])
    stages = {e.note.split(" · ")[1] for e in db.session.scalars(select(Evidence).where(
        Evidence.agent_id == user.id, Evidence.source_kind == "roleplay"))}
    assert stages == {"受理安抚", "商定方案", "整体"}


def test_api_escalation(api):
    client, headers, _ = api
    session = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers).get_json()
    turn = client.post(f"/api/v1/roleplay/sessions/{session['session']}/turns", json={"text": "有本事你去告！"},
                       headers=headers).get_json()
    assert (turn["finished"], turn["outcome"]) == (True, "escalated")
    assert turn["customer"] == "你这是什么态度？叫你们领导来！"


def test_api_bad_input(api, make_user):
    client, headers, _ = api
    assert client.post("/api/v1/roleplay/sessions", json={"scenario": "nope"}, headers=headers).status_code == 404
    assert client.post("/api/v1/roleplay/sessions", json={}, headers=headers).status_code == 400
    session = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers).get_json()
    url = f"/api/v1/roleplay/sessions/{session['session']}/turns"
    empty = client.post(url, json={"text": "   "}, headers=headers)
    assert empty.status_code == 400 and empty.get_json()["error"] == "回复不能为空。"
    long = client.post(url, json={"text": "好" * 5001}, headers=headers)
    assert long.status_code == 413
    other = make_user("trainee")
    other_headers = {"Authorization": f"Bearer {accounts.issue_api_token(other)}"}
    assert client.post(url, json={"text": CALM}, headers=other_headers).status_code == 403
    assert client.get(f"/api/v1/roleplay/sessions/{session['session']}", headers=other_headers).status_code == 403
    client.post(url, json={"text": "有本事你去告！"}, headers=headers)
    finished = client.post(url, json={"text": CALM}, headers=headers)
    assert finished.status_code == 409 and finished.get_json()["code"] == "roleplay.finished"
    turns = db.session.scalar(select(func.count()).select_from(RoleplayTurn))
    assert turns == 3  # opening, the one reply that counted, the customer's answer


def test_two_turns_posted_at_once_make_exactly_one_turn(api):
    client, headers, _ = api
    session = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers).get_json()
    url = f"/api/v1/roleplay/sessions/{session['session']}/turns"
    barrier, codes = threading.Barrier(2), []

    def send():
        barrier.wait()
        codes.append(client.post(url, json={"text": CALM}, headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) in ([200, 409], [200, 200])
    db.session.expire_all()
    item = db.session.get(RoleplaySession, session["session"])
    positions = [t.position for t in item.turns]
    assert positions == list(range(len(positions)))  # no duplicate or lost position
    assert item.turns_taken == sum(1 for t in item.turns if t.role == "trainee")


def test_personal_data_is_masked_in_the_stored_transcript(api):
    client, headers, _ = api
    session = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers).get_json()
    text = "非常抱歉，请您放心，我们马上处理。您的电话是13812345678，身份证110105199001011234对吧？谢谢。"
    client.post(f"/api/v1/roleplay/sessions/{session['session']}/turns", json={"text": text}, headers=headers)
    stored = db.session.scalar(select(RoleplayTurn.text).where(RoleplayTurn.role == "trainee"))
    assert "13812345678" not in stored and "138****5678" in stored
    assert "110105199001011234" not in stored and len(stored) == len(text)
    detail = client.get(f"/api/v1/roleplay/sessions/{session['session']}", headers=headers).get_data(as_text=True)
    assert "13812345678" not in detail


def test_chat_page_plays_and_shows_feedback(app, signed_in, fixture_content):
    client, _ = signed_in("trainee")
    started = post_form(client, "/roleplay/start/fixture-leak", {}, page="/roleplay/")
    url = started.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "你们物业怎么回事" in page and 'id="turn-timer"' in page
    assert post_form(client, url, {"text": "这事我们不管。"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "忌语「我们不管」" in page and 'data-value="80"' in page
    empty = post_form(client, url, {"text": ""})
    assert empty.status_code == 400 and "请先写下你要对客户说的话" in empty.get_data(as_text=True)


def test_transcript_visibility(app, make_user, make_team, fixture_content):
    lead = make_user("supervisor")
    member = make_user("trainee", team=make_team("一组", [lead]))
    stranger = make_user("trainee")
    owner = app.test_client()
    login(owner, member.username)
    url = post_form(owner, "/roleplay/start/fixture-leak", {}, page="/roleplay/").headers["Location"]
    for user, status in [(lead, 200), (stranger, 403)]:
        client = app.test_client()
        login(client, user.username)
        assert client.get(url).status_code == status
    lead_client = app.test_client()
    login(lead_client, lead.username)
    assert post_form(lead_client, url, {"text": CALM}).status_code == 403  # supervisors read, trainees play


def test_unknown_scenario_page(signed_in, fixture_content):
    client, _ = signed_in("trainee")
    response = post_form(client, "/roleplay/start/nope", {}, page="/roleplay/")
    assert response.status_code == 404 and "没有这个情景" in response.get_data(as_text=True)


def test_rule_a_resend_of_the_reply_that_ended_the_session_is_stale_not_finished(api):
    """The client whose answer was lost learns its last reply was stored (stale), and nothing is stored twice."""
    client, headers, _ = api
    session = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers).get_json()
    url = f"/api/v1/roleplay/sessions/{session['session']}/turns"
    ended = client.post(url, json={"text": "有本事你去告！", "after": 0}, headers=headers).get_json()
    assert ended["finished"] is True
    resent = client.post(url, json={"text": "有本事你去告！", "after": 0}, headers=headers)
    assert resent.status_code == 409 and resent.get_json()["code"] == "roleplay.stale"
    later = client.post(url, json={"text": "您好", "after": 1}, headers=headers)
    assert later.status_code == 409 and later.get_json()["code"] == "roleplay.finished"
    turns = db.session.scalar(select(func.count()).select_from(RoleplayTurn)
                              .where(RoleplayTurn.session_id == session["session"]))
    assert turns == 3  # the opening line, the reply, the customer's answer


def test_a_start_sent_twice_before_any_reply_is_one_conversation(api, monkeypatch):
    """An API client retrying (or a double click) within the minute gets the conversation already started;
    after a reply, after the minute or for another trainee, starting again is a new attempt."""
    from datetime import timedelta

    from trainer.roleplay import services

    client, headers, user = api

    def start(who=headers):
        response = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=who)
        assert response.status_code == 201
        return response.get_json()["session"]

    def sessions_of(someone):
        return db.session.scalar(select(func.count()).select_from(RoleplaySession)
                                 .where(RoleplaySession.user_id == someone.id))

    first = start()
    assert start() == first and sessions_of(user) == 1
    assert client.post(f"/api/v1/roleplay/sessions/{first}/turns", json={"text": CALM},
                       headers=headers).status_code == 200
    second = start()
    assert second != first and sessions_of(user) == 2
    later = services.utcnow() + services.REPEATED_START + timedelta(seconds=1)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    assert start() not in (first, second) and sessions_of(user) == 3


def test_the_start_button_pressed_twice_opens_the_same_conversation(app, signed_in, make_user, fixture_content):
    client, _ = signed_in("trainee")
    first = post_form(client, "/roleplay/start/fixture-leak", {}, page="/roleplay/").headers["Location"]
    assert post_form(client, "/roleplay/start/fixture-leak", {}, page="/roleplay/").headers["Location"] == first
    other = app.test_client()
    login(other, make_user("trainee").username)
    assert post_form(other, "/roleplay/start/fixture-leak", {}, page="/roleplay/").headers["Location"] != first
