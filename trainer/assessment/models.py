"""The question bank as synced into the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..content.questions import KeyPointDef, Option, Question
from ..extensions import db
from ..timeutil import utcnow


class QuestionCategory(db.Model):
    __tablename__ = "question_categories"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)


class BankQuestion(db.Model):
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
        data["key_points"] = tuple(
            KeyPointDef(p["id"], p["label"], tuple(p["phrases"])) for p in data.get("key_points", ())
        )
        return Question(**data)
