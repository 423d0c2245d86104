"""Putting finished work in front of a supervisor, and listing what is waiting.

Other rooms call `enqueue` when a trainee finishes something gradable; it needs nothing from them but
plain values, so no room depends on the review room's internals. Flagged work is always queued; of
the rest a share (REVIEW_SAMPLE_RATE, default 20 %) is sampled. The sample is decided by a keyed hash
of the item, so it is stable (the same item is always in or out), the same in every app process, and
cannot be predicted by a trainee who does not know the server's secret key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, func, select

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from ..timeutil import utcnow
from .models import ITEM_KINDS, ReviewItem, Rubric

SCORE_BANDS = {"low": (0, 60), "mid": (60, 80), "high": (80, 101)}


def sampled(kind: str, source_id: str, rate: float) -> bool:
    """Is this item in the QA sample? Deterministic per item, unpredictable without the secret key."""
    if rate <= 0:
        return False
    if rate >= 1:
        return True
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    digest = hmac.new(key, f"{kind}:{source_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < rate


def rubric_for(kind: str, named: str | None = None) -> str | None:
    """The rubric a scenario or course names (when it exists), else the default rubric for the kind."""
    if named and db.session.get(Rubric, named) is not None:
        return named
    return db.session.scalar(select(Rubric.id).where(Rubric.default_for == kind, Rubric.retired.is_(False)))


def enqueue(*, kind: str, source_id: object, agent: User, title: str, context: str = "",
            auto_score: float | None, flags: list[str], indicators: list[str] | tuple[str, ...],
            rubric: str | None = None, at: datetime | None = None, always: bool = False) -> ReviewItem:
    """Record a gradable item (idempotent per source); the caller commits. `always`: work only a person can
    grade (an essay) is queued whatever the sample says."""
    if kind not in ITEM_KINDS:
        raise ValueError(f"unknown item kind {kind!r}")
    source = str(source_id)
    existing = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == kind, ReviewItem.source_id == source))
    if existing is not None:
        return existing
    rate = float(current_app.config.get("REVIEW_SAMPLE_RATE", 0.2))
    item = ReviewItem(
        kind=kind, source_id=source, agent_id=agent.id, title=title[:200], context=context[:120],
        created_at=at or utcnow(), auto_score=auto_score, flags=list(flags), flagged=bool(flags),
        queued=always or bool(flags) or sampled(kind, source, rate), indicators=list(dict.fromkeys(indicators)),
        rubric_id=rubric_for(kind, rubric),
    )
    db.session.add(item)
    return item


# --- listing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    kind: str = ""
    agent_id: int | None = None
    context: str = ""
    band: str = ""
    flagged_only: bool = False
    ungraded_only: bool = False
    include_unqueued: bool = False


def visible_items(viewer: User) -> Select:
    """Items of the agents `viewer` may see (a supervisor: their teams; HR: everyone; a trainee: their own)."""
    agents = accounts.visible_agents_query(viewer).with_only_columns(User.id)
    return select(ReviewItem).where(ReviewItem.agent_id.in_(agents.scalar_subquery()))


def queue_query(viewer: User, flt: QueueFilter) -> Select:
    query = visible_items(viewer)
    if not flt.include_unqueued:
        query = query.where(ReviewItem.queued.is_(True))
    if flt.kind in ITEM_KINDS:
        query = query.where(ReviewItem.kind == flt.kind)
    if flt.agent_id:
        query = query.where(ReviewItem.agent_id == flt.agent_id)
    if flt.context:
        query = query.where(ReviewItem.context == flt.context)
    if flt.band in SCORE_BANDS:
        low, high = SCORE_BANDS[flt.band]
        query = query.where(ReviewItem.auto_score >= low, ReviewItem.auto_score < high)
    if flt.flagged_only:
        query = query.where(ReviewItem.flagged.is_(True))
    if flt.ungraded_only:
        query = query.where(ReviewItem.grade_id.is_(None))
    return query.order_by(ReviewItem.created_at, ReviewItem.id)


def page_of(viewer: User, flt: QueueFilter, page: int, per_page: int = 50) -> tuple[list[ReviewItem], int]:
    """One page of the queue, oldest first, and the total count: two queries whatever the team size."""
    query = queue_query(viewer, flt)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.scalars(query.offset(max(0, page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def ungraded_count(viewer: User) -> int:
    """The number in the navigation: queued items of the viewer's teams that nobody has graded yet."""
    query = visible_items(viewer).where(ReviewItem.queued.is_(True), ReviewItem.grade_id.is_(None))
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def contexts(viewer: User) -> list[tuple[str, str]]:
    """(context, a title) pairs present in the viewer's queue, for the filter's choices."""
    rows = db.session.execute(
        visible_items(viewer).with_only_columns(ReviewItem.context, func.min(ReviewItem.title))
        .where(ReviewItem.context != "").group_by(ReviewItem.context).order_by(ReviewItem.context)
    )
    return [(context, title if len(title) <= 24 else title[:23] + "…") for context, title in rows]
