"""Demo history made by driving the real services: courses taken, exams sat, weekly answers, typing tests,
role-plays, training requests and spot checks.

Everything goes through the same code as a real user, so the demo shows exactly what the platform
records; answers are right with a probability that follows each trainee's skill, from a fixed seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ..accounts.models import Team, User
from ..assessment import services as assessment
from ..content.questions import Question
from ..extensions import db
from ..learning import services as learning
from ..messages import ServiceError
from ..review import spotchecks
from ..roleplay import services as roleplay
from ..timeutil import utcnow

GOOD_REPLY = {
    "complaint": "非常抱歉给您添麻烦了，理解您的心情，请您放心，我们马上处理，谢谢您告诉我们。",
    "phone_opening": "您好，阳光物业客服中心，我姓林，请问有什么可以帮您？",
    "closing": "感谢您的来电，请问还有其他可以帮您的吗？再见！",
    "hold": "请您稍等，我马上为您查询。",
    "repair": "我们会在30分钟内安排师傅上门，请您放心。",
    "follow_up": "您好，我是客服中心的小林，感谢您的配合，祝您生活愉快，再见！",
    "any": "好的，我马上为您处理，请您放心。",
}
RUDE_REPLY = "这事我们不管，你自己去找开发商。"


def answer_for(question: Question, right: bool, rng: random.Random) -> object:
    """A plausible answer: the key, or a wrong one (a wrong option, a vague text)."""
    if question.type == "single":
        options = [i for i, o in enumerate(question.options) if o.correct == right]
        return rng.choice(options)
    if question.type == "multiple":
        correct = [i for i, o in enumerate(question.options) if o.correct]
        return correct if right else correct[:1] + [i for i, o in enumerate(question.options) if not o.correct][:1]
    if question.type == "truefalse":
        return question.answer if right else not question.answer
    if question.type == "fill":
        return question.answers[0] if right else "不清楚"
    phrases = "，".join(p.phrases[0] for p in question.key_points) if right else "我会处理的"
    if question.type == "short":
        return phrases
    return f"非常抱歉给您添麻烦了，{phrases}，请您放心，我们马上处理，谢谢您。" if right else "这个要看情况。"


def _reply_for(stage, good: bool) -> str:
    if not good:
        return RUDE_REPLY
    points = "，".join(p.phrases[0] for p in stage.key_points)
    return f"{GOOD_REPLY.get(stage.script, GOOD_REPLY['any'])}{points}。请您放心，我们会跟进，谢谢您。"


def courses(trainees: list[tuple[User, int]], lead: User, rng: random.Random) -> None:
    catalogue = learning.catalogue()
    if not catalogue:
        return
    team_a = lead.led_teams[0] if lead.led_teams else None
    if team_a is not None:
        learning.assign(catalogue[0], by=lead, due_date=date.today() + timedelta(days=10), team=team_a,
                        note="本月重点：规范用语")
    for agent, skill in trainees:
        for course in rng.sample(catalogue, min(len(catalogue), rng.randint(2, 4))):
            enrolment = learning.enrol(agent, course)
            finish = rng.random() * 100 < skill + 15
            reached = len(course.segments) if finish else rng.randint(1, max(1, len(course.segments) - 1))
            segments = course.segments[:reached]
            for segment in segments:
                learning.visit(enrolment, segment)
                learning.add_time(enrolment, segment, 60)
            enrolment.seconds_spent = rng.randint(45, 70) * 60 if finish else rng.randint(8, 30) * 60
            if not finish:
                continue
            for practice_id, spec in course.practices.items():
                stage_points = "，".join(p["phrases"][0] for p in spec["key_points"])
                learning.submit_practice(enrolment, practice_id,
                                         f"{GOOD_REPLY.get(spec['script'], GOOD_REPLY['any'])}{stage_points}")
            questions = [row.question() for row in learning.quiz_questions(course)]
            answers = {q.id: answer_for(q, rng.random() * 100 < skill + 20, rng) for q in questions}
            learning.submit_quiz(enrolment, answers)
            if enrolment.status != "completed":
                learning.submit_quiz(enrolment, {q.id: answer_for(q, True, rng) for q in questions})
            if enrolment.status == "completed" and rng.random() < 0.85:
                learning.give_feedback(enrolment, rng.choice([5, 5, 5, 4, 4, 3]), rng.choice(
                    ["", "案例很贴近日常工作", "练习能马上看到哪里说得不对，很实用", "希望多一些投诉案例"]))
    overdue = next((e for agent, _ in trainees for e in learning.my_enrolments(agent) if e.status != "completed"),
                   None)
    if overdue is not None:
        overdue.due_date, overdue.assigned_by_id = date.today() - timedelta(days=3), lead.id
    db.session.commit()


def exams(trainees: list[tuple[User, int]], hr: User, rng: random.Random) -> None:
    draws = [assessment.Draw(c.id, 1, 5, 2) for c in assessment.categories()
             if len(assessment.pool(assessment.Draw(c.id, 1, 5, 2))) >= 2][:6]
    if not draws:
        return
    paper = assessment.create_paper(
        by=hr, title="服务规范季度闭卷考核", description="覆盖文明用语、电话规范、投诉与报修流程。", mode="random",
        question_ids=[], draws=draws, time_limit=30, max_attempts=1, pass_mark=60, shuffle_questions=True,
        shuffle_options=True, closed_book=True, team=None, opens_at=None, closes_at=None)
    for agent, skill in trainees:
        attempt = assessment.start_attempt(paper, agent)
        questions = assessment.attempt_questions(attempt)
        answers = {q.id: answer_for(q, rng.random() * 100 < skill, rng) for q in questions}
        assessment.save_answers(attempt, answers)
        assessment.submit(attempt, None)


def weekly(trainees: list[tuple[User, int]], rng: random.Random) -> None:
    item = assessment.weekly_question()
    if item is None:
        return
    question = item.question.question()
    for agent, skill in trainees[:-2]:
        assessment.answer_weekly(agent, answer_for(question, rng.random() * 100 < skill, rng))


def typing(trainees: list[tuple[User, int]], rng: random.Random) -> None:
    passages = assessment.passages()
    if not passages:
        return
    for agent, skill in trainees:
        passage = rng.choice(passages)
        attempt = assessment.start_typing(agent, passage)
        cpm = 40 + skill * 0.6 + rng.uniform(-8, 8)
        typed = passage.text[: int(len(passage.text) * rng.uniform(0.7, 1.0))]
        attempt.started_at = utcnow() - timedelta(seconds=len(typed) / cpm * 60)
        db.session.commit()
        assessment.submit_typing(attempt, typed)


def roleplays(trainees: list[tuple[User, int]], rng: random.Random) -> None:
    scenarios = roleplay.scenarios()
    if not scenarios:
        return
    for agent, skill in trainees:
        session = roleplay.start(agent, rng.choice(scenarios).id)
        scenario = roleplay.scenario_of(session)
        good = rng.random() * 100 < skill + 10
        while session.status == "in_progress":
            stage = scenario.stage(session.stage)
            polite = good or session.turns_taken > 0
            roleplay.take_turn(session, agent, _reply_for(stage, polite))


def requests(lead: User, hr: User, team: Team | None) -> None:
    first = learning.file_request(lead, title="升级投诉的安抚话术", team=team,
                                  need="最近两周升级到主管的投诉变多，新人在客户情绪激动时不知道怎么接话。")
    learning.decide_request(first, by=hr, approve=True, note="同意，纳入下月早课")
    learning.assign_instructor(first, instructor="客服培训组 陈老师")
    learning.file_request(lead, title="停水停电通知的解释口径", team=team,
                          need="计划停水时业主来电多，解释口径不统一。")


def spot_checks(lead: User, team: Team | None) -> None:
    if team is None:
        return
    for verdict in ("correct", "partial"):
        try:
            check = spotchecks.draw(lead, team)
        except ServiceError:
            return
        spotchecks.record(check, by=lead, verdict=verdict, note="早会抽查")
