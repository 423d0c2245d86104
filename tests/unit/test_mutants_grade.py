"""Rules of trainer.scoring.grade that mutation testing found unguarded (see tests/MUTANTS.md)."""

import pytest

from trainer.scoring.facts import Fact, Facts
from trainer.scoring.grade import Situation, _domain_name, grade_reply
from trainer.scoring.keypoints import KeyPoint


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
    assert graded.parts[1].score == 100.0
