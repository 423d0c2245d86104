"""Trading question banks with Moodle: GIFT files in (into the database) and the bank out as GIFT.

Imported questions are stored in the database only, marked with their source file: the YAML bank under
question_bank/ stays the vetted source of truth, and `trainer content sync` never retires them.
Re-importing the same file updates its questions in place (ids come from the GIFT titles, or from the
question text when there is no title).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

from sqlalchemy import select

from ..accounts import audit as admin_audit
from ..accounts.models import User
from ..content.gift import GiftItem, GiftSkip, parse_gift, to_gift
from ..content.questions import Option, Question
from ..extensions import db
from ..sync import GIFT_SOURCE
from ..timeutil import utcnow
from .models import BankQuestion, QuestionCategory

_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[GiftSkip] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.imported) + len(self.updated)

    @property
    def summary(self) -> str:
        """The CLI's last line, which scripts parse."""
        return f"imported {self.count}, skipped {len(self.skipped)}"


def _question_id(item: GiftItem) -> str:
    slug = _SLUG.sub("-", item.title.lower()).strip("-")
    if slug and item.title.isascii():
        return (slug if slug.startswith("gift-") else f"gift-{slug}")[:80]
    return "gift-" + hashlib.sha1(item.stem.encode("utf-8")).hexdigest()[:12]


def _category(item: GiftItem, categories: list[QuestionCategory], default: str) -> str:
    if not item.category:
        return default
    last = item.category.rstrip("/").split("/")[-1].strip()
    for category in categories:
        if last in (category.id, category.name):
            return category.id
    return default


def _question(item: GiftItem, *, category: str, indicators: tuple[str, ...], difficulty: int, source: str) -> Question:
    options: tuple[Option, ...] = ()
    if item.type in ("single", "multiple"):
        plain = all(o.weight in (0, 100) for o in item.options) and item.type == "single"
        options = tuple(Option(o.text, o.weight > 0, None if plain else o.weight) for o in item.options)
    feedback = item.general_feedback or next((o.feedback for o in item.options if o.weight > 0 and o.feedback), "")
    return Question(
        id=_question_id(item), type=item.type, category=category, difficulty=difficulty, indicators=indicators,
        source=f"Moodle GIFT: {source}", stem=item.stem, explanation=feedback or f"导入自 Moodle GIFT 文件 {source}",
        title=item.title, options=options, answer=item.answer, answers=item.answers, path=f"{GIFT_SOURCE}{source}",
        line=item.line,
    )


def import_gift(text: str, *, source: str, default_category: str, indicators: tuple[str, ...],
                difficulty: int, max_questions: int | None = None, actor: User | None = None) -> ImportReport:
    """Parse and store in one transaction, with one record in the administrative audit log.

    Raises content.gift.GiftUnreadable when nothing in the file can be read, and GiftTooLarge (before
    anything is stored) when it holds more than `max_questions` questions. `actor` is the admin who
    uploaded the file; None means the command line (`trainer questions import`).
    """
    result = parse_gift(text, max_questions=max_questions)
    report = ImportReport(skipped=list(result.skipped))
    categories = list(db.session.scalars(select(QuestionCategory)))
    questions = [_question(item, category=_category(item, categories, default_category), indicators=indicators,
                           difficulty=difficulty, source=source) for item in result.items]
    existing = {row.id: row for row in db.session.scalars(
        select(BankQuestion).where(BankQuestion.id.in_({q.id for q in questions})))} if questions else {}
    for item, question in zip(result.items, questions, strict=True):
        row = existing.get(question.id)
        if row is not None and not row.source_path.startswith(GIFT_SOURCE):
            report.skipped.append(GiftSkip(item.line, item.title, f"题目 id {question.id} 与题库中已有的题目重复"))
            continue
        values = {"category_id": question.category, "type": question.type, "difficulty": difficulty,
                  "stem": question.stem, "data": asdict(question), "content_hash": question.content_hash,
                  "source_path": question.path, "retired": False, "updated_at": utcnow()}
        if row is None:
            row = existing[question.id] = BankQuestion(id=question.id, **values)
            db.session.add(row)
            report.imported.append(question.id)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            report.updated.append(question.id)
    admin_audit.record(actor=actor, action="gift_import", target=f"gift:{source}", after={
        "source": source, "category": default_category, "imported": len(report.imported),
        "updated": len(report.updated), "skipped": len(report.skipped)})
    db.session.commit()
    return report


def export_gift(category: str | None = None) -> str:
    query = select(BankQuestion).where(BankQuestion.retired.is_(False)).order_by(BankQuestion.category_id,
                                                                                   BankQuestion.id)
    if category:
        query = query.where(BankQuestion.category_id == category)
    names = {c.id: c.name for c in db.session.scalars(select(QuestionCategory))}
    return to_gift([row.question() for row in db.session.scalars(query)], category_names=names)
