"""Rules of trainer.scoring.keypoints that mutation testing found unguarded (see tests/MUTANTS.md)."""

import pytest

from trainer.scoring.keypoints import KeyPoint, PointResult, cover, coverage

POINTS = (
    KeyPoint("time", "给出时间", ("上门",), None, "time"),  # no act: needs a time, said as a statement
    KeyPoint("t2", "时间", ("上门",), "state", "time"),
    KeyPoint("room", "询问房号", ("房号",), "ask"),
    KeyPoint("plain", "提到维修", ("维修",)),
    KeyPoint("st", "说明", ("房号",), "state"),
)


@pytest.mark.parametrize(
    ("text", "results"),
    [
        ("师傅尽快上门维修。您的房号?", (
            PointResult("time", "给出时间", False, reason="提到了“上门”，但没有说出具体的时间"),
            PointResult("t2", "时间", False, reason="提到了“上门”，但没有说出具体的时间"),
            PointResult("room", "询问房号", True, "房号", 11, 13),
            PointResult("plain", "提到维修", True, "维修", 6, 8),
            PointResult("st", "说明", False, reason="提到了“房号”，但没有明确告诉客户"),
        )),
        ("您的 房号是多少?师傅30分钟内上门维修。", (  # offsets are the original text's, space included
            PointResult("time", "给出时间", True, "上门", 16, 18),
            PointResult("t2", "时间", True, "上门", 16, 18),
            PointResult("room", "询问房号", True, "房号", 3, 5),
            PointResult("plain", "提到维修", True, "维修", 18, 20),
            PointResult("st", "说明", False, reason="提到了“房号”，但没有明确告诉客户"),
        )),
        ("房号我们记下了。", (
            PointResult("time", "给出时间", False),
            PointResult("t2", "时间", False),
            PointResult("room", "询问房号", False, reason="提到了“房号”，但没有向客户询问"),
            PointResult("plain", "提到维修", False),
            PointResult("st", "说明", True, "房号", 0, 2),
        )),
    ],
)
def test_rule_a_point_is_covered_where_its_words_do_its_act_and_says_why_not(rules, text, results):
    assert cover(text, POINTS, rules.scoring.grade.markers) == results


def test_rule_coverage_is_the_share_covered_and_full_without_points():
    assert coverage(()) == 1.0
    assert coverage((PointResult("a", "a", True), PointResult("b", "b", False))) == 0.5


def test_rule_a_phrase_that_matches_no_character_covers_nothing(rules):
    nothing = KeyPoint("nothing", "空", ("",))
    missed = (PointResult("nothing", "空", False),)
    assert cover("您好，请问您家是几栋？", (nothing,)) == missed
    assert cover("您好，请问您家是几栋？", (nothing,), rules.scoring.grade.markers) == missed
