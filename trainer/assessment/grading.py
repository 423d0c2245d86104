"""Grading one answer to one question (pure: no Flask, no database).

Answers are plain JSON values so they can be autosaved as typed: the index (or indices) of the chosen
options in the question's own order, true/false, text, or for a matching question the index of the chosen
answer (in `Question.choices`) for each item. Text answers are compared on the scorer's normalised form,
so "十分钟", "１０分钟" and "10 分钟" are the same answer to a fill-in blank, and "三点五" is 3.5 to a
numerical question. An essay is graded by a person: its grade here is pending, with the phrase report
and key-point coverage as a hint for the grader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..content.questions import ESSAY_LIMIT, Question
from ..scoring import RuleSet, cover, fold, score
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
    pending: bool = False  # an essay waiting for its grader: `score` is not yet known


def _normal_answer(text: str) -> str:
    return CN_NUMBER.sub(lambda m: cn_number(m.group()), _EDGE_PUNCT.sub("", fold(text)))


def is_blank(answer: object) -> bool:
    return answer is None or answer == "" or answer == [] or (isinstance(answer, str) and not answer.strip())


TEXT_LIMIT = {"fill": 200, "short": 5000, "reply": 5000, "numerical": 100, "essay": ESSAY_LIMIT}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")
_DECIMAL_WORD = re.compile(r"(?<=\d)点(?=\d)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def read_number(text: str) -> float | None:
    """The number a trainee typed: "3.5", "３．５", "三点五", "-2", "1,822", "30 分钟" (a unit after it is
    allowed); None when the answer does not start with a number or holds a second one."""
    folded = CN_NUMBER.sub(lambda m: cn_number(m.group()), fold(text)).strip("\"“”()=:~ ")
    folded = _THOUSANDS.sub("", _DECIMAL_WORD.sub(".", folded.replace("负", "-")))
    match = _NUMBER.match(folded)
    if match is None or _NUMBER.search(folded, match.end()) is not None:
        return None
    try:
        value = float(match.group())
    except ValueError:  # pragma: no cover - the pattern only matches what float reads
        return None
    return value if abs(value) < 1e300 else None


def written_length(text: str) -> int:
    """An essay's length as a Chinese word limit counts it: characters, spaces and line breaks aside."""
    return sum(1 for ch in text if not ch.isspace())


def coerce_answer(question: Question, value: object) -> object:
    """Check an answer arriving as JSON (autosave) and return it in canonical form, or raise ValueError.

    The message is shown to the trainee, so it is in Chinese.
    """
    kind = question.type
    if kind == "description" or is_blank(value):
        return None
    if kind == "matching":
        return _coerce_matching(question, value)
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
    if kind == "essay" and question.word_limit and written_length(value) > question.word_limit:
        raise ValueError(f"答案不能超过 {question.word_limit} 字 (现有 {written_length(value)} 字)")
    return value


def _coerce_matching(question: Question, value: object) -> list[int | None] | None:
    """One chosen answer (an index into `choices`, or None) per item, in the question's own item order."""
    items, choices = question.items, question.choices
    if not isinstance(value, list) or len(value) != len(items):
        raise ValueError(f"匹配题应为每一项各选一个答案 (共 {len(items)} 项)")
    chosen: list[int | None] = []
    for entry in value:
        entry = int(entry) if isinstance(entry, str) and entry.isdigit() else entry
        if entry is None or entry == "":
            chosen.append(None)
        elif isinstance(entry, int) and not isinstance(entry, bool) and 0 <= entry < len(choices):
            chosen.append(entry)
        else:
            raise ValueError("不是本题的选项")
    return chosen if any(c is not None for c in chosen) else None


def grade(question: Question, answer: object, rules: RuleSet | None = None) -> Grade:
    """Grade `answer`; malformed answers (wrong type, unknown option) score 0 rather than raise."""
    kind = question.type
    if kind == "description":
        return Grade(0.0, False, False)
    if kind == "essay":
        return _essay(question, answer, rules)
    if is_blank(answer):
        return Grade(0.0, False, False)
    if kind == "matching":
        return _matching(question, answer)
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
    if kind == "numerical":
        return _numerical(question, answer)
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


def _matching(question: Question, answer: object) -> Grade:
    """Credit per correct pair: 3 of 4 items matched is 75 %."""
    items, choices = question.items, question.choices
    if not isinstance(answer, list) or len(answer) != len(items):
        return Grade(0.0, False, True)
    right = [isinstance(a, int) and not isinstance(a, bool) and 0 <= a < len(choices) and choices[a] == item.right
             for item, a in zip(items, answer, strict=True)]
    value = sum(right) / len(items)
    return Grade(round(value, 4), all(right), True, {"pairs": right})


def _numerical(question: Question, answer: str) -> Grade:
    """The best-credited accepted answer the number falls within; its feedback, or the wrong-answer one."""
    number = read_number(answer)
    if number is None:
        return Grade(0.0, False, True, {"feedback": "答案不是一个数", "value": None})
    accepting = [a for a in question.numeric if a.accepts(number)]
    if not accepting:
        return Grade(0.0, False, True, {"feedback": question.wrong_feedback, "value": number})
    best = max(accepting, key=lambda a: a.weight)
    value = max(0.0, min(100.0, best.weight)) / 100
    return Grade(round(value, 4), value >= 0.999, True, {"feedback": best.feedback, "value": number})


def _essay(question: Question, answer: object, rules: RuleSet | None) -> Grade:
    """Pending until a person grades it; the phrase report and key points are the grader's hint, not a mark."""
    if is_blank(answer) or not isinstance(answer, str):
        return Grade(0.0, False, False)  # nothing to grade: a blank essay earns nothing, and waits for no one
    detail: dict[str, object] = {"length": written_length(answer)}
    markers = rules.scoring.grade.markers if rules is not None else None
    if question.key_points:
        detail["points"] = [{"id": p.id, "label": p.label, "covered": p.covered, "matched": p.matched,
                             "reason": p.reason} for p in cover(answer, question.key_points, markers)]
    if rules is not None:
        detail["report"] = score(answer, question.script, rules).to_dict()
    return Grade(0.0, False, True, detail, pending=True)


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
        if question.type == "description":
            continue
        for indicator in question.indicators:
            totals.setdefault(indicator, []).append(result.score * 100)
    return {k: round(sum(v) / len(v), 2) for k, v in totals.items()}
