"""Moodle GIFT, both ways: read a GIFT file as Moodle reads it, and write bank questions back as GIFT.

Pure text work (no Flask, no database), so the parser is tested on its own and the CLI and the upload
page give the same verdict. Reading follows Moodle's own importer (question/format/gift/format.php), so a
file means the same here as in Moodle: the answer block decides the type, in Moodle's order —

* no braces at all: a description (说明文字); `{}` (or only `####general feedback`): an essay;
* `{#…}`: numerical — `#3.14:0.01` (value and tolerance), `#3.1..3.2` (a range), several `=%50%…#feedback`
  answers, and `~#feedback` for any other number;
* any unescaped `~`: a choice. With an `=` it is single choice (every `=` answer earns full credit, so
  `{=a =b ~c}` is one question with two right answers, as in Moodle); without one it is multiple choice,
  whose `~%n%` credits must add up to 100 %;
* `=` and `->` without `~`: matching (`=left -> right`, `= -> extra` is an answer that matches nothing);
* `T` `TRUE` `F` `FALSE` (upper case, as Moodle): true/false; anything else: a short answer, each `=`
  (or the bare text before the first one, as `{One}`) an accepted answer.

One malformed question is reported with its line and a reason and the rest of the file is read; only a
file in which nothing can be read is refused as a whole. `//` starts a comment line, `$CATEGORY: a/b`
sets the category of what follows, `::title::` names a question, `[moodle]` `[html]` `[markdown]` `[plain]`
give the text format (HTML is reduced to its words), `\\ \\: \\= \\~ \\# \\{ \\} \\n` escape.

Writing keeps the Moodle reading right and adds one comment line per question, `// @trainer {json}`,
that Moodle ignores: it carries what GIFT cannot hold (id, category, difficulty, indicators, source, key
points, the platform type of a key-point question written as an essay…), so our own export reads back
as the very same questions while the file still imports into Moodle as it should.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any, Required, TypedDict

from ..scoring.keypoints import KeyPoint
from .check import is_slug
from .questions import BLANK, MAX_PAIRS, QUESTION_TYPES, NumericAnswer, Option, Pair, Question

FORMATS = ("moodle", "html", "plain", "markdown")
MAX_NUMBER_DIGITS = 15  # numbers in answers stay within what a person types (and a float holds exactly)
META = "// @trainer"  # the comment line that carries the platform's own fields (Moodle skips every // line)

_ESCAPES = {":": ":", "=": "=", "~": "~", "#": "#", "{": "{", "}": "}", "\\": "\\", "n": "\n"}
_FORMAT = re.compile(r"^\s*\[(moodle|html|plain|markdown)\]")  # case-sensitive: Moodle keeps `[HTML]` as text
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d*)?)%")
_TRUE_FALSE = ("T", "TRUE", "F", "FALSE")  # compared as written: Moodle reads `{false}` as a short answer
_BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_SLUG = re.compile(r"[^a-z0-9]+")


class GiftUnreadable(ValueError):
    """Nothing in the file could be parsed as GIFT; `line` is where the trouble starts."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


class GiftTooLarge(GiftUnreadable):
    """The file holds more questions than one import takes; nothing is imported."""


@dataclass(frozen=True)
class GiftOption:
    text: str
    weight: float  # percent credit: = is 100, ~ is 0 unless %n% says otherwise
    feedback: str = ""


@dataclass(frozen=True)
class GiftItem:
    """One question as the GIFT text says it, before the platform's defaults (category, difficulty…) apply."""

    line: int
    title: str
    stem: str
    type: str  # single | multiple | truefalse | fill | numerical | matching | essay | description
    category: str = ""
    options: tuple[GiftOption, ...] = ()
    answer: bool | None = None
    answers: tuple[str, ...] = ()
    general_feedback: str = ""
    pairs: tuple[Pair, ...] = ()
    numeric: tuple[NumericAnswer, ...] = ()
    wrong_feedback: str = ""
    #: the checked fields of the question's `// @trainer` line (Question field name -> value); they win
    meta: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class GiftSkip:
    line: int
    title: str
    reason: str


@dataclass
class GiftResult:
    items: list[GiftItem] = field(default_factory=list)
    skipped: list[GiftSkip] = field(default_factory=list)


class _Answers(TypedDict, total=False):
    """What the answer block adds to a question: its type and the fields of that type."""

    type: Required[str]
    options: tuple[GiftOption, ...]
    answer: bool
    answers: tuple[str, ...]
    pairs: tuple[Pair, ...]
    numeric: tuple[NumericAnswer, ...]
    wrong_feedback: str


class _Skip(Exception):
    """One question cannot be imported; `syntax` marks a malformed question rather than an unsupported one."""

    def __init__(self, reason: str, *, syntax: bool = False):
        super().__init__(reason)
        self.syntax = syntax


# --- text helpers ------------------------------------------------------------------------------------


def _find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _rfind(text: str, target: str) -> int:
    """Index of the last unescaped `target`, or -1 (Moodle takes general feedback from the last `####`)."""
    found, at = -1, _find(text, target)
    while at >= 0:
        found, at = at, _find(text, target, at + 1)
    return found


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


class _TextOnly(HTMLParser):
    """Keeps the words of an HTML fragment, drops every tag, and never keeps script or style content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _plain(text: str, fmt: str) -> str:
    """Question text as the platform stores it: plain text, HTML reduced to its words."""
    text = _unescape(text)
    if fmt in ("html", "moodle") and "<" in text:
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    elif fmt == "html":
        text = html.unescape(text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def _format(text: str, default: str) -> tuple[str, str]:
    """(format, the text after it): a leading `[html]` and the like, else the format the text inherits."""
    match = _FORMAT.match(text)
    return (match.group(1), text[match.end():]) if match else (default, text)


def _text(raw: str, fmt: str) -> str:
    """An answer or a feedback: Moodle lets each start with its own `[format]`, else it has the question's."""
    own, rest = _format(raw.strip(), fmt)
    return _plain(rest, own)


# --- parsing -----------------------------------------------------------------------------------------


def _blocks(text: str) -> Iterable[tuple[int, str, str | None]]:
    """(first line number, text, its `// @trainer` JSON) of each blank-line-separated block, comments removed."""
    lines: list[str] = []
    start = 0
    meta: str | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):
            if stripped.startswith(META) and meta is None:
                meta = stripped[len(META):]
            continue
        if not stripped:
            if lines:
                yield start, "\n".join(lines), meta
                lines = []
            meta = None  # a @trainer line belongs to the question of its own block, never to the next one
            continue
        if not lines:
            start = number
        lines.append(raw.rstrip())
    if lines:
        yield start, "\n".join(lines), meta


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    i = index - 1
    while i >= 0 and text[i] == "\\":
        backslashes += 1
        i -= 1
    return backslashes % 2 == 1


def _split_answers(block: str, marks: str = "=~") -> list[tuple[str, str]]:
    """The answer block cut at each unescaped mark: (mark, rest). Text before the first mark is an answer
    too, with the mark "" — Moodle reads `{One}` as a short answer and `{a ~b =c}` as three choices."""
    cuts = [i for i, char in enumerate(block) if char in marks and not _escaped(block, i)]
    ends = [*cuts, len(block)]
    parts = [("", block[: ends[0]])] if block[: ends[0]].strip() else []
    return parts + [(block[i], block[i + 1: j]) for i, j in zip(cuts, ends[1:], strict=True)]


def _weight(raw: str, default: float) -> tuple[float, str]:
    """(percent credit, the rest) of an answer that may start with `%50%`."""
    match = _WEIGHT.match(raw)
    if not match:
        return default, raw
    weight = float(match.group(1))
    if not -100 <= weight <= 100:
        raise _Skip(f"得分比例 {match.group(1)}% 超出 -100%…100%", syntax=True)
    return weight, raw[match.end():]


def _feedback(raw: str) -> tuple[str, str]:
    """(answer, feedback): an answer's feedback follows its first unescaped `#`."""
    cut = _find(raw, "#")
    return (raw, "") if cut < 0 else (raw[:cut], raw[cut + 1:])


def _choice(block: str, fmt: str) -> _Answers:
    parts = _split_answers(block)
    options = []
    for marker, raw in parts:
        raw = raw.strip()
        # `=` is full credit as it stands (Moodle reads no %n% after it in a choice); `~` may carry %n%
        weight, raw = (100.0, raw) if marker == "=" else _weight(raw, 0.0)
        text, feedback = _feedback(raw)
        option = GiftOption(_text(text, fmt), weight, _text(feedback, fmt))
        if not option.text:
            raise _Skip("有一个答案是空的", syntax=True)
        options.append(option)
    if len(options) < 2:
        raise _Skip("选择题至少要有两个选项", syntax=True)
    if any(marker == "=" for marker, _ in parts):
        return {"type": "single", "options": tuple(options)}
    if abs(sum(o.weight for o in options if o.weight > 0) - 100) > 0.5:
        raise _Skip("多选题各正确选项的得分比例加起来应为 100%", syntax=True)
    return {"type": "multiple", "options": tuple(options)}


def _short(block: str, fmt: str) -> _Answers:
    accepted = []
    for _, raw in _split_answers(block):
        weight, raw = _weight(raw.strip(), 100.0)
        text = _text(_feedback(raw)[0], fmt)
        if not text:
            raise _Skip("有一个答案是空的", syntax=True)
        if weight >= 100:  # partial-credit alternatives have no place in an all-or-nothing fill-in
            accepted.append(text)
    if not accepted:
        raise _Skip("简答题没有满分答案", syntax=True)
    return {"type": "fill", "answers": tuple(accepted)}


def _matching(block: str, fmt: str) -> _Answers:
    pairs = []
    for _, raw in _split_answers(block, "="):
        arrow = raw.find("->")  # Moodle has no escape for ->: the first one divides the pair
        if arrow < 0:
            raise _Skip(f"配对题的每一项都应写成 =左边 -> 右边（“{_unescape(raw).strip()[:20]}”没有 ->）", syntax=True)
        pair = Pair(_text(raw[:arrow], fmt), _unescape(raw[arrow + 2:]).strip())
        if not pair.right:
            raise _Skip("配对题有一项的右边是空的", syntax=True)
        pairs.append(pair)
    lefts = [p.left for p in pairs if p.left]
    if not 2 <= len(lefts) <= MAX_PAIRS:
        raise _Skip(f"配对题应有 2 到 {MAX_PAIRS} 组配对 (现有 {len(lefts)} 组)", syntax=True)
    if len(set(lefts)) != len(lefts):
        raise _Skip("配对题的左侧项目重复", syntax=True)
    return {"type": "matching", "pairs": tuple(pairs)}


def _number(text: str) -> Decimal:
    shown = text.strip()[:20]
    try:
        if "_" in text:  # Python reads 1_000, Moodle does not
            raise InvalidOperation
        value = Decimal(text.strip()[:100])
    except InvalidOperation:
        raise _Skip(f"数值题的答案“{shown}”不是数字", syntax=True) from None
    # 1e999999999 is a valid Decimal, but writing it out as digits would take the process down.
    if not value.is_finite() or abs(value.adjusted()) > MAX_NUMBER_DIGITS:
        raise _Skip(f"数值题的答案“{shown}”太大或太小", syntax=True)
    return value


def _shown(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


def _numeric(raw: str, fmt: str) -> NumericAnswer:
    """One answer of a numerical question: `%50%` credit, then `value`, `value:tolerance` or `low..high`,
    then `#feedback`. Moodle turns a range into its midpoint ± half its width; it is kept as a range here."""
    weight, raw = _weight(raw.strip(), 100.0)
    value, feedback = _feedback(raw)
    value = value.strip()
    feedback = _text(feedback, fmt)
    dots = value.find("..")
    if dots > 0:
        low, high = _number(value[:dots]), _number(value[dots + 2:])
        if low > high:
            raise _Skip(f"数值范围的下限 {_shown(low)} 大于上限 {_shown(high)}", syntax=True)
        return NumericAnswer(low=float(low), high=float(high), weight=weight, feedback=feedback)
    colon = _find(value, ":")
    if colon > 0:
        centre, tolerance = _number(value[:colon]), _number(value[colon + 1:])
        if tolerance < 0:
            raise _Skip(f"数值题的误差 {_shown(tolerance)} 不能小于 0", syntax=True)
        return NumericAnswer(value=float(centre), tolerance=float(tolerance), weight=weight, feedback=feedback)
    return NumericAnswer(value=float(_number(value)), weight=weight, feedback=feedback)


def _numerical(body: str, fmt: str) -> _Answers:
    wrong = ""
    cut = _find(body, "~")  # `~#…` is the feedback for every other number, and ends the answers
    if cut >= 0:
        wrong = _text(_feedback(body[cut + 1:])[1], fmt)
        body = body[:cut]
    answers = tuple(_numeric(raw, fmt) for _, raw in _split_answers(body, "="))
    if not answers:
        raise _Skip("数值题没有答案", syntax=True)
    if not any(a.weight >= 100 for a in answers):
        raise _Skip("数值题没有满分答案", syntax=True)
    return {"type": "numerical", "numeric": answers, "wrong_feedback": wrong}


def _answers(block: str, fmt: str) -> _Answers:
    """The type and its fields, decided from the answer block in the order Moodle decides it."""
    if not block:
        return {"type": "essay"}
    if block.startswith("#"):
        return _numerical(block[1:], fmt)
    if _find(block, "~") >= 0:
        return _choice(block, fmt)
    if _find(block, "=") >= 0 and "->" in block:
        return _matching(block, fmt)
    cut = _find(block, "#")
    head = block[:cut].strip() if cut > 0 else block
    if head in _TRUE_FALSE:
        return {"type": "truefalse", "answer": head.startswith("T")}
    return _short(block, fmt)


def _split_title(text: str) -> tuple[str, str, bool]:
    """(title, the rest, whether the title is well-formed) of one question's text."""
    body = text.lstrip()
    if not body.startswith("::"):
        return "", body, True
    end = _find(body, "::", 2)
    if end < 0:
        return "", body, False
    return _unescape(body[2:end]).strip(), body[end + 2:], True


def _parse_block(title: str, body: str, line: int, category: str) -> GiftItem:
    fmt, body = _format(body, "moodle")
    open_at = _find(body, "{")
    if open_at < 0:
        if _find(body, "}") >= 0:
            raise _Skip("有右括号 } 却没有左括号 {", syntax=True)
        stem = _plain(body, fmt)
        if not stem:
            raise _Skip("题干是空的", syntax=True)
        return GiftItem(line, title, stem, "description", category)
    close_at = _find(body, "}", open_at + 1)
    if close_at < 0:
        raise _Skip("答案部分缺少右括号 }", syntax=True)
    if 0 <= _find(body, "{", open_at + 1) < close_at:
        raise _Skip("答案部分里有未转义的 {", syntax=True)
    after = body[close_at + 1:]
    if _find(after, "{") >= 0:
        raise _Skip("一道题只能有一个答案部分 { }（完形填空 cloze 请用 Moodle 的嵌入式题型）")
    before = body[:open_at]
    stem_source = f"{before}____{after}" if after.strip() else before
    stem = _plain(stem_source, fmt)
    if not stem:
        raise _Skip("题干是空的", syntax=True)

    block = body[open_at + 1: close_at].strip()
    general = ""
    cut = _rfind(block, "####")
    if cut >= 0:
        general = _text(block[cut + 4:], fmt)
        block = block[:cut].strip()
    return GiftItem(line=line, title=title, stem=stem, category=category, general_feedback=general,
                    **_answers(block, fmt))


def parse_gift(text: str, *, max_questions: int | None = None) -> GiftResult:
    """Every question of the file, and every one that cannot be read with its line and the reason.

    Raises GiftUnreadable when the file is empty or every question in it is malformed, and
    GiftTooLarge as soon as the file proves to hold more than `max_questions` questions (counting
    skipped ones), so a huge file costs a bounded amount of work however it is made.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    result = GiftResult()
    category = ""
    malformed: list[GiftSkip] = []
    for line, block, meta in _blocks(text):
        if block.lstrip().startswith("$CATEGORY:"):
            first, _, rest = block.lstrip().partition("\n")
            category = first[len("$CATEGORY:"):].strip()
            if not rest.strip():
                continue
            block, line = rest, line + 1
        if max_questions is not None and len(result.items) + len(result.skipped) >= max_questions:
            raise GiftTooLarge(line, f"文件里的题目超过单次导入上限 {max_questions} 道"
                                     f"（第 {line} 行是第 {max_questions + 1} 道），没有导入任何题目。"
                                     "请把文件拆成几个较小的文件分别导入。")
        title, body, titled = _split_title(block)
        try:
            if not titled:
                raise _Skip("标题缺少结尾的 ::", syntax=True)
            item = _parse_block(title, body, line, category)
            if meta is not None:
                item = replace(item, meta=_read_meta(meta, item.type))
            result.items.append(item)
        except _Skip as skip:
            entry = GiftSkip(line, title, str(skip))
            result.skipped.append(entry)
            if skip.syntax:
                malformed.append(entry)
    if not result.items and not result.skipped:
        raise GiftUnreadable(1, "文件里没有题目")
    if not result.items and malformed and len(malformed) == len(result.skipped):
        raise GiftUnreadable(malformed[0].line, malformed[0].reason)
    return result


# --- the @trainer line -------------------------------------------------------------------------------


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _strings(value: object) -> tuple[str, ...]:
    return tuple(_string(v) for v in _list(value))


def _maybe_string(value: object) -> str | None:
    return None if value is None else _string(value)


def _real(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError
    return float(value)


def _maybe_real(value: object) -> float | None:
    return None if value is None else _real(value)


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError
    return value


def _record(value: object, required: AbstractSet[str], optional: AbstractSet[str] = frozenset()) -> dict[str, object]:
    """A JSON object with exactly these keys (the optional ones may be left out)."""
    if not isinstance(value, dict) or not required <= value.keys() <= required | optional:
        raise TypeError
    return value


def _slug(value: object) -> str:
    ident = _string(value)
    if not is_slug(ident) or len(ident) > 80:
        raise ValueError
    return ident


def _question_type(value: object) -> str:
    kind = _string(value)
    if kind not in QUESTION_TYPES:
        raise ValueError
    return kind


def _difficulty(value: object) -> int:
    level = _whole(value)
    if not 1 <= level <= 5:
        raise ValueError
    return level


def _pass_ratio(value: object) -> float:
    ratio = _real(value)
    if not 0.1 <= ratio <= 1.0:
        raise ValueError
    return ratio


def _answer(value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise TypeError
    return value


def _word_limit(value: object) -> int | None:
    return None if value is None else _whole(value)


def _options(value: object) -> tuple[Option, ...]:
    out = []
    for raw in _list(value):
        entry = _record(raw, {"text", "correct"}, {"weight"})
        correct = entry["correct"]
        if not isinstance(correct, bool):
            raise TypeError
        out.append(Option(_string(entry["text"]), correct, _maybe_real(entry.get("weight"))))
    return tuple(out)


def _key_points(value: object) -> tuple[KeyPoint, ...]:
    out = []
    for raw in _list(value):
        entry = _record(raw, {"id", "label", "phrases"}, {"act", "needs"})
        out.append(KeyPoint(_string(entry["id"]), _string(entry["label"]), _strings(entry["phrases"]),
                            _maybe_string(entry.get("act")), _maybe_string(entry.get("needs"))))
    return tuple(out)


def _pairs(value: object) -> tuple[Pair, ...]:
    out = []
    for raw in _list(value):
        entry = _record(raw, {"left", "right"})
        out.append(Pair(_string(entry["left"]), _string(entry["right"])))
    return tuple(out)


def _numeric_answers(value: object) -> tuple[NumericAnswer, ...]:
    keys = {"value", "tolerance", "low", "high", "weight", "feedback"}
    out = []
    for raw in _list(value):
        entry = _record(raw, set(), keys)
        answer = NumericAnswer(_maybe_real(entry.get("value")), _real(entry.get("tolerance", 0.0)),
                               _maybe_real(entry.get("low")), _maybe_real(entry.get("high")),
                               _real(entry.get("weight", 100.0)), _string(entry.get("feedback", "")))
        if answer.value is None and (answer.low is None or answer.high is None):
            raise ValueError
        out.append(answer)
    return tuple(out)


#: how each field of a @trainer line is read; a key not listed (from a later version) is ignored
_META_FIELDS: dict[str, Callable[[object], object]] = {
    "id": _slug, "type": _question_type, "category": _slug, "difficulty": _difficulty, "indicators": _strings,
    "source": _string, "title": _string, "stem": _string, "explanation": _string, "options": _options,
    "answer": _answer, "answers": _strings, "key_points": _key_points, "pass_ratio": _pass_ratio,
    "script": _maybe_string, "pairs": _pairs, "numeric": _numeric_answers, "wrong_feedback": _string,
    "word_limit": _word_limit, "model_answer": _string,
}
#: the platform types GIFT writes as an essay (Moodle has no automatic key-point grading)
_AS_ESSAY = ("essay", "short", "reply")


def _read_meta(text: str, kind: str) -> dict[str, Any]:
    """The fields of a `// @trainer` line, checked: a bad line reports its question rather than guess."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise _Skip(f"“{META}”一行不是有效的 JSON", syntax=True) from None
    if not isinstance(raw, dict):
        raise _Skip(f"“{META}”一行应是一个 JSON 对象", syntax=True)
    meta: dict[str, Any] = {}
    for key, value in raw.items():
        reader = _META_FIELDS.get(key)
        if reader is None:
            continue
        try:
            meta[key] = reader(value)
        except (TypeError, ValueError):
            raise _Skip(f"“{META}”一行的 {key} 不对", syntax=True) from None
    meant = meta.get("type", kind)
    if meant != kind and not (kind == "essay" and meant in _AS_ESSAY):
        raise _Skip(f"“{META}”一行的题型 {meant} 与题目本身的题型 {kind} 不符", syntax=True)
    if meant == "short" and not meta.get("key_points"):
        raise _Skip(f"“{META}”一行说是简答题 (short)，却没有评分要点 key_points", syntax=True)
    if meant == "reply" and not meta.get("script"):
        raise _Skip(f"“{META}”一行说是话术题 (reply)，却没有话术类型 script", syntax=True)
    return meta


# --- from GIFT to the platform's questions -----------------------------------------------------------


def question_id(item: GiftItem) -> str:
    """An id from the GIFT title (ASCII titles only, so ids stay slugs), else from the question text, so
    re-importing the same file updates its questions in place."""
    slug = _SLUG.sub("-", item.title.lower()).strip("-")
    if slug and item.title.isascii():
        return (slug if slug.startswith("gift-") else f"gift-{slug}")[:80]
    return "gift-" + hashlib.sha1(item.stem.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def _shared(weights: list[float]) -> bool:
    """Whether the credits are our own multiple choice as `_choice_lines` writes it: the right choices share
    100 % equally and a wrong one takes it all back. It grades exactly as plain right/wrong does."""
    right = [w for w in weights if w > 0]
    return len(right) >= 2 and all(abs(w - 100 / len(right)) < 1e-4 for w in right) \
        and all(w == -100 for w in weights if w <= 0)


def _platform_options(item: GiftItem) -> tuple[Option, ...]:
    weights = [o.weight for o in item.options]
    plain = (item.type == "single" and all(w in (0, 100) for w in weights)) or \
        (item.type == "multiple" and _shared(weights))
    return tuple(Option(o.text, o.weight > 0, None if plain else o.weight) for o in item.options)


def to_question(item: GiftItem, *, category: str, indicators: tuple[str, ...], difficulty: int,
                source: str) -> Question:
    """The bank question an item stands for: the given defaults where GIFT says nothing (a description
    has no difficulty, indicators or explanation), and the item's `// @trainer` fields over everything."""
    described = item.type == "description"
    feedback = item.general_feedback \
        or next((o.feedback for o in item.options if o.weight > 0 and o.feedback), "") \
        or next((a.feedback for a in item.numeric if a.weight >= 100 and a.feedback), "")
    question = Question(
        id=question_id(item), type=item.type, category=category, difficulty=1 if described else difficulty,
        indicators=() if described else indicators, source=f"Moodle GIFT: {source}", stem=item.stem,
        explanation="" if described else feedback or f"导入自 Moodle GIFT 文件 {source}", title=item.title,
        options=_platform_options(item), answer=item.answer, answers=item.answers, pairs=item.pairs,
        numeric=item.numeric, wrong_feedback=item.wrong_feedback, line=item.line,
    )
    return replace(question, **item.meta)


# --- writing -----------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    # GIFT has no escape for a carriage return: it would end the line (Moodle drops it), so it is a \n
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _write(text: str, fmt: str) -> str:
    """An answer or feedback as GIFT, its format named when the text itself starts like `[html]`."""
    return (f"[{fmt}]" if _FORMAT.match(text) else "") + _escape(text)


def _percent(value: float) -> str:
    shown = f"{value:.5f}".rstrip("0").rstrip(".")
    return f"%{shown}%"


def _choice_lines(question: Question, fmt: str = "moodle") -> list[str]:
    """Each choice with its mark; a text that starts with `%` gets its credit spelled out (`~%0%%50% off`),
    or the reader would take the text's own `%50%` for the credit."""
    options = question.options

    def wrong(text: str) -> str:
        return "~" + ("%0%" if text.startswith("%") else "") + _write(text, fmt)

    if question.type == "single" and all(o.weight is None for o in options):
        return ["=" + _write(o.text, fmt) if o.correct else wrong(o.text) for o in options]
    if any(o.weight is not None for o in options):
        weights = [o.weight or 0.0 for o in options]
    else:  # our multiple choice: the right set shares 100 %, a wrong choice cancels the credit
        right = sum(o.correct for o in options)
        weights = [100 / right if o.correct else -100.0 for o in options]
    if question.type == "single":
        return [("=" + _write(o.text, fmt) if w >= 100 else "~" + _percent(w) + _write(o.text, fmt) if w else
                 wrong(o.text)) for o, w in zip(options, weights, strict=True)]
    return ["~" + _percent(w) + _write(o.text, fmt) for o, w in zip(options, weights, strict=True)]


def _number_text(value: float) -> str:
    value = float(value)  # a question built in code may hold an int
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def _numeric_line(answer: NumericAnswer, fmt: str) -> str:
    if answer.value is None:
        assert answer.low is not None and answer.high is not None
        number = f"{_number_text(answer.low)}..{_number_text(answer.high)}"
    else:
        number = _number_text(answer.value)
        if answer.tolerance:
            number += f":{_number_text(answer.tolerance)}"
    credit = "=" if answer.weight == 100 else "=" + _percent(answer.weight)
    return credit + number + (f"#{_write(answer.feedback, fmt)}" if answer.feedback else "")


def _texts(question: Question) -> Iterable[str]:
    """Every text that is read in the question's format (matching's right-hand answers never are)."""
    yield from (question.stem, question.explanation, question.wrong_feedback)
    yield from (o.text for o in question.options)
    yield from question.answers
    yield from (p.left for p in question.pairs)
    yield from (a.feedback for a in question.numeric)


def _body(question: Question) -> str:
    """The question as Moodle reads it, without comments. Text with `<` or `&` is written `[plain]`: it is
    plain text on the platform, and Moodle's default format would take it for HTML."""
    fmt = "plain" if any("<" in t or "&" in t for t in _texts(question)) else "moodle"
    head = f"::{_escape(question.id)}::" + (f"[{fmt}]" if fmt != "moodle" or _FORMAT.match(question.stem) else "")
    stem = _escape(question.stem)
    feedback = f"\n\t####{_write(question.explanation, fmt)}" if question.explanation else ""
    kind = question.type
    if kind in ("single", "multiple"):
        answers = "\n".join(f"\t{line}" for line in _choice_lines(question, fmt))
        return f"{head}{stem} {{\n{answers}{feedback}\n}}"
    if kind == "truefalse":
        return f"{head}{stem} {{{'TRUE' if question.answer else 'FALSE'}{feedback}}}"
    if kind == "fill":
        accepted = " ".join("=" + ("%100%" if a.startswith("%") else "") + _write(a, fmt) for a in question.answers)
        block = f"{{{accepted}{feedback}}}"
        parts = BLANK.split(question.stem, maxsplit=1)  # a blank in the stem is Moodle's "missing word"
        if len(parts) == 2 and parts[1].strip():
            return f"{head}{_escape(parts[0])}{block}{_escape(parts[1])}"
        return f"{head}{stem} {block}"  # a blank at the very end stays in the text, the answer box follows
    if kind == "numerical":
        first = question.numeric[0] if len(question.numeric) == 1 else None
        if first is not None and first.weight == 100 and not first.feedback and not question.wrong_feedback:
            return f"{head}{stem} {{#{_numeric_line(first, fmt)[1:]}{feedback}}}"  # the short form, {#3.14:0.01}
        lines = [_numeric_line(a, fmt) for a in question.numeric]
        if question.wrong_feedback:
            lines.append(f"~#{_write(question.wrong_feedback, fmt)}")
        answers = "\n".join(f"\t{line}" for line in lines)
        return f"{head}{stem} {{#\n{answers}{feedback}\n}}"
    if kind == "matching":
        answers = "\n".join(f"\t={_write(p.left, fmt)} -> {_escape(p.right)}" for p in question.pairs)
        return f"{head}{stem} {{\n{answers}{feedback}\n}}"
    if kind == "description":
        return f"{head}{stem}"
    return f"{head}{stem} {{{feedback}}}"  # essay, and the key-point types short and reply as essays


#: carried by every @trainer line: what the importing platform would otherwise take from the upload form
_ALWAYS = ("id", "type", "category", "difficulty", "indicators", "source")
#: carried only when the Moodle reading of the question would not give them back as they are
_CARRIED = ("title", "stem", "explanation", "options", "answer", "answers", "key_points", "pass_ratio", "script",
            "pairs", "numeric", "wrong_feedback", "word_limit", "model_answer")


def _as_json(value: Any) -> Any:
    return asdict(value)  # Option, KeyPoint, Pair, NumericAnswer: the only objects a question holds


def _meta(question: Question, body: str) -> str:
    """The @trainer JSON: the fields the form would supply, then each field the Moodle reading of `body`
    gets wrong (a question's key points, a title, text whose spacing the reader tidies…)."""
    meta = {key: getattr(question, key) for key in _ALWAYS}
    try:
        items = parse_gift(body).items
    except GiftUnreadable:
        items = []
    read = to_question(items[0], category=question.category, indicators=question.indicators,
                       difficulty=question.difficulty, source="") if items else None
    for key in _CARRIED:
        value = getattr(question, key)
        if read is None or getattr(read, key) != value:
            meta[key] = value
    return json.dumps(meta, ensure_ascii=False, default=_as_json)


def _comment(text: str) -> str:
    return " ".join(text.split())  # a line break would end the comment and start question text


def question_to_gift(question: Question) -> str:
    """One question as GIFT, after comments for people and the `// @trainer` line for the platform.
    Key-point questions (short, reply) become essays, because Moodle has no automatic key-point grading;
    their points are kept in a comment, and in the @trainer line for a platform that reads them back."""
    comments = [f"// {question.type} · 难度 {question.difficulty} · {', '.join(question.indicators)}"]
    if question.source:
        comments.append(f"// 出处: {_comment(question.source)}")
    points = "；".join(f"{p.label}（{' / '.join(p.phrases)}）" for p in question.key_points)
    if points:
        comments.append(f"// 评分要点: {_comment(points)}")
    if question.script:
        comments.append(f"// 话术类型: {_comment(question.script)}")
    body = _body(question)
    return "\n".join([*comments, f"{META} {_meta(question, body)}", body])


def to_gift(questions: Iterable[Question], *, category_names: Mapping[str, str]) -> str:
    """The questions as one GIFT file, grouped under `$CATEGORY:` lines named as on the platform."""
    out = ["// 坐席培训与考核平台 题库导出 (Moodle GIFT)", ""]
    current = None
    for question in sorted(questions, key=lambda q: (q.category, q.id)):
        if question.category != current:
            current = question.category
            out += [f"$CATEGORY: $course$/坐席培训/{category_names.get(current, current)}", ""]
        out += [question_to_gift(question), ""]
    return "\n".join(out)
