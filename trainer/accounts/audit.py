"""The administrative audit log: who created or changed an account, reset a password, issued a token, synced
content or imported questions — when, and what it was before and after.

The records live in the review room's `audit_records` table (`trainer.review.models.AuditRecord`): it already has
actor, action, target, before, after and reason, and it is append-only twice over — the ORM refuses to update or
delete a record, and database triggers (migration 0008) refuse it too, so not even SQL typed into a console can
rewrite history. Administrative records leave `item_id` and `agent_id` empty: the supervisors' and HR's audit export
follows the agent a record is about, so it never includes them, and the admin page lists only the actions below,
so admins (who manage accounts and content, not results) never see a grade or a verdict.

Services add the record to the session before they commit, so the change and its record are stored together or
not at all. A record without an actor was made from the command line (`trainer content sync`, `trainer user
create`, …), where nobody is signed in; it is shown as “命令行”.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select

from .. import messages
from ..exports import Table
from ..extensions import db
from ..review.models import AuditRecord
from .models import Team, User

#: every action this log records (labels in messages.ADMIN_AUDIT_LABELS); the admin page shows these and nothing
#: else from `audit_records`
ADMIN_ACTIONS: tuple[str, ...] = (
    "user_create", "user_update", "user_disable", "user_enable", "password_reset", "password_change",
    "token_issue", "token_revoke", "team_create", "team_update", "content_sync", "gift_import", "xlsx_import",
)

#: the fields of an account the log compares before and after an edit
USER_FIELDS = ("display_name", "role", "team", "grade", "hire_date", "led_teams")

PER_PAGE = 50


def record(*, actor: User | None, action: str, target: str, before: dict | None = None, after: dict | None = None,
           reason: str = "") -> AuditRecord:
    """Add one administrative record to the session; the caller's commit stores it with the change it describes."""
    if action not in ADMIN_ACTIONS:
        raise ValueError(f"unknown administrative action {action!r}")
    entry = AuditRecord(actor_id=actor.id if actor is not None else None, action=action, target=target[:64],
                        before=before, after=after, reason=reason)
    db.session.add(entry)
    return entry


def _value(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def user_state(user: User) -> dict[str, object]:
    """An account as the log shows it: names rather than ids, so a record still reads well after a team is renamed."""
    return {
        "display_name": user.display_name,
        "role": user.role,
        "team": user.team.name if user.team is not None else None,
        "grade": user.grade_code,
        "hire_date": _value(user.hire_date),
        "led_teams": sorted(t.name for t in user.led_teams),
    }


def team_state(team: Team) -> dict[str, object]:
    return {"name": team.name, "description": team.description,
            "supervisors": sorted(s.username for s in team.supervisors)}


def difference(before: dict[str, object], after: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """Only the fields that changed, as (before, after); both empty when nothing did."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def user_target(user: User) -> str:
    return f"user:{user.id}"


# --- reading -----------------------------------------------------------------------------------------


#: the actor filter's value for records made from the command line (no actor)
CLI = "cli"


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    #: a user id, or CLI
    actor: str = ""


def _query(flt: AuditFilter) -> Select[AuditRecord]:
    """Administrative records only (never the review room's), narrowed by the filter."""
    query = select(AuditRecord).where(AuditRecord.action.in_(ADMIN_ACTIONS))
    if flt.action:
        query = query.where(AuditRecord.action == flt.action)
    if flt.actor == CLI:
        query = query.where(AuditRecord.actor_id.is_(None))
    elif flt.actor:
        query = query.where(AuditRecord.actor_id == int(flt.actor))
    return query


def page_of(flt: AuditFilter, page: int, per_page: int = PER_PAGE) -> tuple[list[AuditRecord], int]:
    """One page of administrative records, newest first, and how many there are in all."""
    total = db.session.scalar(select(func.count()).select_from(_query(flt).subquery())) or 0
    rows = db.session.scalars(_query(flt).order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def all_of(flt: AuditFilter, limit: int) -> list[AuditRecord]:
    return list(db.session.scalars(_query(flt).order_by(AuditRecord.at.desc(), AuditRecord.id.desc()).limit(limit)))


def actors() -> list[User]:
    """Everyone who has an administrative record, for the actor filter."""
    ids = select(AuditRecord.actor_id).where(AuditRecord.action.in_(ADMIN_ACTIONS), AuditRecord.actor_id.is_not(None))
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.username)))


def target_names(records: Iterable[AuditRecord]) -> dict[str, str]:
    """`user:12` → the account's username, `team:3` → the team's name, for the page and the CSV."""
    ids: dict[str, set[int]] = {"user": set(), "team": set()}
    for r in records:
        kind, _, ident = r.target.partition(":")
        if kind in ids and ident.isdigit():
            ids[kind].add(int(ident))
    names: dict[str, str] = {}
    if ids["user"]:
        names.update({f"user:{u.id}": u.username
                      for u in db.session.scalars(select(User).where(User.id.in_(ids["user"])))})
    if ids["team"]:
        names.update({f"team:{t.id}": t.name
                      for t in db.session.scalars(select(Team).where(Team.id.in_(ids["team"])))})
    return names


def actor_name(r: AuditRecord) -> str:
    return r.actor.username if r.actor is not None else messages.COMMAND_LINE_ACTOR


CSV_HEADER = ("id", "time_utc", "actor", "action", "action_label", "target", "target_name", "before", "after",
              "reason")


def csv_table(records: Sequence[AuditRecord]) -> Table:
    """The records as a table for `exports.csv_response` (which defuses cells a spreadsheet would run)."""
    names = target_names(records)

    def text(value: dict | None) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def rows() -> Iterator[list[object]]:
        for r in records:
            yield [r.id, r.at.isoformat(timespec="seconds"), actor_name(r), r.action,
                   messages.ADMIN_AUDIT_LABELS.get(r.action, r.action), r.target, names.get(r.target, ""),
                   text(r.before), text(r.after), r.reason]

    return Table("audit", CSV_HEADER, rows())
