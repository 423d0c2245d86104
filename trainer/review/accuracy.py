"""How often the scorer is right, measured by the supervisors' verdicts on its hits.

Per banned phrase and per polite group (and per key point): how many hits supervisors confirmed and
how many they judged wrong, from the verdicts of the grades in force (a regrade's verdicts replace the
earlier ones; calibration grades are about graders and do not count). The admin rule tester shows
these figures next to each rule, so the team sees where a rule is unfair to agents.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from .models import ReviewGrade, ReviewItem, ReviewVerdict


@dataclass(frozen=True)
class RuleAccuracy:
    kind: str  # banned | group_found | group_missing | point_covered | point_missing
    rule: str
    label: str
    correct: int
    wrong: int

    @property
    def judged(self) -> int:
        return self.correct + self.wrong

    @property
    def precision(self) -> float | None:
        """Share of the judged hits that were right (for a "missing" hit: that really was missing)."""
        return self.correct / self.judged if self.judged else None

    @property
    def anchor(self) -> str:
        return f"rule-{self.kind}-{self.rule}"


def _verdicts_in_force() -> list[ReviewVerdict]:
    query = (select(ReviewVerdict).join(ReviewGrade, ReviewGrade.id == ReviewVerdict.grade_id)
             .join(ReviewItem, ReviewItem.grade_id == ReviewGrade.id))
    return list(db.session.scalars(query.order_by(ReviewVerdict.id)))


def by_rule() -> list[RuleAccuracy]:
    """Every rule with at least one verdict, least precise first."""
    counts: dict[tuple[str, str], list] = {}
    for verdict in _verdicts_in_force():
        entry = counts.setdefault((verdict.hit_kind, verdict.rule), [verdict.label, 0, 0])
        entry[1 if verdict.verdict == "correct" else 2] += 1
    rows = [RuleAccuracy(kind, rule, label, correct, wrong) for (kind, rule), (label, correct, wrong) in counts.items()]
    return sorted(rows, key=lambda r: (r.precision if r.precision is not None else 1, -r.judged, r.rule))


def judged_wrong(limit: int = 100) -> list[ReviewVerdict]:
    """The hits supervisors called wrong, newest first: what the rule matched and why it was wrong."""
    return [v for v in reversed(_verdicts_in_force()) if v.verdict == "wrong"][:limit]
