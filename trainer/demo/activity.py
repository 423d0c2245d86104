"""Demo history made by driving the real services: courses taken, exams sat, weekly answers, typing tests,
role-plays, practice, training requests and spot checks — spread over the last three months.

Everything goes through the same code as a real user, so the demo shows exactly what the platform
records. Services that take a time (`record_evidence(at=…)`, `practise(at=…)`) are given it; the others
stamp rows with `utcnow()` themselves, so they are run inside `dated(at)`, which makes `utcnow()` answer
that moment while they run. The services are unchanged. Answers are right, and replies good, with a
probability that follows each trainee's skill on that day (`Agent.skill_at`), from a fixed seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from pathlib import Path

import yaml
from sqlalchemy import insert

from .. import timeutil
from ..accounts.models import Team, User
from ..assessment import services as assessment
from ..competency.models import Evidence
from ..content.questions import Question
from ..extensions import db
from ..learning import services as learning
from ..messages import ServiceError
from ..practice import services as practice
from ..review import spotchecks
from ..roleplay import services as roleplay
from ..roleplay.models import RoleplaySession
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

# --- time ----------------------------------------------------------------------------------------------


#: How far the demo clock moves on each reading inside `dated(…)`.
TICK = timedelta(milliseconds=1)


def _clock(at: datetime) -> type[datetime]:
    """`datetime` whose `now()` starts at `at` (naive UTC) and moves one TICK on every reading.

    The clock never looks at the real one, so the history is the same on a quiet laptop and on a loaded CI
    machine: real time passing while the demo runs would otherwise change reply times, typing speeds and
    with them the scores and the promotion story built on them.
    """
    readings = count(1)

    class DemoClock(datetime):
        @classmethod
        def now(cls, tz=None):
            moment = at + next(readings) * TICK
            return moment.replace(tzinfo=UTC).astimezone(tz) if tz is not None else moment

    return DemoClock


@contextmanager
def dated(at: datetime) -> Iterator[None]:
    """Run real services inside the block as if it were `at` (naive UTC).

    Every `trainer.timeutil.utcnow()` in the block — the services' own stamps and the models' column
    defaults — answers `at` and then a millisecond more on each call, so rows keep their order and the
    history does not depend on how fast the machine is. Rows are dated when they are written, because much
    of what is written here is append-only in the database itself (evidence, grades, disputes, audit
    records) and can never be re-dated afterwards. Only `utcnow` is moved: `date.today()` (due dates, this
    week's question) and the recall schedule stay on the real calendar. For the demo only; single-threaded
    (it swaps a module global), so it runs before any server starts.
    """
    previous = timeutil.clock
    timeutil.clock = _clock(at)
    try:
        yield
    finally:
        timeutil.clock = previous


@dataclass(frozen=True)
class Trainee:
    """A demo trainee: who they are, and how good they are from the start of their history to today."""

    username: str
    name: str
    grade: str
    months: int  # since hire
    start: float  # skill (the mean score of their work) when their history begins
    end: float  # … and today
    team: str  # team key
    story: str = "steady"  # improves | slips | new | steady

    def hire_date(self, today: date) -> date:
        return today - timedelta(days=30 * self.months + 3)


@dataclass
class Agent:
    """A demo trainee in the database with the timeline of their history."""

    user: User
    spec: Trainee
    first: datetime  # when their history begins (three months ago, or their hire date if later)
    now: datetime
    weak: frozenset[str] = frozenset()  # indicators their team is weaker on
    gap: float = 0.0  # by how much
    seed: int = 0

    def stream(self, name: str) -> random.Random:
        """This agent's own random stream for one kind of work: what happens in one never shifts another."""
        return random.Random(f"{self.seed}:{name}:{self.user.username}")

    def skill_at(self, at: datetime) -> float:
        span = (self.now - self.first).total_seconds() or 1.0
        share = min(1.0, max(0.0, (at - self.first).total_seconds() / span))
        return self.spec.start + (self.spec.end - self.spec.start) * share

    def level(self, at: datetime, indicators: Iterable[str] = ()) -> float:
        """The skill at `at`, lower on the team's weak indicators when the work measures them."""
        weak = bool(self.weak & set(indicators or ()))
        return self.skill_at(at) - (self.gap if weak else 0.0)

    def moments(self, count: int, rng: random.Random, *, since: datetime | None = None) -> list[datetime]:
        """`count` working-hours moments spread evenly (with jitter) over the agent's history, oldest first."""
        first = max(self.first, since or self.first)
        span = max(1.0, (self.now - first).total_seconds() / 86400)
        days = [span * (k + rng.uniform(0.1, 0.9)) / count for k in range(count)]
        return [moment(first + timedelta(days=d), self.now, rng) for d in days]


#: The demo history ends at the close of a working day (18:30 in China, 10:30 UTC).
DAY_CLOSES = time(10, 30)


def story_now(real: datetime | None = None) -> datetime:
    """The demo's 'now': the latest close of a working day that is not in the future (naive UTC).

    Anchoring the history there makes it the same whatever hour the demo is made: the spread of each
    trainee's work, and so every score and the promotion story built on them, would otherwise shift with
    the time of day.
    """
    real = real or utcnow()
    close = datetime.combine(real.date(), DAY_CLOSES)
    return close if close <= real else close - timedelta(days=1)


def moment(day: datetime, now: datetime, rng: random.Random) -> datetime:
    """A time during the working day (09:00–18:00 in China, 01:00–10:00 UTC) of `day`, never in the future."""
    at = day.replace(hour=rng.randint(1, 9), minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)
    return min(at, now - timedelta(minutes=rng.randint(20, 90)))


def quality(level: float, rng: random.Random) -> str:
    """good with a probability equal to the level (0–100); otherwise fair, or poor — never for an agent at
    65 or above, often for a weak one (level 50: 12 % of replies, level 40: 23 %)."""
    level = max(0.0, min(100.0, level))
    if rng.random() * 100 < level:
        return "good"
    return "poor" if rng.random() * 65 < 65 - level else "fair"


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
    if question.type == "matching":
        key = [question.choices.index(item.right) for item in question.items]
        return key if right else key[1:] + key[:1]  # every item given its neighbour's answer
    if question.type == "numerical":
        best = max(question.numeric, key=lambda a: a.weight)
        low, high = best.bounds()
        return f"{(low + high) / 2:g}" if right else "不清楚"
    phrases = "，".join(p.phrases[0] for p in question.key_points) if right else "我会处理的"
    if question.type == "short":
        return phrases
    return f"非常抱歉给您添麻烦了，{phrases}，请您放心，我们马上处理，谢谢您。" if right else "这个要看情况。"


# --- replies ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replies:
    practice: dict[str, dict[str, list[str]]]  # script -> quality -> texts
    fair_turns: dict[str, str]  # script -> a polite reply that answers nothing
    roleplays: dict[str, dict]  # scenario -> {"good": [[reply per stage], …], "rude": [...]}


def load_replies() -> Replies:
    data = yaml.safe_load((Path(__file__).parent / "replies.yaml").read_text(encoding="utf-8"))
    by_script: dict[str, dict[str, list[str]]] = {}
    for reply in data["replies"]:
        by_script.setdefault(reply["script"], {}).setdefault(reply["quality"], []).append(reply["text"])
    return Replies(by_script, data.get("fair_turns") or {}, data.get("roleplays") or {})


def _reply_for(stage, good: bool) -> str:
    """A reply built from the stage's key points, for scenarios without demo transcripts."""
    if not good:
        return RUDE_REPLY
    points = "，".join(p.phrases[0] for p in stage.key_points)
    return f"{GOOD_REPLY.get(stage.script, GOOD_REPLY['any'])}{points}。请您放心，我们会跟进，谢谢您。"


def practice_replies(agents: list[Agent], replies: Replies, rules, per_month: int = 2) -> None:
    """Free practice on the practice page, better or worse as the agent's skill that day."""
    scripts = sorted(replies.practice)
    for agent in agents:
        rng = agent.stream("practice")
        months = max(1, round((agent.now - agent.first).days / 30))
        for at in agent.moments(per_month * months, rng):
            script = rng.choice(scripts)
            level = agent.level(at, rules.script(script).indicators if script in rules.scripts else ())
            wanted = quality(level, rng)
            choices = replies.practice[script]
            texts = choices.get(wanted) or choices.get("fair") or choices.get("good") or []
            if texts:
                practice.practise(agent.user, script=script, text=rng.choice(texts), at=at)


def roleplays(agents: list[Agent], replies: Replies, per_month: int = 1) -> None:
    """Role-plays of varied quality: each turn is good, fair or poor as the trainee's skill that day."""
    scenarios = roleplay.scenarios()
    if not scenarios:
        return
    for agent in agents:
        rng = agent.stream("roleplay")
        months = max(1, round((agent.now - agent.first).days / 30))
        for at in agent.moments(per_month * months, rng):
            with dated(at):
                play(agent, rng.choice(scenarios).id, replies, rng, at)


def play(agent: Agent, scenario_id: str, replies: Replies, rng: random.Random, at: datetime) -> RoleplaySession:
    session = roleplay.start(agent.user, scenario_id)
    session.seed = f"demo{rng.getrandbits(48):012x}"  # the customer's lines, reproducible from the demo seed
    db.session.commit()
    scenario = roleplay.scenario_of(session)
    lines = replies.roleplays.get(scenario.id)
    wordings = [w for w in (lines or {}).get("good", []) if len(w) == len(scenario.stages)]
    order = rng.sample(wordings, len(wordings)) if wordings else []
    rude = list((lines or {}).get("rude") or [RUDE_REPLY])
    said: set[str] = set()
    while session.status == "in_progress":
        stage = scenario.stage(session.stage)
        position = scenario.stage_index(stage.id)
        wanted = quality(agent.level(at, (*stage.indicators, *scenario.indicators)), rng)
        good = [w[position] for w in order] + [_reply_for(stage, True)]
        options = {"good": good, "fair": [replies.fair_turns.get(stage.script) or replies.fair_turns.get("any", "")],
                   "poor": rude}[wanted]
        text = next((t for t in options if t and t not in said), None) or next(
            (t for t in good if t not in said), good[-1])
        said.add(text)
        # The trainee's thinking time comes from the demo seed.
        session.last_customer_at = timeutil.utcnow() - timedelta(seconds=rng.randint(8, 40))
        roleplay.take_turn(session, agent.user, text)
    return session


# --- courses, exams, weekly question, typing ----------------------------------------------------------


def courses(agents: list[Agent], lead: User, rng: random.Random) -> None:
    catalogue = learning.catalogue()
    if not catalogue or not agents:
        return
    now = agents[0].now
    team_a = lead.led_teams[0] if lead.led_teams else None
    if team_a is not None:
        with dated(moment(now - timedelta(days=12), now, rng)):
            learning.assign(catalogue[0], by=lead, due_date=date.today() + timedelta(days=10), team=team_a,
                            note="本月重点：规范用语")
    for agent in agents:
        own = agent.stream("courses")
        chosen = own.sample(catalogue, min(len(catalogue), 2))
        for course, at in zip(chosen, agent.moments(len(chosen), own), strict=True):
            with dated(at):
                take_course(agent.user, course, agent.skill_at(at), own)
    overdue = next((e for agent in agents for e in learning.my_enrolments(agent.user) if e.status != "completed"),
                   None)
    if overdue is not None:
        overdue.due_date, overdue.assigned_by_id = date.today() - timedelta(days=3), lead.id
    db.session.commit()


def take_course(user: User, course, skill: float, rng: random.Random) -> None:
    enrolment = learning.enrol(user, course)
    finish = rng.random() * 100 < skill + 15
    reached = len(course.segments) if finish else rng.randint(1, max(1, len(course.segments) - 1))
    for segment in course.segments[:reached]:
        learning.visit(enrolment, segment)
    enrolment.seconds_spent = rng.randint(45, 70) * 60 if finish else rng.randint(8, 30) * 60
    db.session.commit()
    if not finish:
        return
    for practice_id, spec in course.practices.items():
        good = rng.random() * 100 < skill + 10
        stage_points = "，".join(p["phrases"][0] for p in spec["key_points"]) if good else ""
        learning.submit_practice(enrolment, practice_id,
                                 f"{GOOD_REPLY.get(spec['script'], GOOD_REPLY['any'])}{stage_points}")
    questions = [row.question() for row in learning.quiz_questions(course)]
    answers = {q.id: answer_for(q, rng.random() * 100 < skill + 10, rng) for q in questions}
    learning.submit_quiz(enrolment, answers)
    if enrolment.status != "completed":  # one retake, a little better prepared
        learning.submit_quiz(enrolment, {q.id: answer_for(q, rng.random() * 100 < skill + 30, rng) for q in questions})
    if enrolment.status == "completed" and rng.random() < 0.85:
        learning.give_feedback(enrolment, rng.choice([5, 5, 5, 4, 4, 3]), rng.choice(
            ["", "案例很贴近日常工作", "练习能马上看到哪里说得不对，很实用", "希望多一些投诉案例"]))


def exams(agents: list[Agent], hr: User, rng: random.Random) -> None:
    """A closed-book paper each month; every trainee hired by then sits it a few days after it is set.

    The papers are fixed (two questions drawn here from each of six categories), so the same seed gives
    the same questions; the service still shuffles their order for each trainee.
    """
    categories = [c.id for c in assessment.categories()
                  if len(assessment.pool(assessment.Draw(c.id, 1, 5, 2))) >= 2][:6]
    if not categories or not agents:
        return
    now = agents[0].now
    for days_ago in (84, 54, 24):
        set_at = moment(now - timedelta(days=days_ago), now, rng)
        picked = [q for c in categories for q in rng.sample(assessment.pool(assessment.Draw(c, 1, 5, 2)), 2)]
        with dated(set_at):
            paper = assessment.create_paper(
                by=hr, title=f"服务规范月度闭卷考核（{set_at.month} 月）",
                description="覆盖文明用语、电话规范、投诉与报修流程。", mode="fixed", question_ids=picked, draws=[],
                time_limit=30, max_attempts=1, pass_mark=60, shuffle_questions=True, shuffle_options=True,
                closed_book=True, team=None, opens_at=None, closes_at=None)
        for agent in agents:
            own = agent.stream(f"exam-{days_ago}")
            at = moment(set_at + timedelta(days=own.randint(1, 5)), now, own)
            if at < agent.first:
                continue
            with dated(at):
                attempt = assessment.start_attempt(paper, agent.user)
                questions = sorted(assessment.attempt_questions(attempt), key=lambda q: q.id)
                level = agent.skill_at(at)
                answers = {q.id: answer_for(q, own.random() * 100 < level, own) for q in questions}
                assessment.save_answers(attempt, answers)
                assessment.submit(attempt, None)


def essay_exam(agents: list[Agent], hr: User) -> None:
    """The paper of replies.yaml's `essay_exam`, handed in and waiting for its essay to be graded (待批阅).

    It writes no evidence (a paper has none until every essay is graded), so the story's figures stand.
    """
    spec = yaml.safe_load((Path(__file__).parent / "replies.yaml").read_text(encoding="utf-8")).get("essay_exam")
    agent = next((a for a in agents if spec and a.user.username == spec["trainee"]), None)
    if agent is None or not all(assessment.bank_questions(spec["questions"]).get(q) for q in spec["questions"]):
        return
    own = agent.stream("essay-exam")
    set_at = moment(agent.now - timedelta(days=spec["days_ago"] + 1), agent.now, own)
    with dated(set_at):
        paper = assessment.create_paper(
            by=hr, title=spec["title"], description="匹配题、数值题和问答题；问答题由主管批阅。", mode="fixed",
            question_ids=spec["questions"], draws=[], time_limit=30, max_attempts=1, pass_mark=60,
            shuffle_questions=False, shuffle_options=True, closed_book=True, team=None, opens_at=None, closes_at=None)
    at = moment(agent.now - timedelta(days=spec["days_ago"]), agent.now, own)
    with dated(at):
        attempt = assessment.start_attempt(paper, agent.user)
        questions = [q for q in assessment.attempt_questions(attempt) if q.type != "description"]
        answers = {q.id: spec["answers"].get(q.id, answer_for(q, True, own)) for q in questions}
        assessment.save_answers(attempt, answers)
        assessment.submit(attempt, None)


def weekly(agents: list[Agent], hr: User, weeks: int = 6) -> None:
    """每周一题 for the last `weeks` weeks: most trainees answer most weeks, the last two not yet this week.

    The service answers only this week's question, so for an earlier week the demo makes that week's
    question this week's for a moment, has the trainees answer it, and files the answers under their week.
    """
    current = assessment.weekly_question()
    if current is None or not agents:
        return
    now = agents[0].now
    this_week = current.week_start
    original, chosen_by = current.question_id, current.chosen_by_id
    try:
        for back in range(weeks - 1, 0, -1):
            week = this_week - timedelta(weeks=back)
            past = assessment.weekly_question(week)
            if past is None:
                continue
            assessment.set_weekly_question(hr, past.question_id)
            _answer_week(agents, week, now, keep=0.85)
        assessment.set_weekly_question(hr, original)
    except assessment.AssessmentError:
        return
    current = assessment.weekly_question()
    assert current is not None  # set just above
    current.chosen_by_id = chosen_by
    db.session.commit()
    _answer_week(agents[:-2], this_week, now, keep=1.0)


def _answer_week(agents: list[Agent], week: date, now: datetime, keep: float) -> None:
    row = assessment.weekly_question()
    assert row is not None  # the demo's bank always has a question for the week
    question = row.question.question()
    for agent in agents:
        rng = agent.stream(f"weekly-{week.isoformat()}")
        at = moment(datetime.combine(week, datetime.min.time()) + timedelta(days=rng.randint(0, 4)), now, rng)
        if at < agent.first or rng.random() > keep:
            continue
        right = rng.random() * 100 < agent.skill_at(at)
        with dated(at):
            answer = assessment.answer_weekly(agent.user, answer_for(question, right, rng))
            answer.week_start = week  # filed under its own week (see above)
            db.session.commit()


def typing(agents: list[Agent], per_month: int = 1) -> None:
    passages = assessment.passages()
    if not passages:
        return
    for agent in agents:
        rng = agent.stream("typing")
        months = max(1, round((agent.now - agent.first).days / 30))
        for at in agent.moments(per_month * months, rng):
            passage = rng.choice(passages)
            with dated(at):
                attempt = assessment.start_typing(agent.user, passage)
                cpm = 40 + agent.level(at, ("it_skills",)) * 0.6 + rng.uniform(-8, 8)
                typed = passage.text[: int(len(passage.text) * rng.uniform(0.75, 1.0))]
                attempt.started_at = utcnow() - timedelta(seconds=len(typed) / cpm * 60)
                db.session.commit()
                assessment.submit_typing(attempt, typed)


# --- requests and spot checks ----------------------------------------------------------------------------


def requests(lead: User, hr: User, team: Team | None, now: datetime, rng: random.Random) -> None:
    with dated(moment(now - timedelta(days=48), now, rng)):
        first = learning.file_request(lead, title="升级投诉的安抚话术", team=team,
                                      need="最近两周升级到主管的投诉变多，新人在客户情绪激动时不知道怎么接话。")
    with dated(moment(now - timedelta(days=46), now, rng)):
        learning.decide_request(first, by=hr, approve=True, note="同意，纳入下月早课")
    with dated(moment(now - timedelta(days=43), now, rng)):
        learning.assign_instructor(first, instructor="客服培训组 陈老师")
    with dated(moment(now - timedelta(days=6), now, rng)):
        learning.file_request(lead, title="停水停电通知的解释口径", team=team,
                              need="计划停水时业主来电多，解释口径不统一。")


def spot_checks(lead: User, team: Team | None, now: datetime, rng: random.Random) -> None:
    if team is None:
        return
    for verdict, days_ago in (("correct", 9), ("partial", 2)):
        with dated(moment(now - timedelta(days=days_ago), now, rng)):
            try:
                check = spotchecks.draw(lead, team, rng)
            except ServiceError:
                return
            spotchecks.record(check, by=lead, verdict=verdict, note="早会抽查")


def seeded_evidence(agents: list[Agent], indicator_ids: list[str]) -> None:
    """Supervisors' day-to-day observations, three or four per indicator a month, following the skill curve.

    Written in one bulk insert (they come from no service); the standings are rebuilt at the end.
    """
    rows = []
    for agent in agents:
        rng = agent.stream("observations")
        months = max(1, round((agent.now - agent.first).days / 30))
        for indicator in indicator_ids:
            if rng.random() < 0.1:  # nobody has been measured on everything yet
                continue
            for at in agent.moments(months * rng.randint(3, 4), rng):
                value = max(20.0, min(100.0, rng.gauss(agent.level(at, (indicator,)), 7)))
                rows.append({"agent_id": agent.user.id, "indicator_id": indicator, "value": round(value, 1),
                             "source_kind": "demo", "source_id": "seed", "note": "演示数据：主管日常观察",
                             "recorded_at": at})
    if rows:
        db.session.execute(insert(Evidence), rows)
    db.session.commit()
