"""Phrase rules as data: polite-phrase groups, script types, banned phrases and the score weights.

Rules live in YAML under question_bank/phrases/ so trainers, not programmers, maintain them. They are
loaded from file texts (the database keeps the texts of the rules in force, so every app process
compiles the same rules) and validated with `path:line` errors; a rule set with any error is refused
as a whole, so a typo can never silently switch a rule off.

Parsing and validating the YAML files is trainer/content/phrases.py's job; this module holds what the
scorer works with, so `trainer.scoring` imports nothing from `trainer.content`.

Phrases are literals. Patterns are regular expressions over the normalised text with conveniences:
`…` (or `...`) is a gap of up to `gap` characters inside one sentence, `{within:N}` a gap of up to N,
`{han}` one Chinese character, `{hans}` a short run of Chinese characters, letters or digits (a name,
a company), `{num}` digits. A banned rule can also require companions in the same sentence
(`with_all`) or be lifted by them (`without`).

Every pattern needs a fixed piece of text (its anchor) so that one Aho-Corasick pass
finds every candidate; the anchor is derived from the pattern.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from .context import Context, gap_regex
from .normalize import _to_simplified
from .settings import GradeSettings, Vocabulary

SEVERITIES = ("minor", "major", "critical")
POSITIONS = ("anywhere", "first_sentence", "last_sentence")
GROUP_IDS = ("greeting", "self_intro", "offer_help", "apology", "thanks", "reassurance", "closing", "hold")

_PLACEHOLDERS = {
    "{han}": "[\u4e00-\u9fff]",
    "{hans}": "[\u4e00-\u9fffa-z0-9×]{1,8}?",  # × : the reference's own placeholder (××物业)
    "{num}": "[0-9]+",
}
_FORBIDDEN_IN_PATTERN = re.compile(r"[\s\u3000，。！？；：（）、“”「」『』]|[A-Z](?<!\\[A-Z])")
_CJK_OR_ALNUM = re.compile(r"[\u4e00-\u9fffa-z0-9]")


@dataclass(frozen=True)
class Pattern:
    """A compiled pattern: the regex to confirm a match and the literal anchors that find candidates."""

    source: str
    regex: re.Pattern[str]
    anchors: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    literals: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    source: str


@dataclass(frozen=True)
class Banned:
    phrase: str  # reported as "phrase" (Simplified)
    literals: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    severity: str
    suggestion: str
    indicator: str
    allow: tuple[Context, ...]
    with_all: tuple[str, ...]  # counts only if the sentence also has every one of these
    without: tuple[str, ...]  # does not count if the sentence has any of these ("他不在, 您要留言吗?")
    alone: bool  # rude only as a whole sentence on its own ("哪里?")
    max_clause: int | None  # rude only in a clause this short ("他不在。")
    boundary: bool  # check jieba word boundaries ("喂养" is not "喂")
    source: str


@dataclass(frozen=True)
class Requirement:
    group: str
    where: str
    penalty: float


@dataclass(frozen=True)
class Script:
    id: str
    name: str
    description: str
    requires: tuple[Requirement, ...]
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Scoring:
    pass_line: float
    missing_penalty: float
    severity_penalty: dict[str, float]
    severity_name: dict[str, str]
    critical_cap: float
    gap: int
    particles: frozenset[str]
    max_chars: int
    #: how a whole reply is graded (grade.py): weights, caps, act markers, form and relevance thresholds
    grade: GradeSettings


@dataclass(frozen=True)
class RuleSet:
    version: str  # content hash of the rule files: stored with every report
    scoring: Scoring
    groups: dict[str, Group]
    scripts: dict[str, Script]
    banned: tuple[Banned, ...]
    prescribed: tuple[tuple[str, str], ...] = field(default=())  # (text, group) from the references
    vocabularies: tuple[Vocabulary, ...] = field(default=())  # `$room` … key-point words shared by content

    def vocabulary(self, ident: str) -> Vocabulary | None:
        return next((v for v in self.vocabularies if v.id == ident), None)

    def script(self, script_id: str | None) -> Script:
        return self.scripts[script_id or "any"]


# --- compiling phrases and patterns -----------------------------------------------------------------


_WITHIN = re.compile(r"\{within:(\d{1,2})\}")
#: a backslash just before a gap marker would escape the gap's own character class
_ESCAPED_GAP = re.compile(r"\\(?:…|\.\.\.|\{within:)")


def _expand(source: str, gap: int) -> str:
    text = _WITHIN.sub(lambda m: gap_regex(int(m.group(1))), source)
    text = text.replace("...", "…").replace("…", gap_regex(gap))
    for name, regex in _PLACEHOLDERS.items():
        text = text.replace(name, regex)
    return text


def _split_top_level(source: str) -> list[str]:
    """Split a pattern at `|` that is outside any group or class."""
    parts: list[str] = []
    current: list[str] = []
    depth, in_class, escaped = 0, False, False
    for ch in source:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


_PLAIN_GROUP = re.compile(r"\(((?:[\u4e00-\u9fffa-z0-9]+\|)*[\u4e00-\u9fffa-z0-9]+)\)(?![?*]|\{0,)")


def _anchors(alternative: str) -> tuple[str, ...]:
    """Fixed text that every match of `alternative` must contain, for the Aho-Corasick pass.

    The longest run of literal characters outside groups, classes and quantifiers; failing that,
    the alternatives of a plain group such as "(马上|立即)" (the one with the longest shortest
    alternative, so the automaton is fed as few one-character keys as possible).
    """
    runs: list[str] = []
    run: list[str] = []
    depth, i, n = 0, 0, len(alternative)

    def close() -> None:
        if run:
            runs.append("".join(run))
            run.clear()

    def optional(at: int) -> bool:
        return at < n and (alternative[at] in "?*" or alternative.startswith(("{0,", "{,"), at))

    while i < n:
        ch = alternative[i]
        if ch == "\\":
            close()
            i += 2
            continue
        if ch in "[{":
            close()
            j = alternative.find("]" if ch == "[" else "}", i + 2 if alternative[i + 1 : i + 2] == "]" else i + 1)
            i = n if j < 0 else j + 1
            continue
        if ch == "(":
            close()
            depth += 1
        elif ch == ")":
            close()
            depth -= 1
        elif depth == 0 and _CJK_OR_ALNUM.match(ch):
            if optional(i + 1):
                close()
            else:
                run.append(ch)
                if i + 1 < n and alternative[i + 1] in "+{":
                    close()
        else:
            close()
        i += 1
    close()
    if runs:
        return (max(runs, key=len),)
    groups = [m.group(1).split("|") for m in _PLAIN_GROUP.finditer(alternative)]
    if not groups:
        return ()
    return tuple(max(groups, key=lambda options: min(map(len, options))))


def compile_pattern(source: str, gap: int) -> tuple[Pattern | None, str | None]:
    """Compile a rule pattern; returns (pattern, None) or (None, Chinese error message)."""
    source = _to_simplified(source.strip())
    bad = _FORBIDDEN_IN_PATTERN.search(source)
    if bad:
        return None, f"模式 {source!r} 含有 {bad.group()!r}: 模式匹配的是规范化文本, 请用半角标点、小写字母、不留空格"
    if _ESCAPED_GAP.search(source):
        return None, f"模式 {source!r} 的省略号或 {{within:N}} 前面有反斜杠: 空档不能转义, 请去掉反斜杠"
    try:
        regex = re.compile(_expand(source, gap))
    except re.error as exc:
        return None, f"正则表达式无效 {source!r}: {exc}"
    anchors: list[str] = []
    for alternative in _split_top_level(_WITHIN.sub("{gap}", source).replace("...", "…").replace("…", "{gap}")):
        found = _anchors(alternative)
        if not found:
            return None, f"模式 {source!r} 的某个分支没有固定文字, 无法建立检索锚点"
        anchors.extend(found)
    return Pattern(source, regex, tuple(dict.fromkeys(anchors))), None


# --- loading -----------------------------------------------------------------------------------------


def rules_version(texts: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]
