"""Correcting a piece of evidence by hand: a new record that supersedes the old one, with a reason.

The old record stays (evidence is append-only) and the correction is in the audit trail, so anyone can
see who changed an agent's figure, from what, to what and why.
"""

from __future__ import annotations

from sqlalchemy import select

from ..accounts.models import User
from ..competency import services as competency
from ..competency.models import Evidence
from ..extensions import db
from ..messages import ServiceError
from . import audit


def correct(original: Evidence, *, value: float, reason: str, by: User) -> Evidence:
    if db.session.scalar(select(Evidence.id).where(Evidence.supersedes_id == original.id)) is not None:
        raise ServiceError("evidence.already_superseded", 409)
    if not reason.strip():
        raise ServiceError("evidence.reason_required")
    correction = competency.record_evidence(
        agent=original.agent, indicator_id=original.indicator_id, value=value, source_kind="correction",
        source_id=str(original.id), recorded_by=by, note=reason, supersedes=original, commit=False)
    db.session.flush()
    audit.record(actor=by, action="correction", agent_id=original.agent_id, target=f"evidence:{original.id}",
                 before={"evidence": original.id, "indicator": original.indicator_id, "value": original.value},
                 after={"evidence": correction.id, "value": correction.value}, reason=reason.strip())
    db.session.commit()
    return correction
