"""Literal phrases with `…` gaps, the form allowed contexts and key points are written in.

"请…等一下" is "请" then at most `gap` characters inside one sentence, then "等一下". Each literal piece is
normalised like the text it will be matched against, so the phrase may be written in either script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import fold

_SENTENCE_CHAR = r"[^.!?;~\n]"


def gap_regex(limit: int) -> str:
    """Up to `limit` characters that do not end a sentence (lazy, so the shortest span wins)."""
    return f"{_SENTENCE_CHAR}{{0,{limit}}}?"


@dataclass(frozen=True)
class Context:
    source: str
    regex: re.Pattern[str]
    #: the literal pieces, normalised: a text without one of them cannot match (a quick test before the regex)
    pieces: tuple[str, ...] = ()


def compile_context(source: str, gap: int) -> Context:
    pieces = [fold(piece) for piece in source.replace("...", "…").split("…")]
    regex = re.compile(gap_regex(gap).join(re.escape(piece) for piece in pieces))
    return Context(source, regex, tuple(piece for piece in pieces if piece))
