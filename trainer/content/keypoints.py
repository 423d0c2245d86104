"""Key points and facts as content writes them, for questions, course practice blocks and role-play stages.

    key_points:
      - id: room
        label: 询问房号
        act: ask               # ask | state | instruct | acknowledge | offer (optional)
        phrases: [$room, 哪一户] # `$name` takes a vocabulary of question_bank/phrases/vocabularies.yaml
    facts:
      - {time: "10:00", label: 电工上午10点到, about: [电工, 师傅]}   # about: only times said about these
      - {amount: 300, label: 滞纳金 300 元}
      - {duration: 2小时, label: 停水两个小时}
      - {excludes: 马上…上门, label: 师傅已经约在上午10点}

A key point whose only evidence is a single character or a word every reply contains (scoring.yaml's
`generic_words`) is refused with `path:line`: "雨" cannot show that a reply acknowledged the rain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..scoring.acts import ACTS
from ..scoring.facts import FACT_KINDS, Fact, Facts
from ..scoring.keypoints import KeyPoint
from ..scoring.numbers import parse_fact_value
from ..scoring.settings import Vocabulary
from .check import FileCheck
from .yamlio import YDict

if TYPE_CHECKING:
    from ..scoring.rules import RuleSet


@dataclass(frozen=True)
class KeyPointWords:
    """What the loaders check key points against: the shared vocabularies and the words refused as evidence."""

    vocabularies: dict[str, Vocabulary]
    generic: frozenset[str]

    @classmethod
    def from_rules(cls, rules: RuleSet | None) -> KeyPointWords | None:
        if rules is None:
            return None
        return cls({v.id: v for v in rules.vocabularies}, rules.scoring.grade.generic_words)


#: the words of the content set being loaded (set by load_content around its loaders); None: not checked
_WORDS: ContextVar[KeyPointWords | None] = ContextVar("key_point_words", default=None)


@contextmanager
def checking_against(words: KeyPointWords | None) -> Iterator[None]:
    """Key points read inside this block expand `$name` and refuse weak evidence using `words`."""
    token = _WORDS.set(words)
    try:
        yield
    finally:
        _WORDS.reset(token)


def _phrases(check: FileCheck, item: YDict, label: str | None, words: KeyPointWords | None
             ) -> tuple[tuple[str, ...], Vocabulary | None]:
    from .phrases import evidence_problem

    if "phrases" not in item:
        check.error(item.line, f"要点 {label} 缺少字段 'phrases'")
        return (), None
    items = check.sequence(item["phrases"], item.line_of("phrases"), "phrases")
    found: list[str] = []
    first_vocabulary = None
    for i, raw in enumerate(items):
        line = items.line_of(i)
        if isinstance(raw, bool) or not isinstance(raw, str | int | float) or not str(raw).strip():
            check.error(line, f"要点 {label} 的 phrases 中第 {i + 1} 项应为非空文本")
            continue
        phrase = str(raw).strip()
        if phrase.startswith("$"):
            if words is None:
                continue
            vocabulary = words.vocabularies.get(phrase[1:])
            if vocabulary is None:
                known = ", ".join(f"${v}" for v in sorted(words.vocabularies))
                check.error(line, f"未知的要点词表 {phrase} (可用: {known})")
                continue
            first_vocabulary = first_vocabulary or vocabulary
            found.extend(vocabulary.phrases)
            continue
        if words is not None:
            problem = evidence_problem(phrase, words.generic)
            if problem:
                check.error(line, problem)
                continue
        found.append(phrase)
    return tuple(dict.fromkeys(found)), first_vocabulary


def read_key_points(check: FileCheck, data: YDict, what: str, *, require_ids: bool = False) -> tuple[KeyPoint, ...]:
    """`key_points: [{id?, label, act?, needs?, phrases: [...]}]`, as used by questions, practice blocks and stages."""
    if "key_points" not in data:
        return ()
    words = _WORDS.get()
    items = check.sequence(data["key_points"], data.line_of("key_points"), "key_points")
    points, seen = [], set()
    for i, raw in enumerate(items):
        item = check.mapping(raw, items.line_of(i), f"{what} 的要点")
        if item is None:
            continue
        check.only_keys(item, {"id", "label", "phrases", "act", "needs"}, f"{what} 的要点")
        label = check.get(item, "label", str)
        ident = check.slug(item, "id", "要点 id") if "id" in item or require_ids else f"k{i + 1}"
        act = check.get(item, "act", str, required=False)
        needs = check.get(item, "needs", str, required=False)
        if act is not None and act not in ACTS:
            check.error(item.line_of("act"), f"要点的 act 应为 {', '.join(ACTS)} 之一")
            act = None
        if needs is not None and needs != "time":
            check.error(item.line_of("needs"), "要点的 needs 目前只能是 time")
            needs = None
        phrases, vocabulary = _phrases(check, item, label, words)
        if ident in seen:
            check.error(item.line_of("id"), f"要点 id {ident!r} 重复")
        seen.add(ident)
        if not phrases and "phrases" in item and words is not None:
            check.error(item.line_of("phrases"), f"要点 {label} 至少需要一个说法")
        if vocabulary is not None:
            act = act or vocabulary.act
            needs = needs or vocabulary.needs
        if label and ident and phrases:
            points.append(KeyPoint(ident, label, phrases, act, needs))
    return tuple(points)


def read_facts(check: FileCheck, data: YDict, what: str) -> Facts:
    """`facts: [{time|amount|duration|excludes: …, label: …}]` — what is true in this situation."""
    if "facts" not in data:
        return Facts()
    items = check.sequence(data["facts"], data.line_of("facts"), "facts")
    values: list[Fact] = []
    excludes: list[tuple[str, str]] = []
    for i, raw in enumerate(items):
        item = check.mapping(raw, items.line_of(i), f"{what} 的事实")
        if item is None:
            continue
        check.only_keys(item, {*FACT_KINDS, "excludes", "label", "about"}, f"{what} 的事实")
        label = check.get(item, "label", str)
        kinds = [k for k in (*FACT_KINDS, "excludes") if k in item]
        if len(kinds) != 1:
            check.error(item.line, f"一条事实要写且只写 {', '.join((*FACT_KINDS, 'excludes'))} 中的一项")
            continue
        kind = kinds[0]
        if kind == "excludes":
            phrase = check.get(item, "excludes", str)
            if phrase and label:
                excludes.append((phrase, label))
            continue
        value = parse_fact_value(kind, item[kind])
        if value is None:
            check.error(item.line_of(kind), f"看不懂 {kind} 的值 {item[kind]!r} (例: time: \"10:00\" 或 上午十点; "
                                            f"amount: 300; duration: 2小时)")
        elif label:
            about = item.get("about", [])
            if not isinstance(about, list) or not all(isinstance(w, str) and w.strip() for w in about):
                check.error(item.line_of("about"), "about 应为说法的列表, 例如 about: [来水, 恢复供水]")
                about = []
            values.append(Fact(kind, value, label, tuple(w.strip() for w in about)))
    return Facts(tuple(values), tuple(excludes))
