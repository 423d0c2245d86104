"""The form of a reply: is it a sentence at all, is it longer than the channel allows, is it said again.

- **不成句**: a list of keywords ("抱歉 放心 房号 电话 马上 主管") is not an answer a customer can take in.
  A reply is a fragment list when it splits into several very short pieces and nothing in it reads as
  a sentence (no piece long enough to be one).
- **啰嗦**: spoken replies are short. Each channel has a comfortable length and a limit (data in
  scoring.yaml); past the comfortable length the grade loses points, past the limit the most.
- **重复**: a reply that is (nearly) one the trainee already gave in this conversation earns no new
  credit: the customer heard it. Near duplicates are found with rapidfuzz on the normalised texts.

Pure: the thresholds come in as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from .normalize import fold

_PIECES = re.compile(r"[\s,，、;；/|。.!！?？~～]+")
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_NUMBER_SPACE = re.compile(r"(?<=[0-9A-Za-z０-９])[ \t\u3000]+|[ \t\u3000]+(?=[0-9A-Za-z０-９])")


@dataclass(frozen=True)
class FormSettings:
    fragment_min_pieces: int  # at least this many pieces …
    fragment_max_piece: int  # … on average no longer than this many characters …
    fragment_function_chars: frozenset[str]  # … and most of them without a word that makes a clause (我, 您, 了 …)
    length_bands: dict[str, tuple[int, int]]  # channel -> (comfortable, limit) in characters
    length_penalty: float  # points per 10 characters past comfortable
    length_max_penalty: float
    repeat_similarity: float  # 0–100: at least this similar to an earlier reply is a repetition


def visible_length(text: str) -> int:
    """Characters a customer would hear or read (letters, digits, Chinese), not spaces or punctuation."""
    return len(_CJK_OR_WORD.findall(text))


def is_fragment_list(text: str, settings: FormSettings) -> bool:
    """Several short pieces, most of them bare words: "抱歉 放心 房号 电话 马上" — not "好的，我记下了，请放心"."""
    # "10 点", "9 点 20 分": spaces around numbers and Latin words are typography, not separators
    joined = _NUMBER_SPACE.sub("", text.strip())
    pieces = [p for p in _PIECES.split(joined) if visible_length(p)]
    if len(pieces) < settings.fragment_min_pieces:
        return False
    lengths = [visible_length(p) for p in pieces]
    if sum(lengths) / len(lengths) > settings.fragment_max_piece or max(lengths) > 3 * settings.fragment_max_piece:
        return False
    clauses = sum(1 for p in pieces if any(ch in settings.fragment_function_chars for ch in fold(p)))
    return clauses * 2 < len(pieces)


def length_penalty(text: str, channel: str, settings: FormSettings) -> tuple[float, int, tuple[int, int] | None]:
    """(penalty, length, band) for a reply on `channel`; no band for the channel means no penalty."""
    band = settings.length_bands.get(channel) or settings.length_bands.get("default")
    length = visible_length(text)
    if band is None or length <= band[0]:
        return 0.0, length, band
    over = length - band[0]
    penalty = settings.length_penalty * over / 10
    if length > band[1]:
        penalty = settings.length_max_penalty
    return min(settings.length_max_penalty, round(penalty, 1)), length, band


def repeats(text: str, earlier: Iterable[str], settings: FormSettings) -> str | None:
    """The earlier reply `text` (nearly) repeats, if any."""
    mine = fold(text)
    if visible_length(mine) < 4:
        return None
    for previous in earlier:
        theirs = fold(previous)
        if theirs and fuzz.ratio(mine, theirs) >= settings.repeat_similarity:
            return previous
    return None
