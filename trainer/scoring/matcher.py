"""Find every polite phrase and banned phrase in a normalised reply, and decide which ones count.

One Aho-Corasick pass over the text finds all candidates (literals, and the fixed anchors of
patterns). Only then is each candidate examined: patterns are confirmed by their regex within the
sentence, then offered to the suppressors (suppressors.py: quotation, a jieba word-boundary check on a
small window around the candidate — "喂养" is not "喂" —, allowed contexts, companions, whole-sentence
and short-clause rules). Segmenting the whole reply with jieba is what makes naive scorers slow; here
only the dozen characters around a candidate are looked at, with jieba's dictionary and algorithm
(segment.py), and only the dictionary words that would run across the candidate's edges are looked up:
the window is segmented only when one exists. A suppressor that cannot apply to a rule (or, without
quotation marks in the reply, the quotation one) is not asked at all.

Every candidate is returned with a status, counted or the reason it was suppressed, so the rule
tester can show an analyst exactly why a rule did or did not fire.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

import ahocorasick

from . import segment
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
    Quoted,
    Suppressor,
    applicable,
    suppressed,
)

COUNTED = "counted"
_POSITION = itemgetter(0, 1)
_new = tuple.__new__  # _new(Hit, (…)) makes a Hit without the Python-level __new__ of a NamedTuple

_BOUNDARY_WINDOW = 5
_PUNCTUATION = re.compile("[" + re.escape("".join(sorted(CLAUSE_BREAK))) + "]")
_CONTENT = re.compile("[^" + re.escape("".join(sorted(CLAUSE_BREAK))) + "]")


class Hit(NamedTuple):
    """One candidate and what became of it (a named tuple: immutable, and quick to make — a reply has dozens)."""

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
        breaks = [match.start() for match in _PUNCTUATION.finditer(text)]
        if "." in text:
            breaks = [i for i in breaks if not _decimal_point(text, i)]
        self.clause_breaks: list[int] = breaks
        enders = [i for i in breaks if text[i] in SENTENCE_END]
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
        self._matches: dict[tuple[int, int, int], tuple[re.Pattern[str], list[tuple[int, int]]]] = {}

    def sentence_index(self, position: int) -> int:
        index = bisect.bisect_right(self._sentence_starts, position) - 1
        return index if index > 0 else 0

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

    def matches(self, regex: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
        """The spans of `regex.finditer(text, start, end)`, searched once per reply."""
        key = (id(regex), start, end)
        found = self._matches.get(key)
        if found is None:  # (the regex is kept with its spans, so its id cannot be reused meanwhile)
            found = self._matches[key] = (regex, [m.span() for m in regex.finditer(self.text, start, end)])
        return found[1]

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
def _word_across(window: str, start: int, end: int) -> str | None:
    # Dictionary segmentation only (no HMM): HMM glues unknown characters into guessed words, which
    # would make real phrases look like parts of words.
    return segment.dictionary().word_across(window, (start, end))


def _inside_word(text: str, start: int, end: int, sentence: tuple[int, int]) -> str | None:
    """The jieba word that the candidate cuts through, if any ("喂养" for "喂")."""
    lo = max(sentence[0], start - _BOUNDARY_WINDOW)
    hi = min(sentence[1], end + _BOUNDARY_WINDOW)
    if lo >= start and hi <= end:
        return None
    may_join = segment.dictionary().may_join
    if not ((lo < start < hi and may_join(text, start)) or (lo < end < hi and may_join(text, end))):
        return None  # no word has the characters either side of an edge side by side (most candidates)
    return _word_across(text[lo:hi], start - lo, end - lo)


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
        # per rule, only the suppressors that can apply to it: most candidates meet one or two, not seven
        # (without quotes, where the quotation suppressor cannot apply; with quotes)
        self._chains: dict[int, tuple[tuple[Suppressor, ...], tuple[Suppressor, ...]]] = {}
        for key, value in entries.items():
            # each entry with id(rule) and (kind, rule, chains) made once here rather than for every candidate
            automaton.add_word(key, (len(key), tuple((pattern, id(rule), (kind, rule, self._chain(kind, rule)))
                                                     for kind, rule, pattern in value)))
        automaton.make_automaton()
        self._automaton = automaton
        self._empty = not entries
        self._particles = rules.scoring.particles
        self._inside = self.inside_word  # one bound method, not a new one for every candidate

    def _chain(self, kind: str, rule: Banned | Group) -> tuple[tuple[Suppressor, ...], tuple[Suppressor, ...]]:
        chains = self._chains.get(id(rule))
        if chains is None:
            chain = applicable(kind, rule)
            chains = self._chains[id(rule)] = (tuple(s for s in chain if not isinstance(s, Quoted)), chain)
        return chains

    def find(self, norm: Normalized, layout: Layout | None = None) -> list[Hit]:
        """Every candidate in the text, each with its status (counted or why not)."""
        text = norm.text
        if self._empty or not text:
            return []
        layout = layout or Layout(norm)
        # keyed (start, -end, id of the rule): sorted on the first two only, so ties keep the order found
        spans: dict[tuple[int, int, int], tuple[str, Banned | Group, tuple[tuple[Suppressor, ...], ...]]] = {}
        matches = layout.matches  # a pattern is confirmed by one search of its sentence, whatever its anchors
        for last, (length, values) in self._automaton.iter(text):
            a_start, a_end = last - length + 1, last + 1
            for pattern, ident, found in values:
                if pattern is None:
                    spans.setdefault((a_start, -a_end, ident), found)
                    continue
                s_start, s_end = layout.sentence_span(a_start)
                for m_start, m_end in matches(pattern.regex, s_start, max(s_end, a_end)):
                    if m_start <= a_start and a_end <= m_end and m_end > m_start:
                        spans.setdefault((m_start, -m_end, ident), found)
        verdict, quotes, hits = self._verdict, 1 if layout.quotes else 0, []
        taken: dict[int, list[tuple[int, int]]] = {}  # _drop_overlaps, in the same pass
        for key in sorted(spans, key=_POSITION):
            kind, rule, chains = spans[key]
            start, end = key[0], -key[1]
            chain = chains[quotes]
            # most candidates meet no suppressor at all (a polite phrase outside quotes): no call for them
            hit = verdict(kind, rule, start, end, layout, chain) if chain else _new(Hit, (kind, rule, start, end,
                                                                                          COUNTED, ""))
            if hit[4] == COUNTED:
                kept = taken.get(key[2])
                if kept is None:
                    taken[key[2]] = [(start, end)]
                elif any(s < end and start < e for s, e in kept):
                    continue
                else:
                    kept.append((start, end))
            hits.append(hit)
        return hits

    def inside_word(self, text: str, start: int, end: int, sentence: tuple[int, int]) -> str | None:
        """The word a candidate cuts through, as jieba segments a small window around the candidate."""
        return _inside_word(text, start, end, sentence)

    def _judge(self, kind: str, rule: Banned | Group, start: int, end: int, layout: Layout) -> Hit:
        """The verdict on one candidate (what `find` gives it; the benchmark's naive matcher calls this)."""
        chain = self._chain(kind, rule)[1 if layout.quotes else 0]
        return self._verdict(kind, rule, start, end, layout, chain) if chain else _new(Hit, (kind, rule, start, end,
                                                                                           COUNTED, ""))

    def _verdict(self, kind: str, rule: Banned | Group, start: int, end: int, layout: Layout,
                 chain: tuple[Suppressor, ...]) -> Hit:
        candidate = Candidate(kind, rule, start, end, layout, self._particles, self._inside)
        # suppressors.suppressed(), inline (a dense reply has a dozen banned candidates), and without its
        # `applies` test: the chain holds only the suppressors that apply to this rule's kind
        for suppressor in chain:
            found = suppressor.check(candidate)
            if found is not None:
                return _new(Hit, (kind, rule, start, end, *found))
        return _new(Hit, (kind, rule, start, end, COUNTED, ""))


def _drop_overlaps(hits: list[Hit]) -> list[Hit]:
    """Within one rule, keep the first (longest) of overlapping counted hits: "没有办法" once, not twice."""
    kept: list[Hit] = []
    taken: dict[int, list[tuple[int, int]]] = {}
    for hit in hits:
        if hit.status == COUNTED:
            spans = taken.get(id(hit.rule))
            if spans is None:  # most rules have one hit in a reply
                taken[id(hit.rule)] = [(hit.start, hit.end)]
            elif any(s < hit.end and hit.start < e for s, e in spans):
                continue
            else:
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
