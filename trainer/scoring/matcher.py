"""Find every polite phrase and banned phrase in a normalised reply, and decide which ones count.

One Aho-Corasick pass over the text finds all candidates (literals, and the fixed anchors of
patterns). Only then is each candidate examined: patterns are confirmed by their regex within the
sentence, then offered to the suppressors (suppressors.py: quotation, a jieba word-boundary check on a
small window around the candidate — "喂养" is not "喂" —, allowed contexts, companions, whole-sentence
and short-clause rules). Segmenting the
whole reply with jieba is what makes naive scorers slow; here jieba sees a dozen characters per
candidate and most replies have one or two candidates.

Every candidate is returned with a status, counted or the reason it was suppressed, so the rule
tester can show an analyst exactly why a rule did or did not fire.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
import jieba

from .normalize import CLAUSE_BREAK, SENTENCE_END, Normalized
from .rules import Banned, Group, Pattern, RuleSet
from .suppressors import (  # noqa: F401 - the statuses are part of this module's interface
    ALLOWED,
    ALONE_IN_SENTENCE,
    CLAUSE_TOO_LONG,
    LIFTED,
    NOT_ALONE,
    QUOTED,
    WORD_BOUNDARY,
    Candidate,
    applicable,
    suppressed,
)

jieba.setLogLevel(logging.WARNING)

COUNTED = "counted"

_BOUNDARY_WINDOW = 5
_PUNCTUATION = re.compile("[" + re.escape("".join(sorted(CLAUSE_BREAK))) + "]")
_CONTENT = re.compile("[^" + re.escape("".join(sorted(CLAUSE_BREAK))) + "]")


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # "banned" or "group"
    rule: Banned | Group
    start: int  # span in the normalised text
    end: int
    status: str = COUNTED
    detail: str = ""  # the allowed context, the word it falls inside, the clause …

    @property
    def counted(self) -> bool:
        return self.status == COUNTED


class Layout:
    """Sentences, clauses and quotations of a normalised text, computed once per reply."""

    def __init__(self, norm: Normalized):
        text = self.text = norm.text
        n = len(text)
        self.clause_breaks: list[int] = []
        enders: list[int] = []
        for match in _PUNCTUATION.finditer(text):
            i = match.start()
            if text[i] == "." and _decimal_point(text, i):
                continue
            self.clause_breaks.append(i)
            if text[i] in SENTENCE_END:
                enders.append(i)
        self.sentences: list[tuple[int, int]] = []
        start = 0
        for i in [*enders, n]:
            if _CONTENT.search(text, start, i):
                self.sentences.append((start, i))
            start = i + 1
        self._sentence_starts = [s for s, _ in self.sentences]
        self.soft_breaks = sorted(norm.soft_breaks)
        self._soft = norm.soft_breaks
        self.quotes = _quote_spans(text, self.sentences) if "“" in text else []

    def sentence_index(self, position: int) -> int:
        return max(0, bisect.bisect_right(self._sentence_starts, position) - 1)

    def sentence_span(self, position: int) -> tuple[int, int]:
        """The sentence containing `position`, punctuation excluded (whole text if there is none)."""
        if not self.sentences:
            return 0, len(self.text)
        start, end = self.sentences[self.sentence_index(position)]
        return (start, end) if start <= position <= end else (position, position)

    def clause(self, start: int, end: int) -> tuple[int, int]:
        """The clause around [start, end): up to punctuation or a removed space outside the span."""
        i = bisect.bisect_right(self.clause_breaks, start - 1) - 1
        left = self.clause_breaks[i] + 1 if i >= 0 else 0
        j = bisect.bisect_left(self.clause_breaks, end)
        right = self.clause_breaks[j] if j < len(self.clause_breaks) else len(self.text)
        k = bisect.bisect_right(self.soft_breaks, start) - 1
        if k >= 0:
            left = max(left, self.soft_breaks[k])
        k = bisect.bisect_left(self.soft_breaks, end)
        if k < len(self.soft_breaks):
            right = min(right, self.soft_breaks[k])
        return left, right

    def edge(self, position: int) -> bool:
        """Whether a word cannot run across `position` (text edge, punctuation, a removed space)."""
        text = self.text
        return (position <= 0 or position >= len(text) or text[position - 1] in CLAUSE_BREAK
                or text[position] in CLAUSE_BREAK or position in self._soft)

    def quoted(self, start: int, end: int) -> bool:
        return any(qs <= start and end <= qe for qs, qe in self.quotes)


def _decimal_point(text: str, i: int) -> bool:
    return text[i] == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def _quote_spans(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inside of every “…” pair; an unclosed quote runs to the end of its sentence."""
    spans = []
    i = text.find("“")
    while i >= 0:
        close = text.find("”", i + 1)
        if close < 0:
            close = next((e for s, e in sentences if s <= i < e), len(text))
        spans.append((i + 1, close))
        i = text.find("“", close + 1)
    return spans


@lru_cache(maxsize=65536)
def _words(window: str) -> tuple[tuple[str, int, int], ...]:
    # Dictionary segmentation only (no HMM): HMM glues unknown characters into guessed words, which
    # would make real phrases look like parts of words.
    return tuple(jieba.tokenize(window, HMM=False))


def _inside_word(text: str, start: int, end: int, sentence: tuple[int, int]) -> str | None:
    """The jieba word that the candidate cuts through, if any ("喂养" for "喂")."""
    lo = max(sentence[0], start - _BOUNDARY_WINDOW)
    hi = min(sentence[1], end + _BOUNDARY_WINDOW)
    if lo >= start and hi <= end:
        return None
    for word, w_start, w_end in _words(text[lo:hi]):
        if w_start < start - lo < w_end or w_start < end - lo < w_end:
            return word
    return None


class Matcher:
    """The compiled form of a RuleSet: one automaton for every literal and pattern anchor."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[str, Banned | Group, Pattern | None]]] = {}

        def add(key: str, kind: str, rule: Banned | Group, pattern: Pattern | None) -> None:
            entries.setdefault(key, []).append((kind, rule, pattern))

        for group in rules.groups.values():
            for literal in group.literals:
                add(literal, "group", group, None)
            for pattern in group.patterns:
                for anchor in pattern.anchors:
                    add(anchor, "group", group, pattern)
        for banned in rules.banned:
            for literal in banned.literals:
                add(literal, "banned", banned, None)
            for pattern in banned.patterns:
                for anchor in pattern.anchors:
                    add(anchor, "banned", banned, pattern)
        for key, value in entries.items():
            automaton.add_word(key, (len(key), tuple(value)))
        automaton.make_automaton()
        self._automaton = automaton
        self._empty = not entries
        self._particles = rules.scoring.particles
        # per rule, only the suppressors that can apply to it: most candidates meet one or two, not seven
        self._chains: dict[int, tuple] = {}

    def find(self, norm: Normalized, layout: Layout | None = None) -> list[Hit]:
        """Every candidate in the text, each with its status (counted or why not)."""
        text = norm.text
        if self._empty or not text:
            return []
        layout = layout or Layout(norm)
        spans: dict[tuple[str, int, int, int], tuple[str, Banned | Group]] = {}
        for last, (length, values) in self._automaton.iter(text):
            a_start, a_end = last - length + 1, last + 1
            for kind, rule, pattern in values:
                if pattern is None:
                    spans.setdefault((kind, id(rule), a_start, a_end), (kind, rule))
                    continue
                s_start, s_end = layout.sentence_span(a_start)
                for match in pattern.regex.finditer(text, s_start, max(s_end, a_end)):
                    if match.start() <= a_start and a_end <= match.end() and match.end() > match.start():
                        spans.setdefault((kind, id(rule), match.start(), match.end()), (kind, rule))
        hits = [self._judge(kind, rule, start, end, layout)
                for (_, _, start, end), (kind, rule) in sorted(spans.items(), key=lambda kv: (kv[0][2], -kv[0][3]))]
        return _drop_overlaps(hits)

    def inside_word(self, text: str, start: int, end: int, sentence: tuple[int, int]) -> str | None:
        """The word a candidate cuts through; jieba sees only a small window around the candidate."""
        return _inside_word(text, start, end, sentence)

    def _judge(self, kind: str, rule: Banned | Group, start: int, end: int, layout: Layout) -> Hit:
        if kind == "group" and not layout.quotes:  # a polite phrase outside quotes always counts
            return Hit(kind, rule, start, end)
        chain = self._chains.get(id(rule))
        if chain is None:
            chain = self._chains[id(rule)] = applicable(kind, rule)
        found = suppressed(Candidate(kind, rule, start, end, layout, self._particles, self.inside_word), chain)
        return Hit(kind, rule, start, end) if found is None else Hit(kind, rule, start, end, *found)


def _drop_overlaps(hits: list[Hit]) -> list[Hit]:
    """Within one rule, keep the first (longest) of overlapping counted hits: "没有办法" once, not twice."""
    kept: list[Hit] = []
    taken: dict[int, list[tuple[int, int]]] = {}
    for hit in hits:
        if hit.counted:
            spans = taken.setdefault(id(hit.rule), [])
            if any(s < hit.end and hit.start < e for s, e in spans):
                continue
            spans.append((hit.start, hit.end))
        kept.append(hit)
    return kept


_MATCHERS: dict[str, Matcher] = {}


def matcher_for(rules: RuleSet) -> Matcher:
    """Compiled matchers are cached by rules version: compiling is done once per rule set."""
    matcher = _MATCHERS.get(rules.version)
    if matcher is None:
        if len(_MATCHERS) > 16:
            _MATCHERS.clear()
        matcher = _MATCHERS[rules.version] = Matcher(rules)
    return matcher
