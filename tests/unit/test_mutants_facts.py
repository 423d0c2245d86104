"""Rules of trainer.scoring.facts that mutation testing found unguarded (see tests/MUTANTS.md)."""

import pytest

from trainer.scoring.facts import Fact, Facts, contradictions
from trainer.scoring.keypoints import KeyPoint

FACTS = Facts(
    values=(Fact("time", 600.0, "电工上午10点到", ("上门", "到")), Fact("amount", 300.0, "滞纳金300元")),
    excludes=(("马上…上门", "师傅约在10点"),),
)
STORED = {
    "values": [
        {"kind": "time", "value": 600.0, "label": "电工上午10点到", "about": ["上门", "到"]},
        {"kind": "amount", "value": 300.0, "label": "滞纳金300元", "about": []},
    ],
    "excludes": [["马上…上门", "师傅约在10点"]],
}


def test_rule_facts_are_stored_as_plain_json_with_these_keys():
    assert FACTS.to_dict() == STORED


def test_rule_stored_facts_read_back_equal():
    assert Facts.from_dict(STORED) == FACTS
    assert Facts.from_dict(FACTS.to_dict()) == FACTS


def test_rule_a_stored_fact_may_leave_out_its_about_words_and_values_are_numbers():
    fact = Fact.from_dict({"kind": "amount", "value": "300", "label": 300})
    assert fact == Fact("amount", 300.0, "300", ())
    assert isinstance(fact.value, float)


def test_rule_stored_facts_may_leave_out_either_part_or_be_empty():
    assert Facts.from_dict({"excludes": [["马上", "约在10点"]]}) == Facts((), (("马上", "约在10点"),))
    assert Facts.from_dict({"values": STORED["values"]}) == Facts(FACTS.values, ())
    assert Facts.from_dict(None) == Facts() == Facts.from_dict({})
    assert not Facts.from_dict(None)


def test_rule_excluded_promises_are_read_as_text():
    assert Facts.from_dict({"excludes": [[30, 10]]}).excludes == (("30", "10"),)


def test_rule_key_points_are_stored_as_plain_json_and_read_back_equal():
    point = KeyPoint("room", "询问房号", ("房号", "门牌"), "ask", "time")
    stored = {"id": "room", "label": "询问房号", "phrases": ["房号", "门牌"], "act": "ask", "needs": "time"}
    assert point.to_dict() == stored
    assert KeyPoint.from_dict(stored) == point
    assert KeyPoint.from_dict({"id": "room", "label": "询问房号", "phrases": ["房号"]}) == KeyPoint(
        "room", "询问房号", ("房号",)
    )


VISIT = Facts((Fact("time", 600.0, "师傅上午10点上门", ("上门",)),))


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        ("师傅10点01分上门", "10点01分"),  # a minute off is another time
        ("师傅6点上门", "6点"),  # 06:00 or 18:00, neither is 10:00
        ("师傅11点上门。我们2点前回电话。", "11点"),  # the visit's own sentence is compared
    ],
)
def test_rule_a_time_that_differs_from_the_fact_contradicts_it(reply, said):
    assert [c.said for c in contradictions(reply, VISIT)] == [said]


@pytest.mark.parametrize(
    "reply",
    [
        "师傅10点上门",
        "我们2点前回电话。师傅10点上门。",  # 2点 is about the call back, not the visit
        "师傅10点上门。我们2点前回电话。",
        "好的。师傅会上门。我们2点前回电话。",  # the about word two sentences back does not count
    ],
)
def test_rule_only_values_in_a_sentence_about_the_fact_are_compared(reply):
    assert contradictions(reply, VISIT) == []


def test_rule_a_clock_time_without_am_or_pm_may_mean_either_half_of_the_day():
    water = Facts((Fact("time", 1080.0, "18:00恢复供水"),))
    assert contradictions("六点前恢复", water) == []
    assert [c.said for c in contradictions("6点01分恢复", water)] == ["6点01分"]
    midnight = Facts((Fact("time", 30.0, "凌晨0:30停水"),))
    assert contradictions("十二点半停水", midnight) == []


@pytest.mark.parametrize(
    "reply",
    [
        "上门时间是11点",  # the about word opens the text
        "好的。上门时间是11点",  # ... or the sentence
        "好的。师傅11点上门",  # a sentence mark before the value does not end its sentence
        "我们2点前回电话。师傅11点上门。",  # a value that is not about the fact does not stop the search
    ],
)
def test_rule_the_sentence_of_a_value_runs_from_the_mark_before_it_to_the_mark_after_it(reply):
    assert [(c.said, c.reason) for c in contradictions(reply, VISIT)] == [
        ("11点", "说的时间“11点”与实际不符（师傅上午10点上门）")]


def test_rule_one_contradiction_per_fact_kind():
    assert [c.said for c in contradictions("师傅11点上门，或者12点上门", VISIT)] == ["11点"]


def test_rule_a_contradiction_names_every_fact_of_its_kind():
    two = Facts((Fact("time", 600.0, "电工10点到"), Fact("time", 900.0, "水工15点到")))
    assert [c.reason for c in contradictions("11点到", two)] == ["说的时间“11点”与实际不符（电工10点到；水工15点到）"]


def test_rule_an_excluded_promise_allows_a_gap_of_six_characters_and_reports_what_was_said():
    promise = Facts(excludes=(("马上…上门", "师傅约在10点"),))
    assert [(c.said, c.reason) for c in contradictions("好，马上派一位师傅去上门", promise)] == [
        ("马上派一位师傅去上门", "“马上派一位师傅去上门”与实际不符（师傅约在10点）")]
    assert contradictions("马上安排一位师傅去上门", promise) == []
