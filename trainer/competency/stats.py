"""Pure competency arithmetic: how evidence becomes an indicator score and an agent's weighted index.

No Flask, no database: services load evidence and weights, then call these functions, so HR pages,
exports, the API and the benchmarks all compute the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

#: Canvas outcomes' default: the latest result counts 65 %, the mean of all earlier results 35 %.
DEFAULT_DECAY_WEIGHT = 0.65


class Mastery(StrEnum):
    """How several pieces of evidence for one indicator combine into one score."""

    DECAYING_AVERAGE = "decaying_average"
    MOST_RECENT = "most_recent"
    HIGHEST = "highest"
    MEAN = "mean"


@dataclass(frozen=True)
class EvidencePoint:
    indicator: str
    value: float
    at: datetime
    id: int = 0
    supersedes: int | None = None


@dataclass(frozen=True)
class IndicatorScore:
    indicator: str
    score: float | None
    count: int
    latest_at: datetime | None


@dataclass(frozen=True)
class WeightGroup:
    """A first-level indicator: its weight in the model and its second-level indicators' weights."""

    id: str
    weight: float
    indicators: tuple[tuple[str, float, float], ...]  # (indicator, weight within group, combined weight)


@dataclass(frozen=True)
class IndexResult:
    index: float | None  # weighted over the indicators that have evidence
    coverage: float  # share (0–1) of the model's total weight that has evidence behind it
    groups: Mapping[str, float | None]


def effective(points: Iterable[EvidencePoint]) -> list[EvidencePoint]:
    """Drop records that a later correction superseded; evidence is never edited, only superseded."""
    points = list(points)
    replaced = {p.supersedes for p in points if p.supersedes is not None}
    return [p for p in points if p.id not in replaced]


def mastery(values: Sequence[float], method: Mastery = Mastery.DECAYING_AVERAGE,
            decay_weight: float = DEFAULT_DECAY_WEIGHT) -> float | None:
    """Combine chronologically ordered values (oldest first) into one score, or None if there are none."""
    if not values:
        return None
    if method is Mastery.MOST_RECENT:
        return float(values[-1])
    if method is Mastery.HIGHEST:
        return float(max(values))
    if method is Mastery.MEAN:
        return sum(values) / len(values)
    if len(values) == 1:
        return float(values[0])
    history = values[:-1]
    return decay_weight * values[-1] + (1 - decay_weight) * (sum(history) / len(history))


def indicator_scores(
    points: Iterable[EvidencePoint],
    method: Mastery = Mastery.DECAYING_AVERAGE,
    decay_weight: float = DEFAULT_DECAY_WEIGHT,
) -> dict[str, IndicatorScore]:
    """Score every indicator that has evidence; superseded records are ignored."""
    by_indicator: dict[str, list[EvidencePoint]] = defaultdict(list)
    for point in effective(points):
        by_indicator[point.indicator].append(point)
    result = {}
    for indicator, items in by_indicator.items():
        items.sort(key=lambda p: (p.at, p.id))
        result[indicator] = IndicatorScore(
            indicator=indicator,
            score=mastery([p.value for p in items], method, decay_weight),
            count=len(items),
            latest_at=items[-1].at,
        )
    return result


def weighted_index(scores: Mapping[str, float | None], groups: Sequence[WeightGroup]) -> IndexResult:
    """The overall index: each scored indicator's combined weight applied to its score.

    Indicators without evidence are left out and the remaining weights renormalised, so a new agent
    is not punished for what nobody has measured yet; `coverage` says how much of the model was measured.
    """
    total_weight = sum(combined for g in groups for _, _, combined in g.indicators)
    covered = weighted_sum = 0.0
    group_scores: dict[str, float | None] = {}
    for group in groups:
        g_covered = g_sum = 0.0
        for indicator, weight, combined in group.indicators:
            score = scores.get(indicator)
            if score is None:
                continue
            g_covered += weight
            g_sum += weight * score
            covered += combined
            weighted_sum += combined * score
        group_scores[group.id] = g_sum / g_covered if g_covered else None
    return IndexResult(
        index=weighted_sum / covered if covered else None,
        coverage=covered / total_weight if total_weight else 0.0,
        groups=group_scores,
    )


def weakest(scores: Mapping[str, float | None], combined: Mapping[str, float], limit: int = 3) -> list[str]:
    """Indicators most worth training next: low score times high weight; unmeasured ones count as 0."""
    def gap(indicator: str) -> float:
        score = scores.get(indicator)
        return (100 - (score if score is not None else 0.0)) * combined[indicator]

    return sorted(combined, key=lambda ind: (-gap(ind), ind))[:limit]


@dataclass(frozen=True)
class Standing:
    """What every mastery method needs from one indicator's evidence, kept per agent so tables stay cheap."""

    indicator: str
    count: int
    latest: float
    earlier_mean: float | None  # None when there is only one value
    mean: float
    highest: float
    latest_at: datetime


def standing(indicator: str, points: Iterable[EvidencePoint]) -> Standing | None:
    """The standing from one indicator's evidence (superseded records are ignored), or None without any."""
    items = sorted(effective(p for p in points if p.indicator == indicator), key=lambda p: (p.at, p.id))
    if not items:
        return None
    values = [p.value for p in items]
    history = values[:-1]
    return Standing(indicator, len(values), values[-1], sum(history) / len(history) if history else None,
                    sum(values) / len(values), max(values), items[-1].at)


def score_from(item: Standing, method: Mastery = Mastery.DECAYING_AVERAGE,
               decay_weight: float = DEFAULT_DECAY_WEIGHT) -> float:
    """The same score `mastery` gives over all the values, from the standing alone."""
    if method is Mastery.MOST_RECENT:
        return item.latest
    if method is Mastery.HIGHEST:
        return item.highest
    if method is Mastery.MEAN:
        return item.mean
    if item.earlier_mean is None:
        return item.latest
    return decay_weight * item.latest + (1 - decay_weight) * item.earlier_mean


@dataclass(frozen=True)
class MonthPoint:
    """An agent at the end of one month: each indicator's score as it stood then, and that month's evidence."""

    month: str  # "2026-11"
    scores: Mapping[str, float | None]
    index: float | None
    evidence: Mapping[str, int]  # records made during the month, per indicator


def month_series(points: Iterable[EvidencePoint], months: Sequence[tuple[str, datetime]], groups: Sequence[WeightGroup],
                 method: Mastery = Mastery.DECAYING_AVERAGE, decay_weight: float = DEFAULT_DECAY_WEIGHT
                 ) -> list[MonthPoint]:
    """The trend a supervisor reads: at each month's end, the score from all evidence up to then.

    `months` is (label, end) in order; a month with no new evidence carries the standing forward, so a
    quiet month is flat rather than a gap, and the evidence count says it was quiet. Corrections count
    from when they were made: a record superseded later still shaped the months before its correction.
    """
    ordered = sorted(points, key=lambda p: (p.at, p.id))
    series = []
    start = 0
    seen: list[EvidencePoint] = []
    for label, end in months:
        made: dict[str, int] = defaultdict(int)
        while start < len(ordered) and ordered[start].at < end:
            seen.append(ordered[start])
            made[ordered[start].indicator] += 1
            start += 1
        scores = {k: v.score for k, v in indicator_scores(seen, method, decay_weight).items()}
        series.append(MonthPoint(label, scores, weighted_index(scores, groups).index, dict(made)))
    return series
