"""The role-play engine turn by turn: scoring, branches, emotion, stages, endings, determinism."""

from dataclasses import replace

import pytest

from tests.conftest import repository_content
from trainer.content.scenarios import scenario_from_dict
from trainer.roleplay import engine
from trainer.scoring import KeyPoint

GOOD_CALM = "王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。"
GOOD_SOLVE = "维修师傅30分钟内上门，请您放心。"


def test_start(scenario):
    state = engine.start(scenario)
    assert (state.stage, state.emotion, state.turns, state.finished) == ("calm", 60, 0, False)


def test_a_good_conversation_resolves(scenario, rules):
    state = engine.start(scenario)
    first = engine.play(scenario, state, GOOD_CALM, 20, rules, "seed")
    assert first.branch == 3 and first.state.stage == "solve" and first.state.emotion == 40
    assert first.customer.startswith("好吧") and first.turn_score == 100
    second = engine.play(scenario, first.state, GOOD_SOLVE, 20, rules, "seed")
    assert second.state.outcome == "resolved" and second.state.emotion == 10


def test_missing_apology_keeps_the_stage_and_raises_emotion(scenario, rules):
    turn = engine.play(scenario, engine.start(scenario), "我们会处理的。", 10, rules, "s")
    assert (turn.branch, turn.customer, turn.state.stage, turn.state.emotion) == (2, "连句道歉都没有？", "calm", 70)


def test_banned_phrase_branch_and_variants_depend_on_the_seed(scenario, rules):
    lines = {engine.play(scenario, engine.start(scenario), "对不起，这事我们不管。", 10, rules, f"seed-{i}").customer
             for i in range(20)}
    assert lines == {"你这么说我更生气了！", "这是客服该说的话吗？"}


def test_critical_phrase_escalates(scenario, rules):
    turn = engine.play(scenario, engine.start(scenario), "有本事你去告！", 10, rules, "s")
    assert turn.state.outcome == "escalated" and turn.state.emotion == 100
    assert turn.turn_score <= rules.scoring.critical_cap


def test_emotion_threshold_escalates_without_an_explicit_branch(scenario, rules):
    state = engine.start(scenario)
    for _ in range(2):  # two rude replies: 60 -> 80 -> 100
        turn = engine.play(scenario, state, "这事我们不管。", 10, rules, "s")
        state = turn.state
    assert state.outcome in ("hung_up", "escalated") and state.emotion == 100


def test_slow_reply_is_penalised_and_can_branch(scenario, rules):
    first = engine.play(scenario, engine.start(scenario), GOOD_CALM, 10, rules, "s")
    slow = engine.play(scenario, first.state, GOOD_SOLVE, 999, rules, "s")
    assert slow.slow and slow.customer == "怎么半天不说话？" and slow.state.stage == "solve"
    assert slow.turn_score == 100 - engine.SLOW_PENALTY


def test_turn_limit(scenario, rules):
    state = engine.start(scenario)
    for _ in range(scenario.max_turns):
        state = engine.play(scenario, state, "嗯。", 5, rules, "s").state
        if state.finished:
            break
    assert state.outcome in ("turn_limit", "escalated")


def test_playing_a_finished_conversation_is_refused(scenario, rules):
    turn = engine.play(scenario, engine.start(scenario), "有本事你去告！", 10, rules, "s")
    with pytest.raises(ValueError):
        engine.play(scenario, turn.state, GOOD_CALM, 10, rules, "s")


def test_replay_is_deterministic_and_scores_per_stage(scenario, rules):
    replies = [("我们会处理的。", 10.0), (GOOD_CALM, 10.0), (GOOD_SOLVE, 30.0)]
    first = engine.replay(scenario, replies, rules, "abc")
    second = engine.replay(scenario, replies, rules, "abc")
    assert [(t.customer, t.state) for t in first] == [(t.customer, t.state) for t in second]
    assert first[-1].state.outcome == "resolved"
    assert set(engine.stage_scores([(t.stage, t.turn_score) for t in first])) == {"calm", "solve"}
    assert engine.overall_score([t.turn_score for t in first], first[-1].state.outcome) > 60
    assert engine.overall_score([90.0], "escalated") == 40


def test_scenario_survives_a_round_trip_through_json(scenario):
    from dataclasses import asdict

    assert scenario_from_dict(asdict(scenario)) == scenario


def test_repository_scenarios_are_playable_to_both_endings(rules):
    """Every real scenario can end well and can escalate (the replies are scored, not scripted)."""

    content = repository_content()
    for scenario in content.scenarios.values():
        rude = engine.replay(scenario, [("有本事你去告！", 5.0)] * scenario.max_turns, rules, "x")
        assert rude[-1].state.outcome in ("escalated", "hung_up"), scenario.id


def test_key_points_covered_earlier_in_the_stage_still_count(scenario, rules):
    solve = scenario.stage("solve")
    two_points = replace(solve, key_points=(*solve.key_points, KeyPoint("room", "确认房号", ("房号", "几栋"))),
                         branches=(replace(solve.branches[2], when=replace(solve.branches[2].when, covered="all")),
                                   solve.branches[3]))
    demo = replace(scenario, stages=(scenario.stages[0], two_points))
    state = engine.play(demo, engine.start(demo), GOOD_CALM, 10, rules, "s").state
    first = engine.play(demo, state, "请问您家是几栋几号？请您放心。", 10, rules, "s")
    assert first.state.stage == "solve" and first.state.covered == frozenset({"room"})
    second = engine.play(demo, first.state, "维修师傅30分钟内上门，请您放心。", 10, rules, "s")
    assert [(p.id, p.covered, p.matched) for p in second.points] == [("time", True, "分钟内"), ("room", True, "")]
    assert second.state.outcome == "resolved"


def test_covered_points_are_forgotten_when_the_stage_changes(scenario, rules):
    turn = engine.play(scenario, engine.start(scenario), GOOD_CALM, 10, rules, "s")
    assert turn.state.stage == "solve" and turn.state.covered == frozenset()


def test_said_branch_catches_a_wrong_move_that_is_not_a_banned_phrase(scenario, rules):
    from trainer.content.scenarios import Branch, Condition

    calm = scenario.stage("calm")
    trap = Branch(Condition(said=("楼上…负责", "找楼上")), ("你让我自己去找楼上？",), 15, "stay", None)
    demo = replace(scenario, stages=(replace(calm, branches=(trap, *calm.branches)), *scenario.stages[1:]))
    turn = engine.play(demo, engine.start(demo), "非常抱歉，请您放心，谢谢您，这个要楼上业主负责。", 10, rules, "s")
    assert (turn.branch, turn.customer, turn.state.emotion) == (0, "你让我自己去找楼上？", 75)
    assert turn.report.banned == ()  # the scorer saw nothing wrong; the scenario did
    fine = engine.play(demo, engine.start(demo), GOOD_CALM, 10, rules, "s")
    assert fine.branch != 0
