"""Role-play scenarios: question_bank/scenarios/<id>.yaml parsed into frozen data, branch by branch.

A scenario is a small state machine written by a trainer: stages that follow the complaint process,
and in each stage an ordered list of branches saying how the customer reacts to the reply just given.
Every stage must end with a fallback branch (no `when`), so the customer always has something to say.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..scoring.facts import Facts
from ..scoring.keypoints import KeyPoint
from .check import FileCheck
from .errors import ContentError, display_path
from .keypoints import read_facts, read_key_points
from .yamlio import YDict, read_yaml

SEVERITY_LEVELS = ("any", "minor", "major", "critical")
THEN = ("next", "stay", "escalate", "hang_up", "resolve")
CHANNELS = ("phone", "counter", "chat")
DOMAINS = ("property", "utility", "ecommerce")
#: branch conditions on the reply's grade: what a real customer reacts to beyond phrases and key points
JUDGEMENTS = ("repeated", "off_topic", "not_a_sentence", "contradicts", "too_long")


@dataclass(frozen=True)
class Condition:
    banned: str | None = None  # any | minor | major | critical: a banned phrase at least this severe
    missing: tuple[str, ...] = ()  # any of these required groups missing
    covered: str | tuple[str, ...] | None = None  # "all" | "any" | key point ids that must all be covered
    not_covered: tuple[str, ...] = ()
    score_at_least: float | None = None
    score_below: float | None = None
    slow: bool | None = None
    emotion_at_least: int | None = None
    # the reply contains any of these (matched like key points): a wrong move for this scenario that is not
    # a banned phrase everywhere, e.g. defending the guard ("保安也是好心") or sending the owner elsewhere
    said: tuple[str, ...] = ()
    # the grade's judgements (scoring/grade.py): true = the reply was so judged, false = it was not
    repeated: bool | None = None  # (nearly) the same as an earlier reply of the conversation
    off_topic: bool | None = None  # 答非所问, or asks for data this domain does not have
    not_a_sentence: bool | None = None  # a list of keywords
    contradicts: bool | None = None  # states something the stage's facts make false
    too_long: bool | None = None  # longer than the channel allows


@dataclass(frozen=True)
class Branch:
    when: Condition | None
    customer: tuple[str, ...]
    emotion: int
    then: str  # next | stay | escalate | hang_up | resolve | goto
    goto: str | None = None


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    goal: str
    script: str
    key_points: tuple[KeyPoint, ...]
    indicators: tuple[str, ...]
    branches: tuple[Branch, ...]
    facts: Facts = field(default_factory=Facts)


@dataclass(frozen=True)
class Persona:
    name: str
    situation: str
    wants: str


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    domain: str
    summary: str
    persona: Persona
    channel: str
    start_emotion: int
    turn_seconds: int
    max_turns: int
    escalate_at: int
    hang_up_at: int
    indicators: tuple[str, ...]
    opening: str
    stages: tuple[Stage, ...]
    rubric: str | None = None  # the rubric a supervisor rates it on, when not the role-play default

    @property
    def content_hash(self) -> str:
        data = asdict(self)
        if data["rubric"] is None:
            del data["rubric"]  # a scenario naming no rubric keeps the hash it had before the field existed
        return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]

    def stage(self, stage_id: str) -> Stage:
        return next(s for s in self.stages if s.id == stage_id)

    def stage_index(self, stage_id: str) -> int:
        return next(i for i, s in enumerate(self.stages) if s.id == stage_id)


def scenario_from_dict(data: dict[str, Any]) -> Scenario:
    """Rebuild a scenario from `asdict` output (a session keeps its own copy of the scenario it was played on)."""
    def condition(raw: dict[str, Any] | None) -> Condition | None:
        if raw is None:
            return None
        covered = raw.get("covered")
        return Condition(
            banned=raw.get("banned"), missing=tuple(raw.get("missing", ())),
            covered=tuple(covered) if isinstance(covered, list) else covered,
            not_covered=tuple(raw.get("not_covered", ())), score_at_least=raw.get("score_at_least"),
            score_below=raw.get("score_below"), slow=raw.get("slow"), emotion_at_least=raw.get("emotion_at_least"),
            said=tuple(raw.get("said", ())), **{flag: raw.get(flag) for flag in JUDGEMENTS},
        )

    stages = tuple(
        Stage(
            id=s["id"], name=s["name"], goal=s["goal"], script=s["script"],
            key_points=tuple(KeyPoint.from_dict(k) for k in s["key_points"]),
            indicators=tuple(s["indicators"]),
            branches=tuple(Branch(condition(b["when"]), tuple(b["customer"]), b["emotion"], b["then"], b.get("goto"))
                           for b in s["branches"]),
            facts=Facts.from_dict(s.get("facts")),
        )
        for s in data["stages"]
    )
    return Scenario(
        id=data["id"], title=data["title"], domain=data["domain"], summary=data["summary"],
        persona=Persona(**data["persona"]), channel=data["channel"], start_emotion=data["start_emotion"],
        turn_seconds=data["turn_seconds"], max_turns=data["max_turns"], escalate_at=data["escalate_at"],
        hang_up_at=data["hang_up_at"], indicators=tuple(data["indicators"]), opening=data["opening"], stages=stages,
        rubric=data.get("rubric"),  # absent from sessions stored before scenarios could name a rubric
    )


def _lines(check: FileCheck, data: YDict, key: str) -> tuple[str, ...]:
    value = data.get(key)
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    check.error(data.line_of(key), f"{key} 应为一句话或几句话的列表")
    return ()


def _condition(check: FileCheck, raw: object, line: int, point_ids: set[str], groups: set[str] | None) -> Condition:
    data = check.mapping(raw, line, "when")
    if data is None:
        return Condition()
    check.only_keys(data, {"banned", "missing", "covered", "not_covered", "score_at_least", "score_below", "slow",
                           "emotion_at_least", "said", *JUDGEMENTS}, "when")
    banned = check.get(data, "banned", str, required=False)
    if banned is not None and banned not in SEVERITY_LEVELS:
        check.error(data.line_of("banned"), f"banned 应为 {' / '.join(SEVERITY_LEVELS)}")
    missing = tuple(_id_list(check, data, "missing"))
    for group in missing:
        if groups is not None and group not in groups:
            check.error(data.line_of("missing"), f"未知的礼貌用语分组 {group!r}")
    covered: str | tuple[str, ...] | None = None
    if "covered" in data:
        if data["covered"] in ("all", "any"):
            covered = data["covered"]
        else:
            covered = tuple(_id_list(check, data, "covered"))
            for ident in covered:
                if ident not in point_ids:
                    check.error(data.line_of("covered"), f"本环节没有要点 {ident!r}")
    said = tuple(phrase.strip() for phrase in _id_list(check, data, "said") if phrase.strip())
    if "said" in data and not said:
        check.error(data.line_of("said"), "said 应为至少一个说法的列表")
    not_covered = tuple(_id_list(check, data, "not_covered"))
    for ident in not_covered:
        if ident not in point_ids:
            check.error(data.line_of("not_covered"), f"本环节没有要点 {ident!r}")
    return Condition(
        banned=banned, missing=missing, covered=covered, not_covered=not_covered,
        score_at_least=check.number(data, "score_at_least", low=0, high=100, required=False),
        score_below=check.number(data, "score_below", low=0, high=100, required=False),
        slow=check.get(data, "slow", bool, required=False),
        emotion_at_least=check.get(data, "emotion_at_least", int, required=False), said=said,
        **{flag: check.get(data, flag, bool, required=False) for flag in JUDGEMENTS},
    )


def _id_list(check: FileCheck, data: YDict, key: str) -> list[str]:
    if key not in data:
        return []
    items = check.sequence(data[key], data.line_of(key), key)
    return [str(item) for item in items if isinstance(item, str)]


def load_scenario(
    path: Path, shown: str, *, indicators: frozenset[str] | None, scripts: set[str] | None, groups: set[str] | None,
    rubrics: set[str] | None = None,
) -> tuple[Scenario | None, list[ContentError]]:
    data, errors = read_yaml(path, shown)
    if errors:
        return None, errors
    check = FileCheck(shown)
    root = check.mapping(data, 1, "情景文件")
    if root is None:
        return None, check.errors
    check.only_keys(root, {"id", "title", "domain", "summary", "persona", "channel", "start_emotion", "turn_seconds",
                           "max_turns", "thresholds", "indicators", "opening", "stages", "rubric"}, "情景")
    ident = check.slug(root, "id", "情景 id")
    if ident is not None and ident != path.stem:
        check.error(root.line_of("id"), f"情景 id {ident!r} 应与文件名 {path.stem!r} 相同")
    domain = check.get(root, "domain", str)
    if domain is not None and domain not in DOMAINS:
        check.error(root.line_of("domain"), f"domain 应为 {' / '.join(DOMAINS)}")
    channel = check.get(root, "channel", str, required=False, default="phone")
    if channel not in CHANNELS:
        check.error(root.line_of("channel"), f"channel 应为 {' / '.join(CHANNELS)}")
    persona_raw = check.mapping(root.get("persona"), root.line_of("persona"), "persona")
    persona = None
    if persona_raw is not None:
        check.only_keys(persona_raw, {"name", "situation", "wants"}, "persona")
        fields = [check.get(persona_raw, k, str) for k in ("name", "situation", "wants")]
        persona = Persona(*fields) if None not in fields else None
    start = check.get(root, "start_emotion", int)
    if start is not None and not 0 <= start <= 100:
        check.error(root.line_of("start_emotion"), "start_emotion 应在 0 到 100 之间")
    turn_seconds = check.get(root, "turn_seconds", int)
    if turn_seconds is not None and not 10 <= turn_seconds <= 1800:
        check.error(root.line_of("turn_seconds"), "turn_seconds 应在 10 到 1800 之间")
    max_turns = check.get(root, "max_turns", int)
    if max_turns is not None and not 1 <= max_turns <= 50:
        check.error(root.line_of("max_turns"), "max_turns 应在 1 到 50 之间")
    escalate_at, hang_up_at = 90, 100
    if "thresholds" in root:
        thresholds = check.mapping(root["thresholds"], root.line_of("thresholds"), "thresholds")
        if thresholds is not None:
            check.only_keys(thresholds, {"escalate", "hang_up"}, "thresholds")
            escalate_at = check.get(thresholds, "escalate", int, required=False, default=90)
            hang_up_at = check.get(thresholds, "hang_up", int, required=False, default=100)
            if escalate_at is not None and hang_up_at is not None and not 0 < escalate_at <= hang_up_at <= 100:
                check.error(thresholds.line, "应满足 0 < escalate ≤ hang_up ≤ 100")
    scenario_indicators = _id_list(check, root, "indicators")
    for value in scenario_indicators:
        if indicators is not None and value not in indicators:
            check.error(root.line_of("indicators"), f"未知的能力指标 {value!r}")
    stages_raw = check.sequence(root.get("stages"), root.line_of("stages"), "stages")
    # only text ids are compared (a list as an id is unhashable); _stage reports any other id as not a slug
    stage_ids = [s.get("id") for s in stages_raw if isinstance(s, dict) and isinstance(s.get("id"), str)]
    stages = []
    for i, raw in enumerate(stages_raw):
        stage = _stage(check, raw, stages_raw.line_of(i), set(filter(None, stage_ids)), indicators, scripts, groups)
        if stage is not None:
            stages.append(stage)
    if len(set(filter(None, stage_ids))) != len([s for s in stage_ids if s]):
        check.error(stages_raw.line, "环节 id 重复")
    if not stages_raw:
        check.error(root.line, "情景至少需要一个环节")
    opening = check.get(root, "opening", str)
    rubric = check.get(root, "rubric", str, required=False)
    if rubric is not None and rubrics is not None and rubric not in rubrics:
        check.error(root.line_of("rubric"), f"未知的评分表 {rubric!r}")
    title, summary = check.get(root, "title", str), check.get(root, "summary", str)
    if (check.errors or ident is None or title is None or domain is None or summary is None or persona is None
            or start is None or turn_seconds is None or max_turns is None or opening is None):
        return None, check.errors
    return Scenario(
        id=ident, title=title, domain=domain, summary=summary, persona=persona, channel=channel, start_emotion=start,
        turn_seconds=turn_seconds, max_turns=max_turns, escalate_at=escalate_at, hang_up_at=hang_up_at,
        indicators=tuple(scenario_indicators), opening=opening, stages=tuple(stages), rubric=rubric,
    ), []


def _stage(
    check: FileCheck, raw: object, line: int, stage_ids: set[str], indicators: frozenset[str] | None,
    scripts: set[str] | None, groups: set[str] | None,
) -> Stage | None:
    data = check.mapping(raw, line, "环节")
    if data is None:
        return None
    check.only_keys(data, {"id", "name", "goal", "script", "key_points", "facts", "indicators", "branches"}, "环节")
    ident = check.slug(data, "id", "环节 id")
    script = check.get(data, "script", str)
    if script is not None and scripts is not None and script not in scripts:
        check.error(data.line_of("script"), f"未知的话术类型 {script!r}")
    points = read_key_points(check, data, "环节", require_ids=True)
    facts = read_facts(check, data, "环节")
    stage_indicators = _id_list(check, data, "indicators")
    for value in stage_indicators:
        if indicators is not None and value not in indicators:
            check.error(data.line_of("indicators"), f"未知的能力指标 {value!r}")
    branches_raw = check.sequence(data.get("branches"), data.line_of("branches"), "branches")
    point_ids = {p.id for p in points}
    branches = []
    for j, braw in enumerate(branches_raw):
        bdata = check.mapping(braw, branches_raw.line_of(j), "分支")
        if bdata is None:
            continue
        check.only_keys(bdata, {"when", "customer", "emotion", "then"}, "分支")
        when = _condition(check, bdata["when"], bdata.line_of("when"), point_ids, groups) if "when" in bdata else None
        then = check.get(bdata, "then", str)
        goto = None
        if then is not None and then.startswith("goto:"):
            goto = then[5:]
            if goto not in stage_ids:
                check.error(bdata.line_of("then"), f"goto 的环节 {goto!r} 不存在")
            then = "goto"
        elif then is not None and then not in THEN:
            check.error(bdata.line_of("then"), f"then 应为 {' / '.join(THEN)} 或 goto:<环节 id>")
        emotion = check.get(bdata, "emotion", int, required=False, default=0)
        if emotion is not None and not -100 <= emotion <= 100:
            check.error(bdata.line_of("emotion"), "emotion 应在 -100 到 100 之间")
        customer = _lines(check, bdata, "customer")
        if then and customer and emotion is not None:
            branches.append(Branch(when, customer, emotion, then, goto))
    if branches_raw and isinstance(branches_raw[-1], dict) and "when" in branches_raw[-1]:
        check.error(branches_raw.line_of(len(branches_raw) - 1), "每个环节的最后一个分支必须是没有 when 的兜底分支")
    if not branches_raw:
        check.error(data.line, "环节至少需要一个分支")
    name, goal = check.get(data, "name", str), check.get(data, "goal", str)
    if ident is None or name is None or goal is None or script is None:
        return None
    return Stage(ident, name, goal, script, key_points=points, indicators=tuple(stage_indicators),
                 branches=tuple(branches), facts=facts)


def load_scenarios(
    folder: Path, root: Path, *, indicators: frozenset[str] | None, scripts: set[str] | None, groups: set[str] | None,
    rubrics: set[str] | None = None,
) -> tuple[dict[str, Scenario], list[ContentError]]:
    scenarios, errors = {}, []
    for path in sorted(folder.glob("*.yaml")):
        scenario, problems = load_scenario(path, display_path(path, root), indicators=indicators, scripts=scripts,
                                           groups=groups, rubrics=rubrics)
        errors += problems
        if scenario is not None:
            scenarios[scenario.id] = scenario
    return scenarios, errors
