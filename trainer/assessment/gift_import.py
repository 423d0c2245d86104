"""Trading question banks with Moodle: GIFT files in (into the database) and the bank out as GIFT.

Imported questions are stored in the database only, marked with their source file: the YAML bank under
question_bank/ stays the vetted source of truth, and `trainer content sync` never retires them.
Re-importing the same file updates its questions in place (ids come from the GIFT titles, or from the
question text when there is no title). A file this platform exported carries each question's own fields
in a `// @trainer` comment line (see content/gift.py): its id, category, difficulty, indicators and key
points win over the upload form's defaults, so an export imported elsewhere gives the same questions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from sqlalchemy import select

from ..accounts import audit as admin_audit
from ..accounts.models import User
from ..competency.models import Indicator
from ..content.gift import GiftItem, GiftSkip, parse_gift, to_gift, to_question
from ..content.questions import UNANSWERED, Question
from ..extensions import db
from ..sync import GIFT_SOURCE
from ..timeutil import utcnow
from .models import BankQuestion, QuestionCategory


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


def _category(item: GiftItem, categories: list[QuestionCategory], default: str) -> str:
    if not item.category:
        return default
    last = item.category.rstrip("/").split("/")[-1].strip()
    for category in categories:
        if last in (category.id, category.name):
            return category.id
    return default


def _question(item: GiftItem, *, categories: list[QuestionCategory], known: set[str], default_category: str,
              indicators: tuple[str, ...], difficulty: int, source: str) -> Question:
    """The stored question: the form's choices where the file says nothing, its `// @trainer` fields over
    them. A category or indicator this platform does not have (a file from another installation) falls
    back to what the form and the `$CATEGORY` line say, so every stored row points at real records."""
    fallback = _category(item, categories, default_category)
    question = to_question(item, category=fallback, indicators=indicators, difficulty=difficulty, source=source)
    if question.category not in {c.id for c in categories}:
        question = replace(question, category=fallback)
    if question.type not in UNANSWERED and known:
        question = replace(question, indicators=tuple(i for i in question.indicators if i in known) or indicators)
    return replace(question, path=f"{GIFT_SOURCE}{source}", line=item.line)


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
    known = set(db.session.scalars(select(Indicator.id)))
    questions = [_question(item, categories=categories, known=known, default_category=default_category,
                           indicators=indicators, difficulty=difficulty, source=source) for item in result.items]
    existing = {row.id: row for row in db.session.scalars(
        select(BankQuestion).where(BankQuestion.id.in_({q.id for q in questions})))} if questions else {}
    for item, question in zip(result.items, questions, strict=True):
        row = existing.get(question.id)
        if row is not None and not row.source_path.startswith(GIFT_SOURCE):
            report.skipped.append(GiftSkip(item.line, item.title, f"题目 id {question.id} 与题库中已有的题目重复"))
            continue
        values = {"category_id": question.category, "type": question.type, "difficulty": question.difficulty,
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
