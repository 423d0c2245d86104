"""Scoring many replies: JSON Lines or CSV in, one JSON report (or error) per reply out.

Shared by `trainer score` and `POST /api/v1/score` so both give the same report for the same object.
A bad line becomes `{"id", "error", "code", "line"}` and the run goes on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .. import messages
from .rules import RuleSet
from .scorer import ScoringError, score


def _error(ident: object, code: str, line: int | None = None, **values: object) -> dict[str, Any]:
    result: dict[str, Any] = {"id": ident, "error": messages.msg(f"score.{code}", **values), "code": code}
    if line is not None:
        result["line"] = line
    return result


def score_object(
    obj: Mapping[str, Any], rules: RuleSet, default_script: str | None = None, line: int | None = None,
) -> dict[str, Any]:
    """Score one `{"id", "text", "script"}` object; never raises for bad input."""
    ident = obj.get("id")
    if "text" not in obj:
        return _error(ident, "no_text", line)
    text, script = obj["text"], obj.get("script") or default_script
    if not isinstance(text, str):
        return _error(ident, "not_text", line)
    if script is not None and not isinstance(script, str):
        return _error(ident, "bad_script", line)
    if len(text) > rules.scoring.max_chars:
        return _error(ident, "too_long", line, limit=rules.scoring.max_chars)
    try:
        return score(text, script, rules).to_dict(ident)
    except ScoringError as err:
        return _error(ident, err.code, line, limit=rules.scoring.max_chars, script=script)


def score_jsonl(lines: Iterable[bytes], rules: RuleSet, default_script: str | None = None) -> Iterator[dict[str, Any]]:
    """One result per non-blank input line (bytes, so a non-UTF-8 line is an error, not a crash)."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield _error(None, "not_utf8", number)
            continue
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            yield _error(None, "bad_json", number)
            continue
        yield score_object(obj, rules, default_script, number)


def score_csv(data: bytes, rules: RuleSet, default_script: str | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a transcript export with a header naming columns id, text and optionally script."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig", errors="surrogateescape"), newline=""))
    for row in reader:
        line = reader.line_num
        fields = {k: v for k, v in row.items() if k in ("id", "text", "script") and v not in (None, "")}
        if any("\udc80" <= ch <= "\udcff" for value in row.values() if isinstance(value, str) for ch in value):
            yield _error(fields.get("id"), "not_utf8", line)
            continue
        yield score_object(fields, rules, default_script, line)
