"""What an item holds, read from the room that produced it: the turns or the answer with the scorer's
reports exactly as the trainee saw them, the prompt, and which automatic evidence a grade replaces.

The review room reads the other rooms' records here and only here; it never changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..assessment.models import BankQuestion, ExamAttempt
from ..extensions import db
from ..practice.models import PracticeAttempt
from ..roleplay.models import RoleplaySession
from .hits import Turn
from .models import DrillSession, ReviewItem


@dataclass(frozen=True)
class ItemContent:
    turns: list[Turn]
    prompt: str = ""
    #: (source_kind, source_id) of the automatic evidence a grade of this item supersedes; None when
    #: the automatic evidence is pooled over more than the item (an exam answer), so a grade adds to it
    evidence_source: tuple[str, str] | None = None
    #: (endpoint, values) of the page the item came from, for a link
    source: tuple[str, dict] | None = None
    script: str | None = None
    customer: str = "客户"
    notes: list[str] = field(default_factory=list)


def _roleplay(item: ReviewItem) -> ItemContent:
    session = db.session.get(RoleplaySession, int(item.source_id))
    if session is None:
        return ItemContent([])
    persona = session.scenario_data.get("persona", {})
    turns = [Turn(t.position, t.role, t.text, t.report, t.turn_score) for t in session.turns]
    return ItemContent(turns, prompt=persona.get("situation", ""), evidence_source=("roleplay", str(session.id)),
                       source=("roleplay.session", {"session_id": session.id}),
                       script=session.scenario_data.get("script"), customer=persona.get("name", "客户"))


def _practice(item: ReviewItem) -> ItemContent:
    attempt = db.session.get(PracticeAttempt, int(item.source_id))
    if attempt is None:
        return ItemContent([])
    link = ("practice.result", {"attempt_id": attempt.id}) if item.kind == "practice" else None
    return ItemContent([Turn(0, "trainee", attempt.text, attempt.report, attempt.score)], prompt=attempt.prompt,
                       evidence_source=("practice", str(attempt.id)), source=link, script=attempt.script)


def _exam_answer(item: ReviewItem) -> ItemContent:
    attempt_id, _, question_id = item.source_id.partition(":")
    attempt = db.session.get(ExamAttempt, int(attempt_id)) if attempt_id.isdigit() else None
    question = db.session.get(BankQuestion, question_id)
    if attempt is None or question is None:
        return ItemContent([])
    answer = attempt.answers.get(question_id)
    text = answer if isinstance(answer, str) else ""
    result = attempt.results.get(question_id, {})
    detail = dict(result.get("detail") or {})
    report = dict(detail.get("report") or {})
    if detail.get("points"):
        report["points"] = detail["points"]
    score = result.get("score")
    return ItemContent([Turn(0, "trainee", text, report, None if score is None else round(100 * score, 1))],
                       prompt=question.stem, script=question.data.get("script"),
                       notes=[f"试卷《{attempt.paper.title}》的一道题；考试的自动证据按整份试卷计算，评分会另外记入。"])


def _exam_essay(item: ReviewItem) -> ItemContent:
    """An essay: the answer with the phrase report as a hint, and for the grader the model answer and limits."""
    content = _exam_answer(item)
    question = db.session.get(BankQuestion, item.source_id.partition(":")[2])
    if question is None or not content.turns:
        return content
    turn = content.turns[0]
    attempt = db.session.get(ExamAttempt, int(item.source_id.partition(":")[0]))
    pending = attempt is not None and bool(attempt.results.get(question.id, {}).get("pending"))
    turns = [Turn(turn.position, turn.role, turn.text, turn.report, None if pending else turn.score)]  # no mark yet
    notes = [f"试卷《{item.title.split(' · ')[0]}》的问答题：得分由批阅人给出，全部问答题批阅后考生才能看到总分。"]
    if question.data.get("word_limit"):
        notes.append(f"字数上限 {question.data['word_limit']} 字。")
    if question.data.get("model_answer"):
        notes.append(f"参考答案（仅批阅人可见）：{question.data['model_answer']}")
    return ItemContent(turns, prompt=content.prompt, script=content.script, notes=notes)


def _drill(item: ReviewItem) -> ItemContent:
    drill = db.session.get(DrillSession, int(item.source_id))
    if drill is None:
        return ItemContent([])
    turns = [Turn(t.position, t.role, t.text, t.report, t.turn_score) for t in drill.turns]
    return ItemContent(turns, prompt=drill.title, evidence_source=("drill", str(drill.id)), script=drill.script,
                       customer=f"{drill.supervisor.display_name}（扮演客户）")


_LOADERS = {"roleplay": _roleplay, "practice": _practice, "course_practice": _practice, "exam_answer": _exam_answer,
            "exam_essay": _exam_essay, "drill": _drill}


def content_of(item: ReviewItem) -> ItemContent:
    return _LOADERS[item.kind](item)
