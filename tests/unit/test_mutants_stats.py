"""Rules of trainer.competency.stats that mutation testing found unguarded (see tests/MUTANTS.md)."""

from datetime import datetime, timedelta

import pytest

from trainer.competency import stats
from trainer.competency.stats import EvidencePoint, Mastery

T0 = datetime(2026, 3, 1)
VALUES = [50, 95, 70, 60]  # oldest first; every mastery method gives a different score


def evidence(indicator, values, first_id=1):
    return [EvidencePoint(indicator, v, T0 + timedelta(days=i), id=first_id + i) for i, v in enumerate(values)]


def mixed_points():
    """VALUES for "talk" handed over newest first, among another indicator's records and a superseded one."""
    talk = evidence("talk", VALUES)
    wrong = EvidencePoint("talk", 5, T0 + timedelta(days=9), id=50)
    fixed = EvidencePoint("talk", VALUES[-1], T0 + timedelta(days=9), id=51, supersedes=50)
    # the superseded record is the latest of all, so keeping it would change every field
    return [*evidence("other", [1, 2], first_id=100), *reversed(talk[:-1]), wrong, fixed]


def test_rule_a_standing_keeps_only_its_indicator_in_time_order_without_superseded_records():
    result = stats.standing("talk", mixed_points())
    assert result == stats.Standing(
        indicator="talk",
        count=4,
        latest=60,
        earlier_mean=pytest.approx((50 + 95 + 70) / 3),
        mean=pytest.approx(sum(VALUES) / 4),
        highest=95,
        latest_at=T0 + timedelta(days=9),
    )


def test_rule_a_standing_from_one_record_has_no_earlier_mean_and_none_without_records():
    one = stats.standing("talk", evidence("talk", [42]))
    assert one == stats.Standing("talk", 1, 42, None, 42, 42, T0)
    assert stats.standing("talk", evidence("other", [42])) is None
    assert stats.standing("talk", []) is None


@pytest.mark.parametrize("method", list(Mastery))
def test_rule_score_from_a_standing_equals_mastery_over_all_the_values(method):
    item = stats.standing("talk", evidence("talk", VALUES))
    assert stats.score_from(item, method) == pytest.approx(stats.mastery(VALUES, method))
    assert stats.score_from(item, method, decay_weight=0.3) == pytest.approx(stats.mastery(VALUES, method, 0.3))


def test_rule_score_from_defaults_to_the_decaying_average_with_the_canvas_weight():
    item = stats.standing("talk", evidence("talk", VALUES))
    expected = 0.65 * 60 + 0.35 * (50 + 95 + 70) / 3
    assert stats.score_from(item) == pytest.approx(expected)
    assert stats.score_from(item, Mastery.DECAYING_AVERAGE, 0.5) == pytest.approx(0.5 * 60 + 0.5 * 215 / 3)


def test_rule_score_from_a_single_record_is_that_record_for_every_method():
    item = stats.standing("talk", evidence("talk", [42]))
    for method in Mastery:
        assert stats.score_from(item, method) == 42


def test_rule_weakest_names_three_indicators_by_default():
    combined = {name: 10.0 for name in "abcdef"}
    assert stats.weakest({}, combined) == ["a", "b", "c"]


def test_rule_weakest_weighs_the_gap_by_multiplying_with_the_weight():
    # gap × weight: a = 50 × 10 = 500 beats b = 100 × 4 = 400 (a quotient would put b first)
    assert stats.weakest({"a": 50, "b": 0}, {"a": 10.0, "b": 4.0}, limit=1) == ["a"]


def test_rule_a_fully_mastered_indicator_has_no_gap_whatever_its_weight():
    # a at 100 has nothing left to train, so b (1 point short, tiny weight) comes first
    assert stats.weakest({"a": 100, "b": 99}, {"a": 50.0, "b": 1.0}, limit=2) == ["b", "a"]


def test_rule_an_unmeasured_indicator_counts_exactly_as_a_score_of_zero():
    # equal gaps tie, and ties go by name: "a" (unmeasured) before "b" (scored 0)
    assert stats.weakest({"b": 0}, {"a": 1.0, "b": 1.0}, limit=2) == ["a", "b"]


def test_rule_indicator_scores_name_each_indicator_and_use_the_given_decay_weight():
    result = stats.indicator_scores(evidence("talk", VALUES), Mastery.DECAYING_AVERAGE, 0.5)
    assert result == {
        "talk": stats.IndicatorScore("talk", pytest.approx(0.5 * 60 + 0.5 * 215 / 3), 4, T0 + timedelta(days=3)),
    }
    assert result["talk"].indicator == "talk"


def test_rule_a_model_without_weights_has_no_index_and_zero_coverage():
    assert stats.weighted_index({}, []) == stats.IndexResult(index=None, coverage=0.0, groups={})
    assert stats.weighted_index({"talk": 80}, []) == stats.IndexResult(index=None, coverage=0.0, groups={})


def test_rule_month_series_counts_evidence_made_before_the_month_end_and_uses_the_decay_weight():
    end_march, end_april = datetime(2026, 4, 1), datetime(2026, 5, 1)
    points = [
        EvidencePoint("talk", 50, datetime(2026, 3, 5), id=1),
        EvidencePoint("talk", 90, datetime(2026, 3, 20), id=2),
        EvidencePoint("talk", 70, end_march, id=3),  # made at the very end: belongs to April
    ]
    group = stats.WeightGroup("g", 1.0, (("talk", 1.0, 1.0),))
    series = stats.month_series(points, [("2026-03", end_march), ("2026-04", end_april)], [group],
                                Mastery.DECAYING_AVERAGE, 0.5)
    march = 0.5 * 90 + 0.5 * 50
    april = 0.5 * 70 + 0.5 * (50 + 90) / 2
    assert series == [
        stats.MonthPoint("2026-03", {"talk": pytest.approx(march)}, pytest.approx(march), {"talk": 2}),
        stats.MonthPoint("2026-04", {"talk": pytest.approx(april)}, pytest.approx(april), {"talk": 1}),
    ]
