"""Micro-course rules: enrolment, progress and time, practice and quiz, completion, feedback, assignments,
course reports and the training-request workflow."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..accounts import services as accounts
from ..accounts.models import Team, User
from ..assessment.grading import grade, indicator_scores
from ..assessment.models import BankQuestion
from ..competency import services as competency
from ..competency.stats import weakest
from ..extensions import db
from ..practice import services as practice
from ..practice.models import PracticeAttempt
from ..rules import services as phrase_rules
from ..scoring import KeyPoint
from ..scoring.facts import Facts
from ..timeutil import utcnow
from .models import (
    Course,
    CourseAssignment,
    CourseFeedback,
    CourseQuizAttempt,
    CourseSegment,
    Enrolment,
    SegmentProgress,
    TrainingRequest,
)

#: A heartbeat never credits more than this, so a tab left open overnight does not count as study time.
MAX_HEARTBEAT_SECONDS = 90


class LearningError(Exception):
    """A rule was broken; `key` names the message in trainer.messages."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values


# --- catalogue ---------------------------------------------------------------------------------------


def catalogue(series: str | None = None, indicator: str | None = None) -> list[Course]:
    query = select(Course).where(Course.retired.is_(False))
    if series:
        query = query.where(Course.series == series)
    courses = list(db.session.scalars(query.order_by(Course.series, Course.series_order, Course.title)))
    if indicator:
        courses = [c for c in courses if indicator in c.indicators]
    return courses


def all_series() -> list[str]:
    return list(db.session.scalars(
        select(Course.series).where(Course.retired.is_(False)).distinct().order_by(Course.series)
    ))


def get_course(slug: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def recommended(user: User, limit: int = 3) -> list[tuple[Course, list[str]]]:
    """Courses that develop the trainee's weakest weighted indicators, not yet completed."""
    profile = competency.profile(user)
    if profile is None:
        return []
    scores = {row.info.id: row.score for group in profile.groups for row in group.indicators}
    combined = profile.model.combined
    priority = weakest(scores, combined, limit=len(combined))
    rank = {indicator: i for i, indicator in enumerate(priority[:4])}
    done = set(db.session.scalars(
        select(Enrolment.course_id).where(Enrolment.user_id == user.id, Enrolment.status == "completed")
    ))
    picks = []
    for course in catalogue():
        hits = [i for i in course.indicators if i in rank]
        if course.id in done or not hits:
            continue
        gain = sum((100 - (scores.get(i) or 0)) * combined.get(i, 0) for i in hits)
        picks.append((gain, course, sorted(hits, key=rank.__getitem__)))
    picks.sort(key=lambda item: (-item[0], item[1].title))
    return [(course, hits) for _, course, hits in picks[:limit]]


# --- enrolment and progress --------------------------------------------------------------------------


def enrolment_for(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))


def my_enrolments(user: User) -> list[Enrolment]:
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.status, Enrolment.due_date,
                                                                       Enrolment.enrolled_at.desc())
    ))


def enrol(user: User, course: Course, *, due_date: date | None = None, assigned_by: User | None = None,
          commit: bool = True) -> Enrolment:
    """Idempotent: enrolling twice returns the same enrolment (an assignment may tighten its due date)."""
    if course.retired:
        raise LearningError("learning.retired")
    enrolment = enrolment_for(user, course)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course.id, due_date=due_date,
                              assigned_by_id=assigned_by.id if assigned_by else None, course_version=course.version,
                              current_key=course.segments[0].key if course.segments else "")
        db.session.add(enrolment)
    elif due_date is not None and enrolment.status != "completed":
        enrolment.due_date = due_date if enrolment.due_date is None else min(enrolment.due_date, due_date)
        enrolment.assigned_by_id = assigned_by.id if assigned_by else enrolment.assigned_by_id
    if commit:
        db.session.commit()
    return enrolment


def missing_prerequisites(user: User, course: Course) -> list[Course]:
    if not course.prerequisites:
        return []
    done = set(db.session.scalars(
        select(Course.slug).join(Enrolment, Enrolment.course_id == Course.id)
        .where(Enrolment.user_id == user.id, Enrolment.status == "completed")
    ))
    return [c for slug in course.prerequisites if slug not in done and (c := get_course(slug)) is not None]


def segment_at(course: Course, position: int) -> CourseSegment | None:
    return course.segments[position] if 0 <= position < len(course.segments) else None


def position_of(course: Course, key: str) -> int:
    return next((i for i, s in enumerate(course.segments) if s.key == key), 0)


def visit(enrolment: Enrolment, segment: CourseSegment) -> None:
    """Opening a segment marks it visited and makes it where the trainee resumes next time."""
    row = db.session.scalar(select(SegmentProgress).where(
        SegmentProgress.enrolment_id == enrolment.id, SegmentProgress.key == segment.key
    ))
    if row is None:
        db.session.add(SegmentProgress(enrolment_id=enrolment.id, key=segment.key))
    enrolment.current_key = segment.key
    db.session.commit()
    _complete_if_done(enrolment)


def add_time(enrolment: Enrolment, segment: CourseSegment, seconds: int) -> int:
    """Credit study time reported by the lesson player; returns the enrolment's total seconds."""
    seconds = max(0, min(int(seconds), MAX_HEARTBEAT_SECONDS))
    row = db.session.scalar(select(SegmentProgress).where(
        SegmentProgress.enrolment_id == enrolment.id, SegmentProgress.key == segment.key
    ))
    if row is None:
        row = SegmentProgress(enrolment_id=enrolment.id, key=segment.key, seconds=0)
        db.session.add(row)
    row.seconds = (row.seconds or 0) + seconds
    enrolment.seconds_spent = (enrolment.seconds_spent or 0) + seconds
    db.session.commit()
    return enrolment.seconds_spent


@dataclass(frozen=True)
class Progress:
    visited: frozenset[str]
    practised: frozenset[str]
    seconds_by_key: dict[str, int]
    segments_done: int
    segments_total: int
    practices_done: int
    practices_total: int
    quiz_passed: bool

    @property
    def percent(self) -> int:
        total = self.segments_total + self.practices_total + 1
        done = self.segments_done + self.practices_done + (1 if self.quiz_passed else 0)
        return round(100 * done / total)


def progress(enrolment: Enrolment) -> Progress:
    course = enrolment.course
    rows = list(db.session.scalars(select(SegmentProgress).where(SegmentProgress.enrolment_id == enrolment.id)))
    keys = {s.key for s in course.segments}
    visited = frozenset(r.key for r in rows if r.key in keys)
    practised = frozenset(practice_results(enrolment))
    return Progress(
        visited=visited, practised=practised, seconds_by_key={r.key: r.seconds for r in rows},
        segments_done=len(visited), segments_total=len(keys),
        practices_done=len(practised & set(course.practices)), practices_total=len(course.practices),
        quiz_passed=enrolment.quiz_score is not None and enrolment.quiz_score >= course.pass_mark,
    )


def _complete_if_done(enrolment: Enrolment) -> bool:
    if enrolment.status == "completed":
        return False
    state = progress(enrolment)
    if state.segments_done < state.segments_total or state.practices_done < state.practices_total:
        return False
    if not state.quiz_passed:
        return False
    enrolment.status = "completed"
    enrolment.completed_at = utcnow()
    for indicator in enrolment.course.indicators:
        competency.record_evidence(
            agent=enrolment.user, indicator_id=indicator, value=enrolment.quiz_score or 0, source_kind="course",
            source_id=str(enrolment.id), note=enrolment.course.title, commit=False,
        )
    db.session.commit()
    return True


# --- practice and quiz -------------------------------------------------------------------------------


def _practice_context(enrolment: Enrolment, practice_id: str) -> str:
    return f"course:{enrolment.course.slug}:{practice_id}"


def submit_practice(enrolment: Enrolment, practice_id: str, text: str) -> PracticeAttempt:
    spec = enrolment.course.practices.get(practice_id)
    if spec is None:
        raise LearningError("learning.unknown_practice")
    attempt = practice.practise(
        enrolment.user, text=text, context=_practice_context(enrolment, practice_id), rubric=enrolment.course.rubric_id,
        title=f"{enrolment.course.title} · {spec['prompt'][:30]}", **practice_block(spec),
    )
    _complete_if_done(enrolment)
    return attempt


def practice_block(spec: dict) -> dict:
    """A stored practice block as `practise` takes it: script, prompt, key points, facts, model answer."""
    return {"script": spec["script"], "prompt": spec["prompt"], "model_answer": spec.get("model_answer") or "",
            "key_points": tuple(KeyPoint.from_dict(p) for p in spec["key_points"]),
            "facts": Facts.from_dict(spec.get("facts")), "domain": spec.get("domain"),
            "channel": spec.get("channel") or "default"}


def practise_block(user: User, slug: str, block: str, text: str):
    """A course practice reply graded exactly as the lesson page grades it (the API's `POST /practice`).

    Recorded (evidence, review queue, progress) when `user` is enrolled in the course; graded without
    storing anything otherwise. Returns (attempt, recorded); LearningError for an unknown course or block.
    """
    course = get_course(slug) if isinstance(slug, str) else None
    if course is None or course.retired:
        raise LearningError("learning.unknown_course")
    if not isinstance(block, str):  # before the lookup: a list or an object is unhashable (TypeError, a 500)
        raise LearningError("learning.unknown_practice")
    ident = block if block in course.practices else f"{course.slug}-{block}"
    if ident not in course.practices:
        raise LearningError("learning.unknown_practice")
    enrolment = enrolment_for(user, course)
    if enrolment is not None:
        return submit_practice(enrolment, ident, text), True
    attempt = practice.practise(user, text=text, record=False, **practice_block(course.practices[ident]))
    return attempt, False


def practice_results(enrolment: Enrolment) -> dict[str, PracticeAttempt]:
    """The latest practice attempt per practice block of this course."""
    prefix = f"course:{enrolment.course.slug}:"
    attempts = practice.attempts_in_context(enrolment.user, prefix)
    latest: dict[str, PracticeAttempt] = {}
    for attempt in attempts:  # newest first
        latest.setdefault(attempt.context[len(prefix):], attempt)
    return latest


def quiz_questions(course: Course) -> list[BankQuestion]:
    rows = {q.id: q for q in db.session.scalars(select(BankQuestion).where(BankQuestion.id.in_(course.quiz)))}
    return [rows[qid] for qid in course.quiz if qid in rows and not rows[qid].retired]


def submit_quiz(enrolment: Enrolment, answers: dict[str, object]) -> CourseQuizAttempt:
    """Grade the end-of-course quiz; evidence per indicator the questions measure; maybe complete the course."""
    questions = quiz_questions(enrolment.course)
    if not questions:
        raise LearningError("learning.no_quiz")
    rules = phrase_rules.rules_in_force()
    graded = [(row.question(), grade(row.question(), answers.get(row.id), rules)) for row in questions]
    value = round(100 * sum(g.score for _, g in graded) / len(graded), 1)
    passed = value >= enrolment.course.pass_mark
    attempt = CourseQuizAttempt(
        enrolment_id=enrolment.id, answers={k: answers.get(k) for k in (q.id for q in questions)},
        results={q.id: {"score": g.score, "correct": g.correct, "detail": g.detail} for q, g in graded},
        score=value, passed=passed,
    )
    db.session.add(attempt)
    db.session.flush()
    enrolment.quiz_score = max(enrolment.quiz_score or 0, value)
    for indicator, indicator_value in indicator_scores(graded).items():
        competency.record_evidence(
            agent=enrolment.user, indicator_id=indicator, value=indicator_value, source_kind="quiz",
            source_id=str(attempt.id), note=enrolment.course.title, commit=False,
        )
    db.session.commit()
    _complete_if_done(enrolment)
    return attempt


def last_quiz_attempt(enrolment: Enrolment) -> CourseQuizAttempt | None:
    return db.session.scalar(select(CourseQuizAttempt).where(CourseQuizAttempt.enrolment_id == enrolment.id)
                             .order_by(CourseQuizAttempt.id.desc()).limit(1))


# --- feedback ----------------------------------------------------------------------------------------


def feedback_for(enrolment: Enrolment) -> CourseFeedback | None:
    return db.session.scalar(select(CourseFeedback).where(CourseFeedback.enrolment_id == enrolment.id))


def give_feedback(enrolment: Enrolment, rating: int, comment: str) -> CourseFeedback:
    if enrolment.status != "completed":
        raise LearningError("learning.feedback_too_early")
    if feedback_for(enrolment) is not None:
        raise LearningError("learning.feedback_twice")
    feedback = CourseFeedback(enrolment_id=enrolment.id, rating=rating, comment=comment.strip())
    db.session.add(feedback)
    db.session.commit()
    return feedback


# --- assignments and reports (supervisors and HR) ----------------------------------------------------


def assign(course: Course, *, by: User, due_date: date, team: Team | None = None, user: User | None = None,
           note: str = "") -> tuple[CourseAssignment, int]:
    """Assign to a team (every trainee in it) or one trainee; returns the assignment and how many were enrolled."""
    if team is None and user is None:
        raise LearningError("learning.assign_target")
    if due_date < date.today():
        raise LearningError("learning.due_in_past")
    if team is not None and team not in accounts.managed_teams(by):
        raise LearningError("learning.not_your_team")
    if user is not None and not accounts.can_view_agent(by, user):
        raise LearningError("learning.not_your_team")
    if team:
        targets = [m for m in team.members if m.role == "trainee" and m.active]
    else:
        assert user is not None  # a team or a trainee, checked above
        targets = [user]
    assignment = CourseAssignment(course_id=course.id, team_id=team.id if team else None,
                                  user_id=user.id if user else None, due_date=due_date, note=note.strip()[:500],
                                  assigned_by_id=by.id)
    db.session.add(assignment)
    for target in targets:
        enrol(target, course, due_date=due_date, assigned_by=by, commit=False)
    db.session.commit()
    return assignment, len(targets)


def assignments_for(viewer: User) -> list[CourseAssignment]:
    query = select(CourseAssignment).order_by(CourseAssignment.created_at.desc())
    if viewer.role == "supervisor":
        team_ids = [t.id for t in viewer.led_teams]
        member_ids = [u.id for u in accounts.visible_agents(viewer)]
        query = query.where((CourseAssignment.team_id.in_(team_ids)) | (CourseAssignment.user_id.in_(member_ids)))
    return list(db.session.scalars(query.limit(50)))


@dataclass(frozen=True)
class CourseStats:
    course: Course
    enrolled: int
    completed: int
    overdue: int
    avg_minutes: float | None
    ratings: int
    satisfaction: float | None  # mean rating as a percentage of 5, as the reference reports it
    satisfied_share: float | None  # share of ratings 4 or 5

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.enrolled if self.enrolled else None


def course_report(viewer: User) -> list[CourseStats]:
    """Per course, over the trainees the viewer may see (a supervisor: their teams; HR: everyone)."""
    agent_ids = [u.id for u in accounts.visible_agents(viewer)]
    enrolments = (
        list(db.session.scalars(select(Enrolment).where(Enrolment.user_id.in_(agent_ids)))) if agent_ids else []
    )
    ratings = dict(db.session.execute(
        select(CourseFeedback.enrolment_id, CourseFeedback.rating)
        .where(CourseFeedback.enrolment_id.in_([e.id for e in enrolments]))
    ).all()) if enrolments else {}
    by_course: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        by_course[enrolment.course_id].append(enrolment)
    today = date.today()
    report = []
    for course in db.session.scalars(select(Course).order_by(Course.retired, Course.series, Course.series_order,
                                                               Course.title)):
        rows = by_course.get(course.id, [])
        if course.retired and not rows:
            continue
        done = [e for e in rows if e.status == "completed"]
        scores = [ratings[e.id] for e in rows if e.id in ratings]
        report.append(CourseStats(
            course=course, enrolled=len(rows), completed=len(done),
            overdue=sum(1 for e in rows if e.status != "completed" and e.due_date and e.due_date < today),
            avg_minutes=round(sum(e.seconds_spent for e in done) / len(done) / 60, 1) if done else None,
            ratings=len(scores),
            satisfaction=round(100 * sum(scores) / (5 * len(scores)), 1) if scores else None,
            satisfied_share=round(sum(1 for s in scores if s >= 4) / len(scores), 3) if scores else None,
        ))
    return report


def overall_satisfaction(stats: list[CourseStats]) -> tuple[float | None, int]:
    """Average satisfaction over every rating (not an average of course averages)."""
    total = sum((s.satisfaction or 0) * s.ratings for s in stats)
    count = sum(s.ratings for s in stats)
    return (round(total / count, 1) if count else None), count


def course_roster(viewer: User, course: Course) -> list[tuple[Enrolment, CourseFeedback | None]]:
    agent_ids = [u.id for u in accounts.visible_agents(viewer)]
    rows = list(db.session.scalars(select(Enrolment).where(Enrolment.course_id == course.id,
                                                           Enrolment.user_id.in_(agent_ids))))
    return [(e, feedback_for(e)) for e in sorted(rows, key=lambda e: (e.status, e.user.username))]


# --- training requests -------------------------------------------------------------------------------

REQUEST_FLOW = {"approve": ("submitted",), "reject": ("submitted",), "assign": ("approved", "assigned"),
                "archive": ("assigned",)}


def requests_for(viewer: User) -> list[TrainingRequest]:
    query = select(TrainingRequest).order_by(TrainingRequest.created_at.desc())
    if viewer.role == "supervisor":
        query = query.where(TrainingRequest.requested_by_id == viewer.id)
    return list(db.session.scalars(query))


def can_see_request(viewer: User, request: TrainingRequest) -> bool:
    return viewer.role == "hr" or request.requested_by_id == viewer.id


def file_request(by: User, *, title: str, need: str, team: Team | None) -> TrainingRequest:
    if team is not None and team not in by.led_teams:
        raise LearningError("learning.not_your_team")
    request = TrainingRequest(title=title.strip(), need=need.strip(), team_id=team.id if team else None,
                              requested_by_id=by.id)
    db.session.add(request)
    db.session.commit()
    return request


def _step(request: TrainingRequest, action: str) -> None:
    if request.status not in REQUEST_FLOW[action]:
        raise LearningError("learning.request_state")


def decide_request(request: TrainingRequest, *, by: User, approve: bool, note: str) -> None:
    _step(request, "approve" if approve else "reject")
    request.status = "approved" if approve else "rejected"
    request.decided_by_id, request.decided_at, request.decision_note = by.id, utcnow(), note.strip()
    db.session.commit()


def assign_instructor(request: TrainingRequest, *, instructor: str) -> None:
    _step(request, "assign")
    request.status, request.instructor, request.assigned_at = "assigned", instructor.strip(), utcnow()
    db.session.commit()


def archive_request(request: TrainingRequest, *, course: Course, note: str) -> None:
    _step(request, "archive")
    request.status, request.course_id = "archived", course.id
    request.archive_note, request.archived_at = note.strip(), utcnow()
    db.session.commit()


def pending_requests() -> int:
    return db.session.scalar(select(func.count()).select_from(TrainingRequest)
                             .where(TrainingRequest.status.in_(("submitted", "approved")))) or 0
