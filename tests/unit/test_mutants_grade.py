"""Rules of trainer.scoring.grade that mutation testing found unguarded (see tests/MUTANTS.md)."""

from dataclasses import replace

import pytest

from trainer.scoring.facts import Fact, Facts
from trainer.scoring.grade import Situation, _domain_name, grade_reply
from trainer.scoring.keypoints import KeyPoint, PointResult


@pytest.mark.parametrize(
    ("domain", "name"),
    [("property", "物业服务"), ("utility", "公用事业热线"), ("ecommerce", "电商客服"), ("hotel", "hotel"),
     (None, "这里"), ("", "这里")],
)
def test_rule_an_off_topic_reason_names_the_domain_in_words(domain, name):
    assert _domain_name(domain) == name


def test_rule_a_grade_is_stored_with_its_points_and_contradictions_under_these_keys(rules):
    room = KeyPoint("room", "询问房号", ("房号", "几栋"))
    name = KeyPoint("name", "询问姓名", ("贵姓",))
    facts = Facts((Fact("time", 600.0, "电工上午10点到"),))
    text = "您好，请问您家是几栋几号？电工下午两点到。"
    graded = grade_reply(text, "complaint", rules, Situation(key_points=(room, name), facts=facts))
    stored = graded.to_dict()
    assert stored["grade"] == graded.grade and stored["passed"] is graded.passed
    assert stored["phrase_score"] == graded.report.score
    covered, missed = stored["key_points"]
    start = text.index("几栋")
    assert covered == {"id": "room", "label": "询问房号", "covered": True, "matched": "几栋",
                       "start": start, "end": start + 2, "reason": ""}
    assert missed == {"id": "name", "label": "询问姓名", "covered": False, "matched": "",
                      "start": -1, "end": -1, "reason": missed["reason"]}
    assert stored["contradictions"] == [{"said": c.said, "reason": c.reason} for c in graded.contradictions]
    assert stored["contradictions"][0]["said"] == "下午2点"


ROOM = KeyPoint("room", "询问房号", ("房号", "几栋"), "ask")
TIME = KeyPoint("time", "给出时间", ("分钟内", "小时内"), "state", "time")
LEAK = Situation(key_points=(ROOM, TIME), facts=Facts((Fact("time", 600.0, "电工上午10点到"),)),
                 references=("楼上漏水滴到客厅，请尽快派人上门维修",), domain="property", channel="phone",
                 earlier=("您好，我们马上处理。",))
WEIGHTS = {"phrases": 25.0, "key_points": 35.0, "facts": 5.0, "relevance": 25.0, "form": 10.0}

# (reply, grade, passed, flags, [(part, score, reason)]) as the repository's settings give them
GRADED = [
    (
        '您好，非常抱歉，请问您家是几栋？电工下午两点到。',
        47.0, False, ('contradicts',),
        [
            ('phrases', 70.0, '礼貌用语 1/3，服务忌语 0；缺少：安抚与承诺、致谢'),
            ('key_points', 50.0, '要点 1/2；给出时间：没有提到'),
            ('facts', 40.0, '说的时间“下午2点”与实际不符（电工上午10点到）'),
            ('relevance', 0.0, '与客户所说和本环节目标的相关度 0%'),
            ('form', 100.0, '成句，长度合适'),
        ],
    ),
    (
        '您好，我们马上处理。',
        0.0, False, ('off_topic', 'repeated'),
        [
            ('phrases', 70.0, '礼貌用语 1/3，服务忌语 0；缺少：致歉、致谢'),
            ('key_points', 0.0, '要点 0/2；询问房号：没有提到；给出时间：没有提到'),
            ('facts', 100.0, '没有与事实不符的说法'),
            ('relevance', 0.0, '与客户所说和本环节目标的相关度 0%，没有回应客户说的事'),
            ('form', 100.0, '和前面的回复几乎一样，客户已经听过了'),
        ],
    ),
    (
        '有本事你去告！',
        15.0, False, ('critical', 'off_topic'),
        [
            ('phrases', 15.0, '礼貌用语 0/3，服务忌语 1；缺少：致歉、安抚与承诺、致谢；忌语：「有本事你去告」'),
            ('key_points', 0.0, '要点 0/2；询问房号：没有提到；给出时间：没有提到'),
            ('facts', 100.0, '没有与事实不符的说法'),
            ('relevance', 0.0, '与客户所说和本环节目标的相关度 0%，没有回应客户说的事'),
            ('form', 100.0, '成句，长度合适'),
        ],
    ),
    (
        '您好，请问您的订单号是多少？',
        28.8, False, ('off_topic',),
        [
            ('phrases', 55.0, '礼貌用语 0/3，服务忌语 0；缺少：致歉、安抚与承诺、致谢'),
            ('key_points', 0.0, '要点 0/2；询问房号：没有提到；给出时间：没有提到'),
            ('facts', 100.0, '没有与事实不符的说法'),
            ('relevance', 0.0, '问了“订单号”：这里是物业服务，没有订单信息'),
            ('form', 100.0, '成句，长度合适'),
        ],
    ),
    (
        '您好，非常抱歉给您添麻烦了，请问您家是几栋几号？维修师傅30分钟内上门维修，请您放心，谢谢。',
        79.6, True, (),
        [
            ('phrases', 100.0, '礼貌用语 3/3，服务忌语 0'),
            ('key_points', 100.0, '要点 2/2'),
            ('facts', 100.0, '没有与事实不符的说法'),
            ('relevance', 18.4, '与客户所说和本环节目标的相关度 21%'),
            ('form', 100.0, '成句，长度合适'),
        ],
    ),
]


@pytest.mark.parametrize(("text", "grade", "passed", "flags", "parts"), GRADED)
def test_rule_a_grade_is_its_parts_weighted_capped_by_its_flags_and_each_part_says_why(
        rules, text, grade, passed, flags, parts):
    graded = grade_reply(text, "complaint", rules, LEAK)
    assert [(p.id, p.score, p.reason) for p in graded.parts] == parts
    assert {p.id: p.weight for p in graded.parts} == WEIGHTS == rules.scoring.grade.weights
    assert (graded.grade, graded.passed, graded.flags) == (grade, passed, flags)
    if not flags:  # no cap: the weighted mean
        assert graded.grade == round(sum(p.score * p.weight for p in graded.parts) / sum(WEIGHTS.values()), 1)


def test_rule_a_key_point_covered_by_an_earlier_reply_counts_as_covered(rules):
    graded = grade_reply("您好，非常抱歉，请问您家是几栋？", "complaint", rules,
                         Situation(key_points=(ROOM, TIME), already_covered=frozenset({"time"})))
    assert [(p.id, p.covered, p.reason) for p in graded.points] == [("room", True, ""),
                                                                     ("time", True, "前面的回复已经说到")]
    assert graded.points[1] == PointResult("time", "给出时间", True, reason="前面的回复已经说到")
    assert graded.parts[1].score == 100.0


NAME = KeyPoint("name", "询问姓名", ("贵姓",), "ask")
GOOD = "您好，非常抱歉给您添麻烦了，请问您家是几栋几号？维修师傅30分钟内上门维修，请您放心，谢谢。"
ORDER = GOOD.replace("几栋几号？", "几栋几号？订单号是多少？")  # an ecommerce question to a property owner
WRONG = GOOD.replace("30分钟内", "下午两点")  # the electrician comes at 10
AT_TEN = Facts((Fact("time", 600.0, "电工上午10点到"),))


def _grading(rules, scoring=None, **grade):
    """The repository's rules with some scoring settings (scoring.yaml) or grade settings changed."""
    changed = replace(rules.scoring, **(scoring or {}), grade=replace(rules.scoring.grade, **grade))
    return replace(rules, scoring=changed)


def test_rule_every_part_has_the_label_a_supervisor_reads(rules):
    graded = grade_reply(GOOD, "complaint", rules, LEAK)
    assert [(p.id, p.label) for p in graded.parts] == [
        ("phrases", "礼貌用语与服务忌语"), ("key_points", "要点"), ("facts", "事实"), ("relevance", "切题"),
        ("form", "表达")]
    assert [p["label"] for p in graded.to_dict()["parts"]] == [p.label for p in graded.parts]


def test_rule_the_key_points_part_is_the_share_covered_to_one_decimal(rules):
    graded = grade_reply(GOOD, "complaint", rules, Situation(key_points=(ROOM, TIME, NAME)))
    assert (graded.parts[1].score, graded.parts[1].reason) == (66.7, "要点 2/3；询问姓名：没有提到")
    assert (graded.grade, graded.passed) == (83.3, True)  # two of three is enough (key_points_pass 0.66)


def test_rule_without_key_points_a_grade_has_no_point_results(rules):
    graded = grade_reply("您好，我们马上处理。", None, rules)
    assert graded.points == ()
    assert [p.id for p in graded.parts] == ["phrases", "form"]
    assert (graded.grade, graded.passed, graded.repeated_of) == (100.0, True, None)


def test_rule_a_key_point_is_covered_only_where_its_words_do_its_act(rules):
    graded = grade_reply("房号我们记下了。", None, rules, Situation(key_points=(ROOM,)))
    assert graded.points == (PointResult("room", "询问房号", False, reason="提到了“房号”，但没有向客户询问"),)
    assert graded.parts[1].score == 0.0


def test_rule_each_contradiction_costs_the_fact_penalty_down_to_zero_and_is_listed(rules):
    facts = Facts(AT_TEN.values, (("上门维修", "师傅约在10点"),))
    graded = grade_reply(WRONG, "complaint", rules, Situation(facts=facts))
    assert (graded.parts[1].id, graded.parts[1].score) == ("facts", 0.0)  # two times 60 off
    assert graded.parts[1].reason == ("说的时间“下午2点”与实际不符（电工上午10点到）；"
                                      "“上门维修”与实际不符（师傅约在10点）")
    assert (graded.grade, graded.flags) == (50.0, ("contradicts",))


def test_rule_relevance_earns_at_most_full_marks(rules):
    reference = "楼上漏水滴到客厅，请尽快派人上门维修"
    graded = grade_reply(reference, None, rules, Situation(references=(reference,)))
    assert (graded.parts[1].id, graded.parts[1].score) == ("relevance", 100.0)
    assert graded.grade == 100.0


def test_rule_a_reply_at_the_relevance_floor_that_covers_no_point_answers_something_else(rules):
    at_zero = _grading(rules, relevance_floor=0.0)
    graded = grade_reply("您好，我们马上处理。", None, at_zero, Situation(key_points=(ROOM,), references=("楼上漏水",)))
    assert graded.parts[2].reason == "与客户所说和本环节目标的相关度 0%，没有回应客户说的事"
    assert graded.flags == ("off_topic",)


def test_rule_a_long_keyword_list_scores_no_form_and_says_both_why(rules):
    graded = grade_reply("抱歉 放心 房号 电话 马上 主管 " * 8, None, rules, Situation(channel="phone"))
    form = graded.parts[-1]
    assert (form.id, form.score) == ("form", 0.0)
    assert form.reason == "只是一串词，不成句子；96 字，电话回复宜在 90 字以内"
    assert (graded.grade, graded.flags) == (20.0, ("not_a_sentence",))  # 96 is a little long: not too_long


@pytest.mark.parametrize(
    ("channel", "length", "score", "reason", "flags"),
    [
        ("phone", 96, 97.6, "96 字，电话回复宜在 90 字以内", ()),
        ("phone", 125, 86.0, "125 字，电话回复宜在 90 字以内", ()),  # halfway to the limit is still a little long
        ("phone", 126, 85.6, "126 字，电话回复宜在 90 字以内", ("too_long",)),
        ("fax", 170, 96.0, "170 字，fax回复宜在 160 字以内", ()),  # a channel without a name is shown as it is
    ],
)
def test_rule_a_long_reply_loses_form_points_and_past_halfway_to_the_limit_is_too_long(
        rules, channel, length, score, reason, flags):
    graded = grade_reply("好" * length, None, rules, Situation(channel=channel))
    assert (graded.parts[-1].score, graded.parts[-1].reason, graded.flags) == (score, reason, flags)
    assert graded.passed is True  # too long costs points, it does not fail a reply


def test_rule_several_banned_phrases_are_all_named(rules):
    graded = grade_reply("你是谁？干什么的？", None, rules)
    assert graded.parts[0].reason == "礼貌用语 0/0，服务忌语 2；忌语：「你是谁」、「干什么的」"


@pytest.mark.parametrize(
    ("text", "situation", "grade", "flag"),
    [
        (ORDER, Situation(key_points=(ROOM, TIME), domain="property"), 40.0, "off_topic"),
        (WRONG, Situation(facts=AT_TEN), 50.0, "contradicts"),
    ],
    ids=["off_topic", "contradicts"],
)
def test_rule_a_flagged_reply_is_capped_however_good_its_parts(rules, text, situation, grade, flag):
    graded = grade_reply(text, "complaint", rules, situation)
    assert (graded.grade, graded.passed, graded.flags) == (grade, False, (flag,))
    assert sum(p.score * p.weight for p in graded.parts) / sum(p.weight for p in graded.parts) > 60


@pytest.mark.parametrize(
    ("text", "script", "situation", "grade", "flag"),
    [
        (ORDER, "complaint", Situation(key_points=(ROOM, TIME), domain="property"), 73.7, "off_topic"),
        (WRONG, "complaint", Situation(facts=AT_TEN), 92.5, "contradicts"),
        (GOOD, "complaint", Situation(earlier=("别的话", GOOD)), 100.0, "repeated"),
        ("抱歉 放心 房号 电话", None, Situation(), 71.4, "not_a_sentence"),
    ],
    ids=["off_topic", "contradicts", "repeated", "not_a_sentence"],
)
def test_rule_a_flagged_reply_fails_even_when_its_cap_would_let_it_pass(rules, text, script, situation, grade, flag):
    uncapped = _grading(rules, off_topic_cap=100.0, fragment_cap=100.0, repeat_cap=100.0, contradiction_cap=100.0)
    graded = grade_reply(text, script, uncapped, situation)
    assert (graded.grade, graded.flags, graded.report.passed) == (grade, (flag,), True)
    assert graded.passed is False


def test_rule_a_repeated_reply_names_the_earlier_reply_it_repeats(rules):
    graded = grade_reply(GOOD, "complaint", rules, Situation(earlier=("别的话", GOOD)))
    assert (graded.repeated_of, graded.grade, graded.flags) == (GOOD, 0.0, ("repeated",))


def test_rule_a_reply_must_cover_enough_key_points_to_pass_and_the_setting_itself_is_enough(rules):
    half = Situation(key_points=(ROOM, NAME))  # the room is asked, the name is not
    graded = grade_reply(GOOD, "complaint", rules, half)
    assert (graded.grade, graded.report.passed, graded.flags, graded.passed) == (75.0, True, (), False)
    stored = graded.to_dict()
    assert (stored["passed"], stored["phrase_score"]) == (False, 100.0)  # the grade's verdict, not the phrases'
    assert grade_reply(GOOD, "complaint", _grading(rules, key_points_pass=0.5), half).passed is True


def test_rule_a_grade_exactly_at_the_pass_line_passes(rules):
    strict = _grading(rules, scoring={"pass_line": 100.0})
    graded = grade_reply("您好，我们马上处理。", None, strict)
    assert (graded.grade, graded.report.passed, graded.passed) == (100.0, True, True)
