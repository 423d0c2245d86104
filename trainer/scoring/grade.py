"""A reply's grade, in one place: phrase compliance, key points, facts, relevance and form, each a part
with its score and its reason, combined with the weights of question_bank/phrases/scoring.yaml.

This is what practice blocks, role-play turns, drills and scripted exam answers are graded by, so a
supervisor reading any of them sees the same reasoning. The phrase scorer (scorer.py) stays what it
is — which polite phrases were said, which banned ones slipped out — and is one part here. The caps
are what make gaming fail: a reply that is not a sentence, answers something else, or repeats an
earlier reply cannot pass however many right words it contains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .facts import Contradiction, Facts, contradictions
from .form import is_fragment_list, length_penalty, repeats
from .keypoints import KeyPoint, PointResult, cover, coverage
from .relevance import asks_off_domain, similarity
from .scorer import ScoreReport, score
from .settings import GradeSettings, Vocabulary

if TYPE_CHECKING:
    from .rules import RuleSet

PARTS = ("phrases", "key_points", "facts", "relevance", "form")
FLAGS = ("critical", "contradicts", "off_topic", "not_a_sentence", "repeated", "too_long")
CHANNEL_NAMES = {"phone": "电话", "counter": "前台", "chat": "在线", "default": "回复"}


@dataclass(frozen=True)
class Situation:
    """What a reply is judged against. Empty fields are simply not judged."""

    key_points: tuple[KeyPoint, ...] = ()
    facts: Facts = field(default_factory=Facts)
    references: tuple[str, ...] = ()  # the goal, the customer's last line, model answers
    domain: str | None = None
    channel: str = "default"
    earlier: tuple[str, ...] = ()  # the trainee's earlier replies in this conversation
    already_covered: frozenset[str] = frozenset()  # key points covered by earlier replies in this stage


@dataclass(frozen=True)
class Part:
    id: str
    label: str
    score: float  # 0–100
    weight: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "score": self.score, "weight": self.weight, "reason": self.reason}


@dataclass(frozen=True)
class ReplyGrade:
    grade: float
    passed: bool
    parts: tuple[Part, ...]
    flags: tuple[str, ...]
    report: ScoreReport
    points: tuple[PointResult, ...]
    contradictions: tuple[Contradiction, ...]
    repeated_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report as stored and sent: the phrase report plus the grade, its parts and its flags."""
        return {
            **self.report.to_dict(),
            "grade": self.grade,
            "passed": self.passed,
            "phrase_score": self.report.score,
            "parts": [p.to_dict() for p in self.parts],
            "flags": list(self.flags),
            "key_points": [{"id": p.id, "label": p.label, "covered": p.covered, "matched": p.matched,
                            "start": p.start, "end": p.end, "reason": p.reason} for p in self.points],
            "contradictions": [{"said": c.said, "reason": c.reason} for c in self.contradictions],
        }


def _phrases_part(report: ScoreReport, rules: RuleSet, weight: float) -> Part:
    required = rules.script(report.script).requires
    missing = {m.group for m in report.missing if m.reason == "absent"}
    said = len(required) - len(missing)
    reason = f"礼貌用语 {said}/{len(required)}，服务忌语 {len(report.banned)}"
    if report.missing:
        reason += "；缺少：" + "、".join(rules.groups[m.group].name for m in report.missing if m.group in rules.groups)
    if report.banned:
        reason += "；忌语：" + "、".join(f"「{b.phrase}」" for b in report.banned)
    return Part("phrases", "礼貌用语与服务忌语", report.score, weight, reason)


def _points_part(points: tuple[PointResult, ...], weight: float) -> Part:
    covered = [p for p in points if p.covered]
    reason = f"要点 {len(covered)}/{len(points)}"
    missed = [p for p in points if not p.covered]
    if missed:
        reason += "；" + "；".join(f"{p.label}：{p.reason or '没有提到'}" for p in missed)
    return Part("key_points", "要点", round(100 * coverage(points), 1), weight, reason)


def grade_reply(text: str, script: str | None, rules: RuleSet, situation: Situation | None = None) -> ReplyGrade:
    """Grade one reply against its situation (see Situation); raises ScoringError for a bad script or text."""
    situation = situation or Situation()
    settings: GradeSettings = rules.scoring.grade
    weights = settings.weights
    report = score(text, script, rules)
    flags: list[str] = ["critical"] if report.critical else []
    parts = [_phrases_part(report, rules, weights["phrases"])]

    points: tuple[PointResult, ...] = ()
    if situation.key_points:
        fresh = cover(text, situation.key_points, settings.markers)
        points = tuple(PointResult(p.id, p.label, True, reason="前面的回复已经说到")
                       if not p.covered and p.id in situation.already_covered else p for p in fresh)
        parts.append(_points_part(points, weights["key_points"]))

    found = tuple(contradictions(text, situation.facts))
    if situation.facts:
        value = max(0.0, 100 - settings.fact_penalty * len(found))
        reason = "；".join(c.reason for c in found) if found else "没有与事实不符的说法"
        parts.append(Part("facts", "事实", value, weights["facts"], reason))
        if found:
            flags.append("contradicts")

    vocabularies: tuple[Vocabulary, ...] = rules.vocabularies
    off = asks_off_domain(text, situation.domain, vocabularies, settings.markers)
    if situation.references or off:
        # the situation's own words (the prompt or the customer's line, the goal, model answers); the key
        # points' vocabularies are shared by many situations and would make any service reply look relevant
        sim = similarity(text, situation.references, settings.stopwords)
        span = max(1e-6, settings.relevance_full - settings.relevance_floor)
        value = round(100 * max(0.0, min(1.0, (sim - settings.relevance_floor) / span)), 1)
        reason = f"与客户所说和本环节目标的相关度 {sim:.0%}"
        if off is not None:
            value = 0.0
            reason = f"问了“{off.said}”：这里是{_domain_name(situation.domain)}，没有{off.vocabulary.name}"
            flags.append("off_topic")
        elif sim <= settings.relevance_floor and points and not any(p.covered for p in points):
            reason += "，没有回应客户说的事"
            flags.append("off_topic")
        parts.append(Part("relevance", "切题", value, weights["relevance"], reason))

    form_value, form_reasons = 100.0, []
    if is_fragment_list(text, settings.form):
        form_value = 0.0
        form_reasons.append("只是一串词，不成句子")
        flags.append("not_a_sentence")
    penalty, length, band = length_penalty(text, situation.channel, settings.form)
    if penalty:
        form_value = max(0.0, form_value - penalty)
        channel = CHANNEL_NAMES.get(situation.channel, situation.channel)
        form_reasons.append(f"{length} 字，{channel}回复宜在 {band[0]} 字以内" if band else f"{length} 字，太长")
        if band and length > (band[0] + band[1]) / 2:  # a little long costs points; much too long is 啰嗦
            flags.append("too_long")
    repeated = repeats(text, situation.earlier, settings.form)
    if repeated is not None:
        form_reasons.append("和前面的回复几乎一样，客户已经听过了")
        flags.append("repeated")
    parts.append(Part("form", "表达", form_value, weights["form"], "；".join(form_reasons) or "成句，长度合适"))

    total = sum(p.weight for p in parts) or 1.0
    value = sum(p.score * p.weight for p in parts) / total
    # a critical phrase caps the reply at its phrase score: good content does not buy back "有本事你去告"
    caps = {"critical": min(rules.scoring.critical_cap, report.score), "off_topic": settings.off_topic_cap,
            "not_a_sentence": settings.fragment_cap, "repeated": settings.repeat_cap,
            "contradicts": settings.contradiction_cap}
    for flag, cap in caps.items():
        if flag in flags:
            value = min(value, cap)
    value = round(max(0.0, min(100.0, value)), 1)
    failing = {"critical", "off_topic", "not_a_sentence", "repeated", "contradicts"}
    # Good content does not excuse failing the service norms, nor fine manners a reply that misses what was
    # asked: the phrase part must pass on its own, and enough of the key points must be covered.
    enough = not points or coverage(points) >= settings.key_points_pass
    passed = value >= rules.scoring.pass_line and report.passed and enough and not failing & set(flags)
    return ReplyGrade(value, passed, tuple(parts), tuple(dict.fromkeys(flags)), report, points, found, repeated)


DOMAIN_NAMES = {"property": "物业服务", "utility": "公用事业热线", "ecommerce": "电商客服"}


def _domain_name(domain: str | None) -> str:
    return DOMAIN_NAMES.get(domain or "", domain or "这里")
