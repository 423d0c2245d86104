"""What a reply does with its words: ask, state, instruct, acknowledge, offer.

A key point names an act as well as its words: "asks for the room number" is covered by "请问您家是几栋
几单元？", not by a reply that merely contains 房号 somewhere. Each act is checked in the clause (or, for
empathy and offers, the sentence) where the key point's words were found; the markers of each act are
data in question_bank/phrases/scoring.yaml, so trainers can extend them without touching code.

Works on the normalised text (see normalize.py): punctuation is ASCII, spaces are gone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .normalize import CLAUSE_BREAK, SENTENCE_END, fold

ACTS = ("ask", "state", "instruct", "acknowledge", "offer")
#: acts judged in the whole sentence around the words rather than in their clause: empathy and an offer
#: are often a clause of their own next to the words ("理解您着急，雨天道闸…")
SENTENCE_ACTS = frozenset({"acknowledge", "offer"})


@dataclass(frozen=True)
class ActMarkers:
    ask: tuple[str, ...]
    instruct: tuple[str, ...]
    acknowledge: tuple[str, ...]
    offer: tuple[str, ...]
    time_units: tuple[str, ...]
    time_words: tuple[str, ...]


def clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    left = start
    while left > 0 and text[left - 1] not in CLAUSE_BREAK:
        left -= 1
    right = end
    while right < len(text) and text[right] not in CLAUSE_BREAK:
        right += 1
    return left, right


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end), including its closing mark (so a question keeps its "?")."""
    left = start
    while left > 0 and text[left - 1] not in SENTENCE_END:
        left -= 1
    right = end
    while right < len(text) and text[right] not in SENTENCE_END:
        right += 1
    return left, min(len(text), right + 1)


@lru_cache(maxsize=64)
def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    pieces = sorted({fold(w) for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p).replace("…", ".{0,6}?") for p in pieces) or "(?!x)x")


@lru_cache(maxsize=16)
def _time_pattern(units: tuple[str, ...], words: tuple[str, ...]) -> re.Pattern[str]:
    number = r"(?:\d+|[零〇一二三四五六七八九两十百半]+)"
    unit = "|".join(re.escape(fold(u)) for u in sorted(units, key=len, reverse=True))
    word = "|".join(re.escape(fold(w)) for w in sorted(words, key=len, reverse=True))
    clock = r"\d{1,2}:\d{2}"
    return re.compile(rf"{clock}|{number}\s*个?(?:{unit})" + (f"|{word}" if word else ""))


def has_time(text: str, markers: ActMarkers) -> bool:
    """A number with a time unit (30分钟, 两个小时, 10点), a clock time or a dated word (今天, 明天下午)."""
    return bool(_time_pattern(markers.time_units, markers.time_words).search(text))


def is_question(clause: str, markers: ActMarkers) -> bool:
    return "?" in clause or bool(_alternation(markers.ask).search(clause))


def performs(act: str, text: str, start: int, end: int, markers: ActMarkers, *, needs: str | None = None) -> bool:
    """Does the reply do `act` with the words at [start, end) of the normalised `text`?"""
    c_left, c_right = clause_span(text, start, end)
    s_left, s_right = sentence_span(text, start, end)
    clause, sentence = text[c_left:c_right], text[s_left:s_right]
    if needs == "time" and not has_time(sentence, markers):
        return False
    if act == "ask":
        return is_question(clause, markers) or (sentence.endswith("?") and c_right >= s_right - 2)
    if act == "state":
        return not ("?" in clause or (sentence.endswith("?") and c_right >= s_right - 2))
    if act == "instruct":
        return bool(_alternation(markers.instruct).search(clause))
    if act == "acknowledge":  # empathy often stands in the sentence just before or after ("真的很抱歉。三次了…")
        before, after = s_left, s_right  # a doubled mark ("抱歉！！") is one break, not an empty sentence
        while before > 0 and text[before - 1] in SENTENCE_END:
            before -= 1
        while after < len(text) and text[after] in SENTENCE_END:
            after += 1
        before = sentence_span(text, before, before)[0]
        after_end = sentence_span(text, after, after)[1] if after < len(text) else after
        return bool(_alternation(markers.acknowledge).search(text[before:after_end]))
    if act == "offer":
        return bool(_alternation(markers.offer).search(sentence))
    raise ValueError(f"unknown act {act!r}")


def asks_about(text: str, start: int, end: int, markers: ActMarkers) -> bool:
    """Is the mention at [start, end) part of a question (used to spot requests for data that does not exist)?"""
    return performs("ask", text, start, end, markers)
