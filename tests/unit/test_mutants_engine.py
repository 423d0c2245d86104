"""Rules of trainer.roleplay.engine that mutation testing found unguarded (see tests/MUTANTS.md)."""

from dataclasses import replace

import pytest

from trainer.content.scenarios import Branch, Condition
from trainer.roleplay import engine
from trainer.roleplay.engine import overall_score, stage_scores
from trainer.scoring.facts import Fact, Facts
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


def test_rule_banned_any_is_met_by_a_minor_phrase_alone(rules):
    assert engine._holds(Condition(banned="any"), **facts(rules, {"text": "喂，您好，请讲。"})) is True


def test_rule_a_list_of_covered_ids_holds_only_when_every_one_is_covered(rules):
    both = Condition(covered=("a", "b"))
    assert engine._holds(both, **facts(rules, {"points": (point("a", True), point("b", False))})) is False
    assert engine._holds(both, **facts(rules, {"points": (point("a", True), point("b", True))})) is True


def test_rule_next_goes_to_the_stage_that_follows(scenario):
    calm, solve = scenario.stages
    three = replace(scenario, stages=(calm, solve, replace(solve, id="thanks")))
    after = engine._next(three, engine.State("calm", 50, 0), calm, branch("next"), 50, frozenset())
    assert (after.stage, after.outcome) == ("solve", None)


VISIT = Facts((Fact("time", 600.0, "师傅上午10点上门", ("上门",)),))
GREETING_ONLY = "礼貌用语 1/3，服务忌语 0；缺少：安抚与承诺、致谢"


def with_facts(scenario):
    calm, solve = scenario.stages
    return replace(scenario, stages=(replace(calm, facts=VISIT), solve))


def parts(turn):
    return [(p.id, p.score, p.reason) for p in turn.grade.parts]


def test_rule_a_turn_is_graded_against_the_stages_facts_goal_and_the_customers_line(scenario, rules):
    leak = with_facts(scenario)
    turn = engine.play(leak, engine.start(leak), "王女士，非常抱歉，维修师傅11点上门。", 10, rules, "s",
                       customer=scenario.opening)
    assert turn.grade.flags == ("contradicts",)
    assert parts(turn) == [
        ("phrases", 70.0, GREETING_ONLY),
        ("key_points", 100.0, "要点 1/1"),
        ("facts", 40.0, "说的时间“11点”与实际不符（师傅上午10点上门）"),
        ("relevance", 0.0, "与客户所说和本环节目标的相关度 14%"),
        ("form", 100.0, "成句，长度合适"),
    ]
    assert turn.turn_score == 50.0


def test_rule_a_turn_is_graded_for_the_scenarios_domain(scenario, rules):
    turn = engine.play(scenario, engine.start(scenario), "对不起，请问您的订单号是多少？", 10, rules, "s",
                       customer=scenario.opening)
    assert turn.grade.flags == ("off_topic",)
    assert parts(turn)[2] == ("relevance", 0.0, "问了“订单号”：这里是物业服务，没有订单信息")


LONG = ("王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。我们的维修师傅已经在路上了，大概半个小时"
        "就能到您家里，到了以后先帮您把楼上的水关掉，再看看您家客厅的天花板和墙面有没有受损，需要赔偿的我们会和楼上的"
        "业主一起商量解决，请您放心。")


def test_rule_a_turn_is_graded_for_the_scenarios_channel_and_scored_to_one_decimal(scenario, rules):
    turn = engine.play(scenario, engine.start(scenario), LONG, 10, rules, "s", customer=scenario.opening)
    assert parts(turn)[-1] == ("form", 91.2, "112 字，电话回复宜在 90 字以内")
    assert turn.turn_score == 81.4


ABOUT_THE_LEAK = "楼上漏水滴到您家客厅了，对不起。"


def test_rule_a_replay_answers_the_opening_line_first(scenario, rules):
    first = engine.replay(scenario, [(ABOUT_THE_LEAK, 10)], rules, "s")[0]
    assert parts(first)[2] == ("relevance", 100.0, "与客户所说和本环节目标的相关度 50%")


def test_rule_without_a_customer_line_a_reply_is_compared_with_the_goal_alone(scenario, rules):
    alone = engine.play(scenario, engine.start(scenario), ABOUT_THE_LEAK, 10, rules, "s")
    assert parts(alone)[2] == ("relevance", 0.0, "与客户所说和本环节目标的相关度 0%")
    placeholder = engine.play(scenario, engine.start(scenario), "您好，我是XX物业客服小王，对不起。", 10, rules, "s")
    assert parts(placeholder)[2] == ("relevance", 0.0, "与客户所说和本环节目标的相关度 0%")


def test_rule_a_repeated_reply_keeps_the_points_covered_before(scenario, rules):
    state = engine.State("calm", 60, 1, covered=frozenset({"sorry"}))
    again = engine.play(scenario, state, "对不起，我们会处理的。", 10, rules, "s", earlier=("对不起，我们会处理的。",))
    assert "repeated" in again.grade.flags
    assert [(p.id, p.covered) for p in again.points] == [("sorry", True)]


def test_rule_a_branch_is_chosen_on_the_customers_emotion_and_the_grades_judgements(scenario, rules):
    calm, solve = scenario.stages
    judged = replace(calm, branches=(
        Branch(when=Condition(emotion_at_least=61), customer=("别急",), emotion=0, then="stay"),
        Branch(when=Condition(repeated=True), customer=("你说过了",), emotion=5, then="stay"),
        Branch(when=None, customer=("嗯",), emotion=0, then="stay"),
    ))
    leak = replace(scenario, stages=(judged, solve))
    turn = engine.play(leak, engine.State("calm", 60, 1), "对不起，我们会处理的。", 10, rules, "s",
                       earlier=("对不起，我们会处理的。",))
    assert (turn.branch, turn.customer, turn.state.emotion) == (1, "你说过了", 65)


def test_rule_a_turns_customer_line_is_drawn_from_the_seed_and_the_turn_number(scenario, rules):
    lines = [engine.play(scenario, engine.State("calm", 60, turns), "喂，您好，请讲。", 10, rules, "s").customer
             for turns in range(6)]
    assert lines == [engine._line(scenario.stage("calm").branches[1], "s", turns) for turns in range(6)]
    assert set(lines) == {"你这么说我更生气了！", "这是客服该说的话吗？"}
