"""Assessment rules: exam papers and attempts, the recall schedule of missed questions, 每周一题, spot checks,
the typing drill, and the numbers supervisors judge their exams by."""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fsrs import Card, Rating, Scheduler
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts import services as accounts
from ..accounts.models import Team, User
from ..competency import services as competency
from ..content.questions import HAND_GRADED, UNANSWERED, Question
from ..extensions import db, rows_matched
from ..rules import services as phrase_rules
from ..sync import IMPORTED
from ..timeutil import utcnow
from . import analysis
from .grading import Grade, coerce_answer, grade, indicator_scores
from .models import (
    BankQuestion,
    ExamAttempt,
    ExamPaper,
    QuestionCategory,
    RecallCard,
    TypingAttempt,
    TypingPassage,
    WeeklyAnswer,
    WeeklyQuestion,
)
from .typing import TypingResult, measure

#: A submission this late after the deadline still counts (the click was in time, the network was not).
SUBMIT_GRACE = timedelta(seconds=30)
DAILY_RECALL_LIMIT = 10
AUTO_GRADED = ("single", "multiple", "truefalse", "fill", "matching", "numerical")
#: an attempt with an essay still to be graded (待批阅): its result waits for the grader
MARKING = "marking"


class AssessmentError(Exception):
    """A rule was broken; `key` names the message in trainer.messages."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values


def categories() -> list[QuestionCategory]:
    return list(db.session.scalars(select(QuestionCategory).order_by(QuestionCategory.position)))


def bank_counts() -> list[tuple[QuestionCategory, dict[str, int], int]]:
    """Per category: live questions by type, and how many of them came from GIFT or Excel imports."""
    rows = db.session.execute(select(BankQuestion.category_id, BankQuestion.type, BankQuestion.source_path)
                              .where(BankQuestion.retired.is_(False))).all()
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    imported: dict[str, int] = defaultdict(int)
    for category, kind, source in rows:
        by_category[category][kind] += 1
        imported[category] += source.startswith(IMPORTED)
    return [(c, dict(by_category.get(c.id, {})), imported.get(c.id, 0)) for c in categories()]


def bank_questions(ids: list[str]) -> dict[str, BankQuestion]:
    if not ids:
        return {}
    return {q.id: q for q in db.session.scalars(select(BankQuestion).where(BankQuestion.id.in_(ids)))}


# --- exam papers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draw:
    category: str
    low: int
    high: int
    count: int


def pool(draw: Draw) -> list[str]:
    """The live questions a random draw may pick from, so a paper is refused when a draw cannot be filled."""
    return list(db.session.scalars(
        select(BankQuestion.id).where(
            BankQuestion.category_id == draw.category, BankQuestion.retired.is_(False),
            BankQuestion.type.not_in(UNANSWERED),  # a description introduces a fixed paper's questions
            BankQuestion.difficulty >= draw.low, BankQuestion.difficulty <= draw.high,
        ).order_by(BankQuestion.id)
    ))


def create_paper(*, by: User, title: str, description: str, mode: str, question_ids: list[str], draws: list[Draw],
                 time_limit: int, max_attempts: int, pass_mark: int, shuffle_questions: bool, shuffle_options: bool,
                 closed_book: bool, team: Team | None, opens_at: datetime | None,
                 closes_at: datetime | None) -> ExamPaper:
    if by.role == "supervisor" and (team is None or team not in by.led_teams):
        raise AssessmentError("exam.team_required")
    if opens_at and closes_at and closes_at <= opens_at:
        raise AssessmentError("exam.window")
    if mode == "fixed":
        rows = bank_questions(question_ids)
        unknown = [q for q in question_ids if q not in rows or rows[q].retired]
        if unknown:
            raise AssessmentError("exam.unknown_questions", ids="、".join(unknown))
        if not question_ids:
            raise AssessmentError("exam.no_questions")
    else:
        if not draws:
            raise AssessmentError("exam.no_questions")
        for draw in draws:
            available = len(pool(draw))
            if available < draw.count:
                raise AssessmentError("exam.not_enough", category=draw.category, low=draw.low, high=draw.high,
                                      wanted=draw.count, available=available)
    paper = ExamPaper(
        title=title.strip(), description=description.strip(), mode=mode,
        question_ids=list(dict.fromkeys(question_ids)) if mode == "fixed" else [],
        draws=[vars(d) for d in draws] if mode == "random" else [], time_limit=time_limit, max_attempts=max_attempts,
        pass_mark=pass_mark, shuffle_questions=shuffle_questions, shuffle_options=shuffle_options,
        closed_book=closed_book, team_id=team.id if team else None, opens_at=opens_at, closes_at=closes_at,
        created_by_id=by.id,
    )
    db.session.add(paper)
    db.session.commit()
    return paper


def papers_managed_by(viewer: User) -> list[ExamPaper]:
    query = select(ExamPaper).order_by(ExamPaper.created_at.desc())
    if viewer.role == "supervisor":
        team_ids = [t.id for t in viewer.led_teams]
        query = query.where((ExamPaper.created_by_id == viewer.id) | ExamPaper.team_id.in_(team_ids))
    return list(db.session.scalars(query))


def can_manage_paper(viewer: User, paper: ExamPaper) -> bool:
    return viewer.role == "hr" or paper.created_by_id == viewer.id or paper.team_id in {t.id for t in viewer.led_teams}


def attempts_used(paper: ExamPaper, user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(ExamAttempt).where(
        ExamAttempt.paper_id == paper.id, ExamAttempt.user_id == user.id)) or 0


def is_open(paper: ExamPaper, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return paper.published and (paper.opens_at is None or paper.opens_at <= now) and (
        paper.closes_at is None or now < paper.closes_at)


def papers_for(user: User) -> list[ExamPaper]:
    """Papers a trainee may sit: for everyone or for their team, published."""
    return list(db.session.scalars(
        select(ExamPaper).where(ExamPaper.published.is_(True),
                                (ExamPaper.team_id.is_(None)) | (ExamPaper.team_id == user.team_id))
        .order_by(ExamPaper.created_at.desc())
    ))


def my_attempts(user: User) -> list[ExamAttempt]:
    return list(db.session.scalars(select(ExamAttempt).where(ExamAttempt.user_id == user.id)
                                   .order_by(ExamAttempt.started_at.desc())))


# --- attempts ----------------------------------------------------------------------------------------


def open_attempt(user: User, paper: ExamPaper | None = None) -> ExamAttempt | None:
    """The user's unfinished attempt (of `paper`, or of any paper), finalised first if its time ran out."""
    query = select(ExamAttempt).where(ExamAttempt.user_id == user.id, ExamAttempt.status == "in_progress")
    if paper is not None:
        query = query.where(ExamAttempt.paper_id == paper.id)
    for attempt in db.session.scalars(query.order_by(ExamAttempt.started_at.desc())):
        if not finalise_if_expired(attempt):
            return attempt
    return None


def start_attempt(paper: ExamPaper, user: User) -> ExamAttempt:
    """Start (or resume) a sitting: draw the questions and fix their order and option order now."""
    if paper.team_id is not None and paper.team_id != user.team_id:
        raise AssessmentError("exam.not_for_you")
    existing = open_attempt(user, paper)
    if existing is not None:
        return existing
    if not is_open(paper):
        raise AssessmentError("exam.closed")
    if paper.max_attempts and attempts_used(paper, user) >= paper.max_attempts:
        raise AssessmentError("exam.no_attempts_left")
    rng = random.Random(secrets.randbits(64))
    if paper.mode == "fixed":
        live = bank_questions(list(paper.question_ids))
        ids = [q for q in paper.question_ids if q in live and not live[q].retired]
    else:
        ids = []
        for draw in paper.draws:
            drawn = [q for q in pool(Draw(**draw)) if q not in ids]
            ids += rng.sample(drawn, min(draw["count"], len(drawn)))
    if not ids:
        raise AssessmentError("exam.no_questions")
    rows = bank_questions(ids)
    if paper.shuffle_questions:
        ids = _shuffled(ids, rows, rng)
    order = {}
    for qid in ids:
        row = rows[qid]
        count = len(row.question().choices) if row.type == "matching" else len(row.data.get("options", []))
        if count:
            indices = list(range(count))
            if paper.shuffle_options:
                rng.shuffle(indices)
            order[qid] = indices
    now = utcnow()
    deadline = now + timedelta(minutes=paper.time_limit)
    if paper.closes_at is not None:
        deadline = min(deadline, paper.closes_at)
    attempt = ExamAttempt(paper_id=paper.id, user_id=user.id, started_at=now, deadline=deadline, question_ids=ids,
                          option_order=order, answers={})
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _shuffled(ids: list[str], rows: dict[str, BankQuestion], rng: random.Random) -> list[str]:
    """Questions shuffled within each group a description opens; the descriptions stay at their groups' heads."""
    groups: list[list[str]] = [[]]
    for qid in ids:
        if rows[qid].type in UNANSWERED:
            groups.append([qid])
        else:
            groups[-1].append(qid)
    shuffled: list[str] = []
    for group in groups:
        head = group[:1] if group and rows[group[0]].type in UNANSWERED else []
        rest = group[len(head):]
        rng.shuffle(rest)
        shuffled += head + rest
    return shuffled


def attempt_questions(attempt: ExamAttempt) -> list[Question]:
    rows = bank_questions(attempt.question_ids)
    return [rows[qid].question() for qid in attempt.question_ids if qid in rows]


def remaining_seconds(attempt: ExamAttempt) -> int:
    return max(0, int((attempt.deadline - utcnow()).total_seconds()))


def save_answers(attempt: ExamAttempt, answers: dict[str, object]) -> None:
    """Autosave: validate every answer first, then merge them all (nothing half-saved)."""
    if attempt.status != "in_progress":
        raise AssessmentError("exam.already_submitted")
    if utcnow() > attempt.deadline:
        finalise_if_expired(attempt)
        raise AssessmentError("exam.time_up")
    questions = {q.id: q for q in attempt_questions(attempt)}
    cleaned = {}
    for qid, value in answers.items():
        if qid not in questions:
            raise AssessmentError("exam.not_in_attempt", id=qid)
        try:
            cleaned[qid] = coerce_answer(questions[qid], value)
        except ValueError as err:
            raise AssessmentError("exam.bad_answer", id=qid, reason=str(err)) from err
    merged = {**attempt.answers, **cleaned}
    db.session.execute(update(ExamAttempt).where(ExamAttempt.id == attempt.id, ExamAttempt.status == "in_progress")
                       .values(answers=merged, saved_at=utcnow()))
    db.session.commit()
    db.session.refresh(attempt)


def finalise_if_expired(attempt: ExamAttempt) -> bool:
    """Grade a sitting whose time ran out, on what was saved. True if it is (now) finished."""
    if attempt.status != "in_progress":
        return True
    if utcnow() <= attempt.deadline + SUBMIT_GRACE:
        return False
    _grade_and_close(attempt, timed_out=True)
    return True


def submit(attempt: ExamAttempt, answers: dict[str, object] | None) -> ExamAttempt:
    """Hand in. After the deadline new answers are refused politely and the saved ones are graded."""
    if attempt.status != "in_progress":
        raise AssessmentError("exam.already_submitted")
    late = utcnow() > attempt.deadline + SUBMIT_GRACE
    if answers and not late:
        save_answers(attempt, {k: v for k, v in answers.items() if v is not None})
    if not _grade_and_close(attempt, timed_out=late):
        raise AssessmentError("exam.already_submitted")
    if late:
        raise AssessmentError("exam.submitted_late", score=attempt.score)
    return attempt


def _grade_and_close(attempt: ExamAttempt, *, timed_out: bool) -> bool:
    """Claim the attempt atomically (two tabs submitting at once: exactly one wins), then grade it."""
    claimed = rows_matched(
        update(ExamAttempt).where(ExamAttempt.id == attempt.id, ExamAttempt.status == "in_progress")
        .values(status="grading")
    )
    db.session.commit()
    if claimed != 1:
        db.session.refresh(attempt)
        return False
    db.session.refresh(attempt)
    rules = phrase_rules.rules_in_force()
    questions = [q for q in attempt_questions(attempt) if q.type not in UNANSWERED]
    graded = [(q, grade(q, attempt.answers.get(q.id), rules)) for q in questions]
    attempt.results = {q.id: {"score": g.score, "correct": g.correct, "detail": g.detail, "pending": g.pending}
                       for q, g in graded}
    attempt.submitted_at, attempt.timed_out = utcnow(), timed_out
    for question, result in graded:
        if not result.pending:  # an essay enters the recall schedule once it has been graded
            schedule_recall(attempt.user, question.id, result, source="exam", commit=False)
    _enqueue_written_answers(attempt, graded)
    if any(g.pending for _, g in graded):
        attempt.status, attempt.score, attempt.passed = MARKING, None, None
    else:
        _finish(attempt, graded)
    db.session.commit()
    return True


def _finish(attempt: ExamAttempt, graded: list[tuple[Question, Grade]], *, regraded_by: User | None = None) -> None:
    """Every answer has its mark: the paper's score, pass or fail, and the competency evidence it gives.

    After an essay's regrade (`regraded_by`) the evidence is recorded again, each new record superseding
    the one in force, so the paper's earlier evidence is kept, never overwritten.
    """
    value = round(100 * sum(g.score for _, g in graded) / len(graded), 1) if graded else 0.0
    attempt.score, attempt.passed, attempt.status = value, value >= attempt.paper.pass_mark, "submitted"
    heads = {} if regraded_by is None else {
        e.indicator_id: e for e in competency.evidence_in_force(attempt.user, "exam", str(attempt.id))}
    note = attempt.paper.title if regraded_by is None else f"{attempt.paper.title} · 问答题改分"
    for indicator, indicator_value in indicator_scores(graded).items():
        competency.record_evidence(agent=attempt.user, indicator_id=indicator, value=indicator_value,
                                   source_kind="exam", source_id=str(attempt.id), recorded_by=regraded_by,
                                   note=note, supersedes=heads.get(indicator), commit=False)


def _graded_results(attempt: ExamAttempt) -> list[tuple[Question, Grade]]:
    """The stored results as grades, in the paper's order (descriptions have none)."""
    graded = []
    for question in attempt_questions(attempt):
        stored = attempt.results.get(question.id)
        if stored is not None:
            graded.append((question, Grade(stored["score"], stored["correct"], True, stored.get("detail") or {},
                                           bool(stored.get("pending")))))
    return graded


def mark_essay(attempt_id: int, question_id: str, mark: float, *, by: User, grade_id: int) -> ExamAttempt | None:
    """A grader's mark (0–100) for one essay answer; the paper is finished once no essay is left to grade.

    A later regrade changes the mark and, when the paper was already finished, its score and evidence
    (see `_finish`). The caller (the review room's grade) commits; the grade itself is the audit record.
    """
    attempt = db.session.get(ExamAttempt, attempt_id)
    if attempt is None or question_id not in attempt.results or attempt.status not in (MARKING, "submitted"):
        return None
    results = {k: dict(v) for k, v in attempt.results.items()}
    entry = results[question_id]
    entry.update(score=round(mark / 100, 4), correct=mark >= attempt.paper.pass_mark, pending=False)
    entry["detail"] = {**(entry.get("detail") or {}), "marked_by": by.display_name, "grade_id": grade_id}
    attempt.results = results
    schedule_recall(attempt.user, question_id, Grade(entry["score"], entry["correct"], True), source="exam",
                    commit=False)
    graded = _graded_results(attempt)
    if not any(g.pending for _, g in graded):
        _finish(attempt, graded, regraded_by=by if attempt.status == "submitted" else None)
    return attempt


def _enqueue_written_answers(attempt: ExamAttempt, graded: list[tuple[Question, Grade]]) -> None:
    """Short answers and scripted replies are the answers a person should be able to grade."""
    from ..review import hits, queue

    for question, result in graded:
        answer = attempt.answers.get(question.id)
        if question.type not in ("short", "reply", *HAND_GRADED) or not isinstance(answer, str) or not answer.strip():
            continue
        if result.pending:  # an essay: always in front of a grader, with no machine score to start from
            queue.enqueue(kind="exam_essay", source_id=f"{attempt.id}:{question.id}", agent=attempt.user,
                          title=f"{attempt.paper.title} · {question.stem[:30]}", context=f"paper:{attempt.paper_id}",
                          auto_score=None, flags=[], indicators=question.indicators, at=attempt.submitted_at,
                          always=True)
            continue
        report = result.detail.get("report") or {}
        flags = hits.flags_of([hits.Turn(0, "trainee", answer, report)], passed=result.correct)
        queue.enqueue(kind="exam_answer", source_id=f"{attempt.id}:{question.id}", agent=attempt.user,
                      title=f"{attempt.paper.title} · {question.stem[:30]}", context=f"paper:{attempt.paper_id}",
                      auto_score=round(100 * result.score, 1), flags=flags, indicators=question.indicators,
                      at=attempt.submitted_at)


# --- recall: spaced repetition of missed questions (FSRS) ---------------------------------------------

# Day-granular scheduling: a daily recall page has no use for FSRS's minute-long learning steps.
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def _now_utc() -> datetime:
    return datetime.now(UTC)


def schedule_recall(user: User, question_id: str, result: Grade, *, source: str, commit: bool = True) -> None:
    """A wrong answer puts the question on the user's recall schedule; later answers move it along."""
    if not result.answered and result.score == 0:
        rating = Rating.Again
    else:
        rating = Rating.Good if result.correct else Rating.Again
    card_row = db.session.scalar(select(RecallCard).where(RecallCard.user_id == user.id,
                                                           RecallCard.question_id == question_id))
    if card_row is None and rating is Rating.Good:
        return
    card = Card.from_dict(card_row.card) if card_row else Card()
    card, _ = SCHEDULER.review_card(card, rating, _now_utc())
    due = card.due.astimezone(UTC).replace(tzinfo=None)
    if card_row is None:
        card_row = RecallCard(user_id=user.id, question_id=question_id, card=card.to_dict(), due=due, source=source)
        db.session.add(card_row)
    card_row.card, card_row.due = card.to_dict(), due
    card_row.recalls = (card_row.recalls or 0) + 1
    card_row.lapses = (card_row.lapses or 0) + (1 if rating is Rating.Again else 0)
    if commit:
        db.session.commit()


def due_recalls(user: User, limit: int = DAILY_RECALL_LIMIT) -> list[RecallCard]:
    """Today's recall: cards due by the end of today, most overdue first."""
    end_of_day = utcnow().replace(hour=23, minute=59, second=59)
    return list(db.session.scalars(
        select(RecallCard).join(BankQuestion).where(
            RecallCard.user_id == user.id, RecallCard.due <= end_of_day, BankQuestion.retired.is_(False))
        .order_by(RecallCard.due).limit(limit)
    ))


def recall_counts(user: User) -> tuple[int, int]:
    """(due today, on the schedule in all)."""
    end_of_day = utcnow().replace(hour=23, minute=59, second=59)
    due = db.session.scalar(select(func.count()).select_from(RecallCard).where(
        RecallCard.user_id == user.id, RecallCard.due <= end_of_day)) or 0
    total = db.session.scalar(select(func.count()).select_from(RecallCard).where(RecallCard.user_id == user.id)) or 0
    return due, total


def answer_recalls(user: User, answers: dict[str, object]) -> list[tuple[RecallCard, Grade]]:
    cards = due_recalls(user)
    rules = phrase_rules.rules_in_force()
    results = []
    for card in cards:
        if card.question_id not in answers:
            continue
        question = card.question.question()
        result = grade(question, answers[card.question_id], rules)
        schedule_recall(user, question.id, result, source=card.source, commit=False)
        results.append((card, result))
    db.session.commit()
    return results


# --- 每周一题 ----------------------------------------------------------------------------------------


def week_start(day: date | None = None) -> date:
    day = day or date.today()
    return day - timedelta(days=day.weekday())


def weekly_question(week: date | None = None) -> WeeklyQuestion | None:
    """This week's question; picked automatically (and remembered) the first time anyone asks."""
    week = week or week_start()
    row = db.session.scalar(select(WeeklyQuestion).where(WeeklyQuestion.week_start == week))
    if row is not None:
        return row
    recent = set(db.session.scalars(select(WeeklyQuestion.question_id).where(
        WeeklyQuestion.week_start >= week - timedelta(weeks=26))))
    pool = [q for q in db.session.scalars(select(BankQuestion.id).where(
        BankQuestion.retired.is_(False), BankQuestion.type.in_(AUTO_GRADED)).order_by(BankQuestion.id))
        if q not in recent]
    if not pool:
        return None
    pick = pool[random.Random(week.toordinal()).randrange(len(pool))]
    db.session.add(WeeklyQuestion(week_start=week, question_id=pick))
    try:
        db.session.commit()
    except IntegrityError:  # another request picked it first
        db.session.rollback()
    return db.session.scalar(select(WeeklyQuestion).where(WeeklyQuestion.week_start == week))


def set_weekly_question(by: User, question_id: str, week: date | None = None) -> WeeklyQuestion:
    week = week or week_start()
    row = bank_questions([question_id]).get(question_id)
    if row is None or row.retired:
        raise AssessmentError("weekly.unknown_question")
    if row.type not in AUTO_GRADED:
        raise AssessmentError("weekly.not_auto_graded")
    answered = db.session.scalar(select(func.count()).select_from(WeeklyAnswer).where(WeeklyAnswer.week_start == week))
    if answered:
        raise AssessmentError("weekly.already_answered")
    weekly = db.session.scalar(select(WeeklyQuestion).where(WeeklyQuestion.week_start == week))
    if weekly is None:
        weekly = WeeklyQuestion(week_start=week, question_id=question_id)
        db.session.add(weekly)
    weekly.question_id, weekly.chosen_by_id = question_id, by.id
    db.session.commit()
    return weekly


def weekly_answer_of(user: User, week: date | None = None) -> WeeklyAnswer | None:
    return db.session.scalar(select(WeeklyAnswer).where(WeeklyAnswer.week_start == (week or week_start()),
                                                        WeeklyAnswer.user_id == user.id))


def answer_weekly(user: User, value: object) -> WeeklyAnswer:
    weekly = weekly_question()
    if weekly is None:
        raise AssessmentError("weekly.none")
    if weekly_answer_of(user, weekly.week_start) is not None:
        raise AssessmentError("weekly.already")
    question = weekly.question.question()
    result = grade(question, value, phrase_rules.rules_in_force())
    answer = WeeklyAnswer(week_start=weekly.week_start, user_id=user.id, question_id=question.id,
                          answer={"value": value}, score=result.score, correct=result.correct)
    db.session.add(answer)
    try:
        db.session.flush()
    except IntegrityError as err:  # the same trainee answering from two tabs
        db.session.rollback()
        raise AssessmentError("weekly.already") from err
    for indicator in question.indicators:
        competency.record_evidence(agent=user, indicator_id=indicator, value=result.score * 100, source_kind="weekly",
                                   source_id=str(answer.id), note="每周一题", commit=False)
    schedule_recall(user, question.id, result, source="weekly", commit=False)
    db.session.commit()
    return answer


@dataclass(frozen=True)
class TeamWeek:
    team: Team
    rows: list[tuple[User, WeeklyAnswer | None]]
    leaderboard: list[tuple[User, int, int]]  # user, correct answers, weeks answered (last `weeks`)

    @property
    def participation(self) -> float | None:
        return sum(1 for _, a in self.rows if a) / len(self.rows) if self.rows else None

    @property
    def accuracy(self) -> float | None:
        answered = [a for _, a in self.rows if a]
        return sum(1 for a in answered if a.correct) / len(answered) if answered else None


def weekly_overview(viewer: User, week: date | None = None, weeks: int = 8) -> list[TeamWeek]:
    week = week or week_start()
    teams = accounts.managed_teams(viewer)
    since = week - timedelta(weeks=weeks - 1)
    overview = []
    for team in teams:
        members = [m for m in team.members if m.role == "trainee" and m.active]
        ids = [m.id for m in members]
        answers = {a.user_id: a for a in db.session.scalars(select(WeeklyAnswer).where(
            WeeklyAnswer.week_start == week, WeeklyAnswer.user_id.in_(ids)))} if ids else {}
        history: dict[int, list[WeeklyAnswer]] = defaultdict(list)
        if ids:
            for answer in db.session.scalars(select(WeeklyAnswer).where(
                    WeeklyAnswer.week_start >= since, WeeklyAnswer.user_id.in_(ids))):
                history[answer.user_id].append(answer)
        board = sorted(((m, sum(a.correct for a in history[m.id]), len(history[m.id])) for m in members),
                       key=lambda row: (-row[1], -row[2], row[0].username))
        overview.append(TeamWeek(team, [(m, answers.get(m.id)) for m in members], board))
    return overview


# --- typing drill ------------------------------------------------------------------------------------


def passages() -> list[TypingPassage]:
    return list(db.session.scalars(select(TypingPassage).where(TypingPassage.retired.is_(False))
                                   .order_by(TypingPassage.id)))


def start_typing(user: User, passage: TypingPassage) -> TypingAttempt:
    attempt = TypingAttempt(user_id=user.id, passage_id=passage.id, started_at=utcnow())
    db.session.add(attempt)
    db.session.commit()
    return attempt


def submit_typing(attempt: TypingAttempt, typed: str) -> TypingResult:
    claimed = rows_matched(update(TypingAttempt).where(
        TypingAttempt.id == attempt.id, TypingAttempt.submitted_at.is_(None)).values(submitted_at=utcnow()))
    db.session.commit()
    if claimed != 1:
        raise AssessmentError("typing.already")
    db.session.refresh(attempt)
    assert attempt.submitted_at is not None  # set by the claim above
    seconds = (attempt.submitted_at - attempt.started_at).total_seconds()
    result = measure(attempt.passage.text, typed, seconds)
    attempt.typed, attempt.seconds = typed, round(seconds, 1)
    attempt.correct_chars, attempt.cpm, attempt.accuracy = result.correct, result.cpm, result.accuracy
    competency.record_evidence(agent=attempt.user, indicator_id="it_skills", value=result.value, source_kind="typing",
                               source_id=str(attempt.id), note=f"{result.cpm:.0f} 字/分, 正确率 {result.accuracy:.0%}",
                               commit=False)
    db.session.commit()
    return result


def typing_history(user: User, limit: int = 10) -> list[TypingAttempt]:
    return list(db.session.scalars(select(TypingAttempt).where(
        TypingAttempt.user_id == user.id, TypingAttempt.submitted_at.is_not(None))
        .order_by(TypingAttempt.submitted_at.desc()).limit(limit)))


# --- exam reports ------------------------------------------------------------------------------------


def _score(attempt: ExamAttempt) -> float:
    """The score of a submitted attempt (every submitted attempt has been graded)."""
    assert attempt.score is not None
    return attempt.score


@dataclass(frozen=True)
class PaperReport:
    paper: ExamPaper
    attempts: list[ExamAttempt]
    histogram: list[tuple[str, int]]
    teams: list[tuple[str, int, float]]  # team name, attempts, mean score
    items: list[tuple[analysis.ItemStats, BankQuestion | None]]
    marking: int = 0  # handed in, an essay still to grade: not in the figures until it is

    @property
    def mean(self) -> float | None:
        return round(sum(_score(a) for a in self.attempts) / len(self.attempts), 1) if self.attempts else None

    @property
    def pass_rate(self) -> float | None:
        return sum(1 for a in self.attempts if a.passed) / len(self.attempts) if self.attempts else None


def paper_report(viewer: User, paper: ExamPaper) -> PaperReport:
    agents = {u.id: u for u in accounts.visible_agents(viewer)}
    handed_in = [a for a in db.session.scalars(select(ExamAttempt).where(
        ExamAttempt.paper_id == paper.id, ExamAttempt.status.in_(("submitted", MARKING)))
        .order_by(ExamAttempt.submitted_at)) if a.user_id in agents]
    attempts = [a for a in handed_in if a.status == "submitted"]
    by_team: dict[str, list[float]] = defaultdict(list)
    for attempt in attempts:
        team = agents[attempt.user_id].team
        by_team[team.name if team else "未分组"].append(_score(attempt))
    stats = analysis.item_analysis([{k: v["score"] for k, v in a.results.items()} for a in attempts])
    rows = bank_questions([s.question_id for s in stats])
    return PaperReport(
        paper=paper, attempts=attempts, histogram=analysis.histogram([_score(a) for a in attempts]),
        teams=sorted(((name, len(v), round(sum(v) / len(v), 1)) for name, v in by_team.items()), key=lambda t: t[0]),
        items=[(s, rows.get(s.question_id)) for s in stats], marking=len(handed_in) - len(attempts),
    )
