"""One notion of 'now' for the whole app: naive UTC, stored the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime

#: the clock `utcnow` reads: `datetime`, or the demo's own while it writes its history (demo/activity.py)
clock: type[datetime] = datetime


def utcnow() -> datetime:
    return clock.now(UTC).replace(tzinfo=None)
