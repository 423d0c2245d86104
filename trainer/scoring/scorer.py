"""Score a reply: the polite groups its script type requires, the banned phrases it must not contain.

The weights (pass line, penalty per missing group and per severity, the cap for critical phrases)
come from question_bank/phrases/scoring.yaml, not from this code, and every report carries the
version of the rules that produced it so a stored score can always be explained and reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .matcher import COUNTED, Hit, Layout, Matcher, matcher_for
from .normalize import normalize
from .rules import Banned, RuleSet
from .suppressors import QUOTED

_new = tuple.__new__  # a report's named tuples made without their Python-level __new__ (dozens a reply)


class ScoringError(ValueError):
    """The input cannot be scored; `code` says why (the message catalogue lives with the callers)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class BannedHit(NamedTuple):
    phrase: str
    matched: str
    start: int  # code-point offsets in the ORIGINAL text
    end: int
    severity: str
    suggestion: str
    indicator: str


class GroupHit(NamedTuple):
    group: str
    matched: str
    start: int
    end: int


def _banned_dicts(hits: tuple[BannedHit, ...]) -> list[dict[str, Any]]:
    # one comprehension rather than a method call per hit: writing a dense reply's report took a third of its time
    return [{"phrase": b.phrase, "matched": b.matched, "start": b.start, "end": b.end, "severity": b.severity,
             "suggestion": b.suggestion} for b in hits]


def _group_dicts(hits: tuple[GroupHit, ...]) -> list[dict[str, Any]]:
    return [{"group": g.group, "matched": g.matched, "start": g.start, "end": g.end} for g in hits]


class Missing(NamedTuple):
    group: str
    reason: str  # "absent" or "position"
    where: str  # the position the script requires
    penalty: float


@dataclass(frozen=True)
class ScoreReport:
    score: float
    passed: bool
    critical: bool
    script: str
    banned: tuple[BannedHit, ...]
    found: tuple[GroupHit, ...]  # every polite phrase found, required by the script or not
    missing: tuple[Missing, ...]
    quoted: tuple[BannedHit, ...]  # banned phrases inside quotation marks: the customer's words
    rules_version: str
    hits: tuple[Hit, ...] = ()  # every candidate with its status, for the rule tester

    def to_dict(self, ident: object = None) -> dict[str, Any]:
        """The JSON shape of DESIGN.md's interface (`required` lists the groups found)."""
        return {
            "id": ident,
            "score": self.score,
            "passed": self.passed,
            "critical": self.critical,
            "script": self.script,
            "banned": _banned_dicts(self.banned),
            "required": _group_dicts(self.found),
            "missing": [m.group for m in self.missing],
            "missing_detail": [{"group": m.group, "reason": m.reason, "where": m.where} for m in self.missing],
            "quoted": _banned_dicts(self.quoted),
            "rules_version": self.rules_version,
        }


def score(text: str, script: str | None, rules: RuleSet, *, matcher: Matcher | None = None) -> ScoreReport:
    """Score `text` as a reply of type `script` (None = "any").

    Any string can be scored (an empty one reports every required group missing). The length limit
    of `scoring.yaml` is applied by the interfaces that accept replies, which refuse longer input.
    """
    if not isinstance(text, str):
        raise ScoringError("not_text", "text must be a string")
    script_id = script or "any"
    if script_id not in rules.scripts:
        raise ScoringError("unknown_script", f"unknown script type {script_id!r}")
    norm = normalize(text)
    layout = Layout(norm)
    hits = (matcher or matcher_for(rules)).find(norm, layout)

    offsets = norm.offsets
    banned: list[BannedHit] = []
    quoted: list[BannedHit] = []
    found: list[GroupHit] = []
    first_sentence: dict[str, bool] = {}
    last_sentence: dict[str, bool] = {}
    last_index = len(layout.sentences) - 1
    sentence_index = layout.sentence_index
    for hit in hits:
        kind, rule, h_start, h_end, status, _ = hit
        if status != COUNTED and (kind == "group" or status != QUOTED):
            continue  # suppressed (a banned phrase the customer said, in quotes, is still reported)
        # norm.original_span(h_start, h_end), without the call for the usual non-empty span
        start, end = (offsets[h_start], offsets[h_end - 1] + 1) if h_end > h_start else norm.original_span(h_start,
                                                                                                          h_end)
        if isinstance(rule, Banned):  # kind "banned" (the kind names the rule's type)
            (banned if status == COUNTED else quoted).append(_new(BannedHit, (
                rule.phrase, text[start:end], start, end, rule.severity, rule.suggestion, rule.indicator)))
        else:
            group_id = rule.id
            found.append(_new(GroupHit, (group_id, text[start:end], start, end)))
            index = sentence_index(h_start)
            first_sentence[group_id] = first_sentence.get(group_id, False) or index == 0
            last_sentence[group_id] = last_sentence.get(group_id, False) or index == last_index

    missing: list[Missing] = []
    for requirement in rules.scripts[script_id].requires:
        group_id, where = requirement.group, requirement.where
        if group_id not in first_sentence:
            missing.append(Missing(group_id, "absent", where, requirement.penalty))
        elif (where == "first_sentence" and not first_sentence[group_id]) or (
            where == "last_sentence" and not last_sentence[group_id]
        ):
            missing.append(Missing(group_id, "position", where, requirement.penalty / 2))

    weights = rules.scoring
    value = 100.0 - sum(m.penalty for m in missing) - sum(weights.severity_penalty[b.severity] for b in banned)
    value = max(0.0, min(100.0, value))
    critical = any(b.severity == "critical" for b in banned)
    if critical:
        value = min(value, weights.critical_cap)
    value = round(value, 1)
    return ScoreReport(
        score=value,
        passed=value >= weights.pass_line and not critical,
        critical=critical,
        script=script_id,
        banned=tuple(banned),
        found=tuple(found),
        missing=tuple(missing),
        quoted=tuple(quoted),
        rules_version=rules.version,
        hits=tuple(hits),
    )
