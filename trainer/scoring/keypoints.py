"""Key points: content a reply or short answer must cover beyond polite phrases.

A key point ("asks for the room number") is a list of phrases, any one of which covers it. Phrases
are matched on the same normalised text as the phrase rules (script-, width- and space-insensitive)
and may contain `…` gaps ("…分钟内" would be too loose; "30…分钟" finds "30 分钟以内").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .context import compile_context
from .normalize import normalize

KEY_POINT_GAP = 6


@dataclass(frozen=True)
class KeyPoint:
    id: str
    label: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class PointResult:
    id: str
    label: str
    covered: bool
    matched: str = ""
    start: int = -1  # offsets in the original text
    end: int = -1


@lru_cache(maxsize=4096)
def _compiled(phrase: str) -> re.Pattern[str]:
    return compile_context(phrase, KEY_POINT_GAP).regex


def cover(text: str, key_points: tuple[KeyPoint, ...] | list[KeyPoint]) -> tuple[PointResult, ...]:
    """Which key points `text` covers, with where (earliest match of any of each point's phrases)."""
    norm = normalize(text)
    results = []
    for point in key_points:
        best = None
        for phrase in point.phrases:
            match = _compiled(phrase).search(norm.text)
            if match and match.end() > match.start() and (best is None or match.start() < best.start()):
                best = match
        if best is None:
            results.append(PointResult(point.id, point.label, False))
        else:
            start, end = norm.original_span(best.start(), best.end())
            results.append(PointResult(point.id, point.label, True, text[start:end], start, end))
    return tuple(results)


def coverage(results: tuple[PointResult, ...]) -> float:
    """Share of key points covered (1.0 when there are none to cover)."""
    return sum(r.covered for r in results) / len(results) if results else 1.0
