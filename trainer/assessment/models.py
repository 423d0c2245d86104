"""The question bank as synced into the database, and what trainees do with it: exams, the recall
schedule, the weekly question, the typing drill."""

from __future__ import annotations

from datetime import date, datetime

from fsrs.card import CardDict
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..content.questions import NumericAnswer, Option, Pair, Question
from ..extensions import Model
from ..scoring.keypoints import KeyPoint
from ..timeutil import utcnow


class QuestionCategory(Model):
    __tablename__ = "question_categories"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)


class BankQuestion(Model):
    """One question. `data` holds the parsed question; a removed question is retired, never deleted."""

    __tablename__ = "bank_questions"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    category_id: Mapped[str] = mapped_column(ForeignKey("question_categories.id"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    difficulty: Mapped[int] = mapped_column(Integer)
    stem: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(32))
    source_path: Mapped[str] = mapped_column(String(300), default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    category: Mapped[QuestionCategory] = relationship()

    def question(self) -> Question:
        """The frozen question the grading code works on."""
        data = dict(self.data)
        data["indicators"] = tuple(data.get("indicators", ()))
        data["options"] = tuple(Option(**o) for o in data.get("options", ()))
        data["answers"] = tuple(data.get("answers", ()))
        data["key_points"] = tuple(KeyPoint.from_dict(p) for p in data.get("key_points", ()))
        data["pairs"] = tuple(Pair(**p) for p in data.get("pairs", ()))
        data["numeric"] = tuple(NumericAnswer(**n) for n in data.get("numeric", ()))
        return Question(**data)


class ExamPaper(Model):
    """An exam: fixed questions or random draws per category and difficulty, with its rules."""

    __tablename__ = "exam_papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(16))  # fixed | random
    question_ids: Mapped[list] = mapped_column(JSON, default=list)  # fixed
    draws: Mapped[list] = mapped_column(JSON, default=list)  # random: [{category, min, max, count}]
    time_limit: Mapped[int] = mapped_column(Integer)  # minutes
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)  # 0 = unlimited
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    closed_book: Mapped[bool] = mapped_column(Boolean, default=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # None = every trainee
    opens_at: Mapped[datetime | None] = mapped_column(DateTime)
    closes_at: Mapped[datetime | None] = mapped_column(DateTime)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    team = relationship("Team")
    created_by = relationship("User")


class ExamAttempt(Model):
    """One sitting. Answers are saved as they are typed, so a crash or refresh loses nothing."""

    __tablename__ = "exam_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("exam_papers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress | grading | submitted
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    question_ids: Mapped[list] = mapped_column(JSON)  # in the order shown
    option_order: Mapped[dict] = mapped_column(JSON, default=dict)  # question id -> canonical option indices
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime | None] = mapped_column(DateTime)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    results: Mapped[dict] = mapped_column(JSON, default=dict)  # question id -> {score, correct, detail}

    paper: Mapped[ExamPaper] = relationship()
    user = relationship("User")


class RecallCard(Model):
    """A missed question on the trainee's recall schedule (错题复习), spaced with FSRS."""

    __tablename__ = "recall_cards"
    __table_args__ = (UniqueConstraint("user_id", "question_id", name="one_card"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("bank_questions.id"))
    card: Mapped[CardDict] = mapped_column(JSON)  # fsrs.Card.to_dict()
    due: Mapped[datetime] = mapped_column(DateTime, index=True)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    recalls: Mapped[int] = mapped_column(Integer, default=0)  # answers scheduled, the first miss included
    source: Mapped[str] = mapped_column(String(32), default="")

    question: Mapped[BankQuestion] = relationship()


class WeeklyQuestion(Model):
    """每周一题: one question per week (weeks start on Monday) for every trainee."""

    __tablename__ = "weekly_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, unique=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("bank_questions.id"))
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    question: Mapped[BankQuestion] = relationship()


class WeeklyAnswer(Model):
    __tablename__ = "weekly_answers"
    __table_args__ = (UniqueConstraint("week_start", "user_id", name="one_answer_a_week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("bank_questions.id"))
    answer: Mapped[dict] = mapped_column(JSON)  # {"value": ...}
    score: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user = relationship("User")


class TypingPassage(Model):
    __tablename__ = "typing_passages"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class TypingAttempt(Model):
    """A typing test, timed by the server from "开始" to "交卷"."""

    __tablename__ = "typing_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    passage_id: Mapped[str] = mapped_column(ForeignKey("typing_passages.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    typed: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[float | None] = mapped_column(Float)
    correct_chars: Mapped[int | None] = mapped_column(Integer)
    cpm: Mapped[float | None] = mapped_column(Float)  # correct characters per minute
    accuracy: Mapped[float | None] = mapped_column(Float)

    passage: Mapped[TypingPassage] = relationship()
    user = relationship("User")
