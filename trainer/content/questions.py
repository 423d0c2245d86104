"""The question bank: question_bank/questions/*.yaml parsed into frozen dataclasses, checked per type.

A question's id is its identity everywhere (course quizzes, exams, review schedules), so ids must be
unique across the whole bank; `content_hash` lets sync tell a changed question from an unchanged one.
Stems must be unique too: two questions that ask the same thing under two ids (one copied into a course
file, say) would be drawn into one exam and give each other away. Stems are compared in the scorer's
canonical form with punctuation dropped, so Traditional/Simplified, full-width and spacing do not hide a copy.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypedDict

from ..scoring.keypoints import KeyPoint
from ..scoring.normalize import fold
from .check import FileCheck
from .errors import ContentError, display_path
from .keypoints import read_key_points
from .yamlio import YDict, read_yaml

QUESTION_TYPES = ("single", "multiple", "truefalse", "fill", "short", "reply", "essay", "matching", "numerical",
                  "description")
#: graded by a person (问答题): the paper waits for the grader before it has a result
HAND_GRADED = ("essay",)
#: instruction text placed before a group of questions: shown, never answered or graded
UNANSWERED = ("description",)
ESSAY_LIMIT = 5000  # characters, whatever word_limit a question sets below it
MAX_PAIRS = 12
BLANK = re.compile(r"_{3,}")
CATEGORIES_FILE = "categories.yaml"


@dataclass(frozen=True)
class Category:
    id: str
    name: str


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    weight: float | None = None  # percent credit (GIFT %50%); None = plain right/wrong


@dataclass(frozen=True)
class Pair:
    """One item of a matching question (匹配题); an empty `left` is an extra answer that matches nothing."""

    left: str
    right: str


@dataclass(frozen=True)
class NumericAnswer:
    """One accepted answer of a numerical question: `value` ± `tolerance`, or the range `low`..`high`."""

    value: float | None = None
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None
    weight: float = 100.0  # percent credit, as GIFT's =%50%
    feedback: str = ""

    def bounds(self) -> tuple[float, float]:
        if self.value is None:
            assert self.low is not None and self.high is not None  # the loaders guarantee one form or the other
            return self.low, self.high
        return self.value - self.tolerance, self.value + self.tolerance

    def accepts(self, number: float) -> bool:
        low, high = self.bounds()
        slack = 1e-9 * max(1.0, abs(low), abs(high))  # 0.1 + 0.2 is 0.3 to a person
        return low - slack <= number <= high + slack


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    category: str
    difficulty: int
    indicators: tuple[str, ...]
    source: str
    stem: str
    explanation: str
    title: str = ""
    options: tuple[Option, ...] = ()
    answer: bool | None = None  # truefalse
    answers: tuple[str, ...] = ()  # fill: accepted answers
    key_points: tuple[KeyPoint, ...] = ()  # short, reply
    pass_ratio: float = 0.6  # short: share of key points needed
    script: str | None = None  # reply (and optionally essay): script type
    pairs: tuple[Pair, ...] = ()  # matching
    numeric: tuple[NumericAnswer, ...] = ()  # numerical
    wrong_feedback: str = ""  # numerical: shown for any answer none of `numeric` accepts (GIFT ~#…)
    word_limit: int | None = None  # essay: the most characters an answer may have
    model_answer: str = ""  # essay: shown to the grader only
    path: str = ""
    line: int = 0

    @property
    def content_hash(self) -> str:
        data = asdict(self)
        data.pop("path")
        data.pop("line")
        for key, empty in _LATER_FIELDS.items():  # fields added later: left out when unused, so the
            if data[key] == empty:  # hashes of the questions written before them do not change
                data.pop(key)
        return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def items(self) -> tuple[Pair, ...]:
        """Matching: the pairs to be answered (the extra answers have no left-hand side)."""
        return tuple(p for p in self.pairs if p.left)

    @property
    def choices(self) -> tuple[str, ...]:
        """Matching: every right-hand answer once, in the question's own order (what each select offers)."""
        return tuple(dict.fromkeys(p.right for p in self.pairs))


_LATER_FIELDS: dict[str, object] = {"pairs": (), "numeric": (), "wrong_feedback": "", "word_limit": None,
                                    "model_answer": ""}


def stem_key(stem: str) -> str:
    """The form in which two stems count as the same question: NFKC, then the scorer's fold (Simplified,
    half-width, lower case, no spaces), then letters, digits and Chinese characters only (the ____ of a
    fill-in, quotes and other punctuation are dropped)."""
    return "".join(ch for ch in fold(unicodedata.normalize("NFKC", stem)) if ch.isalnum())


def _strings(check: FileCheck, data: YDict, key: str, what: str) -> tuple[str, ...]:
    if key not in data:
        check.error(data.line, f"{what} 缺少字段 {key!r}")
        return ()
    items = check.sequence(data[key], data.line_of(key), key)
    found = []
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, str | int | float) or not str(item).strip():
            check.error(items.line_of(i), f"{what} 的 {key} 中第 {i + 1} 项应为非空文本")
        else:
            found.append(str(item).strip())
    return tuple(found)


def load_categories(path: Path, shown: str) -> tuple[tuple[Category, ...], list[ContentError]]:
    data, errors = read_yaml(path, shown)
    if errors:
        return (), errors
    check = FileCheck(shown)
    root = check.mapping(data, 1, "分类文件")
    if root is None:
        return (), check.errors
    items = check.sequence(root.get("categories"), root.line_of("categories"), "categories")
    categories, seen = [], set()
    for i, raw in enumerate(items):
        item = check.mapping(raw, items.line_of(i), "分类")
        if item is None:
            continue
        check.only_keys(item, {"id", "name"}, "分类")
        ident, name = check.slug(item, "id", "分类 id"), check.get(item, "name", str)
        if ident in seen:
            check.error(item.line_of("id"), f"分类 id {ident!r} 重复")
        elif ident and name:
            seen.add(ident)
            categories.append(Category(ident, name))
    return tuple(categories), check.errors


def load_question_file(
    path: Path, shown: str, *, categories: set[str], indicators: frozenset[str] | None, scripts: set[str] | None
) -> tuple[list[Question], list[ContentError]]:
    data, errors = read_yaml(path, shown)
    if errors:
        return [], errors
    check = FileCheck(shown)
    root = check.mapping(data, 1, "题库文件")
    if root is None:
        return [], check.errors
    check.only_keys(root, {"category", "questions"}, "题库文件")
    default_category = check.get(root, "category", str, required=False)
    if default_category is not None and default_category not in categories:
        check.error(root.line_of("category"), f"未知的题目分类 {default_category!r}")
    items = check.sequence(root.get("questions"), root.line_of("questions"), "questions")
    questions = []
    for i, raw in enumerate(items):
        question = read_question(check, raw, items.line_of(i), default_category, categories, indicators, scripts)
        if question is not None:
            questions.append(question)
    return questions, check.errors


class _TypeFields(TypedDict, total=False):
    """The fields of a question that depend on its type (what `_type_fields` adds to the common ones)."""

    options: tuple[Option, ...]
    answer: bool
    answers: tuple[str, ...]
    key_points: tuple[KeyPoint, ...]
    pass_ratio: float
    script: str | None
    pairs: tuple[Pair, ...]
    numeric: tuple[NumericAnswer, ...]
    wrong_feedback: str
    word_limit: int | None
    model_answer: str


def read_question(
    check: FileCheck, raw: object, line: int, default_category: str | None, categories: set[str],
    indicators: frozenset[str] | None, scripts: set[str] | None,
) -> Question | None:
    """One question mapping checked as the YAML bank checks it (errors go to `check`); shared with the Excel
    reader, so a question is valid in a workbook exactly when it is valid in YAML."""
    item = check.mapping(raw, line, "题目")
    if item is None:
        return None
    check.only_keys(item, {"id", "type", "category", "difficulty", "indicators", "source", "stem", "explanation",
                           "title", "options", "answer", "answers", "key_points", "pass_ratio", "script", "pairs",
                           "numeric", "wrong_feedback", "word_limit", "model_answer"}, "题目")
    ident = check.slug(item, "id", "题目 id")
    qtype = check.get(item, "type", str)
    if qtype is not None and qtype not in QUESTION_TYPES:
        check.error(item.line_of("type"), f"未知的题型 {qtype!r} (可用: {', '.join(QUESTION_TYPES)})")
        qtype = None
    category = check.get(item, "category", str, required=default_category is None, default=default_category)
    if category is not None and category not in categories:
        check.error(item.line_of("category"), f"未知的题目分类 {category!r}")
    described = qtype in UNANSWERED  # a description has text only: no difficulty, indicators or explanation
    difficulty = check.get(item, "difficulty", int, required=not described, default=1 if described else None)
    if difficulty is not None and not 1 <= difficulty <= 5:
        check.error(item.line_of("difficulty"), "difficulty 应为 1 到 5")
    found_indicators = []
    if "indicators" in item:
        values = check.sequence(item["indicators"], item.line_of("indicators"), "indicators")
        for j, value in enumerate(values):
            # a list or mapping here is unhashable: test the type before looking it up
            if not isinstance(value, str) or (indicators is not None and value not in indicators):
                check.error(values.line_of(j), f"未知的能力指标 {value!r}")
            else:
                found_indicators.append(value)
    elif not described:
        check.error(item.line, "缺少字段 'indicators'")
    stem = check.get(item, "stem", str)
    explanation = check.get(item, "explanation", str, required=not described, default="")
    source = check.get(item, "source", str, required=False, default="")
    title = check.get(item, "title", str, required=False, default="")
    before = len(check.errors)
    extra = _type_fields(check, item, qtype, stem, scripts) if qtype else None
    if (extra is None or len(check.errors) > before or ident is None or qtype is None or category is None
            or difficulty is None or source is None or stem is None or explanation is None or title is None):
        return None
    return Question(
        id=ident, type=qtype, category=category, difficulty=difficulty, indicators=tuple(found_indicators),
        source=source, stem=stem, explanation=explanation, title=title, path=check.path, line=item.line, **extra,
    )


def _type_fields(
    check: FileCheck, item: YDict, qtype: str, stem: str | None, scripts: set[str] | None,
) -> _TypeFields:
    if qtype in ("single", "multiple"):
        items = check.sequence(item.get("options"), item.line_of("options"), "options")
        options = []
        for i, raw in enumerate(items):
            opt = check.mapping(raw, items.line_of(i), "选项")
            if opt is None:
                continue
            check.only_keys(opt, {"text", "correct", "weight"}, "选项")
            text = check.get(opt, "text", str)
            correct = bool(check.get(opt, "correct", bool, required=False, default=False))
            weight = check.number(opt, "weight", low=-100, high=100, required=False)
            if text is not None:
                options.append(Option(text, correct if weight is None else weight > 0, weight))
        right = sum(o.correct for o in options)
        low, high = (2, 6) if qtype == "single" else (3, 8)
        if not low <= len(items) <= high:
            check.error(item.line_of("options"), f"{qtype} 题应有 {low} 到 {high} 个选项 (现有 {len(items)} 个)")
        elif qtype == "single" and right != 1:
            check.error(item.line_of("options"), f"单选题应恰好有一个正确选项 (现有 {right} 个)")
        elif qtype == "multiple" and (right < 2 or right == len(options)):
            check.error(item.line_of("options"), "多选题应至少有两个正确选项和一个错误选项")
        if len({o.text for o in options}) != len(options):
            check.error(item.line_of("options"), "选项文字重复")
        return {"options": tuple(options)}
    if qtype == "truefalse":
        answer = check.get(item, "answer", bool)
        return {"answer": answer} if answer is not None else {}
    if qtype == "fill":
        answers = _strings(check, item, "answers", "填空题")
        if stem is not None and len(BLANK.findall(stem)) != 1:
            check.error(item.line_of("stem"), "填空题的题干应恰好有一处空格 ____")
        return {"answers": answers}
    if qtype == "description":
        return {}
    if qtype == "matching":
        return {"pairs": _pairs(check, item)}
    if qtype == "numerical":
        return _numerical(check, item)
    points = read_key_points(check, item, "题目")
    if qtype == "essay":
        limit = check.get(item, "word_limit", int, required=False)
        if limit is not None and not 10 <= limit <= ESSAY_LIMIT:
            check.error(item.line_of("word_limit"), f"word_limit 应在 10 到 {ESSAY_LIMIT} 字之间")
        script = check.get(item, "script", str, required=False)
        if script is not None and scripts is not None and script not in scripts:
            check.error(item.line_of("script"), f"未知的话术类型 {script!r}")
        return {"key_points": points, "word_limit": limit, "script": script,
                "model_answer": check.get(item, "model_answer", str, required=False, default="")}
    ratio = check.number(item, "pass_ratio", low=0.1, high=1.0, required=False, default=0.6)
    if qtype == "short":
        if not points:
            check.error(item.line, "简答题至少需要一个要点 (key_points)")
        return {"key_points": points, "pass_ratio": ratio}
    script = check.get(item, "script", str)
    if script is not None and scripts is not None and script not in scripts:
        check.error(item.line_of("script"), f"未知的话术类型 {script!r}")
    return {"key_points": points, "script": script, "pass_ratio": ratio}


def _pairs(check: FileCheck, item: YDict) -> tuple[Pair, ...]:
    """`pairs: [{left, right}]`; an item without `left` is an extra answer that matches nothing."""
    items = check.sequence(item.get("pairs"), item.line_of("pairs"), "pairs")
    pairs = []
    for i, raw in enumerate(items):
        pair = check.mapping(raw, items.line_of(i), "匹配项")
        if pair is None:
            continue
        check.only_keys(pair, {"left", "right"}, "匹配项")
        left = check.get(pair, "left", str, required=False, default="")
        right = check.get(pair, "right", str)
        if right is not None and left is not None:
            pairs.append(Pair(left, right))
    lefts = [p.left for p in pairs if p.left]
    if not 2 <= len(lefts) <= MAX_PAIRS:
        check.error(item.line_of("pairs"), f"匹配题应有 2 到 {MAX_PAIRS} 组配对 (现有 {len(lefts)} 组)")
    elif len(set(lefts)) != len(lefts):
        check.error(item.line_of("pairs"), "匹配题的左侧项目重复")
    return tuple(pairs)


def _numerical(check: FileCheck, item: YDict) -> _TypeFields:
    """`numeric: [{value, tolerance?} | {low, high}, weight?, feedback?]` and an optional wrong_feedback."""
    items = check.sequence(item.get("numeric"), item.line_of("numeric"), "numeric")
    answers = []
    for i, raw in enumerate(items):
        entry = check.mapping(raw, items.line_of(i), "数值答案")
        if entry is None:
            continue
        check.only_keys(entry, {"value", "tolerance", "low", "high", "weight", "feedback"}, "数值答案")
        weight = check.number(entry, "weight", low=-100, high=100, required=False, default=100.0)
        feedback = check.get(entry, "feedback", str, required=False, default="")
        if "value" in entry:
            value = check.number(entry, "value", low=-1e15, high=1e15)
            tolerance = check.number(entry, "tolerance", low=0, high=1e15, required=False, default=0.0)
            if value is not None:
                answers.append(NumericAnswer(value=value, tolerance=tolerance, weight=weight, feedback=feedback))
        else:
            low = check.number(entry, "low", low=-1e15, high=1e15)
            high = check.number(entry, "high", low=-1e15, high=1e15)
            if low is not None and high is not None:
                if low > high:
                    check.error(entry.line, f"数值范围的下限 {low:g} 大于上限 {high:g}")
                else:
                    answers.append(NumericAnswer(low=low, high=high, weight=weight, feedback=feedback))
    if items and not any(a.weight >= 100 for a in answers) and len(answers) == len(items):
        check.error(item.line_of("numeric"), "数值题至少要有一个满分 (weight: 100) 的答案")
    elif not items:
        check.error(item.line_of("numeric"), "数值题至少需要一个答案")
    return {"numeric": tuple(answers),
            "wrong_feedback": check.get(item, "wrong_feedback", str, required=False, default="")}


def load_bank(
    folder: Path, root: Path, *, indicators: frozenset[str] | None, scripts: set[str] | None
) -> tuple[tuple[Category, ...], dict[str, Question], list[ContentError]]:
    """Every question file under `folder`; ids must be unique across all of them."""
    errors: list[ContentError] = []
    cat_path = folder / CATEGORIES_FILE
    if not cat_path.is_file():
        return (), {}, [ContentError(display_path(cat_path, root), 1, "找不到题目分类文件")]
    categories, problems = load_categories(cat_path, display_path(cat_path, root))
    errors += problems
    category_ids = {c.id for c in categories}
    questions: dict[str, Question] = {}
    stems: dict[str, Question] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == CATEGORIES_FILE:
            continue
        found, problems = load_question_file(
            path, display_path(path, root), categories=category_ids, indicators=indicators, scripts=scripts
        )
        errors += problems
        for question in found:
            first = questions.get(question.id)
            if first is not None:
                errors.append(ContentError(question.path, question.line,
                                           f"题目 id {question.id!r} 重复 (首次出现在 {first.path}:{first.line})"))
            else:
                questions[question.id] = question
                key = stem_key(question.stem)
                same = stems.get(key) if key else None
                if same is not None:
                    errors.append(ContentError(question.path, question.line,
                                               f"题目 {question.id!r} 的题干与 {same.id!r} 相同 "
                                               f"(首次出现在 {same.path}:{same.line}); 请合并为一道题"))
                elif key:
                    stems[key] = question
    return categories, questions, errors

