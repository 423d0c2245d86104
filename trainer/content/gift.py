"""Moodle GIFT, both ways: parse a GIFT file into plain items, and write bank questions back as GIFT.

Pure text work (no Flask, no database), so the parser is tested on its own and the CLI and the upload
page give the same verdict. A question the platform cannot represent (essay, matching, a numerical
range that is not a short list of whole numbers, a description) is reported with its line and skipped;
only a file in which nothing at all can be parsed is refused as a whole.

GIFT in brief: questions are separated by blank lines; `//` starts a comment line; `$CATEGORY: a/b`
sets the category of what follows; `::title::` names a question; `[html]` / `[markdown]` / `[plain]`
give the text format; the answer block `{...}` holds `=right`, `~wrong`, `~%50%partly right`,
`#feedback` per answer and `####general feedback`; `{T}` / `{F}` are true/false, `{#n:tol}` numerical,
`{=a =b}` short answer, `{=a -> b}` matching, `{}` an essay. `\\ \\: \\= \\~ \\# \\{ \\}` escape.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import TypedDict

from .questions import BLANK, Question

FORMATS = ("moodle", "html", "plain", "markdown")
MAX_NUMERIC_CHOICES = 21  # a numerical answer becomes a fill-in list of at most this many whole numbers
MAX_NUMBER_DIGITS = 15  # numbers in answers stay within what a person types (and a float holds exactly)

_ESCAPES = {":": ":", "=": "=", "~": "~", "#": "#", "{": "{", "}": "}", "\\": "\\", "n": "\n"}
_FORMAT = re.compile(r"^\s*\[(moodle|html|plain|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"^(T|F|TRUE|FALSE)$", re.IGNORECASE)
_BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})


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
    line: int
    title: str
    stem: str
    type: str  # single | multiple | truefalse | fill
    category: str = ""
    options: tuple[GiftOption, ...] = ()
    answer: bool | None = None
    answers: tuple[str, ...] = ()
    general_feedback: str = ""


@dataclass(frozen=True)
class GiftSkip:
    line: int
    title: str
    reason: str


@dataclass
class GiftResult:
    items: list[GiftItem] = field(default_factory=list)
    skipped: list[GiftSkip] = field(default_factory=list)


class _Common(TypedDict):
    """The fields every kind of parsed question shares."""

    line: int
    title: str
    stem: str
    category: str
    general_feedback: str


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


# --- parsing -----------------------------------------------------------------------------------------


def _blocks(text: str) -> Iterable[tuple[int, str]]:
    """(first line number, text) of each blank-line-separated block, comments removed."""
    lines: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if lines:
                yield start, "\n".join(lines)
                lines = []
            continue
        if not lines:
            start = number
        lines.append(raw.rstrip())
    if lines:
        yield start, "\n".join(lines)


def _split_answers(block: str) -> list[tuple[str, str]]:
    """The answer block cut at each unescaped `=` or `~`: (marker, rest)."""
    marks = [i for i, char in enumerate(block) if char in "=~" and not _escaped(block, i)]
    if not marks:
        return []
    if block[: marks[0]].strip():
        raise _Skip(f"答案部分开头的“{block[: marks[0]].strip()[:20]}”既不是 = 也不是 ~", syntax=True)
    return [(block[i], block[i + 1: j]) for i, j in zip(marks, [*marks[1:], len(block)], strict=True)]


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    i = index - 1
    while i >= 0 and text[i] == "\\":
        backslashes += 1
        i -= 1
    return backslashes % 2 == 1


def _answer(marker: str, raw: str, fmt: str) -> GiftOption:
    raw = raw.strip()
    weight = 100.0 if marker == "=" else 0.0
    match = _WEIGHT.match(raw)
    if match:
        weight = float(match.group(1))
        if not -100 <= weight <= 100:
            raise _Skip(f"得分比例 {match.group(1)}% 超出 -100%…100%", syntax=True)
        raw = raw[match.end():]
    cut = _find(raw, "#")
    text, feedback = (raw, "") if cut < 0 else (raw[:cut], raw[cut + 1:])
    text = _plain(text, fmt)
    if not text:
        raise _Skip("有一个答案是空的", syntax=True)
    return GiftOption(text, weight, _plain(feedback, fmt))


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.strip()[:100])
    except InvalidOperation:
        raise _Skip(f"数值题的答案“{text.strip()[:20]}”不是数字", syntax=True) from None
    # 1e999999999 is a valid Decimal, but writing it out as digits would take the process down.
    if not value.is_finite() or abs(value.adjusted()) > MAX_NUMBER_DIGITS:
        raise _Skip(f"数值题的答案“{text.strip()[:20]}”太大或太小", syntax=True)
    return value


def _shown(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


def _numerical(body: str) -> tuple[str, ...]:
    """Accepted answers of a numerical question, when they form a short list; otherwise skip it."""
    body = body[1:].strip()
    entries = [raw for marker, raw in _split_answers(body)] if body.startswith("=") else [body]
    accepted: list[str] = []
    for raw in entries:
        raw = raw.strip()
        match = _WEIGHT.match(raw)
        if match:
            if float(match.group(1)) < 100:
                continue  # partial-credit alternatives have no place in an all-or-nothing fill-in
            raw = raw[match.end():]
        cut = _find(raw, "#")
        value = raw if cut < 0 else raw[:cut]
        if ".." in value:
            low, high = (_number(v) for v in value.split("..", 1))
        elif ":" in value:
            centre, tolerance = (_number(v) for v in value.split(":", 1))
            low, high = centre - abs(tolerance), centre + abs(tolerance)
        else:
            low = high = _number(value)
        if low == high:
            accepted.append(_shown(low))
        elif low == low.to_integral() and high == high.to_integral() and high - low < MAX_NUMERIC_CHOICES:
            accepted += [str(n) for n in range(int(low), int(high) + 1)]
        else:
            raise _Skip(f"数值题的误差范围 {_shown(low)}…{_shown(high)} 不能换成几个可接受的答案，本平台暂不支持")
    if not accepted:
        raise _Skip("数值题没有满分答案", syntax=True)
    return tuple(dict.fromkeys(accepted))


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
    fmt = "moodle"
    match = _FORMAT.match(body)
    if match:
        fmt = match.group(1).lower()
        body = body[match.end():]
    open_at = _find(body, "{")
    if open_at < 0:
        if _find(body, "}") >= 0:
            raise _Skip("有右括号 } 却没有左括号 {", syntax=True)
        raise _Skip("没有答案部分 { }，这是 Moodle 的说明文字 (description)，不是题目")
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

    answer_block = body[open_at + 1: close_at].strip()
    general = ""
    cut = _find(answer_block, "####")
    if cut >= 0:
        general = _plain(answer_block[cut + 4:], fmt)
        answer_block = answer_block[:cut].strip()
    common: _Common = {
        "line": line, "title": title, "stem": stem, "category": category, "general_feedback": general,
    }

    if not answer_block:
        raise _Skip("问答题 (essay) 需要人工批改，本平台暂不支持导入")
    if answer_block.startswith("#"):
        return GiftItem(type="fill", answers=_numerical(answer_block), **common)
    head = answer_block
    cut = _find(head, "#")
    if cut >= 0:
        head = head[:cut]
    if _TRUE_FALSE.match(head.strip()):
        return GiftItem(type="truefalse", answer=head.strip().upper().startswith("T"), **common)

    parts = _split_answers(answer_block)
    if not parts:
        raise _Skip(f"看不懂答案部分“{answer_block[:20]}”：应以 = 或 ~ 开头，或是 T / F / #数字", syntax=True)
    if any(marker == "=" and _find(raw, "->") >= 0 for marker, raw in parts):
        raise _Skip("配对题 (matching) 本平台暂不支持")
    options = tuple(_answer(marker, raw, fmt) for marker, raw in parts)
    if all(marker == "=" for marker, _ in parts):  # short answer: every listed answer is accepted
        accepted = tuple(o.text for o in options if o.weight >= 100)
        if not accepted:
            raise _Skip("简答题没有满分答案", syntax=True)
        return GiftItem(type="fill", answers=accepted, **common)
    full = [o for o in options if o.weight >= 100]
    positive = [o for o in options if o.weight > 0]
    if len(options) < 2:
        raise _Skip("选择题至少要有两个选项", syntax=True)
    if len(full) == 1:
        return GiftItem(type="single", options=options, **common)
    if len(full) > 1:
        raise _Skip("单选题只能有一个 = 正确答案；多个正确答案请用 ~%50% 这样的比例", syntax=True)
    if len(positive) < 2 or abs(sum(o.weight for o in positive) - 100) > 0.5:
        raise _Skip("多选题各正确选项的得分比例加起来应为 100%", syntax=True)
    return GiftItem(type="multiple", options=options, **common)


def parse_gift(text: str, *, max_questions: int | None = None) -> GiftResult:
    """Every question the platform can hold, and every one it cannot with its line and the reason.

    Raises GiftUnreadable when the file is empty or every question in it is malformed, and
    GiftTooLarge as soon as the file proves to hold more than `max_questions` questions (counting
    skipped ones), so a huge file costs a bounded amount of work however it is made.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    result = GiftResult()
    category = ""
    malformed: list[GiftSkip] = []
    for line, block in _blocks(text):
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
            result.items.append(_parse_block(title, body, line, category))
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


# --- writing -----------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _percent(value: float) -> str:
    shown = f"{value:.5f}".rstrip("0").rstrip(".")
    return f"%{shown}%"


def _choice_lines(question: Question) -> list[str]:
    options = question.options
    if question.type == "single" and all(o.weight is None for o in options):
        return [("=" if o.correct else "~") + _escape(o.text) for o in options]
    if any(o.weight is not None for o in options):
        weights = [o.weight or 0.0 for o in options]
    else:  # our multiple choice: the right set shares 100 %, a wrong choice cancels the credit
        right = sum(o.correct for o in options)
        weights = [100 / right if o.correct else -100.0 for o in options]
    if question.type == "single":
        return [("=" if w >= 100 else "~" + (_percent(w) if w else "")) + _escape(o.text)
                for o, w in zip(options, weights, strict=True)]
    return ["~" + _percent(w) + _escape(o.text) for o, w in zip(options, weights, strict=True)]


def question_to_gift(question: Question) -> str:
    """One question as GIFT. Key-point questions (short, reply) become essays, their key points kept in
    comments and general feedback, because Moodle has no automatic key-point grading."""
    title = f"::{_escape(question.id)}::"
    feedback = f"\n\t####{_escape(question.explanation)}" if question.explanation else ""
    comments = [f"// {question.type} · 难度 {question.difficulty} · {', '.join(question.indicators)}"]
    if question.source:
        comments.append(f"// 出处: {question.source}")
    if question.type in ("single", "multiple"):
        answers = "\n".join(f"\t{line}" for line in _choice_lines(question))
        body = f"{title}{_escape(question.stem)} {{\n{answers}{feedback}\n}}"
    elif question.type == "truefalse":
        body = f"{title}{_escape(question.stem)} {{{'TRUE' if question.answer else 'FALSE'}{feedback}}}"
    elif question.type == "fill":
        accepted = " ".join("=" + _escape(a) for a in question.answers)
        block = f"{{{accepted}{feedback}}}"
        parts = BLANK.split(question.stem, maxsplit=1)  # a blank in the stem is Moodle's "missing word"
        body = f"{title}{_escape(parts[0])}{block}{_escape(parts[1])}" if len(parts) == 2 else \
            f"{title}{_escape(question.stem)} {block}"
    else:
        points = "；".join(f"{p.label}（{' / '.join(p.phrases)}）" for p in question.key_points)
        if points:
            comments.append(f"// 评分要点: {points}")
        if question.script:
            comments.append(f"// 话术类型: {question.script}")
        body = f"{title}{_escape(question.stem)} {{{feedback}}}"
    return "\n".join([*comments, body])


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
