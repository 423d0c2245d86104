from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainer.competency import stats
from trainer.competency.stats import EvidencePoint, Mastery, WeightGroup

T0 = datetime(2026, 1, 1)


def points(indicator, values):
    return [EvidencePoint(indicator, v, T0 + timedelta(days=i), id=i + 1) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (Mastery.MOST_RECENT, 90),
        (Mastery.HIGHEST, 90),
        (Mastery.MEAN, 70),
        # Canvas-style decaying average: 65 % latest + 35 % mean of the earlier results.
        (Mastery.DECAYING_AVERAGE, 0.65 * 90 + 0.35 * 60),
    ],
)
def test_mastery_methods(method, expected):
    assert stats.mastery([50, 70, 90], method) == pytest.approx(expected)


def test_single_value_and_empty():
    for method in Mastery:
        assert stats.mastery([42], method) == 42
        assert stats.mastery([], method) is None


def test_decay_weight_is_a_parameter():
    assert stats.mastery([0, 100], Mastery.DECAYING_AVERAGE, decay_weight=0.5) == 50


def test_highest_differs_from_most_recent():
    assert stats.mastery([95, 40], Mastery.HIGHEST) == 95
    assert stats.mastery([95, 40], Mastery.MOST_RECENT) == 40


def test_indicator_scores_order_by_time_not_input_order():
    shuffled = list(reversed(points("communication", [50, 70, 90])))
    result = stats.indicator_scores(shuffled, Mastery.MOST_RECENT)
    assert result["communication"].score == 90
    assert result["communication"].count == 3
    assert result["communication"].latest_at == T0 + timedelta(days=2)


def test_superseded_evidence_is_ignored():
    original = EvidencePoint("teamwork", 30, T0, id=1)
    correction = EvidencePoint("teamwork", 80, T0 + timedelta(days=1), id=2, supersedes=1)
    result = stats.indicator_scores([original, correction], Mastery.MEAN)
    assert result["teamwork"].score == 80
    assert result["teamwork"].count == 1


GROUPS = [
    WeightGroup("a", 60.0, (("a1", 50.0, 30.0), ("a2", 50.0, 30.0))),
    WeightGroup("b", 40.0, (("b1", 100.0, 40.0),)),
]


def test_weighted_index_full_coverage():
    result = stats.weighted_index({"a1": 100, "a2": 50, "b1": 0}, GROUPS)
    # combined weights: a1 30, a2 30, b1 40 -> (3000 + 1500 + 0) / 100
    assert result.index == pytest.approx(45)
    assert result.coverage == pytest.approx(1)
    assert result.groups == {"a": pytest.approx(75), "b": pytest.approx(0)}


def test_weighted_index_renormalises_over_measured_indicators():
    result = stats.weighted_index({"a1": 80}, GROUPS)
    assert result.index == pytest.approx(80)
    assert result.coverage == pytest.approx(0.30)
    assert result.groups["b"] is None


def test_weighted_index_without_evidence():
    result = stats.weighted_index({}, GROUPS)
    assert result.index is None
    assert result.coverage == 0


def test_weakest_prefers_heavy_low_indicators():
    combined = {"a1": 30, "a2": 30, "b1": 40}
    assert stats.weakest({"a1": 90, "a2": 40, "b1": 60}, combined, limit=2) == ["a2", "b1"]
    # Unmeasured counts as 0, so it comes first when its weight is comparable.
    assert stats.weakest({"a1": 90, "a2": 40}, combined, limit=1) == ["b1"]


@given(st.dictionaries(st.sampled_from(["a1", "a2", "b1"]), st.floats(0, 100), min_size=1))
def test_index_lies_between_lowest_and_highest_score(scores):
    result = stats.weighted_index(scores, GROUPS)
    assert min(scores.values()) - 1e-9 <= result.index <= max(scores.values()) + 1e-9
    assert 0 < result.coverage <= 1


@given(st.lists(st.floats(0, 100), min_size=1, max_size=30), st.sampled_from(list(Mastery)))
def test_mastery_stays_within_range(values, method):
    value = stats.mastery(values, method)
    assert min(values) - 1e-9 <= value <= max(values) + 1e-9


def test_month_series_carries_standings_forward_and_counts_each_month():
    groups = [WeightGroup("g", 100, (("a", 50, 50.0), ("b", 50, 50.0)))]
    jan, feb, mar, apr = (datetime(2026, m, 1) for m in (2, 3, 4, 5))
    points = [EvidencePoint("a", 40, datetime(2026, 1, 5), 1), EvidencePoint("a", 80, datetime(2026, 2, 9), 2),
              EvidencePoint("b", 60, datetime(2026, 2, 20), 3),
              EvidencePoint("a", 100, datetime(2026, 4, 2), 4, supersedes=2)]  # a correction of February's
    series = stats.month_series(points, [("2026-01", jan), ("2026-02", feb), ("2026-03", mar), ("2026-04", apr)],
                                groups, Mastery.MOST_RECENT)
    assert [p.month for p in series] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [p.scores.get("a") for p in series] == [40, 80, 80, 100]
    assert [p.scores.get("b") for p in series] == [None, 60, 60, 60]
    assert [dict(p.evidence) for p in series] == [{"a": 1}, {"a": 1, "b": 1}, {}, {"a": 1}]
    assert series[0].index == 40 and series[1].index == 70 and series[3].index == 80


@given(st.lists(st.tuples(st.sampled_from("ab"), st.floats(0, 100), st.integers(0, 120)), max_size=30))
def test_month_series_last_point_equals_scores_of_everything(items):
    groups = [WeightGroup("g", 100, (("a", 50, 50.0), ("b", 50, 50.0)))]
    start = datetime(2026, 1, 1)
    points = [EvidencePoint(ind, v, start + timedelta(days=d), n + 1) for n, (ind, v, d) in enumerate(items)]
    series = stats.month_series(points, [("end", start + timedelta(days=200))], groups)
    expected = {k: v.score for k, v in stats.indicator_scores(points).items()}
    assert dict(series[-1].scores) == pytest.approx(expected)
