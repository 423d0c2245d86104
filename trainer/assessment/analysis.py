"""Classical item analysis and score distributions (pure), for supervisors judging their exams.

Facility is the mean item score (share correct); discrimination is the corrected item-total
correlation — how well an item separates people who did well on the rest of the exam from those
who did not. Items with low or negative discrimination are usually ambiguous or keyed wrongly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MIN_ATTEMPTS = 5


@dataclass(frozen=True)
class ItemStats:
    question_id: str
    responses: int
    facility: float | None
    discrimination: float | None


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def item_analysis(attempts: Sequence[Mapping[str, float]]) -> list[ItemStats]:
    """`attempts`: per attempt, question id -> item score 0..1 (only the questions that attempt had)."""
    ids = sorted({qid for attempt in attempts for qid in attempt})
    stats = []
    for qid in ids:
        rows = [a for a in attempts if qid in a]
        scores = [a[qid] for a in rows]
        rest = [sum(v for k, v in a.items() if k != qid) for a in rows]
        facility = sum(scores) / len(scores) if scores else None
        discrimination = _correlation(scores, rest) if len(rows) >= MIN_ATTEMPTS else None
        stats.append(ItemStats(qid, len(rows), facility, discrimination))
    return stats


def histogram(scores: Sequence[float], width: int = 10) -> list[tuple[str, int]]:
    """Counts per score band: 0–9, 10–19, …, 90–100 (100 joins the top band)."""
    bands = [0] * (100 // width)
    for value in scores:
        bands[min(int(value // width), len(bands) - 1)] += 1
    return [(f"{i * width}–{i * width + width - 1 if i < len(bands) - 1 else 100}", n) for i, n in enumerate(bands)]
