"""The facts of a situation, and replies that contradict them.

A practice block or a role-play stage may list what is true in its situation: the electrician comes at
10, the late charge is 300 yuan, the parcel left the warehouse yesterday — and promises the situation
rules out ("30分钟内上门" when the visit is already booked for 10). A reply that states a different time
or amount, or makes a ruled-out promise, is 与事实不符: it loses that part of the grade and is told why.
Values are compared after folding Chinese numerals and units (numbers.py). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .context import compile_context
from .normalize import fold, normalize
from .numbers import Quantity, arabic, quantities

FACT_KINDS = ("time", "amount", "duration")
KIND_NAMES = {"time": "时间", "amount": "金额", "duration": "时长"}


@dataclass(frozen=True)
class Fact:
    kind: str  # time | amount | duration
    value: float  # minutes after midnight, yuan, or minutes
    label: str  # what it is, as the trainee should understand it ("电工上午10点到")
    #: words that say what the value measures (来水, 恢复供水): only a value stated in a sentence with one of
    #: them is compared, so "下午两点前送水上门" does not contradict "18:00 恢复供水". Empty: every value of the kind.
    about: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "label": self.label, "about": list(self.about)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fact:
        return cls(str(data["kind"]), float(data["value"]), str(data["label"]), tuple(data.get("about", ())))


@dataclass(frozen=True)
class Facts:
    """Everything true in one situation: values, and promises it rules out (each with why)."""

    values: tuple[Fact, ...] = ()
    #: (phrase, reason): a promise or claim the situation makes false, e.g. ("马上…上门", "师傅约在10点")
    excludes: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.values or self.excludes)

    def to_dict(self) -> dict[str, Any]:
        return {"values": [f.to_dict() for f in self.values], "excludes": [list(e) for e in self.excludes]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Facts:
        if not data:
            return cls()
        return cls(tuple(Fact.from_dict(f) for f in data.get("values", ())),
                   tuple((str(p), str(r)) for p, r in data.get("excludes", ())))


@dataclass(frozen=True)
class Contradiction:
    said: str  # what the reply said
    reason: str  # why that is wrong here


def _shown(fact: Fact) -> str:
    return fact.label


def _same(quantity: Quantity, fact: Fact) -> bool:
    if abs(quantity.value - fact.value) <= 1e-6:
        return True
    # "六点前" said without 上午/下午 fits 18:00 as well as 06:00
    return quantity.twelve_hour and abs((quantity.value + 720) % 1440 - fact.value) <= 1e-6


def _sentence(text: str, start: int, end: int) -> str:
    left = max((text.rfind(mark, 0, start) for mark in ".!?;\n"), default=-1) + 1
    ends = [i for i in (text.find(mark, end) for mark in ".!?;\n") if i >= 0]
    return text[left:min(ends) if ends else len(text)]


def contradictions(text: str, facts: Facts) -> list[Contradiction]:
    """Statements in `text` that the facts make false (at most one per fact kind and per excluded promise)."""
    found: list[Contradiction] = []
    if not facts:
        return found
    by_kind: dict[str, list[Fact]] = {}
    for fact in facts.values:
        by_kind.setdefault(fact.kind, []).append(fact)
    seen_kinds: set[str] = set()
    converted = arabic(text)
    for quantity in quantities(text):
        sentence = _sentence(converted, quantity.start, quantity.end)
        known = [f for f in by_kind.get(quantity.kind, ())
                 if not f.about or any(fold(word) in sentence for word in f.about)]
        if not known or quantity.kind in seen_kinds:
            continue
        if all(not _same(quantity, fact) for fact in known):
            seen_kinds.add(quantity.kind)
            truth = "；".join(_shown(f) for f in known)
            said = f"说的{KIND_NAMES[quantity.kind]}“{quantity.text}”与实际不符（{truth}）"
            found.append(Contradiction(quantity.text, said))
    if facts.excludes:
        norm = normalize(text)
        for phrase, reason in facts.excludes:
            match = compile_context(phrase, 6).regex.search(norm.text)
            if match:
                start, end = norm.original_span(match.start(), match.end())
                found.append(Contradiction(text[start:end], f"“{text[start:end]}”与实际不符（{reason}）"))
    return found
