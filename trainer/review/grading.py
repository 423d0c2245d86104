"""Grading an item: ratings on a rubric, comments, verdicts on the automatic hits, an override with a reason,
and the competency evidence that follows.

A grade writes one evidence record per rated indicator, recorded by the grader (source kind
`review`). It supersedes, indicator by indicator, the evidence of the same item that is in force —
the machine's at first, an earlier grade's after a regrade — one new record per record replaced, so
grading changes what an item says about the agent, never how much it weighs. An override of the
item's score does the same for the indicators the grader did not rate. Calibration grades measure the
graders, not the agent, and write no evidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts import services as accounts
from ..accounts.models import User
from ..competency import services as competency
from ..competency.models import Evidence
from ..extensions import db
from ..messages import ServiceError
from ..rules import services as phrase_rules
from ..timeutil import utcnow
from . import audit
from .hits import Hit, hits_of
from .models import ReviewGrade, ReviewItem, ReviewVerdict, Rubric
from .sources import ItemContent, content_of

VERDICTS = ("correct", "wrong")
DEFAULT_SCALE = {1: 20.0, 2: 40.0, 3: 60.0, 4: 80.0, 5: 100.0}


@dataclass(frozen=True)
class RubricView:
    id: str | None
    name: str
    scale: dict[int, float]
    #: indicator id -> {level: anchored description}
    levels: dict[str, dict[int, str]]

    def value(self, rating: int) -> float:
        return float(self.scale.get(rating, DEFAULT_SCALE[rating]))


def rubric_view(rubric_id: str | None) -> RubricView:
    row = db.session.get(Rubric, rubric_id) if rubric_id else None
    if row is None:
        return RubricView(None, "默认评分", dict(DEFAULT_SCALE), {})
    data = row.data or {}
    scale = {int(k): float(v) for k, v in (data.get("scale") or {}).items()} or dict(DEFAULT_SCALE)
    levels = {ind: {int(k): str(v) for k, v in anchors.items()} for ind, anchors in (data.get("levels") or {}).items()}
    return RubricView(row.id, row.name, scale, levels)


@dataclass(frozen=True)
class GradeInput:
    """What a grader submits, already shaped (views and the API build it from their own input)."""

    ratings: dict[str, int | None] = field(default_factory=dict)
    comment: str = ""
    turn_comments: dict[int, str] = field(default_factory=dict)
    override_score: float | None = None
    override_reason: str = ""
    #: (hit number, "correct" | "wrong", note)
    verdicts: tuple[tuple[int, str, str], ...] = ()


def can_grade(viewer: User, item: ReviewItem) -> bool:
    """Supervisors grade their teams' items, HR anyone's; nobody grades their own."""
    return viewer.role in ("supervisor", "hr") and viewer.id != item.agent_id and accounts.can_view_agent(
        viewer, item.agent)


def item_hits(item: ReviewItem, content: ItemContent | None = None) -> list[Hit]:
    content = content or content_of(item)
    try:
        names = {g: group.name for g, group in phrase_rules.rules_in_force().groups.items()}
    except phrase_rules.RulesNotLoaded:
        names = {}
    return hits_of(content.turns, names)


def validate(item: ReviewItem, data: GradeInput, hits: list[Hit], *, positions: set[int]) -> None:
    """Refuse anything out of the rules before a single row is written."""
    limit = int(current_app.config.get("REVIEW_COMMENT_MAX", 2000))
    check_ratings(item, data.ratings)
    if len(data.comment) > limit or any(len(c) > limit for c in data.turn_comments.values()):
        raise ServiceError("review.comment_too_long", limit=limit)
    unknown_turns = set(data.turn_comments) - positions
    if unknown_turns:
        raise ServiceError("review.unknown_turn", turn=min(unknown_turns))
    if data.override_score is not None:
        if not isinstance(data.override_score, int | float) or not math.isfinite(data.override_score) or not (
                0 <= data.override_score <= 100):
            raise ServiceError("review.bad_override")
        if not data.override_reason.strip() and item.kind != "exam_essay":  # an essay's mark is not an override
            raise ServiceError("review.override_reason")
        if len(data.override_reason) > limit:
            raise ServiceError("review.comment_too_long", limit=limit)
    seen: set[int] = set()
    for number, verdict, note in data.verdicts:
        if not 1 <= number <= len(hits) or number in seen:
            raise ServiceError("review.unknown_hit", hit=number)
        if verdict not in VERDICTS:
            raise ServiceError("review.bad_verdict", hit=number)
        if len(note) > 500:
            raise ServiceError("review.comment_too_long", limit=500)
        seen.add(number)
    if item.kind == "exam_essay" and data.override_score is None:
        raise ServiceError("review.essay_mark")
    if not any(v is not None for v in data.ratings.values()) and data.override_score is None:
        raise ServiceError("review.empty_grade")


def check_ratings(item: ReviewItem, ratings: dict[str, int | None]) -> None:
    for indicator, rating in ratings.items():
        if indicator not in item.indicators:
            raise ServiceError("review.unknown_indicator", indicator=indicator)
        if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
            raise ServiceError("review.bad_rating", indicator=indicator)


def _evidence_heads(item: ReviewItem, source: tuple[str, str] | None) -> dict[str, list[Evidence]]:
    """The item's evidence in force, per indicator: the machine's, or the latest grade's after a regrade."""
    grade_ids = [str(g) for g in db.session.scalars(
        select(ReviewGrade.id).where(ReviewGrade.item_id == item.id, ReviewGrade.calibration_id.is_(None)))]
    conditions = []
    if source is not None:
        conditions.append((Evidence.source_kind == source[0]) & (Evidence.source_id == source[1]))
    if grade_ids:
        conditions.append((Evidence.source_kind == "review") & Evidence.source_id.in_(grade_ids))
    if not conditions:
        return {}
    condition = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
    records = list(db.session.scalars(select(Evidence).where(Evidence.agent_id == item.agent_id, condition)
                                      .order_by(Evidence.id)))
    superseded = competency.superseded_ids(records)
    heads: dict[str, list[Evidence]] = {}
    for record in records:
        if record.id not in superseded:
            heads.setdefault(record.indicator_id, []).append(record)
    return heads


def _write_evidence(item: ReviewItem, grade: ReviewGrade, data: GradeInput, rubric: RubricView,
                    source: tuple[str, str] | None, grader: User) -> list[Evidence]:
    heads = _evidence_heads(item, source)
    written: list[Evidence] = []
    for indicator in dict.fromkeys([*item.indicators, *heads]):
        rating = data.ratings.get(indicator)
        if rating is not None:
            value, note = rubric.value(rating), f"{item.title} · 主管评分 {rating}/5"
        elif data.override_score is not None:
            value, note = float(data.override_score), f"{item.title} · 主管改分"
        else:
            continue
        replaced: Sequence[Evidence | None] = heads.get(indicator) or [None]  # the evidence each one supersedes
        for head in replaced:
            written.append(competency.record_evidence(
                agent=item.agent, indicator_id=indicator, value=value, source_kind="review",
                source_id=str(grade.id), recorded_by=grader, note=note, supersedes=head, commit=False))
    return written


def grade_item(item: ReviewItem, grader: User, data: GradeInput, *, origin: str = "grade",
               calibration_id: int | None = None, commit: bool = True) -> ReviewGrade:
    """Record a grade (validated first; nothing is written when anything is refused)."""
    content = content_of(item)
    hits = item_hits(item, content)
    validate(item, data, hits, positions={t.position for t in content.turns})
    rubric = rubric_view(item.rubric_id)
    previous = item.grade if calibration_id is None else None
    grade = ReviewGrade(
        item_id=item.id, grader_id=grader.id, created_at=utcnow(), rubric_id=rubric.id,
        ratings={k: v for k, v in data.ratings.items()}, comment=data.comment.strip(),
        turn_comments={str(k): v.strip() for k, v in data.turn_comments.items() if v.strip()},
        auto_score=item.auto_score, override_score=data.override_score,
        override_reason=data.override_reason.strip(), supersedes_id=previous.id if previous else None,
        origin="calibration" if calibration_id else origin, calibration_id=calibration_id,
    )
    db.session.add(grade)
    try:
        db.session.flush()
        by_number = {h.n: h for h in hits}
        for number, verdict, note in data.verdicts:
            hit = by_number[number]
            db.session.add(ReviewVerdict(grade_id=grade.id, item_id=item.id, hit_no=number, hit_kind=hit.kind,
                                         rule=hit.rule, label=hit.label, matched=hit.matched, verdict=verdict,
                                         note=note.strip()))
        if calibration_id is None:
            _write_evidence(item, grade, data, rubric, content.evidence_source, grader)
            item.grade_id, item.graded_at = grade.id, grade.created_at
            if item.kind == "exam_essay" and data.override_score is not None:
                _mark_essay(item, float(data.override_score), grader, grade.id)
        _audit(item, grade, previous, data, hits, grader)
        db.session.flush()
    except IntegrityError:
        # Someone else graded this item (or the same grade was sent twice) in the same moment.
        db.session.rollback()
        raise ServiceError("review.conflict", 409) from None
    if commit:
        db.session.commit()
    return grade


def _mark_essay(item: ReviewItem, mark: float, grader: User, grade_id: int) -> None:
    """The grader's mark goes back to the exam it came from (the review room's only write to another room)."""
    from ..assessment import services as assessment

    attempt_id, _, question_id = item.source_id.partition(":")
    if attempt_id.isdigit():
        assessment.mark_essay(int(attempt_id), question_id, mark, by=grader, grade_id=grade_id)


def _audit(item: ReviewItem, grade: ReviewGrade, previous: ReviewGrade | None, data: GradeInput, hits: list[Hit],
           grader: User) -> None:
    target = f"grade:{grade.id}"
    if grade.calibration_id:
        audit.record(actor=grader, action="calibration_grade", item=item, target=target,
                     after={"ratings": grade.ratings, "calibration": grade.calibration_id})
        return
    before = None if previous is None else {"grade": previous.id, "ratings": previous.ratings,
                                            "override": previous.override_score}
    audit.record(actor=grader, action="regrade" if previous else "grade", item=item, target=target, before=before,
                 after={"ratings": grade.ratings, "comment": grade.comment, "turn_comments": grade.turn_comments},
                 reason=grade.comment)
    shown = previous.override_score if previous and previous.override_score is not None else item.auto_score
    if data.override_score is not None and (previous is None or previous.override_score != data.override_score):
        audit.record(actor=grader, action="override", item=item, target=target, before={"score": shown},
                     after={"score": data.override_score}, reason=grade.override_reason)
    earlier = {v.hit_no: v.verdict for v in (previous.verdicts if previous else [])}
    by_number = {h.n: h for h in hits}
    for number, verdict, note in data.verdicts:
        hit = by_number[number]
        audit.record(actor=grader, action="verdict", item=item, target=f"hit:{number}",
                     before={"verdict": earlier[number]} if number in earlier else None,
                     after={"verdict": verdict, "kind": hit.kind, "rule": hit.rule}, reason=note)


def evidence_of(grade: ReviewGrade) -> list[Evidence]:
    """The evidence records a grade wrote (none for a calibration grade)."""
    return list(db.session.scalars(select(Evidence).where(Evidence.source_kind == "review",
                                                          Evidence.source_id == str(grade.id)).order_by(Evidence.id)))


def final_score(item: ReviewItem) -> float | None:
    """The item's score as it now stands: the grade's override when there is one, else the machine's."""
    if item.grade is not None and item.grade.override_score is not None:
        return item.grade.override_score
    return item.auto_score


def grades_of(item: ReviewItem) -> list[ReviewGrade]:
    """Every regular grade of the item, oldest first (earlier ones are superseded but stay visible)."""
    return list(db.session.scalars(select(ReviewGrade).where(ReviewGrade.item_id == item.id,
                                                             ReviewGrade.calibration_id.is_(None))
                                   .order_by(ReviewGrade.created_at, ReviewGrade.id)))


def graded_items_of(agent: User, limit: int = 50) -> list[ReviewItem]:
    """An agent's items that a person has graded, most recently graded first."""
    return list(db.session.scalars(select(ReviewItem).where(ReviewItem.agent_id == agent.id,
                                                            ReviewItem.grade_id.is_not(None))
                                   .order_by(ReviewItem.graded_at.desc()).limit(limit)))
