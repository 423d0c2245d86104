"""The review room: the queue and its sampling, grading with ratings, verdicts and overrides, the evidence a
grade writes, the audit trail, the trainee's acknowledgement and dispute, the decision, the scorer's accuracy
from the verdicts, spot-check and correction moves — and the bad input the issue lists, each refused with
nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, login, post_form
from trainer.accounts import services as accounts
from trainer.accounts.audit import ADMIN_ACTIONS
from trainer.competency import services as competency
from trainer.competency.models import Evidence
from trainer.extensions import db
from trainer.review.grading import item_hits
from trainer.review.models import (
    Acknowledgement,
    AuditRecord,
    Dispute,
    JudgementIsAppendOnly,
    ReviewGrade,
    ReviewItem,
    ReviewVerdict,
)
from trainer.roleplay import services as roleplay

CALM = "王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。"
SOLVE = "维修师傅30分钟内上门，请您放心。"
RUDE = "有本事你去告！"


@pytest.fixture
def desk(app, make_user, make_team, fixture_content):
    """Team 一组 with two supervisors, a trainee; team 二组 with its own supervisor and trainee; HR."""
    app.config["REVIEW_SAMPLE_RATE"] = 0.0
    lead, second, other_lead, hr = (make_user("supervisor"), make_user("supervisor"), make_user("supervisor"),
                                    make_user("hr"))
    team = make_team("一组", [lead, second])
    trainee = make_user("trainee", team=team, display_name="林小雨")
    other_team = make_team("二组", [other_lead])
    outsider = make_user("trainee", team=other_team, display_name="赵一")
    return {"lead": lead, "second": second, "other_lead": other_lead, "hr": hr, "team": team, "trainee": trainee,
            "outsider": outsider}


def client_for(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def play(user, replies) -> ReviewItem | None:
    session = roleplay.start(user, "fixture-leak")
    for text in replies:
        if session.status != "in_progress":
            break
        roleplay.take_turn(session, user, text)
    return db.session.scalar(select(ReviewItem).where(ReviewItem.kind == "roleplay",
                                                      ReviewItem.source_id == str(session.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# The audit table also holds the administrative log (accounts made by the fixtures, the content sync): these tests
# are about the review trail, so they look at everything else.
REVIEW_TRAIL = select(AuditRecord).where(AuditRecord.action.not_in(ADMIN_ACTIONS))


def review_trail_count() -> int:
    return db.session.scalar(select(func.count()).select_from(REVIEW_TRAIL.subquery()))


def grade_data(item: ReviewItem, **fields) -> dict:
    data = {f"r_{ind}": "" for ind in item.indicators}
    data.update(fields)
    return data


# --- the queue -----------------------------------------------------------------------------------------


def test_rule_flagged_work_is_always_queued_and_the_rest_sampled(app, desk):
    good = play(desk["trainee"], [CALM, SOLVE])
    rude = play(desk["trainee"], [RUDE])
    assert good is not None and not good.flagged and not good.queued  # sample rate 0: not queued
    assert rude.flagged and rude.queued and set(rude.flags) >= {"escalated", "critical"}
    assert set(good.indicators) == {"understanding_needs", "solution_offering", "communication"}
    assert good.rubric_id == "roleplay-default" or good.rubric_id  # the scenario's own or the kind's default
    app.config["REVIEW_SAMPLE_RATE"] = 1.0
    assert play(desk["trainee"], [CALM, SOLVE]).queued


def test_rule_sampling_is_stable_and_close_to_the_configured_share(app):
    from trainer.review.queue import sampled

    picks = [sampled("practice", str(n), 0.2) for n in range(2000)]
    assert picks == [sampled("practice", str(n), 0.2) for n in range(2000)]
    assert 0.17 < sum(picks) / len(picks) < 0.23


def test_rule_each_supervisor_sees_only_their_teams_queue_and_hr_sees_all(app, desk):
    mine = play(desk["trainee"], [RUDE])
    theirs = play(desk["outsider"], [RUDE])
    lead_page = client_for(app, desk["lead"]).get("/review/queue").get_data(as_text=True)
    assert "林小雨" in lead_page and "赵一" not in lead_page
    hr_page = client_for(app, desk["hr"]).get("/review/queue").get_data(as_text=True)
    assert "林小雨" in hr_page and "赵一" in hr_page
    other = client_for(app, desk["other_lead"])
    assert other.get(f"/review/items/{mine.id}").status_code == 403
    assert other.get(f"/review/items/{theirs.id}").status_code == 200
    assert client_for(app, desk["trainee"]).get("/review/queue").status_code == 403


def test_rule_queue_filters_and_the_ungraded_count_in_the_navigation(app, desk):
    app.config["REVIEW_SAMPLE_RATE"] = 1.0
    rude = play(desk["trainee"], [RUDE])
    good = play(desk["trainee"], [CALM, SOLVE])
    lead = client_for(app, desk["lead"])
    assert '<span class="count" title="未评分">2</span>' in lead.get("/review/queue").get_data(as_text=True)
    flagged = lead.get("/review/queue?flagged=1").get_data(as_text=True)
    assert f"/review/items/{rude.id}" in flagged and f"/review/items/{good.id}" not in flagged
    low = lead.get("/review/queue?band=low").get_data(as_text=True)
    assert f"/review/items/{rude.id}" in low and f"/review/items/{good.id}" not in low
    by_agent = lead.get(f"/review/queue?agent={desk['trainee'].id}&kind=roleplay&context=fixture-leak")
    assert f"/review/items/{good.id}" in by_agent.get_data(as_text=True)
    assert lead.get("/review/queue?kind=nonsense").status_code == 400
    assert lead.get("/review/queue?page=0").status_code == 400


# --- grading -------------------------------------------------------------------------------------------


def test_rule_a_grade_writes_human_evidence_that_supersedes_the_machines(app, desk):
    item = play(desk["trainee"], [CALM, SOLVE])
    lead = client_for(app, desk["lead"])
    page = lead.get(f"/review/items/{item.id}").get_data(as_text=True)
    assert 'id="hit-1"' in page and "机检错误" in page and "评分标准" in page
    before = competency.profile(desk["trainee"]).index
    response = post_form(lead, f"/review/items/{item.id}/grade", grade_data(
        item, r_communication="2", r_understanding_needs="3", v_1="wrong", vn_1="这里不该算", t_1="开头很好",
        comment="整体不错", override_score="70", override_reason="方案没有确认业主是否在家"))
    assert response.status_code == 302, response.get_data(as_text=True)
    grade = db.session.scalar(select(ReviewGrade))
    assert grade.ratings == {"communication": 2, "understanding_needs": 3, "solution_offering": None}
    assert grade.override_score == 70 and grade.turn_comments == {"1": "开头很好"}
    human = db.session.scalars(select(Evidence).where(Evidence.source_kind == "review")).all()
    assert human and all(e.recorded_by_id == desk["lead"].id and e.supersedes_id for e in human)
    values = {e.indicator_id: e.value for e in human}
    assert values == {"communication": 40, "understanding_needs": 60, "solution_offering": 70}
    auto = db.session.scalars(select(Evidence).where(Evidence.source_kind == "roleplay")).all()
    assert competency.superseded_ids(auto) == {e.id for e in auto}  # every machine record is replaced
    assert competency.profile(desk["trainee"]).index != before
    verdict = db.session.scalar(select(ReviewVerdict))
    assert (verdict.hit_no, verdict.verdict, verdict.note) == (1, "wrong", "这里不该算")
    actions = [r.action for r in db.session.scalars(select(AuditRecord).where(AuditRecord.item_id == item.id))]
    assert actions == ["grade", "override", "verdict"]
    shown = lead.get(f"/review/items/{item.id}").get_data(as_text=True)
    assert "主管改分" in shown and "70.0" in shown and "方案没有确认业主是否在家" in shown
    profile = lead.get(f"/competency/agents/{desk['trainee'].id}").get_data(as_text=True)
    assert "主管评阅" in profile and "人工" in profile


def test_rule_a_regrade_supersedes_the_earlier_grade_and_both_stay(app, desk):
    item = play(desk["trainee"], [CALM, SOLVE])
    lead = client_for(app, desk["lead"])
    post_form(lead, f"/review/items/{item.id}/grade", grade_data(item, r_communication="2"))
    post_form(lead, f"/review/items/{item.id}/grade", grade_data(item, r_communication="5"))
    first, second = db.session.scalars(select(ReviewGrade).order_by(ReviewGrade.id)).all()
    assert second.supersedes_id == first.id and db.session.get(ReviewItem, item.id).grade_id == second.id
    chain = db.session.scalars(select(Evidence).where(Evidence.indicator_id == "communication",
                                                      Evidence.agent_id == desk["trainee"].id)).all()
    heads = [e for e in chain if e.id not in competency.superseded_ids(chain)]
    assert [e.value for e in heads] == [100] * len(heads) and heads
    page = lead.get(f"/review/items/{item.id}").get_data(as_text=True)
    assert "评分历史" in page and "已被取代" in page
    assert [r.action for r in db.session.scalars(REVIEW_TRAIL)] == ["grade", "regrade"]


@pytest.mark.parametrize("fields, message", [
    ({"r_communication": "0"}, "Not a valid choice"),
    ({"r_communication": "6"}, "Not a valid choice"),
    ({"r_communication": "3", "override_score": "50"}, "修改系统评分必须写明理由"),
    ({"r_communication": "3", "override_score": "150", "override_reason": "x"}, "改分必须在 0–100 之间"),
    ({"r_communication": "3", "comment": "长" * 2001}, "不能超过 2000 字"),
    ({"r_communication": "3", "v_99": "wrong"}, None),  # a hit that does not exist is simply not a field
    ({}, "请至少为一个指标评分"),
])
def test_rule_bad_grades_are_refused_with_a_message_and_nothing_written(app, desk, fields, message):
    item = play(desk["trainee"], [CALM, SOLVE])
    lead = client_for(app, desk["lead"])
    response = post_form(lead, f"/review/items/{item.id}/grade", grade_data(item, **fields))
    if message is None:
        assert response.status_code == 302
        assert count(ReviewVerdict) == 0
        return
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert (count(ReviewGrade), review_trail_count()) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.source_kind == "review")) == 0


def test_rule_grading_needs_csrf_and_ones_own_team(app, desk):
    item = play(desk["trainee"], [CALM, SOLVE])
    lead = client_for(app, desk["lead"])
    lead.get(f"/review/items/{item.id}")
    assert lead.post(f"/review/items/{item.id}/grade", data=grade_data(item, r_communication="3")).status_code == 400
    other = client_for(app, desk["other_lead"])
    token = csrf_from(other, "/review/queue")
    refused = other.post(f"/review/items/{item.id}/grade", data={**grade_data(item, r_communication="3"),
                                                                 "csrf_token": token})
    assert refused.status_code == 403
    trainee = client_for(app, desk["trainee"])
    assert trainee.post(f"/review/items/{item.id}/grade", data={}).status_code in (400, 403)
    assert count(ReviewGrade) == 0


def test_rule_judgements_are_append_only(app, desk):
    item = play(desk["trainee"], [CALM, SOLVE])
    post_form(client_for(app, desk["lead"]), f"/review/items/{item.id}/grade", grade_data(item, r_communication="4"))
    grade = db.session.scalar(select(ReviewGrade))
    grade.comment = "悄悄改掉"
    with pytest.raises(JudgementIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    from sqlalchemy import text

    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE audit_records SET reason = 'x'"))
    db.session.rollback()


# --- the trainee's side --------------------------------------------------------------------------------


def _graded(app, desk, **fields):
    item = play(desk["trainee"], [CALM, SOLVE])
    post_form(client_for(app, desk["lead"]), f"/review/items/{item.id}/grade",
              grade_data(item, r_communication="2", t_1="开头要先问候", **fields))
    return db.session.get(ReviewItem, item.id)


def test_rule_the_trainee_sees_the_grade_and_acknowledges_it(app, desk):
    item = _graded(app, desk, comment="下次先问候")
    me = client_for(app, desk["trainee"])
    assert '<span class="count" title="待确认">1</span>' in me.get("/me").get_data(as_text=True)
    page = me.get(f"/review/items/{item.id}").get_data(as_text=True)
    assert "开头要先问候" in page and "下次先问候" in page and "我已阅读" in page
    assert "保存评分" not in page  # no grading form for the trainee
    post_form(me, f"/review/items/{item.id}/acknowledge", {}, page=f"/review/items/{item.id}")
    assert count(Acknowledgement) == 1
    assert "已确认" in me.get("/review/mine").get_data(as_text=True)
    assert client_for(app, desk["outsider"]).get(f"/review/items/{item.id}").status_code == 403


def test_rule_a_dispute_needs_a_reason_within_the_window_and_goes_to_another_supervisor(app, desk):
    item = _graded(app, desk)
    me = client_for(app, desk["trainee"])
    url = f"/review/items/{item.id}/dispute"
    empty = post_form(me, url, {"comment": " "}, page=f"/review/items/{item.id}")
    assert empty.status_code == 400 and "申诉必须写明理由" in empty.get_data(as_text=True)
    bad = post_form(me, url, {"comment": "不公平", "r_communication": "7"}, page=f"/review/items/{item.id}")
    assert bad.status_code == 400 and count(Dispute) == 0
    stranger = client_for(app, desk["outsider"])
    assert stranger.post(url, data={"comment": "x", "csrf_token": csrf_from(stranger, "/me")}).status_code == 403
    ok = post_form(me, url, {"comment": "我先道歉了，问候不是必须", "r_communication": "4"},
                   page=f"/review/items/{item.id}")
    assert ok.status_code == 302
    again = post_form(me, url, {"comment": "再申诉一次"}, page=f"/review/items/{item.id}")
    assert again.status_code in (400, 409) and count(Dispute) == 1
    # the grader cannot decide their own grade's dispute; the team's other supervisor can
    grader = client_for(app, desk["lead"])
    assert ">处理</a>" not in grader.get("/review/disputes").get_data(as_text=True)
    assert ">处理</a>" in client_for(app, desk["second"]).get("/review/disputes").get_data(as_text=True)
    dispute = db.session.scalar(select(Dispute))
    refused = post_form(grader, f"/review/disputes/{dispute.id}/decide",
                        {f"d{dispute.id}-decision": "accept", f"d{dispute.id}-reason": "同意"},
                        page=f"/review/items/{item.id}")
    assert refused.status_code == 403
    second = client_for(app, desk["second"])
    decided = post_form(second, f"/review/disputes/{dispute.id}/decide",
                        {f"d{dispute.id}-decision": "partial", f"d{dispute.id}-reason": "道歉到位，问候仍需改进",
                         f"d{dispute.id}-r_communication": "3"}, page=f"/review/items/{item.id}")
    assert decided.status_code == 302, decided.get_data(as_text=True)
    item = db.session.get(ReviewItem, item.id)
    assert item.grade.origin == "dispute" and item.grade.ratings["communication"] == 3
    assert item.grade.grader_id == desk["second"].id
    value = db.session.scalar(select(Evidence.value).where(Evidence.source_kind == "review",
                                                           Evidence.source_id == str(item.grade_id),
                                                           Evidence.indicator_id == "communication"))
    assert value == 60
    reopened = post_form(second, f"/review/disputes/{dispute.id}/decide",
                         {f"d{dispute.id}-decision": "reject", f"d{dispute.id}-reason": "改主意"},
                         page=f"/review/items/{item.id}")
    assert reopened.status_code == 403 or reopened.status_code == 409
    actions = [r.action for r in db.session.scalars(REVIEW_TRAIL.order_by(AuditRecord.id))]
    assert actions[-2:] == ["regrade", "decision"] and "dispute" in actions
    loop = post_form(me, url, {"comment": "对处理结果也不服"}, page=f"/review/items/{item.id}")
    assert loop.status_code == 409 and count(Dispute) == 1  # the decision is final


def test_rule_no_dispute_after_the_window(app, desk):
    item = _graded(app, desk)
    app.config["REVIEW_DISPUTE_DAYS"] = 0  # the grade is older than a zero-day window
    me = client_for(app, desk["trainee"])
    response = post_form(me, f"/review/items/{item.id}/dispute", {"comment": "太晚了吗"},
                         page=f"/review/items/{item.id}")
    assert response.status_code == 409 and "已不能申诉" in response.get_data(as_text=True)
    assert count(Dispute) == 0


def test_rule_hr_decides_when_the_grader_is_the_only_supervisor(app, desk, make_user, make_team):
    from trainer.review import disputes

    solo = make_user("supervisor")
    agent = make_user("trainee", team=make_team("三组", [solo]))
    item = play(agent, [CALM, SOLVE])
    post_form(client_for(app, solo), f"/review/items/{item.id}/grade", grade_data(item, r_communication="2"))
    me = client_for(app, agent)
    post_form(me, f"/review/items/{item.id}/dispute", {"comment": "请人力看看"}, page=f"/review/items/{item.id}")
    dispute = db.session.scalar(select(Dispute))
    assert [u.id for u in disputes.deciders(dispute)] == [desk["hr"].id]
    hr = client_for(app, desk["hr"])
    decided = post_form(hr, f"/review/disputes/{dispute.id}/decide",
                        {f"d{dispute.id}-decision": "reject", f"d{dispute.id}-reason": "评分有依据"},
                        page=f"/review/items/{item.id}")
    assert decided.status_code == 302
    assert db.session.get(ReviewItem, item.id).grade.origin == "grade"  # rejected: the grade stands


# --- the scorer's accuracy, the audit export, moved pages -------------------------------------------------


def test_rule_verdicts_give_each_rules_measured_precision_in_the_rule_tester(app, desk, make_user):
    item = play(desk["trainee"], [CALM, SOLVE])
    first = item_hits(item)[0]
    post_form(client_for(app, desk["lead"]), f"/review/items/{item.id}/grade",
              grade_data(item, r_communication="3", v_1="wrong", vn_1="不算", v_2="correct"))
    admin = client_for(app, make_user("admin"))
    page = admin.get("/admin/rules/").get_data(as_text=True)
    assert f'id="rule-{first.kind}-{first.rule}"' in page
    assert "被判为机检错误的结果" in page and "不算" in page
    assert f'href="#rule-{first.kind}-{first.rule}"' in page


def test_rule_the_audit_trail_exports_as_csv_for_the_team_only(app, desk):
    item = _graded(app, desk, override_score="55", override_reason="=HYPERLINK(\"x\")")
    lead = client_for(app, desk["lead"])
    csv_text = lead.get("/review/audit.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffid,time_utc,actor,action")
    assert ",override," in csv_text and "'=HYPERLINK" in csv_text  # formulas are neutralised
    item_csv = lead.get(f"/review/items/{item.id}/audit.csv").get_data(as_text=True)
    assert item_csv.count("\n") == 3  # header, the grade, the override
    other = client_for(app, desk["other_lead"]).get("/review/audit.csv").get_data(as_text=True)
    assert ",override," not in other


# --- the API -------------------------------------------------------------------------------------------


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}


def test_api_queue_item_and_grade(app, desk):
    rude = play(desk["trainee"], [RUDE])
    client, headers = app.test_client(), _bearer(desk["lead"])
    listing = client.get("/api/v1/review/queue?ungraded=1", headers=headers).get_json()
    entry = next(i for i in listing["items"] if i["id"] == rude.id)
    assert set(entry) == {"id", "kind", "agent", "title", "created_at", "auto_score", "flags", "graded"}
    assert entry["agent"] == {"id": desk["trainee"].id, "name": "林小雨"} and "escalated" in entry["flags"]
    detail = client.get(f"/api/v1/review/items/{rude.id}", headers=headers).get_json()
    assert detail["hits"][0]["n"] == 1 and detail["indicators"] == rude.indicators
    assert set(detail["rubric"]["levels"]) == set(rude.indicators) and detail["turns"][0]["role"] == "customer"
    body = {"ratings": {"communication": 1, "understanding_needs": None}, "comment": "态度问题",
            "override": {"score": 10, "reason": "严重忌语"}, "verdicts": [{"hit": 1, "verdict": "correct", "note": ""}]}
    created = client.post(f"/api/v1/review/items/{rude.id}/grade", json=body, headers=headers)
    assert created.status_code == 201
    result = created.get_json()
    assert set(result) == {"grade", "evidence"} and result["evidence"]
    assert client.get("/api/v1/review/queue?ungraded=1", headers=headers).get_json()["items"] == []


@pytest.mark.parametrize("body, status", [
    ({"ratings": {"communication": 0}}, 400),
    ({"ratings": {"communication": 6}}, 400),
    ({"ratings": {"communication": 2.5}}, 400),
    ({"ratings": {"communication": True}}, 400),
    ({"ratings": {"teamwork": 3}}, 400),
    ({"ratings": {"communication": 3}, "override": {"score": 50, "reason": " "}}, 400),
    ({"ratings": {"communication": 3}, "override": {"score": "50", "reason": "x"}}, 400),
    ({"ratings": {"communication": 3}, "verdicts": [{"hit": 999, "verdict": "wrong"}]}, 400),
    ({"ratings": {"communication": 3}, "verdicts": [{"hit": 1, "verdict": "maybe"}]}, 400),
    ({"ratings": {"communication": 3}, "comment": "长" * 2001}, 400),
    ({"ratings": "all good"}, 400),
    ([], 400),
])
def test_api_grade_bad_input_is_400_and_writes_nothing(app, desk, body, status):
    item = play(desk["trainee"], [RUDE])
    response = app.test_client().post(f"/api/v1/review/items/{item.id}/grade", json=body, headers=_bearer(desk["lead"]))
    assert response.status_code == status
    assert set(response.get_json()) >= {"error", "status"}
    assert (count(ReviewGrade), review_trail_count()) == (0, 0)


def test_api_grade_other_team_403_unknown_404(app, desk):
    item = play(desk["trainee"], [RUDE])
    client = app.test_client()
    body = {"ratings": {"communication": 3}}
    assert client.post(f"/api/v1/review/items/{item.id}/grade", json=body,
                       headers=_bearer(desk["other_lead"])).status_code == 403
    assert client.post("/api/v1/review/items/999999/grade", json=body,
                       headers=_bearer(desk["lead"])).status_code == 404
    assert client.get("/api/v1/review/queue", headers=_bearer(desk["trainee"])).status_code == 403
    assert client.get(f"/api/v1/review/items/{item.id}", headers=_bearer(desk["trainee"])).status_code == 200


# --- calibration ---------------------------------------------------------------------------------------


def _open_calibration(app, desk, items, graders, *, expert=None, deadline="2099-01-01T12:00"):
    return post_form(client_for(app, desk["lead"]), "/review/calibration", {
        "title": "十二月校准", "item_ids": " ".join(str(i.id) for i in items),
        "graders": [str(g.id) for g in graders], "expert": str(expert.id) if expert else "0",
        "deadline": deadline, "tolerance": "10"})


def _calibrate(app, user, session_id, item, ratings: dict):
    client = client_for(app, user)
    return post_form(client, f"/review/calibration/{session_id}/items/{item.id}",
                     {f"r_{k}": str(v) for k, v in ratings.items()})


def test_rule_calibration_is_blind_once_only_and_writes_no_evidence(app, desk):
    from trainer.review.models import CalibrationSession

    items = [play(desk["trainee"], [CALM, SOLVE]), play(desk["trainee"], [RUDE])]
    graders = [desk["lead"], desk["second"], desk["hr"]]
    created = _open_calibration(app, desk, items, graders, expert=desk["hr"])
    assert created.status_code == 302, created.get_data(as_text=True)
    session = db.session.scalar(select(CalibrationSession))
    evidence_before = count(Evidence)
    assert _calibrate(app, desk["lead"], session.id, items[0], {"communication": 4}).status_code == 302
    second = client_for(app, desk["second"])
    blind = second.get(f"/review/calibration/{session.id}/items/{items[0].id}").get_data(as_text=True)
    assert "各评分人的评分" not in blind  # not before submitting
    assert "给全部作业评完分后" in second.get(f"/review/calibration/{session.id}").get_data(as_text=True)
    _calibrate(app, desk["second"], session.id, items[0], {"communication": 3})
    seen = second.get(f"/review/calibration/{session.id}/items/{items[0].id}").get_data(as_text=True)
    assert "各评分人的评分" in seen
    twice = _calibrate(app, desk["second"], session.id, items[0], {"communication": 5})
    assert twice.status_code == 200 and count(ReviewGrade) == 2  # the form is gone: one grade per grader
    outsider = _calibrate(app, desk["other_lead"], session.id, items[0], {"communication": 5})
    assert outsider.status_code == 403
    assert count(Evidence) == evidence_before
    assert db.session.get(ReviewItem, items[0].id).grade_id is None  # calibration never grades the item


def test_rule_calibration_results_show_deviation_kappa_and_icc(app, desk):
    from trainer.review import calibration
    from trainer.review.models import CalibrationSession

    items = [play(desk["trainee"], [CALM, SOLVE]) for _ in range(3)]
    graders = [desk["lead"], desk["second"], desk["hr"]]
    _open_calibration(app, desk, items, graders, expert=desk["hr"])
    session = db.session.scalar(select(CalibrationSession))
    marks = {desk["hr"].id: [(4, 3, 5), (2, 2, 3), (5, 4, 4)], desk["lead"].id: [(4, 3, 4), (2, 3, 3), (5, 4, 5)],
             desk["second"].id: [(1, 1, 2), (1, 1, 1), (2, 1, 2)]}
    for grader in graders:
        for item, (c, u, s) in zip(items, marks[grader.id], strict=True):
            ok = _calibrate(app, grader, session.id, item, {"communication": c, "understanding_needs": u,
                                                            "solution_offering": s})
            assert ok.status_code == 302
    overall = calibration.results(session)[0]
    assert (overall.items, overall.graders, overall.stats.complete_units) == (3, 3, 9)
    deviation = {d.grader.id: d for d in overall.deviations}
    assert deviation[desk["lead"].id].flagged is False and deviation[desk["second"].id].flagged is True
    assert deviation[desk["second"].id].points == pytest.approx(-20 / 9)  # (12 − 32) / 9 units
    assert overall.stats.icc1 is not None and overall.stats.fleiss is not None
    page = client_for(app, desk["lead"]).get(f"/review/calibration/{session.id}").get_data(as_text=True)
    assert "Fleiss κ" in page and 'data-stat="icc2"' in page and "超出 ±10%" in page and "Cohen κ" in page


@pytest.mark.parametrize("change, message", [
    ({"graders": "only-one"}, "至少需要两位评分人"),
    ({"deadline": "2001-01-01T00:00"}, "截止时间必须晚于现在"),
    ({"item_ids": "999999"}, "请至少选择一项作业"),
    ({"expert": "other"}, "专家评分人必须是受邀评分人之一"),
])
def test_rule_bad_calibration_sessions_are_refused(app, desk, change, message):
    from trainer.review.models import CalibrationSession

    item = play(desk["trainee"], [RUDE])
    data = {"title": "校准", "item_ids": str(item.id), "graders": [str(desk["lead"].id), str(desk["second"].id)],
            "expert": "0", "deadline": "2099-01-01T12:00", "tolerance": "10"}
    if change.get("graders") == "only-one":
        data["graders"] = [str(desk["lead"].id)]
    elif "expert" in change:
        data["expert"] = str(desk["hr"].id)
    else:
        data.update(change)
    response = post_form(client_for(app, desk["lead"]), "/review/calibration", data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(CalibrationSession) == 0


def test_rule_no_calibration_grade_after_the_deadline(app, desk):
    from trainer.review.models import CalibrationSession
    from trainer.timeutil import utcnow

    item = play(desk["trainee"], [RUDE])
    _open_calibration(app, desk, [item], [desk["lead"], desk["second"]])
    session = db.session.scalar(select(CalibrationSession))
    db.session.execute(CalibrationSession.__table__.update().values(deadline=utcnow().replace(year=2000)))
    db.session.commit()
    from trainer.messages import ServiceError
    from trainer.review import calibration
    from trainer.review.grading import GradeInput

    with pytest.raises(ServiceError, match=r"calibration\.closed"):
        calibration.submit(db.session.get(CalibrationSession, session.id), item, desk["lead"],
                           GradeInput(ratings={"communication": 3}))
    page = client_for(app, desk["lead"]).get(f"/review/calibration/{session.id}/items/{item.id}")
    assert "校准已截止" in page.get_data(as_text=True)


# --- violations ----------------------------------------------------------------------------------------


def test_rule_violations_use_the_data_points_are_voided_not_deleted_and_hr_sees_months(app, desk):
    from trainer.review.models import Violation
    from trainer.timeutil import utcnow

    lead = client_for(app, desk["lead"])
    today = utcnow().date().isoformat()
    recorded = post_form(lead, "/review/violations", {"agent_id": str(desk["trainee"].id), "category": "absenteeism",
                                                      "occurred_on": today, "note": "周一未到岗"})
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    row = db.session.scalar(select(Violation))
    assert (row.points, row.category_id, row.recorded_by_id) == (20, "absenteeism", desk["lead"].id)
    hr = client_for(app, desk["hr"]).get("/review/violations").get_data(as_text=True)
    assert "林小雨" in hr and "<strong>20</strong>" in hr
    mine = client_for(app, desk["trainee"]).get("/review/violations").get_data(as_text=True)
    assert "周一未到岗" in mine and "记录违规" not in mine
    assert "周一未到岗" not in client_for(app, desk["outsider"]).get("/review/violations").get_data(as_text=True)
    no_reason = post_form(lead, f"/review/violations/{row.id}/void", {"reason": ""}, page="/review/violations")
    assert no_reason.status_code == 302 and count(Violation) == 1
    post_form(lead, f"/review/violations/{row.id}/void", {"reason": "请过假，记错了"}, page="/review/violations")
    assert count(Violation) == 2 and db.session.get(Violation, row.id).points == 20
    assert "<strong>0</strong>" in client_for(app, desk["hr"]).get("/review/violations").get_data(as_text=True)
    actions = [r.action for r in db.session.scalars(REVIEW_TRAIL)]
    assert actions == ["violation", "violation_void"]


@pytest.mark.parametrize("fields, message", [
    ({"category": "no-such-thing"}, "Not a valid choice"),
    ({"occurred_on": "2999-01-01"}, "违规日期不能晚于今天"),
    ({"agent": "outsider"}, "Not a valid choice"),
])
def test_rule_bad_violations_are_refused(app, desk, fields, message):
    from trainer.review.models import Violation
    from trainer.timeutil import utcnow

    data = {"agent_id": str(desk["trainee"].id), "category": "absenteeism",
            "occurred_on": utcnow().date().isoformat(), "note": ""}
    if fields.get("agent") == "outsider":
        data["agent_id"] = str(desk["outsider"].id)
    else:
        data.update(fields)
    response = post_form(client_for(app, desk["lead"]), "/review/violations", data)
    assert response.status_code in (400, 403) and message in response.get_data(as_text=True)
    assert count(Violation) == 0


def test_rule_an_invited_grader_from_another_team_may_calibrate_that_teams_items(app, desk):
    from trainer.review.models import CalibrationSession

    item = play(desk["trainee"], [RUDE])
    _open_calibration(app, desk, [item], [desk["lead"], desk["other_lead"]])
    session = db.session.scalar(select(CalibrationSession))
    assert _calibrate(app, desk["other_lead"], session.id, item, {"communication": 2}).status_code == 302
    assert client_for(app, desk["other_lead"]).get(f"/review/items/{item.id}").status_code == 403  # no more than that
