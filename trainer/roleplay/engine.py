"""The simulated customer: given a scenario and the conversation so far, react to the trainee's reply.

Pure functions over frozen data (no Flask, no database), deterministic for the same inputs: the only
randomness — which of a branch's customer lines is said — comes from a seed stored with the session,
so a transcript can always be replayed and explained turn by turn.

Each reply is graded (scoring/grade.py) against the stage: its script type's phrases, its key points
with their acts, its facts, the customer's last line and goal, the channel's length, and the earlier
replies of the conversation; it is timed; the first branch of the stage whose conditions hold decides the
customer's answer, the change in emotion and where the conversation goes. Emotion crossing the scenario's
thresholds ends the call with an escalation to a supervisor or a hang-up; reaching the end of the last
stage resolves it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import NotRequired, TypedDict, Unpack

from ..content.scenarios import JUDGEMENTS, Branch, Condition, Scenario, Stage
from ..scoring import KeyPoint, PointResult, RuleSet, ScoreReport, cover
from ..scoring.grade import ReplyGrade, Situation, grade_reply

SEVERITY_RANK = {"minor": 1, "major": 2, "critical": 3}
SLOW_PENALTY = 10.0
OUTCOMES = ("resolved", "escalated", "hung_up", "turn_limit")


@dataclass(frozen=True)
class State:
    stage: str
    emotion: int
    turns: int  # trainee replies so far
    outcome: str | None = None  # set when the conversation is over
    # Key points of the current stage already covered by earlier replies: a trainee who answers the
    # customer's follow-up question one point at a time is not asked for the same thing again.
    covered: frozenset[str] = frozenset()

    @property
    def finished(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class Turn:
    """What happened when the trainee replied."""

    index: int  # 0-based trainee turn number
    stage: str  # the stage the reply was given in
    report: ScoreReport
    points: tuple[PointResult, ...]
    grade: ReplyGrade
    seconds: float
    slow: bool
    turn_score: float
    branch: int  # index of the branch that fired
    customer: str
    emotion_before: int
    state: State  # after the turn


def start(scenario: Scenario) -> State:
    return State(stage=scenario.stages[0].id, emotion=scenario.start_emotion, turns=0)


def _clamp(value: float, low: float = 0, high: float = 100) -> float:
    return max(low, min(high, value))


def _holds(condition: Condition, *, text: str, report: ScoreReport, points: tuple[PointResult, ...], value: float,
           slow: bool, emotion: int, flags: frozenset[str] = frozenset()) -> bool:
    for judgement in JUDGEMENTS:
        wanted = getattr(condition, judgement)
        if wanted is not None and (judgement in flags) != wanted:
            return False
    if condition.banned is not None:
        worst = max((SEVERITY_RANK[b.severity] for b in report.banned), default=0)
        needed = 1 if condition.banned == "any" else SEVERITY_RANK[condition.banned]
        if worst < needed:
            return False
    if condition.missing and not {m.group for m in report.missing} & set(condition.missing):
        return False
    covered = {p.id for p in points if p.covered}
    if condition.covered == "all" and len(covered) < len(points):
        return False
    if condition.covered == "any" and not covered:
        return False
    if isinstance(condition.covered, tuple) and not set(condition.covered) <= covered:
        return False
    if condition.not_covered and set(condition.not_covered) <= covered:
        return False
    if condition.score_at_least is not None and value < condition.score_at_least:
        return False
    if condition.score_below is not None and value >= condition.score_below:
        return False
    if condition.slow is not None and slow != condition.slow:
        return False
    if condition.said and not cover(text, (KeyPoint("said", "", condition.said),))[0].covered:
        return False
    return condition.emotion_at_least is None or emotion >= condition.emotion_at_least


class TurnFacts(TypedDict):
    """What a branch's `when` is judged on: the reply, its grading and timing, the customer's emotion."""

    text: str
    report: ScoreReport
    points: tuple[PointResult, ...]
    value: float
    slow: bool
    emotion: int
    flags: NotRequired[frozenset[str]]


def choose_branch(stage: Stage, **facts: Unpack[TurnFacts]) -> int:
    """The first branch whose `when` holds; the loader guarantees a fallback at the end."""
    for index, branch in enumerate(stage.branches):
        if branch.when is None or _holds(branch.when, **facts):
            return index
    return len(stage.branches) - 1


def _line(branch: Branch, seed: str, index: int) -> str:
    return random.Random(f"{seed}:{index}").choice(branch.customer)


def _next(scenario: Scenario, state: State, stage: Stage, branch: Branch, emotion: int,
          covered: frozenset[str]) -> State:
    turns = state.turns + 1
    outcome = None
    next_stage = stage.id
    if branch.then == "escalate":
        outcome = "escalated"
    elif branch.then == "hang_up":
        outcome = "hung_up"
    elif branch.then == "resolve":
        outcome = "resolved"
    elif branch.then == "goto":
        assert branch.goto is not None  # the loader gives every goto branch its stage
        next_stage = branch.goto
    elif branch.then == "next":
        position = scenario.stage_index(stage.id)
        if position + 1 == len(scenario.stages):
            outcome = "resolved"
        else:
            next_stage = scenario.stages[position + 1].id
    if outcome is None:
        if emotion >= scenario.hang_up_at:
            outcome = "hung_up"
        elif emotion >= scenario.escalate_at:
            outcome = "escalated"
        elif turns >= scenario.max_turns:
            outcome = "turn_limit"
    kept = covered if next_stage == stage.id and outcome is None else frozenset()
    return State(stage=next_stage, emotion=emotion, turns=turns, outcome=outcome, covered=kept)


def play(scenario: Scenario, state: State, text: str, seconds: float, rules: RuleSet, seed: str,
         *, earlier: tuple[str, ...] = (), customer: str = "") -> Turn:
    """One trainee reply and the customer's reaction; `state` must not be finished.

    `earlier` are the trainee's previous replies of the conversation and `customer` the line being
    answered: a repeated reply earns nothing new, and relevance is judged against what was just said.
    """
    if state.finished:
        raise ValueError("the conversation is over")
    stage = scenario.stage(state.stage)
    situation = Situation(key_points=stage.key_points, facts=stage.facts, references=(stage.goal, customer),
                          domain=scenario.domain, channel=scenario.channel, earlier=earlier,
                          already_covered=state.covered)
    graded = grade_reply(text, stage.script, rules, situation)
    report = graded.report
    points = graded.points
    if "repeated" in graded.flags:  # the customer heard it already: nothing new is covered
        points = tuple(p if p.id in state.covered else replace(p, covered=False, reason="重复前面的话，不算新答到")
                       for p in points)
    slow = seconds > scenario.turn_seconds
    value = round(_clamp(graded.grade - (SLOW_PENALTY if slow else 0)), 1)
    index = choose_branch(stage, text=text, report=report, points=points, value=value, slow=slow,
                          emotion=state.emotion, flags=frozenset(graded.flags))
    branch = stage.branches[index]
    emotion = int(_clamp(state.emotion + branch.emotion))
    return Turn(
        index=state.turns, stage=stage.id, report=report, points=points, grade=graded, seconds=round(seconds, 1),
        slow=slow,
        turn_score=value, branch=index, customer=_line(branch, seed, state.turns), emotion_before=state.emotion,
        state=_next(scenario, state, stage, branch, emotion, frozenset(p.id for p in points if p.covered)),
    )


def replay(scenario: Scenario, replies: list[tuple[str, float]], rules: RuleSet, seed: str) -> list[Turn]:
    """Play a whole transcript again from the start; identical inputs give identical turns."""
    state = start(scenario)
    turns: list[Turn] = []
    customer = scenario.opening
    for text, seconds in replies:
        if state.finished:
            break
        turn = play(scenario, state, text, seconds, rules, seed, earlier=tuple(t for t, _ in replies[:len(turns)]),
                    customer=customer)
        turns.append(turn)
        state, customer = turn.state, turn.customer
    return turns


def stage_scores(turns: list[tuple[str, float]]) -> dict[str, float]:
    """Mean turn score per stage reached, from (stage, turn score) pairs: what a finished session records."""
    by_stage: dict[str, list[float]] = {}
    for stage, value in turns:
        by_stage.setdefault(stage, []).append(value)
    return {stage: round(sum(v) / len(v), 1) for stage, v in by_stage.items()}


def overall_score(turn_scores: list[float], outcome: str | None) -> float:
    """The session's result: the mean turn score, with the outcome weighing in (an escalation caps it at 40)."""
    if not turn_scores:
        return 0.0
    mean = sum(turn_scores) / len(turn_scores)
    if outcome == "resolved":
        return round(mean, 1)
    if outcome == "turn_limit":
        return round(mean * 0.8, 1)
    return round(min(mean, 40.0), 1)
