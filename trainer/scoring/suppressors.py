"""Why a banned-phrase candidate does not count: a registry of small strategies, each tested on its own.

A candidate found by the matcher is offered to each suppressor in turn, in the order of SUPPRESSORS;
the first that recognises it names the reason (the status the rule tester shows) and the evidence
("喂养" for a word boundary, the allowed context that covers it). A polite-phrase candidate is only
ever suppressed by quotation. Shaped like CTFd's flag matchers: one class per rule of judgement,
registered once, with no knowledge of each other — so adding a new way of lifting a false alarm is a
new class, not another branch in one long function.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, ClassVar, cast

if TYPE_CHECKING:
    from .matcher import Layout
    from .rules import Banned, Group

QUOTED = "quoted"
WORD_BOUNDARY = "word_boundary"
ALLOWED = "allowed_context"
LIFTED = "lifted_by"
ALONE_IN_SENTENCE = "without_companion"
NOT_ALONE = "not_alone"
CLAUSE_TOO_LONG = "clause_too_long"


class Candidate:
    """One candidate as the suppressors see it: where it is, which rule, and the reply's layout.

    A plain class with slots, not a dataclass: the matcher makes one per banned-phrase candidate, a dense
    reply has a dozen, and a frozen dataclass costs several times as much to build. Treat it as read-only.
    """

    __slots__ = ("_sentence", "end", "inside_word", "kind", "layout", "particles", "rule", "start")

    def __init__(self, kind: str, rule: Banned | Group, start: int, end: int, layout: Layout,
                 particles: frozenset[str], inside_word: Callable[[str, int, int, tuple[int, int]], str | None]):
        self.kind = kind  # "banned" or "group"
        self.rule = rule
        self.start = start
        self.end = end
        self.layout = layout
        self.particles = particles
        #: the jieba word the span cuts through, if any (injected so the matcher can cache segmentation)
        self.inside_word = inside_word
        self._sentence: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"Candidate({self.kind!r}, {self.start}, {self.end}, {self.text[self.start:self.end]!r})"

    @property
    def text(self) -> str:
        return self.layout.text

    @property
    def sentence(self) -> tuple[int, int]:
        if self._sentence is None:
            self._sentence = self.layout.sentence_span(self.start)
        return self._sentence

    def sentence_text(self) -> str:
        start, end = self.sentence
        return self.layout.text[start:max(end, self.end)]


#: the rule of a banned-phrase candidate (the suppressors that ask have `kinds` {"banned"}), read in C: every
#: check of a dense reply asks for it, and a Python function with typing.cast inside cost two calls each time
_banned: Callable[[Candidate], Banned] = attrgetter("rule")


class Suppressor(ABC):
    """A reason a candidate does not count. `check` returns (status, detail) or None."""

    status: ClassVar[str]
    kinds: ClassVar[frozenset[str]] = frozenset({"banned"})

    def applies(self, candidate: Candidate) -> bool:
        return candidate.kind in self.kinds

    def relevant(self, rule: Banned) -> bool:
        """Whether this suppressor can ever apply to the banned phrase `rule` (so the matcher can skip it)."""
        return True

    @abstractmethod
    def check(self, candidate: Candidate) -> tuple[str, str] | None:
        """(status, evidence) when this suppressor lifts the candidate, else None; each subclass says how."""


class Quoted(Suppressor):
    """Inside quotation marks: the customer's words repeated back, reported but never counted."""

    status = QUOTED
    kinds = frozenset({"banned", "group"})

    def check(self, candidate: Candidate) -> tuple[str, str] | None:
        return (self.status, "") if candidate.layout.quoted(candidate.start, candidate.end) else None


class WordBoundary(Suppressor):
    """Part of a longer word: "喂养" is not "喂", "不行动" is not "不行"."""

    status = WORD_BOUNDARY

    def relevant(self, rule: Banned) -> bool:
        return bool(rule.boundary)

    def check(self, candidate: Candidate) -> tuple[str, str] | None:
        layout, start, end = candidate.layout, candidate.start, candidate.end
        if not _banned(candidate).boundary or (layout.edge(start) and layout.edge(end)):
            return None
        word = candidate.inside_word(layout.text, start, end, candidate.sentence)
        return (self.status, word) if word is not None else None


class AllowedContext(Suppressor):
    """Inside a context the rule allows: "请…等一下" is prescribed while a bare "等一下" is not."""

    status = ALLOWED

    def relevant(self, rule: Banned) -> bool:
        return bool(bool(rule.allow))

    def check(self, candidate: Candidate) -> tuple[str, str] | None:
        start, end = candidate.sentence
        end = max(end, candidate.end)
        layout = candidate.layout
        sentence = layout.text[start:end]
        for context in _banned(candidate).allow:
            for piece in context.pieces:
                if piece not in sentence:  # a piece of it is missing: no match, and no need to search
                    break
            else:
                for m_start, m_end in layout.matches(context.regex, start, end):  # once per sentence
                    if m_start <= candidate.start and candidate.end <= m_end:
                        return self.status, context.source
        return None


class Without(Suppressor):
    """Lifted by a companion in the same sentence: "他不在，您要留言吗？" offers to help."""

    status = LIFTED

    def relevant(self, rule: Banned) -> bool:
        return bool(bool(rule.without))

    def check(self, candidate: Candidate) -> tuple[str, str] | None:
        rule = _banned(candidate)
        if not rule.without:
            return None
        words = candidate.sentence_text()
        lifted = next((w for w in rule.without if w in words), None)
        return (self.status, lifted) if lifted is not None else None


class WithAll(Suppressor):
    """Counts only when every companion is in the sentence too."""

    status = ALONE_IN_SENTENCE

    def relevant(self, rule: Banned) -> bool:
        return bool(bool(rule.with_all))

    def check(self, candidate: Candidate) -> tuple[str, str] | None:
        rule = _banned(candidate)
        if not rule.with_all:
            return None
        words = candidate.sentence_text()
        absent = next((w for w in rule.with_all if w not in words), None)
        return (self.status, absent) if absent is not None else None


def _clause(candidate: Candidate) -> tuple[int, int, str]:
    """The clause around the candidate without the particles at its edges ("哪里呀？" is "哪里")."""
    text = candidate.text
    c_start, c_end = candidate.layout.clause(candidate.start, candidate.end)
    while c_start < candidate.start and text[c_start] in candidate.particles:
        c_start += 1
    while c_end > candidate.end and text[c_end - 1] in candidate.particles:
        c_end -= 1
    return c_start, c_end, text[c_start:c_end]


class Alone(Suppressor):
    """Rude only as a whole clause on its own: a bare "哪里？" on the phone, not "您家哪里漏水"."""

    status = NOT_ALONE

    def relevant(self, rule: Banned) -> bool:
        return bool(rule.alone)

    def check(self, candidate: Candidate) -> tuple[str, str] | None:
        if not _banned(candidate).alone:
            return None
        c_start, c_end, clause = _clause(candidate)
        return (self.status, clause) if (c_start, c_end) != (candidate.start, candidate.end) else None


class MaxClause(Suppressor):
    """Rude only in a short clause: "他不在。" but not "不在保修范围内"."""

    status = CLAUSE_TOO_LONG

    def relevant(self, rule: Banned) -> bool:
        return bool(rule.max_clause is not None)

    def check(self, candidate: Candidate) -> tuple[str, str] | None:
        max_clause = _banned(candidate).max_clause
        if max_clause is None:
            return None
        _, _, clause = _clause(candidate)
        return (self.status, clause) if len(clause) > max_clause else None


#: the order matters only for which reason is reported when several apply
SUPPRESSORS: tuple[Suppressor, ...] = (Quoted(), WordBoundary(), AllowedContext(), Without(), WithAll(), Alone(),
                                       MaxClause())


def applicable(kind: str, rule: Banned | Group) -> tuple[Suppressor, ...]:
    """The suppressors that can apply to candidates of `rule` (computed once per rule by the matcher)."""
    # a "banned" candidate's rule is a Banned (the kind names the rule's type)
    return tuple(s for s in SUPPRESSORS if kind in s.kinds and (kind != "banned" or s.relevant(cast("Banned", rule))))


def suppressed(candidate: Candidate, suppressors: tuple[Suppressor, ...] = SUPPRESSORS) -> tuple[str, str] | None:
    """The first reason the candidate does not count, or None when it counts."""
    for suppressor in suppressors:
        if suppressor.applies(candidate):
            found = suppressor.check(candidate)
            if found is not None:
                return found
    return None
