"""Jinja filters and globals shared by every template."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, url_for

from . import messages
from .accounts.services import tenure_months


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (naive UTC) time in the service desk's time zone, as every page shows times."""
    if value is None:
        return "—"
    zone = ZoneInfo(current_app.config.get("TIMEZONE", os.environ.get("TRAINER_TIMEZONE", "Asia/Shanghai")))
    return value.replace(tzinfo=UTC).astimezone(zone).strftime(fmt)


def install(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")

    @app.template_filter("json_text")
    def json_text(value: object) -> str:
        """JSON as a person reads it (Chinese kept as Chinese); autoescaping still applies."""
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    @app.template_filter("score")
    def score(value: float | None, places: int = 1) -> str:
        return "—" if value is None else f"{value:.{places}f}"

    @app.template_filter("pct")
    def pct(value: float | None, places: int = 0) -> str:
        return "—" if value is None else f"{value * 100:.{places}f}%"

    @app.template_filter("tenure")
    def tenure(hire_date) -> str:
        months = tenure_months(hire_date)
        return "—" if months is None else str(months)

    @app.template_global()
    def static_url(filename: str) -> str:
        """Cache-busting URL: the file's modification time changes the query string."""
        path = os.path.join(app.static_folder or "", filename)
        try:
            version = int(os.path.getmtime(path))
        except OSError:
            version = 0
        return url_for("static", filename=filename, v=version)

    app.jinja_env.globals.update(
        ROLE_LABELS=messages.ROLE_LABELS,
        MASTERY_LABELS=messages.MASTERY_LABELS,
        SOURCE_LABELS=messages.SOURCE_LABELS,
        HIT_STATUS_LABELS=messages.HIT_STATUS_LABELS,
        MISSING_REASON_LABELS=messages.MISSING_REASON_LABELS,
        POSITION_LABELS=messages.POSITION_LABELS,
        SEVERITY_LABELS=messages.SEVERITY_LABELS,
        SEGMENT_KIND_LABELS=messages.SEGMENT_KIND_LABELS,
        QUESTION_TYPE_LABELS=messages.QUESTION_TYPE_LABELS,
        REQUEST_STATUS_LABELS=messages.REQUEST_STATUS_LABELS,
        OUTCOME_LABELS=messages.OUTCOME_LABELS,
        OUTCOME_TEXT=messages.OUTCOME_TEXT,
        DOMAIN_LABELS=messages.DOMAIN_LABELS,
        CHANNEL_LABELS=messages.CHANNEL_LABELS,
        ITEM_KIND_LABELS=messages.ITEM_KIND_LABELS,
        GRADE_FLAG_LABELS=messages.GRADE_FLAG_LABELS,
        FLAG_LABELS=messages.FLAG_LABELS,
        HIT_KIND_LABELS=messages.HIT_KIND_LABELS,
        VERDICT_LABELS=messages.VERDICT_LABELS,
        DECISION_LABELS=messages.DECISION_LABELS,
        VIOLATION_LEVEL_LABELS=messages.VIOLATION_LEVEL_LABELS,
        AUDIT_ACTION_LABELS=messages.AUDIT_ACTION_LABELS,
        ADMIN_AUDIT_LABELS=messages.ADMIN_AUDIT_LABELS,
        today=date.today,
    )
