"""Grading one answer to one question (pure: no Flask, no database).

Answers are plain JSON values so they can be autosaved as typed: the index (or indices) of the chosen
options in the question's own order, true/false, or text. Text answers are compared on the scorer's
normalised form, so "十分钟", "１０分钟" and "10 分钟" are the same answer to a fill-in blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..content.questions import Question
from ..scoring import RuleSet, cover, fold
from ..scoring.grade import Situation, grade_reply
from ..scoring.keypoints import coverage
from ..scoring.numbers import CN_NUMBER, cn_number

_EDGE_PUNCT = re.compile(r"^[\s.,!?;:~\"“”()]+|[\s.,!?;:~\"“”()]+$")


@dataclass(frozen=True)
class Grade:
    score: float  # 0.0 … 1.0
    correct: bool
    answered: bool
    detail: dict = field(default_factory=dict)


def _normal_answer(text: str) -> str:
    return CN_NUMBER.sub(lambda m: cn_number(m.group()), _EDGE_PUNCT.sub("", fold(text)))


def is_blank(answer: object) -> bool:
    return answer is None or answer == "" or answer == [] or (isinstance(answer, str) and not answer.strip())


TEXT_LIMIT = {"fill": 200, "short": 5000, "reply": 5000}


def coerce_answer(question: Question, value: object) -> object:
    """Check an answer arriving as JSON (autosave) and return it in canonical form, or raise ValueError.

    The message is shown to the trainee, so it is in Chinese.
    """
    if is_blank(value):
        return None
    kind = question.type
    if kind == "single":
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(question.options):
            raise ValueError("不是本题的选项")
        return value
    if kind == "multiple":
        if not isinstance(value, list):
            raise ValueError("多选题的答案应是选项列表")
        chosen = set()
        for item in value:
            item = int(item) if isinstance(item, str) and item.isdigit() else item
            if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item < len(question.options):
                raise ValueError("不是本题的选项")
            chosen.add(item)
        return sorted(chosen)
    if kind == "truefalse":
        value = {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value
        if not isinstance(value, bool):
            raise ValueError("判断题的答案应是 正确 或 错误")
        return value
    if not isinstance(value, str):
        raise ValueError("答案应是文字")
    if len(value) > TEXT_LIMIT[kind]:
        raise ValueError(f"答案不能超过 {TEXT_LIMIT[kind]} 字")
    return value


def grade(question: Question, answer: object, rules: RuleSet | None = None) -> Grade:
    """Grade `answer`; malformed answers (wrong type, unknown option) score 0 rather than raise."""
    if is_blank(answer):
        return Grade(0.0, False, False)
    kind = question.type
    if kind == "single":
        if not (isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(question.options)):
            return Grade(0.0, False, True)
        option = question.options[answer]
        if option.weight is not None:  # GIFT `~%50%`: a partly right choice earns part of the mark
            value = max(0.0, min(100.0, option.weight)) / 100
            return Grade(round(value, 4), value >= 0.999, True)
        return Grade(1.0 if option.correct else 0.0, option.correct, True)
    if kind == "multiple":
        return _multiple(question, answer)
    if kind == "truefalse":
        right = isinstance(answer, bool) and answer == question.answer
        return Grade(1.0 if right else 0.0, right, True)
    if not isinstance(answer, str):
        return Grade(0.0, False, True)
    if kind == "fill":
        given = _normal_answer(answer)
        right = any(given == _normal_answer(a) for a in question.answers)
        return Grade(1.0 if right else 0.0, right, True)
    markers = rules.scoring.grade.markers if rules is not None else None
    if kind == "short":
        points = cover(answer, question.key_points, markers)
        detail: dict[str, object] = {"points": [
            {"id": p.id, "label": p.label, "covered": p.covered, "matched": p.matched, "reason": p.reason}
            for p in points
        ]}
        ratio = coverage(points)
        return Grade(round(ratio, 4), ratio >= question.pass_ratio, True, detail)
    if rules is None:
        raise ValueError("reply questions need the phrase rules")
    # A scripted reply is graded as every reply is (scoring/grade.py): phrases, key points, relevance, form.
    graded = grade_reply(answer, question.script, rules,
                         Situation(key_points=question.key_points, references=(question.stem,)))
    report = graded.to_dict()
    detail = {"points": report["key_points"], "report": report}
    ratio = coverage(graded.points)
    right = graded.passed and (not question.key_points or ratio >= question.pass_ratio)
    return Grade(round(graded.grade / 100, 4), right, True, detail)


def _multiple(question: Question, answer: object) -> Grade:
    if not isinstance(answer, list) or not all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        return Grade(0.0, False, True)
    chosen = set(answer)
    if any(not 0 <= a < len(question.options) for a in chosen):
        return Grade(0.0, False, True)
    options = question.options
    if any(o.weight is not None for o in options):  # GIFT-style percentage credit
        value = sum(options[a].weight or 0.0 for a in chosen) / 100
        value = max(0.0, min(1.0, value))
        return Grade(round(value, 4), value >= 0.999, True)
    right = {i for i, o in enumerate(options) if o.correct}
    if chosen == right:
        return Grade(1.0, True, True)
    if chosen <= right:  # partial credit only when nothing wrong was chosen
        return Grade(round(len(chosen) / len(right), 4), False, True)
    return Grade(0.0, False, True)


def indicator_scores(graded: list[tuple[Question, Grade]]) -> dict[str, float]:
    """Mean score (0–100) per competency indicator over the questions that evidence it."""
    totals: dict[str, list[float]] = {}
    for question, result in graded:
        for indicator in question.indicators:
            totals.setdefault(indicator, []).append(result.score * 100)
    return {k: round(sum(v) / len(v), 2) for k, v in totals.items()}
