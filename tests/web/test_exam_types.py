"""Matching, numerical and essay questions in an exam, a description before them, and the essay graded by a
supervisor in the review queue: the paper shows 待批阅 until then, then its final result."""

import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from, login, post_form
from trainer.assessment import services
from trainer.assessment.models import BankQuestion, ExamAttempt, ExamPaper, RecallCard
from trainer.competency import services as competency
from trainer.competency.models import Evidence
from trainer.extensions import db
from trainer.review.models import AuditRecord, ReviewItem

IDS = "wo-intro wo-match-deadlines wo-num-followup wo-essay-overdue"
ESSAY = "非常抱歉让您久等了，超时是我们的问题。工程部师傅已经检测过，下午三点前我再给您回电话说明结果。"


@pytest.fixture
def people(app, make_user, make_team):
    lead, hr = make_user("supervisor"), make_user("hr")
    team = make_team("一组", [lead])
    return {"lead": lead, "hr": hr, "trainee": make_user("trainee", team=team)}


def client_for(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def paper_and_attempt(app, people, ids=IDS):
    hr = client_for(app, people["hr"])
    data = {"title": "工单时限测验", "mode": "fixed", "question_ids": ids, "time_limit": "30", "max_attempts": "2",
            "pass_mark": "60", "shuffle_questions": "y", "shuffle_options": "y", "closed_book": "y", "team_id": "0"}
    assert post_form(hr, "/exams/manage/new", data).status_code == 302
    paper = db.session.scalar(select(ExamPaper))
    me = client_for(app, people["trainee"])
    started = post_form(me, f"/exams/{paper.id}/start", {}, page="/exams/")
    assert started.status_code == 302, started.get_data(as_text=True)
    return me, int(started.headers["Location"].rstrip("/").split("/")[-1])


def save(client, attempt_id, answers):
    token = csrf_from(client, f"/exams/attempts/{attempt_id}")
    return client.post(f"/exams/attempts/{attempt_id}/save", json={"answers": answers},
                       headers={"X-CSRFToken": token})


def right_matching(attempt):
    """The right answer of each item as indices into the question's choices."""
    question = db.session.get(BankQuestion, "wo-match-deadlines").question()
    return [question.choices.index(item.right) for item in question.items], question


def submit_all(client, attempt_id, matching, number="24", essay=ESSAY):
    token = csrf_from(client, f"/exams/attempts/{attempt_id}")
    data = {"csrf_token": token, "q_wo_num_followup": number, "q_wo_essay_overdue": essay}
    data.update({f"q_wo_match_deadlines-{k}": str(v) for k, v in enumerate(matching)})
    return client.post(f"/exams/attempts/{attempt_id}/submit", data=data)


def grade_essay(app, people, mark, reason=""):
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == "exam_essay"))
    lead = client_for(app, people["lead"])
    data = {"override_score": str(mark), "override_reason": reason, "comment": "先致歉再给新时间，做得好。"}
    return lead, item, post_form(lead, f"/review/items/{item.id}/grade", data, page=f"/review/items/{item.id}")


def test_description_heads_the_paper_and_each_type_has_its_field(app, people):
    me, attempt_id = paper_and_attempt(app, people)
    attempt = db.session.get(ExamAttempt, attempt_id)
    assert attempt.question_ids[0] == "wo-intro"  # shuffled questions, the description stays at the head
    page = me.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert 'id="description-wo-intro"' in page and 'id="question-wo-intro"' not in page
    assert "3 道题" in page  # the description is not counted as a question
    selects = re.findall(r'<select[^>]*name="q_wo_match_deadlines-(\d)"', page)
    assert selects == ["0", "1", "2", "3"]  # one select per item (the distractor has none)
    assert page.count("3 个工作日内") == 4  # … and every select offers the distractor too
    assert 'name="q_wo_num_followup"' in page and 'name="q_wo_essay_overdue"' in page


def test_essay_paper_waits_for_its_grader_then_shows_the_final_result(app, people):
    me, attempt_id = paper_and_attempt(app, people)
    matching, _ = right_matching(None)
    wrong = [*matching[:3], matching[0]]  # three of four items right
    response = save(me, attempt_id, {"wo-match-deadlines": wrong, "wo-num-followup": "２４"})
    assert response.status_code == 200, response.get_json()
    reloaded = me.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert 'value="２４"' in reloaded and reloaded.count("selected") >= 4  # a refresh loses nothing
    submitted = submit_all(me, attempt_id, wrong, number="二十四")
    assert submitted.status_code == 302
    attempt = db.session.get(ExamAttempt, attempt_id)
    assert (attempt.status, attempt.score, attempt.passed) == (services.MARKING, None, None)
    assert attempt.results["wo-match-deadlines"]["score"] == 0.75  # credit per correct pair
    assert attempt.results["wo-num-followup"]["correct"] is True  # 二十四 is 24
    assert attempt.results["wo-essay-overdue"]["pending"] is True
    assert "wo-intro" not in attempt.results
    result = me.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="exam-score">待批阅<' in result and "待批阅" in result
    listing = me.get("/exams/").get_data(as_text=True)
    assert "待批阅" in listing
    report = client_for(app, people["hr"]).get(f"/exams/manage/{attempt.paper_id}").get_data(as_text=True)
    assert "另有 1 份待批阅" in report  # HR sees it waiting, outside the paper's figures
    # no evidence from the exam yet; the essay is not on the recall schedule before it is graded
    assert competency.evidence_in_force(people["trainee"], "exam", str(attempt_id)) == []
    assert db.session.scalar(select(RecallCard).where(RecallCard.question_id == "wo-essay-overdue")) is None

    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == "exam_essay"))
    assert item.queued and item.auto_score is None  # always in front of a grader, no machine score
    lead = client_for(app, people["lead"])
    page = lead.get(f"/review/items/{item.id}").get_data(as_text=True)
    assert "参考答案（仅批阅人可见）" in page, page
    assert "得分 (0–100)" in page and "超时是我们的问题" in page
    assert "0.0 分" not in page and "待批阅" in page  # no mark yet: the answer carries no score
    assert "参考答案（仅批阅人可见）" not in me.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)

    _, _, graded = grade_essay(app, people, 80)
    assert graded.status_code == 302, graded.get_data(as_text=True)
    db.session.expire_all()
    attempt = db.session.get(ExamAttempt, attempt_id)
    # (0.75 + 1 + 0.8) / 3
    assert (attempt.status, attempt.score, attempt.passed) == ("submitted", 85.0, True)
    records = competency.evidence_in_force(people["trainee"], "exam", str(attempt_id))
    assert records and all(r.source_kind == "exam" for r in records)
    assert db.session.scalar(select(RecallCard).where(RecallCard.question_id == "wo-essay-overdue")) is None  # 80 ≥ 60
    result = me.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="exam-score">85.0<' in result and "批阅得分 80" in result


def test_a_regrade_changes_the_score_and_supersedes_the_exam_evidence(app, people):
    me, attempt_id = paper_and_attempt(app, people)
    matching, _ = right_matching(None)
    submit_all(me, attempt_id, matching)
    grade_essay(app, people, 90)
    before = {e.indicator_id: e.id for e in competency.evidence_in_force(people["trainee"], "exam", str(attempt_id))}
    _, item, regraded = grade_essay(app, people, 30, reason="要点漏了新的答复时间")
    assert regraded.status_code == 302
    db.session.expire_all()
    attempt = db.session.get(ExamAttempt, attempt_id)
    assert attempt.score == round(100 * (1 + 1 + 0.3) / 3, 1) and attempt.passed is True
    after = competency.evidence_in_force(people["trainee"], "exam", str(attempt_id))
    assert {e.indicator_id for e in after} == set(before) and not set(before.values()) & {e.id for e in after}
    superseded = db.session.scalars(select(Evidence.supersedes_id).where(Evidence.source_kind == "exam",
                                                                          Evidence.supersedes_id.is_not(None)))
    assert set(superseded) == set(before.values())  # recorded again, never overwritten
    actions = [r.action for r in db.session.scalars(select(AuditRecord).where(AuditRecord.item_id == item.id))]
    assert actions.count("grade") == 1 and actions.count("regrade") == 1
    card = db.session.scalar(select(RecallCard).where(RecallCard.question_id == "wo-essay-overdue"))
    assert card is not None  # a mark of 30 puts the essay on the recall schedule


def test_a_blank_essay_needs_no_grader(app, people):
    me, attempt_id = paper_and_attempt(app, people)
    matching, _ = right_matching(None)
    submit_all(me, attempt_id, matching, essay="")
    attempt = db.session.get(ExamAttempt, attempt_id)
    assert attempt.status == "submitted" and attempt.score == round(200 / 3, 1)
    assert db.session.scalar(select(ReviewItem).where(ReviewItem.kind == "exam_essay")) is None


@pytest.mark.parametrize(("answers", "message"), [
    ({"wo-match-deadlines": [0, 1]}, "共 4 项"),  # one answer per item
    ({"wo-match-deadlines": [0, 1, 2, 9]}, "不是本题的选项"),
    ({"wo-match-deadlines": "0,1,2,3"}, "共 4 项"),
    ({"wo-num-followup": "1" * 101}, "不能超过 100 字"),
    ({"wo-essay-overdue": "好" * 401}, "不能超过 400 字"),
])
def test_bad_answers_to_the_new_types_are_refused_and_nothing_is_saved(app, people, answers, message):
    me, attempt_id = paper_and_attempt(app, people)
    assert save(me, attempt_id, {"wo-num-followup": "24"}).status_code == 200
    response = save(me, attempt_id, {"wo-essay-overdue": "先致歉", **answers})  # one bad answer: none is saved
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert db.session.get(ExamAttempt, attempt_id).answers == {"wo-num-followup": "24"}


def test_an_essay_over_its_word_limit_is_refused_on_submit_with_the_form_kept(app, people):
    me, attempt_id = paper_and_attempt(app, people)
    matching, _ = right_matching(None)
    response = submit_all(me, attempt_id, matching, essay="好 " * 401)  # spaces do not count, the 401 characters do
    assert response.status_code == 400 and "不能超过 400 字 (现有 401 字)" in response.get_data(as_text=True)
    assert db.session.get(ExamAttempt, attempt_id).status == "in_progress"


def test_an_essay_grade_needs_a_mark_in_range(app, people):
    me, attempt_id = paper_and_attempt(app, people)
    matching, _ = right_matching(None)
    submit_all(me, attempt_id, matching)
    _, _, response = grade_essay(app, people, "")
    assert response.status_code == 400 and "问答题需要给出得分" in response.get_data(as_text=True)
    _, _, response = grade_essay(app, people, 120)
    assert response.status_code == 400 and "得分必须在 0–100 之间" in response.get_data(as_text=True)
    assert db.session.get(ExamAttempt, attempt_id).status == services.MARKING


def test_the_trainee_cannot_grade_their_own_essay(app, people):
    me, attempt_id = paper_and_attempt(app, people)
    matching, _ = right_matching(None)
    submit_all(me, attempt_id, matching)
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == "exam_essay"))
    token = csrf_from(me, "/exams/")
    response = me.post(f"/review/items/{item.id}/grade", data={"csrf_token": token, "override_score": "100"})
    assert response.status_code == 403
    assert db.session.get(ExamAttempt, attempt_id).status == services.MARKING


def test_descriptions_are_never_drawn_at_random(app):
    drawn = services.pool(services.Draw("work_orders", 1, 5, 10))
    assert "wo-intro" not in drawn and {"wo-match-deadlines", "wo-essay-overdue"} <= set(drawn)
