"""The automatic hits of an item, numbered, so a supervisor can say of each whether the machine was right.

Pure: works on the stored reports (plain dicts), so the page, the API and the accuracy figures number
the hits the same way. Numbering runs through the trainee's turns in order and, within a turn, banned
phrases, polite groups found, polite groups missing, then key points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

HIT_KINDS = ("banned", "group_found", "group_missing", "point_covered", "point_missing")


@dataclass(frozen=True)
class Turn:
    """One turn of the item as the trainee saw it: their reply with the scorer's report, or the customer's line."""

    position: int
    role: str  # "trainee" or "customer"
    text: str
    report: Mapping | None = None
    score: float | None = None


@dataclass(frozen=True)
class Hit:
    n: int
    turn: int
    kind: str
    rule: str  # the banned phrase, the polite group id or the key point id
    label: str
    matched: str = ""
    start: int = -1
    end: int = -1
    severity: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _points(report: Mapping) -> Iterable[Mapping]:
    # role-play and course practice keep key points as "key_points"; exam answers as "points"
    return report.get("key_points") or report.get("points") or ()


def hits_of(turns: Sequence[Turn], group_names: Mapping[str, str] | None = None) -> list[Hit]:
    names = group_names or {}
    found: list[Hit] = []

    def add(turn: Turn, kind: str, rule: str, label: str, entry: Mapping | None = None, severity: str = "") -> None:
        entry = entry or {}
        start, end = entry.get("start"), entry.get("end")
        found.append(Hit(
            n=len(found) + 1, turn=turn.position, kind=kind, rule=str(rule)[:120], label=str(label)[:200],
            matched=str(entry.get("matched") or "")[:200], start=start if isinstance(start, int) else -1,
            end=end if isinstance(end, int) else -1, severity=severity,
        ))

    for turn in turns:
        report = turn.report
        if turn.role != "trainee" or not report:
            continue
        for banned in report.get("banned", ()):
            add(turn, "banned", banned.get("phrase", ""), banned.get("phrase", ""), banned,
                banned.get("severity", ""))
        for group in report.get("required", ()):
            add(turn, "group_found", group.get("group", ""), names.get(group.get("group", ""), group.get("group", "")),
                group)
        for group in report.get("missing", ()):
            add(turn, "group_missing", group, names.get(group, group))
        for point in _points(report):
            kind = "point_covered" if point.get("covered") else "point_missing"
            add(turn, kind, point.get("id", ""), point.get("label", ""), point if point.get("covered") else None)
    return found


def flags_of(turns: Sequence[Turn], *, passed: bool | None, outcome: str | None = None) -> list[str]:
    """Why the item must be looked at by a person: a critical phrase, a failed score, an escalation or hang-up."""
    flags = []
    if any(t.report and t.report.get("critical") for t in turns if t.role == "trainee"):
        flags.append("critical")
    if passed is False:
        flags.append("failed")
    if outcome in ("escalated", "hung_up"):
        flags.append(outcome)
    return flags
