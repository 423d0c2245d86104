"""Append-only tables enforced by the database itself, for migrations after 0008.

Human judgement (grades, verdicts, decisions, survey answers, audit records) must never be edited or
deleted; the ORM refuses it, and these triggers refuse it for anyone who reaches the database another
way. On PostgreSQL the trigger function `judgement_append_only()` was created by migration 0008.
"""

from __future__ import annotations

from collections.abc import Iterable


def add_append_only(op, tables: Iterable[str]) -> None:
    """Refuse UPDATE and DELETE on each table (SQLite: two triggers; PostgreSQL: one row trigger)."""
    dialect = op.get_bind().dialect.name
    for table in tables:
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        elif dialect == "postgresql":
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION judgement_append_only()")


def drop_append_only(op, tables: Iterable[str]) -> None:
    """Undo `add_append_only` (the downgrade of the migration that added it)."""
    dialect = op.get_bind().dialect.name
    for table in tables:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
