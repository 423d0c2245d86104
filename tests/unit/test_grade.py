"""A reply's grade (trainer/scoring/grade.py) and its parts: acts, facts, relevance and domain, form — each rule
named in its test, with the gamed replies of the issue that must fail and plain good replies that must pass."""

from __future__ import annotations

import pytest

from trainer.scoring.acts import has_time, performs
from trainer.scoring.facts import Fact, Facts, contradictions
from trainer.scoring.form import is_fragment_list, length_penalty, repeats
from trainer.scoring.grade import Situation, grade_reply
from trainer.scoring.keypoints import KeyPoint, cover
from trainer.scoring.normalize import normalize
from trainer.scoring.numbers import arabic, parse_fact_value, quantities

LEAK = ("了解漏水情况并安排维修", "楼上漏水滴到我家客厅了，你们管不管？")


@pytest.fixture(scope="module")
def points(rules):
    time, room = rules.vocabulary("time_commitment"), rules.vocabulary("room")
    return (KeyPoint("time", "给出时间承诺", time.phrases, time.act, time.needs),
            KeyPoint("room", "询问房号", room.phrases, "ask"))


def _grade(rules, text, points=(), **situation):
    return grade_reply(text, situation.pop("script", "complaint"), rules, Situation(key_points=points, **situation))


# --- numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, kind, value", [
    ("上午十点", "time", 600), ("10:30", "time", 630), ("十点半", "time", 630), ("下午3点20分", "time", 920),
    ("三百元", "amount", 300), ("300块", "amount", 300), ("两个小时", "duration", 120), ("30分钟", "duration", 30),
])
def test_rule_numbers_are_compared_as_values_whatever_their_spelling(text, kind, value):
    found = [q for q in quantities(text) if q.kind == kind]
    assert [q.value for q in found] == [value]


def test_rule_a_lone_yi_in_a_word_is_not_a_number():
    assert arabic("稍等一下，统一处理") == "稍等一下,统一处理"
    assert arabic("一个小时") == "1个小时"


@pytest.mark.parametrize("kind, raw, value", [("time", "10:00", 600), ("amount", 300, 300.0),
                                              ("duration", "2小时", 120), ("time", "明天", None),
                                              ("duration", "2", None), ("amount", True, None)])
def test_rule_fact_values_parse_or_are_refused(kind, raw, value):
    assert parse_fact_value(kind, raw) == value


# --- acts --------------------------------------------------------------------------------------------------


def _act(rules, act, text, word, needs=None):
    norm = normalize(text).text
    start = norm.index(word)
    return performs(act, norm, start, start + len(word), rules.scoring.grade.markers, needs=needs)


@pytest.mark.parametrize("act, text, word, expected", [
    ("ask", "请问您家是几栋？", "几栋", True),
    ("ask", "房号我们已经记下了。", "房号", False),
    ("ask", "麻烦您提供一下房号", "房号", True),
    ("state", "我们30分钟内上门。", "上门", True),
    ("state", "什么时候上门？", "上门", False),
    ("instruct", "请您先关闭总阀门", "总阀门", True),
    ("instruct", "总阀门在厨房", "总阀门", False),
    ("acknowledge", "下这么大雨还被拦在外面，真是委屈您了", "被拦在外面", True),
    ("acknowledge", "您被拦在外面了", "被拦在外面", False),
    ("offer", "我们可以为您减免这个月的滞纳金", "滞纳金", True),
    ("offer", "滞纳金是规定", "滞纳金", False),
])
def test_rule_a_key_point_act_is_checked_where_its_words_are(rules, act, text, word, expected):
    assert _act(rules, act, text, word) is expected


@pytest.mark.parametrize("text, expected", [("30分钟内到", True), ("两个小时内", True), ("10:30前", True),
                                            ("今天下午", True), ("马上到", False), ("尽快处理", False)])
def test_rule_a_time_commitment_needs_a_number_with_a_unit_or_a_dated_word(rules, text, expected):
    assert has_time(normalize(text).text, rules.scoring.grade.markers) is expected


def test_rule_covering_a_point_needs_its_act_and_says_why_not(rules, points):
    results = cover("房号我们记下了，马上处理。", points, rules.scoring.grade.markers)
    assert [r.covered for r in results] == [False, False]
    assert "没有向客户询问" in results[1].reason
    asked = cover("请问您家是哪一栋？半小时内上门。", points, rules.scoring.grade.markers)
    assert [r.covered for r in asked] == [True, True]


# --- facts -------------------------------------------------------------------------------------------------


ELECTRICIAN = Facts((Fact("time", 600, "电工上午10点到"),), (("30分钟…上门", "电工已约好上午10点上门"),))


def test_rule_a_different_time_contradicts_the_facts():
    found = contradictions("电工下午两点到。", ELECTRICIAN)
    assert len(found) == 1 and "与实际不符" in found[0].reason and "电工上午10点到" in found[0].reason
    assert contradictions("电工上午十点到，请您放心。", ELECTRICIAN) == []


def test_rule_a_promise_the_situation_rules_out_contradicts():
    assert "电工已约好上午10点上门" in contradictions("我们30分钟内安排师傅上门。", ELECTRICIAN)[0].reason


def test_rule_amounts_are_compared_after_folding_numerals():
    fee = Facts((Fact("amount", 300, "滞纳金 300 元"),))
    assert contradictions("滞纳金是三百元", fee) == []
    assert contradictions("滞纳金是五百元", fee)


# --- form --------------------------------------------------------------------------------------------------


def test_rule_a_keyword_list_is_not_a_sentence(rules):
    settings = rules.scoring.grade.form
    assert is_fragment_list("抱歉 理解 放心 房号 电话 马上 主管 回复 谢谢", settings)
    assert is_fragment_list("抱歉，放心，房号，电话，马上", settings)
    assert not is_fragment_list("非常抱歉，请问您的房号？我们马上处理。", settings)


def test_rule_length_bands_come_from_the_channel(rules):
    settings = rules.scoring.grade.form
    short = "好的，我们三十分钟内上门。"
    assert length_penalty(short, "phone", settings)[0] == 0
    long_reply = "非常抱歉给您添麻烦了" * 12
    penalty, length, band = length_penalty(long_reply, "phone", settings)
    assert length == 120 and band == settings.length_bands["phone"] and penalty > 0
    assert length_penalty(long_reply, "chat", settings)[0] == 0


def test_rule_a_near_duplicate_of_an_earlier_reply_is_a_repetition(rules):
    settings = rules.scoring.grade.form
    earlier = ("非常抱歉给您添麻烦了，我们马上处理。",)
    assert repeats("非常抱歉给您添麻烦了，我们马上处理！", earlier, settings) == earlier[0]
    assert repeats("请问您家是几栋几单元？", earlier, settings) is None


# --- the grade ---------------------------------------------------------------------------------------------


def test_rule_a_good_reply_in_its_own_words_passes(rules, points):
    reply = "真不好意思，漏水这么急，您家是哪一栋哪一户？我这就派人，半小时内到，您别担心，谢谢您。"
    graded = _grade(rules, reply, points, references=LEAK, domain="property", channel="phone")
    assert graded.passed and graded.flags == ()
    assert {p.id for p in graded.parts} == {"phrases", "key_points", "relevance", "form"}


def test_rule_a_keyword_list_fails_as_not_a_sentence(rules, points):
    graded = _grade(rules, "抱歉 理解 放心 房号 电话 马上 主管 回复 谢谢", points, references=LEAK)
    assert not graded.passed and "not_a_sentence" in graded.flags
    assert graded.grade <= rules.scoring.grade.fragment_cap


def test_rule_asking_a_property_owner_for_an_order_number_is_off_topic(rules, points):
    graded = _grade(rules, "非常抱歉，请您放心，请问您的房号和订单号是多少？我们2小时内回复您，谢谢。", points,
                    references=LEAK, domain="property")
    assert not graded.passed and "off_topic" in graded.flags
    relevance = next(p for p in graded.parts if p.id == "relevance")
    assert "订单号" in relevance.reason and "物业服务" in relevance.reason


def test_rule_an_unrelated_reply_is_off_topic(rules, points):
    graded = _grade(rules, "您好，我们推出了新的宽带套餐，每月只要九十九元，感谢您的支持，请您放心。", points,
                    references=LEAK, domain="property")
    assert "off_topic" in graded.flags and not graded.passed


def test_rule_the_issues_practice_fragment_fails_on_its_facts(rules):
    """“我们会在30分钟内安排师傅上门…10点” for an owner whose electrician comes at 10 used to score 100."""
    time = rules.vocabulary("time_commitment")
    progress = (KeyPoint("progress", "告知进展", time.phrases, "state", "time"),)
    graded = _grade(rules, "我们会在30分钟内安排师傅上门，请您放心。已经联系，10点", progress, script="repair",
                    facts=ELECTRICIAN, references=("业主想知道电工什么时候到",))
    assert "contradicts" in graded.flags and not graded.passed
    assert "电工已约好上午10点上门" in next(p for p in graded.parts if p.id == "facts").reason


def test_rule_a_repeated_reply_earns_nothing(rules, points):
    text = "非常抱歉给您添麻烦了，请问您家是几栋？我们半小时内上门，谢谢您，请您放心。"
    graded = _grade(rules, text, points, references=LEAK, earlier=(text,))
    assert graded.grade == rules.scoring.grade.repeat_cap and "repeated" in graded.flags and not graded.passed


def test_rule_a_long_spoken_reply_is_penalised_as_too_long(rules):
    text = "非常抱歉给您添麻烦了，请您放心，我们一定会认真处理您反映的问题。" * 6
    graded = _grade(rules, text, channel="phone")
    assert "too_long" in graded.flags
    assert next(p for p in graded.parts if p.id == "form").score < 100


def test_rule_free_practice_reports_phrase_compliance_as_what_it_is(rules):
    graded = _grade(rules, "非常抱歉，请您放心，谢谢您的反映。")
    phrases = next(p for p in graded.parts if p.id == "phrases")
    assert phrases.reason.startswith("礼貌用语 3/3，服务忌语 0")
    assert [p.id for p in graded.parts] == ["phrases", "form"]


def test_rule_every_part_of_the_grade_is_in_the_report(rules, points):
    report = _grade(rules, "请问您家是几栋？半小时内上门。", points, references=LEAK).to_dict()
    assert {"grade", "passed", "parts", "flags", "key_points", "contradictions", "phrase_score"} <= set(report)
    assert all({"id", "label", "score", "weight", "reason"} <= set(p) for p in report["parts"])
