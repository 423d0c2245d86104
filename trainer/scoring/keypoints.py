"""Key points: content a reply or short answer must cover beyond polite phrases.

A key point ("asks for the room number") is a list of phrases, any one of which shows the content,
and optionally an act — what the reply must do with those words (`ask`, `state`, `instruct`,
`acknowledge`, `offer`, see acts.py) — and a need (`time`: the sentence must state a time, so "尽快"
is no time commitment). Phrases are matched on the same normalised text as the phrase rules (script-,
width- and space-insensitive) and may contain `…` gaps ("30…分钟" finds "30 分钟以内"). Recurring
vocabularies (room, contact, time commitment …) are written once in question_bank/phrases and named
with `$name` in content; the content loader expands them before a KeyPoint is built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from .acts import ActMarkers, performs
from .context import compile_context
from .normalize import normalize

KEY_POINT_GAP = 6


@dataclass(frozen=True)
class KeyPoint:
    id: str
    label: str
    phrases: tuple[str, ...]
    act: str | None = None
    needs: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"phrases": list(self.phrases)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeyPoint:
        """Rebuild from `to_dict` (or an older record without act and needs)."""
        return cls(str(data["id"]), str(data["label"]), tuple(data["phrases"]), data.get("act"), data.get("needs"))


@dataclass(frozen=True)
class PointResult:
    id: str
    label: str
    covered: bool
    matched: str = ""
    start: int = -1  # offsets in the original text
    end: int = -1
    #: why a point whose words appear is still not covered ("提到了，但没有问")
    reason: str = ""


@lru_cache(maxsize=4096)
def _compiled(phrase: str) -> re.Pattern[str]:
    return compile_context(phrase, KEY_POINT_GAP).regex


ACT_MISSED = {
    "ask": "提到了“{m}”，但没有向客户询问",
    "state": "提到了“{m}”，但没有明确告诉客户",
    "instruct": "提到了“{m}”，但没有告诉客户该怎么做",
    "acknowledge": "提到了“{m}”，但没有体谅客户的感受",
    "offer": "提到了“{m}”，但没有给客户提出办法或选择",
    "time": "提到了“{m}”，但没有说出具体的时间",
}


def cover(text: str, key_points: tuple[KeyPoint, ...] | list[KeyPoint],
          markers: ActMarkers | None = None) -> tuple[PointResult, ...]:
    """Which key points `text` covers, with where: the earliest match that also performs the point's act.

    Without `markers` acts are not checked (a point is covered by its words alone).
    """
    norm = normalize(text)
    results = []
    for point in key_points:
        matches = sorted((m for phrase in point.phrases for m in _compiled(phrase).finditer(norm.text)
                          if m.end() > m.start()), key=lambda m: (m.start(), m.end()))
        judged = markers is not None and (point.act or point.needs)
        best, missed = None, ""
        for match in matches:
            if not judged or (markers is not None  # judged only with markers
                              and performs(point.act or "state", norm.text, match.start(), match.end(), markers,
                                           needs=point.needs)):
                best = match
                break
            if not missed:
                start, end = norm.original_span(match.start(), match.end())
                reason = ACT_MISSED["time" if point.needs == "time" and point.act in (None, "state") else
                                    point.act or "state"]
                missed = reason.format(m=text[start:end])
        if best is None:
            results.append(PointResult(point.id, point.label, False, reason=missed))
        else:
            start, end = norm.original_span(best.start(), best.end())
            results.append(PointResult(point.id, point.label, True, text[start:end], start, end))
    return tuple(results)


def coverage(results: tuple[PointResult, ...]) -> float:
    """Share of key points covered (1.0 when there are none to cover)."""
    return sum(r.covered for r in results) / len(results) if results else 1.0
