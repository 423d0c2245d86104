"""Courses and their segments (synced content) and everything trainees and staff do with them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Team, User
from ..extensions import Model
from ..timeutil import utcnow


class Course(Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    series: Mapped[str] = mapped_column(String(120), index=True)
    series_order: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    objectives: Mapped[list] = mapped_column(JSON)
    indicators: Mapped[list] = mapped_column(JSON)
    prerequisites: Mapped[list] = mapped_column(JSON)
    instructor: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    quiz: Mapped[list] = mapped_column(JSON)  # question ids of the end-of-course quiz
    practices: Mapped[dict] = mapped_column(JSON)  # practice id -> {script, prompt, key_points}
    #: [{"reference": "002" | None, "passage": …}]: a reference passage, or general practice (reference None)
    sources: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    #: the rubric its practice replies are rated on (None: the course-practice default)
    rubric_id: Mapped[str | None] = mapped_column(String(80))
    content_hash: Mapped[str] = mapped_column(String(32))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    segments: Mapped[list[CourseSegment]] = relationship(
        back_populates="course", order_by="CourseSegment.position", cascade="all, delete-orphan"
    )


class CourseSegment(Model):
    __tablename__ = "course_segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(120))
    lesson_title: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)
    intro_html: Mapped[str] = mapped_column(Text, default="")
    parts: Mapped[list] = mapped_column(JSON)

    course: Mapped[Course] = relationship(back_populates="segments")


class Enrolment(Model):
    """A trainee taking a course: self-enrolled or assigned with a due date. Progress lives here."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="one_enrolment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="enrolled")  # enrolled | completed
    due_date: Mapped[date | None] = mapped_column(Date)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    current_key: Mapped[str] = mapped_column(String(120), default="")
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    quiz_score: Mapped[float | None] = mapped_column(Float)  # best attempt, percent
    course_version: Mapped[int] = mapped_column(Integer, default=1)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    progress: Mapped[list[SegmentProgress]] = relationship(back_populates="enrolment", cascade="all, delete-orphan")


class SegmentProgress(Model):
    __tablename__ = "segment_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "key", name="one_row_per_segment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(120))
    first_visit_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    seconds: Mapped[int] = mapped_column(Integer, default=0)

    enrolment: Mapped[Enrolment] = relationship(back_populates="progress")


class CourseQuizAttempt(Model):
    __tablename__ = "course_quiz_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict] = mapped_column(JSON)
    results: Mapped[dict] = mapped_column(JSON)  # question id -> {score, correct}
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CourseFeedback(Model):
    """The 5-point satisfaction survey after a course."""

    __tablename__ = "course_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()


class CourseAssignment(Model):
    """A supervisor or HR assigning a course to a trainee or a whole team, with a due date."""

    __tablename__ = "course_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    team: Mapped[Team | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id])


class TrainingRequest(Model):
    """The course request workflow: need filed → decided by HR → instructor assigned → archived."""

    __tablename__ = "training_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    need: Mapped[str] = mapped_column(Text)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    # submitted | approved | rejected | assigned | archived
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    instructor: Mapped[str] = mapped_column(String(120), default="")
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    archive_note: Mapped[str] = mapped_column(Text, default="")
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)

    team: Mapped[Team | None] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    course: Mapped[Course | None] = relationship()
