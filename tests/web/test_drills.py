"""一对一演练: a supervisor opens a live drill with a trainee of their team, types the customer's lines, the
trainee replies from their own browser (each reply scored), both pages poll the state, and the end writes
evidence and queues the drill for grading — with every refusal leaving nothing written."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, login, post_form
from trainer.competency.models import Evidence
from trainer.extensions import db
from trainer.review.models import DrillSession, DrillTurn, ReviewGrade, ReviewItem

CALM = "王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。"
RUDE = "有本事你去告！"
LEAK = "楼上漏水把我家天花板泡坏了，你们物业到底管不管？"


@pytest.fixture
def desk(app, make_user, make_team):
    """Team 一组 with two supervisors and a trainee; team 二组 with its own supervisor and trainee; HR; admin."""
    app.config["REVIEW_SAMPLE_RATE"] = 1.0
    lead, second, other_lead = make_user("supervisor"), make_user("supervisor"), make_user("supervisor")
    team = make_team("一组", [lead, second])
    trainee = make_user("trainee", team=team, display_name="林小雨")
    other_team = make_team("二组", [other_lead])
    outsider = make_user("trainee", team=other_team, display_name="赵一")
    return {"lead": lead, "second": second, "other_lead": other_lead, "hr": make_user("hr"),
            "admin": make_user("admin"), "team": team, "trainee": trainee, "outsider": outsider}


def client_for(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def open_drill(client, agent, title="业主投诉漏水", script="complaint"):
    return post_form(client, "/review/drills", {"agent_id": agent.id, "title": title, "script": script})


def drill_id(response) -> int:
    match = re.search(r"/review/drills/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def say(client, drill: int, text: str, after: int | None):
    data = {"text": text} if after is None else {"text": text, "after": after}
    return post_form(client, f"/review/drills/{drill}/say", data, page=f"/review/drills/{drill}")


def reply(client, drill: int, text: str, after: int | None):
    data = {"text": text} if after is None else {"text": text, "after": after}
    return post_form(client, f"/review/drills/{drill}/reply", data, page=f"/review/drills/{drill}")


def finish(client, drill: int):
    return post_form(client, f"/review/drills/{drill}/finish", {}, page=f"/review/drills/{drill}")


@pytest.fixture
def live(app, desk):
    """An open drill of 一组's lead with 林小雨: (lead client, trainee client, drill id)."""
    lead, trainee = client_for(app, desk["lead"]), client_for(app, desk["trainee"])
    return lead, trainee, drill_id(open_drill(lead, desk["trainee"]))


# --- opening -------------------------------------------------------------------------------------------


def test_a_supervisor_opens_a_drill_only_with_a_trainee_of_a_team_they_lead(app, desk):
    lead = client_for(app, desk["lead"])
    page = lead.get("/review/drills").get_data(as_text=True)
    assert "林小雨" in page and "赵一" not in page and "发起演练" in page
    assert open_drill(lead, desk["outsider"]).status_code == 403
    assert count(DrillSession) == 0
    opened = open_drill(lead, desk["trainee"])
    assert opened.status_code == 302
    drill = db.session.get(DrillSession, drill_id(opened))
    assert (drill.supervisor_id, drill.agent_id, drill.status, drill.script) == (
        desk["lead"].id, desk["trainee"].id, "open", "complaint")
    # a second open (a double click) goes back to the drill already open with this trainee
    again = open_drill(lead, desk["trainee"])
    assert again.status_code == 302 and drill_id(again) == drill.id and count(DrillSession) == 1
    assert open_drill(lead, desk["trainee"], title="").status_code == 400
    assert open_drill(lead, desk["trainee"], script="nonsense").status_code == 400
    # HR may drill anyone; a trainee and an admin may not open one
    assert open_drill(client_for(app, desk["hr"]), desk["outsider"]).status_code == 302
    trainee = client_for(app, desk["trainee"])
    token = csrf_from(trainee, "/review/drills")
    assert trainee.post("/review/drills", data={"agent_id": desk["trainee"].id, "title": "x", "script": "any",
                                                "csrf_token": token}).status_code == 403
    assert client_for(app, desk["admin"]).get("/review/drills").status_code == 403
    assert count(DrillSession) == 2


def test_the_trainee_finds_their_open_drill_and_only_the_people_of_the_team_see_it(app, desk, live):
    _, trainee, drill = live
    listing = trainee.get("/review/drills").get_data(as_text=True)
    assert "进行中的演练" in listing and f"/review/drills/{drill}" in listing and "发起演练" not in listing
    assert trainee.get(f"/review/drills/{drill}").status_code == 200
    assert client_for(app, desk["second"]).get(f"/review/drills/{drill}").status_code == 200  # reads along
    assert client_for(app, desk["hr"]).get(f"/review/drills/{drill}").status_code == 200
    assert client_for(app, desk["other_lead"]).get(f"/review/drills/{drill}").status_code == 403
    assert client_for(app, desk["outsider"]).get(f"/review/drills/{drill}").status_code == 403
    assert client_for(app, desk["outsider"]).get(f"/review/drills/{drill}/state").status_code == 403
    assert client_for(app, desk["admin"]).get(f"/review/drills/{drill}").status_code == 403
    assert trainee.get("/review/drills/999").status_code == 404
    queue = client_for(app, desk["lead"]).get("/review/queue").get_data(as_text=True)
    assert 'href="/review/drills"' in queue


# --- the conversation ----------------------------------------------------------------------------------


def test_a_customer_line_then_a_scored_reply_and_both_pages_poll_them(app, desk, live):
    lead, trainee, drill = live
    assert reply(trainee, drill, CALM, 0).status_code == 409  # the customer speaks first
    assert count(DrillTurn) == 0
    assert say(lead, drill, LEAK, 0).status_code == 302
    state = trainee.get(f"/review/drills/{drill}/state?after=0").get_json()
    assert (state["count"], state["next"], state["status"]) == (1, "trainee", "open")
    assert [(t["position"], t["role"], t["text"]) for t in state["turns"]] == [(0, "customer", LEAK)]
    assert trainee.get(f"/review/drills/{drill}/state?after=1").get_json()["turns"] == []
    assert say(lead, drill, "还有，你们怎么不接电话？", 1).status_code == 409  # waits for the reply
    assert count(DrillTurn) == 1

    assert reply(trainee, drill, CALM, 1).status_code == 302
    turn = db.session.scalar(select(DrillTurn).where(DrillTurn.position == 1))
    assert (turn.role, turn.text, turn.turn_score) == ("trainee", CALM, 100.0)
    assert turn.report["script"] == "complaint" and turn.report["required"]
    assert set(turn.report["evidence"]) == {"understanding_needs", "communication", "self_management"}
    polled = lead.get(f"/review/drills/{drill}/state?after=1").get_json()
    assert polled["next"] == "customer" and [t["position"] for t in polled["turns"]] == [1]
    shown = polled["turns"][0]
    assert shown["score"] == 100.0 and shown["passed"] is True
    assert {s["kind"] for s in shown["segments"]} >= {"polite"}
    assert "".join(s["text"] for s in shown["segments"]) == CALM
    page = trainee.get(f"/review/drills/{drill}").get_data(as_text=True)
    assert 'class="hl polite"' in page and "100.0 分" in page and "等待客户说话" in page
    assert "轮到你：以客户的身份说下一句" in lead.get(f"/review/drills/{drill}").get_data(as_text=True)


def test_a_double_submit_stores_one_turn(app, desk, live):
    lead, trainee, drill = live
    assert say(lead, drill, LEAK, 0).status_code == 302
    assert say(lead, drill, LEAK, 0).status_code == 302  # the resent form lands back on the page
    assert reply(trainee, drill, CALM, 1).status_code == 302
    again = reply(trainee, drill, CALM, 1)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/review/drills/{drill}#latest")
    assert [(t.position, t.role) for t in db.session.scalars(select(DrillTurn).order_by(DrillTurn.position))] == [
        (0, "customer"), (1, "trainee")]
    # a different reply on a stale page is refused with the text kept in the box
    stale = reply(trainee, drill, "另一句话", 1)
    assert stale.status_code == 409 and "另一句话" in stale.get_data(as_text=True)
    assert count(DrillTurn) == 2


def test_json_posts_need_the_csrf_header_and_refuse_a_stale_after(app, desk, live):
    lead, trainee, drill = live
    token = csrf_from(lead, f"/review/drills/{drill}")
    headers = {"X-CSRFToken": token}
    assert lead.post(f"/review/drills/{drill}/say", json={"text": LEAK, "after": 0}).status_code == 400
    created = lead.post(f"/review/drills/{drill}/say", json={"text": LEAK, "after": 0}, headers=headers)
    assert created.status_code == 201 and created.get_json()["turns"][0]["text"] == LEAK
    repeat = lead.post(f"/review/drills/{drill}/say", json={"text": LEAK, "after": 0}, headers=headers)
    assert repeat.status_code == 409 and repeat.get_json()["code"] == "drill.stale"
    assert lead.post(f"/review/drills/{drill}/say", json={"text": LEAK, "after": "1"},
                     headers=headers).status_code == 400
    trainee_token = csrf_from(trainee, f"/review/drills/{drill}")
    answered = trainee.post(f"/review/drills/{drill}/reply", json={"text": RUDE, "after": 1},
                            headers={"X-CSRFToken": trainee_token})
    assert answered.status_code == 201
    body = answered.get_json()
    assert body["next"] == "customer" and body["turns"][0]["report"]["critical"] is True
    assert any(s["kind"] == "banned" and "建议" in s["tip"] for s in body["turns"][0]["segments"])
    assert count(DrillTurn) == 2


@pytest.mark.parametrize("text, status", [("", 400), ("   ", 400), ("长" * 5001, 413)])
def test_empty_and_too_long_lines_are_refused_with_nothing_written(app, desk, live, text, status):
    lead, trainee, drill = live
    assert say(lead, drill, text, 0).status_code == status
    assert say(lead, drill, LEAK, 0).status_code == 302
    assert reply(trainee, drill, text, 1).status_code == status
    assert count(DrillTurn) == 1
    token = csrf_from(trainee, f"/review/drills/{drill}")
    as_json = trainee.post(f"/review/drills/{drill}/reply", json={"text": text, "after": 1},
                           headers={"X-CSRFToken": token})
    assert as_json.status_code == status and as_json.get_json()["error"]
    assert count(DrillTurn) == 1 and count(Evidence) == 0


def test_wrong_people_missing_csrf_and_a_finished_drill_are_refused(app, desk, live):
    lead, trainee, drill = live
    assert say(lead, drill, LEAK, 0).status_code == 302
    second = client_for(app, desk["second"])
    assert say(second, drill, "我也来说一句", 1).status_code == 403  # only the one who opened it plays the customer
    assert say(trainee, drill, "x", 1).status_code == 403
    assert reply(lead, drill, "x", 1).status_code == 403
    assert trainee.post(f"/review/drills/{drill}/reply", data={"text": CALM, "after": 1}).status_code == 400  # no CSRF
    assert lead.post(f"/review/drills/{drill}/finish", data={}).status_code == 400
    assert count(DrillTurn) == 1
    # no reply yet: the drill cannot end
    early = finish(lead, drill)
    assert early.status_code == 409 and "学员还没有回复过" in early.get_data(as_text=True)
    assert db.session.get(DrillSession, drill).status == "open" and count(ReviewItem) == 0 and count(Evidence) == 0
    assert reply(trainee, drill, CALM, 1).status_code == 302
    assert finish(second, drill).status_code == 403
    assert finish(lead, drill).status_code == 302
    assert say(lead, drill, "还在吗？", 2).status_code == 409
    assert reply(trainee, drill, CALM, 2).status_code == 409
    assert finish(lead, drill).status_code == 409
    assert count(DrillTurn) == 2 and count(ReviewItem) == 1


def test_replies_are_stored_with_personal_data_masked(app, desk, live):
    lead, trainee, drill = live
    say(lead, drill, "我的电话是13800138000，你记一下。", 0)
    reply(trainee, drill, "好的，您的电话13800138000，非常抱歉，请您放心，谢谢。", 1)
    texts = [t.text for t in db.session.scalars(select(DrillTurn).order_by(DrillTurn.position))]
    assert all("13800138000" not in t and "138****8000" in t for t in texts)


# --- the end: evidence, the queue, grading -------------------------------------------------------------


def test_finishing_writes_evidence_queues_a_flagged_item_that_can_be_graded(app, desk, live):
    lead, trainee, drill = live
    say(lead, drill, LEAK, 0)
    reply(trainee, drill, CALM, 1)
    say(lead, drill, "你们就会说好听的！", 2)
    reply(trainee, drill, RUDE, 3)
    done = finish(lead, drill)
    assert done.status_code == 302
    session = db.session.get(DrillSession, drill)
    assert session.status == "finished" and session.finished_at is not None
    assert session.score == 57.5  # the mean of 100 and 15
    evidence = db.session.scalars(select(Evidence).where(Evidence.source_kind == "drill")).all()
    assert evidence and {e.source_id for e in evidence} == {str(drill)}
    assert {e.agent_id for e in evidence} == {desk["trainee"].id}
    values = {e.indicator_id: e.value for e in evidence}
    assert set(values) >= {"understanding_needs", "communication", "self_management"}
    assert values["communication"] == 57.5
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == "drill"))
    assert done.headers["Location"].endswith(f"/review/items/{item.id}")
    assert (item.source_id, item.agent_id, item.context, item.auto_score) == (str(drill), desk["trainee"].id,
                                                                               "complaint", 57.5)
    assert item.queued and item.flagged and set(item.flags) == {"critical", "failed"}
    assert item.rubric_id == "drill-default"

    queue = lead.get("/review/queue").get_data(as_text=True)
    assert f"/review/items/{item.id}" in queue
    page = lead.get(f"/review/items/{item.id}").get_data(as_text=True)
    assert LEAK in page and "有本事你去告" in page and "（扮演客户）" in page and 'id="hit-1"' in page
    drill_page = trainee.get(f"/review/drills/{drill}").get_data(as_text=True)
    assert "演练已于" in drill_page and f"/review/items/{item.id}" in drill_page and 'id="turn-form"' not in drill_page
    assert trainee.get(f"/review/drills/{drill}/state").get_json()["item_url"] == f"/review/items/{item.id}"

    data = {f"r_{ind}": "" for ind in item.indicators}
    data.update(r_communication="3", comment="第二句失控了")
    graded = post_form(lead, f"/review/items/{item.id}/grade", data, page=f"/review/items/{item.id}")
    assert graded.status_code == 302, graded.get_data(as_text=True)
    grade = db.session.scalar(select(ReviewGrade))
    assert grade.ratings["communication"] == 3 and db.session.get(ReviewItem, item.id).grade_id == grade.id
    human = db.session.scalars(select(Evidence).where(Evidence.source_kind == "review")).all()
    assert human and all(e.supersedes_id for e in human)
