"""Excel (XLSX) workbooks in (into the database) and any category out, in the template of content/xlsx_bank.py.

As with GIFT files, imported questions live in the database only, marked `xlsx:<file name>`: the YAML bank under
question_bank/ stays the vetted source of truth and `trainer content sync` never retires them. Unlike a GIFT
import, nothing is skipped: a workbook is stored whole, in one transaction with its audit record, or — when any
row is bad, or would overwrite a question of the YAML bank or a GIFT import — not at all, with every bad row
listed. Re-importing a workbook updates its questions in place (same 题目ID, or the same stem when the ID is blank).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import select

from ..accounts import audit as admin_audit
from ..accounts.models import User
from ..content.keypoints import KeyPointWords, checking_against
from ..content.questions import Question, stem_key
from ..content.xlsx_bank import MAX_ROWS, SHEET, SheetError, read_workbook, template_workbook, write_workbook
from ..extensions import db
from ..sync import XLSX_SOURCE
from ..timeutil import utcnow
from .models import BankQuestion, QuestionCategory


class XlsxRefused(Exception):
    """The workbook was not imported; `errors` lists why, by sheet and row. Nothing was stored."""

    def __init__(self, errors: list[SheetError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class XlsxImportReport:
    imported: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.imported) + len(self.updated)

    @property
    def summary(self) -> str:
        """The CLI's last line, which scripts parse."""
        return f"imported {len(self.imported)}, updated {len(self.updated)}"


def _category_names() -> dict[str, str]:
    return {c.id: c.name for c in db.session.scalars(select(QuestionCategory).order_by(QuestionCategory.position))}


def _known() -> tuple[dict[str, str] | None, dict[str, str] | None, KeyPointWords | None]:
    """The indicator and script names in force (None: nothing synced yet, not checked) and the key-point words."""
    from ..competency.services import model_view
    from ..rules.services import RulesNotLoaded, rules_in_force

    model = model_view()
    try:
        rules = rules_in_force()
    except RulesNotLoaded:
        rules = None
    scripts = {s.id: s.name for s in rules.scripts.values()} if rules else None
    return (model.indicator_names if model else None), scripts, KeyPointWords.from_rules(rules)


def _conflicts(questions: list[Question], sheet: str) -> list[SheetError]:
    """Rows that would overwrite a question this import does not own, or repeat the stem of another question."""
    errors = []
    ids = {q.id for q in questions}
    owners = {ident: path for ident, path in db.session.execute(
        select(BankQuestion.id, BankQuestion.source_path).where(BankQuestion.id.in_(ids)))} if ids else {}
    stems = {stem_key(stem): ident for ident, stem in db.session.execute(
        select(BankQuestion.id, BankQuestion.stem).where(BankQuestion.retired.is_(False)))}
    for question in questions:
        owner = owners.get(question.id)
        if owner is not None and not owner.startswith(XLSX_SOURCE):
            where = "Moodle GIFT 导入的题目" if owner.startswith("gift:") else f"题库文件 {owner} 中的题目"
            errors.append(SheetError(sheet, question.line, f"题目ID {question.id} 已是{where}, 导入不能覆盖它; "
                                                           "请换一个 ID, 或留空由系统生成"))
            continue
        same = stems.get(stem_key(question.stem))
        if same is not None and same != question.id:
            errors.append(SheetError(sheet, question.line, f"题干与题库中的题目 {same} 相同; 请合并为一道题"))
    return errors


def import_xlsx(data: bytes, *, source: str, actor: User | None = None, max_rows: int = MAX_ROWS) -> XlsxImportReport:
    """Check the workbook and store all of its questions in one transaction, with one administrative audit record.

    Raises XlsxRefused (before anything is stored) when the file is no workbook, holds more than `max_rows`
    questions, or has any bad row. `actor` is the admin who uploaded it; None means the command line.
    """
    source = source[:200]  # source_path is 300 characters; a file name is the uploader's to choose
    categories = _category_names()
    indicator_names, script_names, words = _known()
    with checking_against(words):  # `$room` and weak-evidence rules, exactly as `trainer content sync` applies them
        questions, errors = read_workbook(
            data, categories=categories, indicators=frozenset(indicator_names) if indicator_names is not None else None,
            scripts=set(script_names) if script_names is not None else None, max_rows=max_rows,
            path=f"{XLSX_SOURCE}{source}")
    if not errors:
        errors = _conflicts(questions, SHEET)
    if errors:
        raise XlsxRefused(errors)
    report = XlsxImportReport()
    existing = {row.id: row for row in db.session.scalars(
        select(BankQuestion).where(BankQuestion.id.in_({q.id for q in questions})))}
    for question in questions:
        values = {"category_id": question.category, "type": question.type, "difficulty": question.difficulty,
                  "stem": question.stem, "data": asdict(question), "content_hash": question.content_hash,
                  "source_path": question.path, "retired": False, "updated_at": utcnow()}
        row = existing.get(question.id)
        if row is None:
            db.session.add(BankQuestion(id=question.id, **values))
            report.imported.append(question.id)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            report.updated.append(question.id)
    admin_audit.record(actor=actor, action="xlsx_import", target=f"{XLSX_SOURCE}{source}", after={
        "source": source, "imported": len(report.imported), "updated": len(report.updated)})
    db.session.commit()
    return report


def export_xlsx(category: str | None = None) -> bytes:
    """The bank (or one category), retired questions left out, in the template's layout: ready to edit and re-import."""
    query = select(BankQuestion).where(BankQuestion.retired.is_(False)).order_by(BankQuestion.category_id,
                                                                                   BankQuestion.id)
    if category:
        query = query.where(BankQuestion.category_id == category)
    indicator_names, script_names, _ = _known()
    return write_workbook([row.question() for row in db.session.scalars(query)], _category_names(),
                          indicator_names=indicator_names, script_names=script_names)


def template_xlsx(max_rows: int = MAX_ROWS) -> bytes:
    """The empty template with this site's categories, indicators and script types listed on its 说明 sheet."""
    indicator_names, script_names, _ = _known()
    return template_workbook(_category_names(), indicator_names=indicator_names, script_names=script_names,
                             max_rows=max_rows)
