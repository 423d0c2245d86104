"""Micro-courses end to end on the test client: enrol, learn, practise, quiz, complete, survey; assign, report,
training requests; and content sync's all-or-nothing rule."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login, post_form
from trainer.competency.models import Evidence
from trainer.content import ContentInvalid, load_content
from trainer.extensions import db
from trainer.learning import services
from trainer.learning.models import Course, CourseFeedback, Enrolment, TrainingRequest
from trainer.sync import sync_content

SLUG = "sample-course"
RIGHT = {"q_fx_single": "0", "q_fx_fill": "１０", "q_fx_tf": "false"}


@pytest.fixture
def trainee(signed_in, fixture_content):
    return signed_in("trainee")


def _enrol(client):
    return post_form(client, f"/courses/{SLUG}/enrol", {}, page=f"/courses/{SLUG}")


def test_catalogue_filters_by_series_and_indicator(trainee):
    client, _ = trainee

    def listed(query):
        return "测试课程：接听电话" in client.get("/courses/" + query).get_data(as_text=True).split('id="catalogue"')[1]

    assert listed("") and listed("?series=测试系列") and listed("?indicator=communication")
    assert not listed("?series=别的") and not listed("?indicator=it_skills")


def test_recommended_courses_target_the_weakest_indicators(trainee):
    client, me = trainee
    from trainer.competency import services as competency

    for indicator in competency.model_view().combined:
        value = 30 if indicator == "communication" else 90
        competency.record_evidence(agent=me, indicator_id=indicator, value=value, source_kind="exam", commit=False)
    db.session.commit()
    page = client.get("/courses/").get_data(as_text=True)
    assert "为你推荐" in page and "人际沟通能力" in page.split("为你推荐")[1].split("</section>")[0]


def test_full_course_flow_writes_evidence_and_asks_for_feedback(trainee):
    client, me = trainee
    response = _enrol(client)
    assert response.headers["Location"].endswith(f"/courses/{SLUG}/learn")
    assert client.get(response.headers["Location"]).headers["Location"].endswith(f"/courses/{SLUG}/learn/0")
    page = client.get(f"/courses/{SLUG}/learn/0").get_data(as_text=True)
    assert "<table>" in page and 'data-minutes="20"' in page
    practice = client.get(f"/courses/{SLUG}/learn/1")
    assert "业主来电，请写出你的开场白" in practice.get_data(as_text=True)
    assert "参考回答" not in practice.get_data(as_text=True)  # shown only after the trainee has tried
    reply = "您好，阳光物业客服中心，我姓林，请问有什么可以帮您？"
    done = post_form(client, f"/courses/{SLUG}/learn/1", {"practice_id": "sample-course-p2-1", "text": reply})
    assert done.status_code == 302
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "上次结果" in shown and "✓ 报出姓氏" in shown and "参考回答" in shown
    client.get(f"/courses/{SLUG}/learn/2")
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.status == "enrolled"  # quiz not passed yet
    result = post_form(client, f"/courses/{SLUG}/quiz", RIGHT)
    assert result.headers["Location"].endswith(f"/courses/{SLUG}/feedback")
    db.session.refresh(enrolment)
    assert enrolment.status == "completed" and enrolment.quiz_score == 100
    sources = set(db.session.scalars(select(Evidence.source_kind).where(Evidence.agent_id == me.id)))
    assert {"practice", "quiz", "course"} <= sources
    course_evidence = {e.indicator_id for e in db.session.scalars(
        select(Evidence).where(Evidence.agent_id == me.id, Evidence.source_kind == "course"))}
    assert course_evidence == {"communication", "self_management"}
    assert post_form(client, f"/courses/{SLUG}/feedback", {"rating": "5", "comment": "很实用"}).status_code == 302
    again = post_form(client, f"/courses/{SLUG}/feedback", {"rating": "4"})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CourseFeedback)) == 1


def test_failed_quiz_then_result_page_shows_explanations(trainee):
    client, _ = trainee
    _enrol(client)
    post_form(client, f"/courses/{SLUG}/quiz", {"q_fx_single": "1", "q_fx_tf": "true"})
    page = client.get(f"/courses/{SLUG}/quiz/result").get_data(as_text=True)
    assert 'id="quiz-score">0.0<' in page
    assert "参考资料要求铃响三声内接听" in page and "未通过" in page


def test_quiz_rejects_a_choice_that_is_not_offered(trainee):
    client, _ = trainee
    _enrol(client)
    response = post_form(client, f"/courses/{SLUG}/quiz", {"q_fx_single": "7"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True) or "has-error" in response.get_data(as_text=True)


def test_resume_where_the_trainee_left_off(trainee):
    client, _ = trainee
    _enrol(client)
    client.get(f"/courses/{SLUG}/learn/2")
    assert client.get(f"/courses/{SLUG}/learn").headers["Location"].endswith("/learn/2")


def test_time_spent_heartbeat_is_capped(trainee):
    client, _ = trainee
    _enrol(client)
    page = client.get(f"/courses/{SLUG}/learn/0").get_data(as_text=True)
    token = page.split('data-csrf="')[1].split('"')[0]
    beat = client.post(f"/courses/{SLUG}/learn/0/time", json={"seconds": 30}, headers={"X-CSRFToken": token})
    assert beat.get_json() == {"seconds_spent": 30}
    beat = client.post(f"/courses/{SLUG}/learn/0/time", json={"seconds": 100000}, headers={"X-CSRFToken": token})
    assert beat.get_json()["seconds_spent"] == 30 + services.MAX_HEARTBEAT_SECONDS
    assert client.post(f"/courses/{SLUG}/learn/0/time", json={"seconds": 5}).status_code == 400  # no CSRF token
    assert client.post(f"/courses/{SLUG}/learn/0/time", json={"seconds": "x"},
                       headers={"X-CSRFToken": token}).status_code == 400


def test_player_needs_enrolment(trainee):
    client, _ = trainee
    response = client.get(f"/courses/{SLUG}/learn/0")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{SLUG}")


def test_empty_practice_reply_is_a_field_error(trainee):
    client, _ = trainee
    _enrol(client)
    response = post_form(client, f"/courses/{SLUG}/learn/1", {"practice_id": "sample-course-p2-1", "text": ""})
    assert response.status_code == 400 and "请先写下你的回复" in response.get_data(as_text=True)


def test_supervisor_assigns_to_own_team_and_sees_overdue_and_satisfaction(app, make_user, make_team, fixture_content):
    lead = make_user("supervisor")
    team = make_team("一组", [lead])
    a, b = make_user("trainee", team=team), make_user("trainee", team=team)
    other_team = make_team("二组")
    client = app.test_client()
    login(client, lead.username)
    due = (date.today() + timedelta(days=7)).isoformat()
    response = post_form(client, "/courses/manage", {"course": SLUG, "team_id": str(team.id), "user_id": "0",
                                                     "due_date": due})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 2
    refused = post_form(client, "/courses/manage", {"course": SLUG, "team_id": str(other_team.id), "user_id": "0",
                                                    "due_date": due})
    assert refused.status_code == 400  # not one of the offered teams
    both = post_form(client, "/courses/manage", {"course": SLUG, "team_id": str(team.id), "user_id": str(a.id),
                                                 "due_date": due})
    assert "请选择一个团队或一名学员" in both.get_data(as_text=True)
    past = post_form(client, "/courses/manage", {"course": SLUG, "team_id": str(team.id), "user_id": "0",
                                                 "due_date": "2020-01-01"})
    assert "截止日期不能早于今天" in past.get_data(as_text=True)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    first = services.enrolment_for(a, course)
    first.status, first.seconds_spent = "completed", 3000
    second = services.enrolment_for(b, course)
    second.due_date = date.today() - timedelta(days=1)
    db.session.add(CourseFeedback(enrolment_id=first.id, rating=4))
    db.session.commit()
    stats = next(s for s in services.course_report(lead) if s.course.slug == SLUG)
    assert (stats.enrolled, stats.completed, stats.overdue, stats.avg_minutes) == (2, 1, 1, 50.0)
    assert stats.satisfaction == 80.0 and stats.satisfied_share == 1.0
    page = client.get("/courses/manage").get_data(as_text=True)
    assert 'id="overall-satisfaction">80.0' in page and "96.9%" in page
    assert a.display_name in client.get(f"/courses/manage/{SLUG}").get_data(as_text=True)


def test_trainee_cannot_manage_or_file_requests(trainee):
    client, _ = trainee
    assert client.get("/courses/manage").status_code == 403
    assert client.get("/training-requests/").status_code == 403


def test_training_request_workflow(app, make_user, make_team, fixture_content):
    lead, hr, other = make_user("supervisor"), make_user("hr"), make_user("supervisor")
    team = make_team("一组", [lead])
    lead_client, hr_client, other_client = app.test_client(), app.test_client(), app.test_client()
    login(lead_client, lead.username)
    login(hr_client, hr.username)
    login(other_client, other.username)
    filed = post_form(lead_client, "/training-requests/", {"title": "投诉升级安抚", "need": "最近升级投诉变多",
                                                           "team_id": str(team.id)})
    assert filed.status_code == 302
    item = db.session.scalar(select(TrainingRequest))
    url = f"/training-requests/{item.id}"
    assert other_client.get(url).status_code == 403
    refused = post_form(lead_client, url, {"step": "decision", "decision-decision": "approve"}, page=url)
    assert refused.status_code == 403
    early = post_form(hr_client, url, {"step": "archive", "archive-course": SLUG}, page=url)
    assert early.status_code == 400  # archive form is not for a submitted request
    decided = post_form(hr_client, url, {"step": "decision", "decision-decision": "approve", "decision-note": "同意"},
                        page=url, follow_redirects=True)
    assert "已批准该培训需求" in decided.get_data(as_text=True)
    db.session.refresh(item)
    assert (item.status, item.decided_by_id, item.decision_note) == ("approved", hr.id, "同意")
    assert item.decided_at is not None and "同意" in lead_client.get(url).get_data(as_text=True)
    post_form(hr_client, url, {"step": "instructor", "instructor-instructor": "陈老师"}, page=url)
    post_form(hr_client, url, {"step": "archive", "archive-course": SLUG, "archive-note": "已实施两期"}, page=url)
    db.session.refresh(item)
    assert (item.status, item.instructor, item.course.slug) == ("archived", "陈老师", SLUG)
    assert "已归档" in lead_client.get(url).get_data(as_text=True)


def test_decision_step_keeps_accepting_the_old_step_name(app, make_user, make_team, fixture_content):
    """A request page opened before the rename posts step "review" with its fields under "review-"."""
    lead, hr = make_user("supervisor"), make_user("hr")
    make_team("一组", [lead])
    hr_client = app.test_client()
    login(hr_client, hr.username)
    item = services.file_request(lead, title="电话礼仪", need="新人多", team=None)
    url = f"/training-requests/{item.id}"
    page = hr_client.get(url).get_data(as_text=True)
    assert 'name="step" value="decision"' in page and 'name="decision-decision"' in page
    empty = post_form(hr_client, url, {"step": "review", "review-note": "缺少结果"}, page=url)
    assert empty.status_code == 400 and "请选择审核结果" in empty.get_data(as_text=True)
    old = post_form(hr_client, url, {"step": "review", "review-decision": "reject", "review-note": "本季度预算已满"},
                    page=url, follow_redirects=True)
    assert "已驳回该培训需求" in old.get_data(as_text=True)
    db.session.refresh(item)
    assert (item.status, item.decided_by_id, item.decision_note) == ("rejected", hr.id, "本季度预算已满")
    assert post_form(hr_client, url, {"step": "nonsense"}, page=url).status_code == 400


def test_sync_retires_a_removed_course_and_keeps_history(app, fixture_content, make_user):
    import shutil

    agent = make_user("trainee")
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    services.enrol(agent, course)
    shutil.rmtree(fixture_content / "courses" / SLUG)
    report = sync_content(load_content(fixture_content))
    assert f"course {SLUG}: retired (trainees' history is kept)" in report.changes
    db.session.refresh(course)
    assert course.retired and services.enrolment_for(agent, course) is not None
    assert services.catalogue() == []


def test_bad_course_content_leaves_the_database_as_it_was(app, fixture_content):
    lesson = fixture_content / "courses" / SLUG / "01-basics.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("{explain 20}", "{explain 25}")
                      .replace("铃响三声内接听。", "铃响三声内接听。改过了"), encoding="utf-8")
    before = db.session.scalar(select(Course.content_hash).where(Course.slug == SLUG))
    with pytest.raises(ContentInvalid):
        sync_content(load_content(fixture_content))
    assert db.session.scalar(select(Course.content_hash).where(Course.slug == SLUG)) == before


def test_sync_is_idempotent_with_courses(app, fixture_content):
    assert sync_content(load_content(fixture_content)).changes == []
