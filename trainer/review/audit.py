"""The audit trail of human judgement: one append-only record per grade, override, verdict, dispute,
decision, acknowledgement, calibration grade, violation and correction — who, when, before, after, why.

Services write a record in the same transaction as the change it describes, so a change without its
record (or a record without its change) cannot be committed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from sqlalchemy import select

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from .models import AuditRecord, ReviewItem


def record(*, actor: User | None, action: str, item: ReviewItem | None = None, agent_id: int | None = None,
           target: str = "", before: dict | None = None, after: dict | None = None, reason: str = "") -> AuditRecord:
    """Add one audit record to the session (the caller's commit stores it with the change)."""
    entry = AuditRecord(actor_id=actor.id if actor else None, action=action, item_id=item.id if item else None,
                        agent_id=agent_id if agent_id is not None else (item.agent_id if item else None),
                        target=target[:64], before=before, after=after, reason=reason or "")
    db.session.add(entry)
    return entry


def trail_of(item: ReviewItem) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.item_id == item.id)
                                   .order_by(AuditRecord.at, AuditRecord.id)))


def visible_records(viewer: User, limit: int | None = None) -> list[AuditRecord]:
    """Records about the agents `viewer` may see, newest first (a supervisor: their teams; HR: all)."""
    agents = accounts.visible_agents_query(viewer).with_only_columns(User.id).scalar_subquery()
    query = select(AuditRecord).where(AuditRecord.agent_id.in_(agents)).order_by(AuditRecord.at.desc(),
                                                                                 AuditRecord.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


CSV_COLUMNS = ("id", "time_utc", "actor", "action", "item", "agent_id", "target", "before", "after", "reason")


def to_csv(records: Iterable[AuditRecord]) -> str:
    """The trail as CSV (UTF-8 with BOM, so Excel opens the Chinese correctly)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow([
            r.id, r.at.isoformat(timespec="seconds"), r.actor.username if r.actor else "", r.action,
            r.item_id or "", r.agent_id or "", r.target, _json(r.before), _json(r.after), _safe(r.reason),
        ])
    return out.getvalue()


def _json(value: dict | None) -> str:
    return "" if value is None else _safe(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _safe(text: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula: a trainee's comment must not."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
