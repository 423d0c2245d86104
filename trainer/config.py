"""Configuration: defaults that are safe to run, overridden by the environment or by `create_app(config)`."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

#: The repository root when running from a checkout (editable install); content folders live there.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def default_content_root() -> Path:
    """Where `courses/` and `question_bank/` live: $TRAINER_CONTENT_DIR, the checkout, or the cwd."""
    configured = os.environ.get("TRAINER_CONTENT_DIR")
    if configured:
        return Path(configured)
    if (SOURCE_ROOT / "question_bank").is_dir():
        return SOURCE_ROOT
    return Path.cwd()


def load_or_create_secret_key(instance_path: Path) -> str:
    """Generate the key once so sessions survive restarts and every app process shares it."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` / `postgresql://` spellings and pin them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: Requests per token allowed in a fixed window of so many seconds, by bucket (trainer/api/ratelimit.py).
#: `other` is every /api/v1 request that has no bucket of its own (the GETs, grading). None: no limit.
DEFAULT_API_RATE_LIMITS: dict[str, tuple[int, int] | None] = {
    "score": (120, 60),
    "practice": (120, 60),
    "roleplay_start": (30, 60),
    "roleplay_turn": (60, 60),
    "other": (600, 60),
}


def api_rate_limits(spec: str | None) -> dict[str, tuple[int, int] | None]:
    """The API limits with $TRAINER_API_RATE_LIMITS applied over the defaults.

    The variable is a comma-separated list of `bucket=requests/seconds` (`score=300/60`) or `bucket=off`;
    `off` on its own turns every limit off. Anything else is refused at start-up, not silently ignored.
    """
    limits = dict(DEFAULT_API_RATE_LIMITS)
    spec = (spec or "").strip()
    if not spec:
        return limits
    if spec.lower() == "off":
        return dict.fromkeys(limits)
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        bucket, _, value = entry.partition("=")
        bucket, value = bucket.strip(), value.strip().lower()
        if bucket not in limits:
            raise ValueError(f"TRAINER_API_RATE_LIMITS: unknown bucket {bucket!r} (one of {', '.join(limits)})")
        if value == "off":
            limits[bucket] = None
            continue
        count, _, seconds = value.partition("/")
        if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
            raise ValueError(f"TRAINER_API_RATE_LIMITS: {entry!r} is not bucket=requests/seconds or bucket=off")
        limits[bucket] = (int(count), int(seconds))
    return limits


def base_config(instance_path: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL")
    uri = (
        normalise_database_url(database_url)
        if database_url
        else "sqlite:///" + str(instance_path / "trainer.sqlite3")
    )
    return {
        "SQLALCHEMY_DATABASE_URI": uri,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "CONTENT_ROOT": default_content_root(),
        # Requests larger than this are refused with a 413 page before any view runs.
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("TRAINER_SECURE_COOKIES") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # A signed-in page left alone this long asks for the password again.
        "SESSION_IDLE_TIMEOUT": timedelta(hours=2),
        # The CSRF token lives as long as the session: a long form is not lost to a token timeout.
        "WTF_CSRF_TIME_LIMIT": None,
        # Sign-in throttling (trainer/accounts/signin.py): failures slow guessing down, they never lock
        # an account. Failures count within the window; a username + address pair gets this many free
        # tries, then waits LOGIN_DELAY, doubling up to LOGIN_MAX_DELAY.
        "LOGIN_FAILURE_WINDOW": timedelta(minutes=15),
        "LOGIN_FREE_FAILURES": 3,
        "LOGIN_DELAY": timedelta(seconds=30),
        "LOGIN_MAX_DELAY": timedelta(minutes=15),
        # An address with this many failures (any usernames) waits too, doubling every 5 more failures,
        # except for users who signed in from it within LOGIN_KNOWN_ADDRESS and have no failures there.
        "LOGIN_ADDRESS_FREE_FAILURES": 30,
        "LOGIN_ADDRESS_DELAY": timedelta(seconds=5),
        "LOGIN_KNOWN_ADDRESS": timedelta(days=30),
        # This many failures against one account raise a security alert for the user and the admins.
        "LOGIN_ALERT_FAILURES": 5,
        # Behind a reverse proxy or load balancer: how many X-Forwarded-For hops to trust (0 = none).
        "PROXY_HOPS": int(os.environ.get("TRAINER_PROXY_HOPS", "0") or 0),
        "PASSWORD_MIN_LENGTH": 8,
        # One GIFT import takes at most this many questions: bounded work per request, a clear message past it.
        "GIFT_MAX_QUESTIONS": 2000,
        "MASTERY_DECAY_WEIGHT": 0.65,
        # Supervisor review: the share of unflagged work sampled into the queue (flagged work always is),
        # how long after a grade the trainee may dispute it, and the longest comment.
        "REVIEW_SAMPLE_RATE": float(os.environ.get("TRAINER_REVIEW_SAMPLE_RATE", "0.2") or 0.2),
        "REVIEW_DISPUTE_DAYS": 7,
        "REVIEW_COMMENT_MAX": 2000,
        # Per-token API limits, shared by every process through the database: {bucket: (requests, seconds)}.
        "API_RATE_LIMITS": api_rate_limits(os.environ.get("TRAINER_API_RATE_LIMITS")),
    }
