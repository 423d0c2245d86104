"""Rules of trainer.roleplay.engine that mutation testing found unguarded (see tests/MUTANTS.md)."""

from dataclasses import replace

import pytest

from trainer.content.scenarios import Branch, Condition
from trainer.roleplay import engine
from trainer.roleplay.engine import overall_score, stage_scores
from trainer.scoring.keypoints import PointResult
from trainer.scoring.scorer import score

TURNS = [70.0, 80.0, 85.55]  # mean 78.51666…


def test_rule_a_stage_score_is_the_mean_of_its_turns_to_one_decimal():
    assert stage_scores([("greet", 70.0), ("greet", 80.0), ("greet", 85.55), ("close", 90.0)]) == {
        "greet": 78.5,
        "close": 90.0,
    }


def test_rule_a_session_without_turns_scores_zero():
    for outcome in ("resolved", "turn_limit", "escalated", None):
        assert overall_score([], outcome) == 0.0


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("resolved", 78.5),  # the mean, to one decimal
        ("turn_limit", 62.8),  # running out of turns costs a fifth: 78.516… × 0.8 = 62.81…
        ("escalated", 40.0),  # an escalation caps the result at 40
        (None, 40.0),
    ],
)
def test_rule_the_outcome_weighs_in_on_the_mean_turn_score(outcome, expected):
    assert overall_score(TURNS, outcome) == expected


def test_rule_an_escalated_session_below_the_cap_keeps_its_mean_to_one_decimal():
    assert overall_score([30.0, 35.55], "escalated") == 32.8


REPLIES = [
    ("我们会处理的。", 10.0),
    ("我们会处理的。", 10.0),  # said again: the customer heard it already
    ("王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。", 20.0),
    ("维修师傅30分钟内上门，请您放心。", 20.0),
]


def test_rule_a_replay_plays_each_reply_with_the_earlier_replies_and_the_customers_last_line(scenario, rules):
    state, customer, expected = engine.start(scenario), scenario.opening, []
    for text, seconds in REPLIES:
        earlier = tuple(t for t, _ in REPLIES[:len(expected)])
        turn = engine.play(scenario, state, text, seconds, rules, "abc", earlier=earlier, customer=customer)
        expected.append(turn)
        state, customer = turn.state, turn.customer
    assert engine.replay(scenario, REPLIES, rules, "abc") == expected
    assert expected[1].turn_score == 0  # the repetition counted


def test_rule_a_replay_draws_the_customers_lines_from_its_seed(scenario, rules):
    lines = {engine.replay(scenario, [("对不起，这事我们不管。", 10.0)], rules, f"seed-{i}")[0].customer
             for i in range(20)}
    assert lines == {"你这么说我更生气了！", "这是客服该说的话吗？"}


def branch(then, goto=None):
    return Branch(when=None, customer=("好",), emotion=0, then=then, goto=goto)


@pytest.mark.parametrize(
    ("then", "goto", "stage", "outcome"),
    [
        ("escalate", None, "calm", "escalated"),
        ("hang_up", None, "calm", "hung_up"),
        ("resolve", None, "calm", "resolved"),
        ("goto", "solve", "solve", None),
        ("next", None, "solve", None),
        ("stay", None, "calm", None),
    ],
)
def test_rule_a_branch_says_where_the_conversation_goes(scenario, then, goto, stage, outcome):
    state = engine.State("calm", 50, 2, covered=frozenset({"sorry"}))
    after = engine._next(scenario, state, scenario.stage("calm"), branch(then, goto), 50, frozenset({"sorry"}))
    assert (after.stage, after.outcome, after.turns, after.emotion) == (stage, outcome, 3, 50)
    # covered key points are kept only while the conversation stays in the stage
    assert after.covered == (frozenset({"sorry"}) if (stage, outcome) == ("calm", None) else frozenset())


def test_rule_next_after_the_last_stage_resolves(scenario):
    state = engine.State("solve", 50, 0)
    after = engine._next(scenario, state, scenario.stage("solve"), branch("next"), 50, frozenset())
    assert (after.stage, after.outcome) == ("solve", "resolved")


@pytest.mark.parametrize(
    ("emotion", "turns", "outcome"),
    [
        (100, 0, "hung_up"),  # hang_up at 100
        (99, 0, "escalated"),
        (90, 0, "escalated"),  # escalate at 90
        (89, 0, None),
        (50, 5, "turn_limit"),  # the sixth reply is the last
        (50, 4, None),
    ],
)
def test_rule_emotion_and_the_turn_limit_end_a_conversation_that_stays(scenario, emotion, turns, outcome):
    state = engine.State("calm", 50, turns)
    after = engine._next(scenario, state, scenario.stage("calm"), branch("stay"), emotion, frozenset())
    assert after.outcome == outcome


def facts(rules, overrides):
    text = overrides.get("text", "您好，请您放心。")
    values = {"text": text, "report": score(text, "complaint", rules), "points": (), "value": 60.0, "slow": False,
              "emotion": 50}
    return values | overrides


def point(ident, covered):
    return PointResult(ident, ident, covered)


@pytest.mark.parametrize(
    ("condition", "overrides", "holds"),
    [
        (Condition(repeated=True), {"flags": frozenset({"repeated"})}, True),
        (Condition(repeated=True), {}, False),
        (Condition(repeated=False), {}, True),
        (Condition(banned="any"), {"text": "喂，这事我们不管"}, True),  # a minor one is enough for "any"
        (Condition(banned="any"), {}, False),
        (Condition(covered="any"), {"points": (point("a", False), point("b", True))}, True),
        (Condition(covered="any"), {"points": (point("a", False),)}, False),
        (Condition(covered="all"), {"points": (point("a", True), point("b", False))}, False),
        (Condition(not_covered=("a", "b")), {"points": (point("a", True), point("b", True))}, False),
        (Condition(not_covered=("a", "b")), {"points": (point("a", True), point("b", False))}, True),
        (Condition(not_covered=("a",)), {"points": (point("a", True),)}, False),
        (Condition(score_at_least=60), {}, True),
        (Condition(score_at_least=60.1), {}, False),
        (Condition(score_below=60), {}, False),
        (Condition(score_below=60.1), {}, True),
        (Condition(emotion_at_least=50), {}, True),
        (Condition(emotion_at_least=51), {}, False),
        (Condition(said=("保安也是好心",)), {"text": "其实保安也是好心。"}, True),
        (Condition(said=("保安也是好心",)), {}, False),
    ],
)
def test_rule_a_branch_condition_holds_only_when_every_part_does(rules, condition, overrides, holds):
    assert engine._holds(condition, **facts(rules, overrides)) is holds


GOOD_CALM = "王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。"


def test_rule_a_turn_records_where_and_how_it_was_played(scenario, rules):
    state = engine.State("calm", 60, 2)
    turn = engine.play(scenario, state, GOOD_CALM, 60, rules, "seed")  # exactly the scenario's 60 s is in time
    assert (turn.index, turn.stage, turn.seconds, turn.slow, turn.emotion_before) == (2, "calm", 60, False, 60)
    assert engine.play(scenario, state, GOOD_CALM, 12.34, rules, "seed").seconds == 12.3
    assert turn.turn_score == round(turn.grade.grade, 1) and turn.grade.report is turn.report
    slow = engine.play(scenario, state, GOOD_CALM, 61, rules, "seed")  # over the scenario's 60 s
    assert slow.slow and slow.turn_score == round(max(0.0, turn.grade.grade - engine.SLOW_PENALTY), 1)


def test_rule_a_repeated_reply_covers_nothing_new(scenario, rules):
    first = engine.play(scenario, engine.start(scenario), "对不起，我们会处理的。", 10, rules, "s")
    again = engine.play(scenario, engine.State("calm", 60, 1), "对不起，我们会处理的。", 10, rules, "s",
                        earlier=("对不起，我们会处理的。",))
    assert [p.covered for p in first.points] == [True]
    assert "repeated" in again.grade.flags
    assert [(p.covered, p.reason) for p in again.points] == [(False, "重复前面的话，不算新答到")]


def test_rule_a_finished_conversation_takes_no_more_replies(scenario, rules):
    with pytest.raises(ValueError) as raised:
        engine.play(scenario, engine.State("calm", 60, 6, outcome="turn_limit"), "好的", 10, rules, "s")
    assert str(raised.value) == "the conversation is over"


def test_rule_scores_and_emotion_stay_between_0_and_100():
    assert (engine._clamp(-5), engine._clamp(105), engine._clamp(42.5)) == (0, 100, 42.5)


def test_rule_with_no_branch_holding_the_last_branch_is_taken(scenario, rules):
    stage = scenario.stage("calm")
    never = Condition(score_at_least=101)
    strict = replace(stage, branches=tuple(replace(b, when=never) for b in stage.branches))
    facts_ = {"text": "好", "report": score("好", "complaint", rules), "points": (), "value": 50.0, "slow": False,
              "emotion": 50}
    assert engine.choose_branch(strict, **facts_) == len(stage.branches) - 1


def test_rule_a_seed_and_turn_always_give_the_same_customer_line(scenario):
    branch_ = scenario.stage("calm").branches[1]  # two lines to choose from
    for i in range(20):
        assert len({engine._line(branch_, f"seed-{i}", 3) for _ in range(5)}) == 1
