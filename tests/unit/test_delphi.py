"""Delphi arithmetic against published and hand-worked examples, scipy, and the shipped competency model."""

import math
import random

import pytest
import yaml
from scipy import stats as sps

from tests.conftest import ROOT
from trainer.competency.delphi import (
    ItemStats,
    RoundSummary,
    chi2_sf,
    combined_weights,
    item_stats,
    kendall_w,
    stop_rule,
    summarise_round,
    weights_from_means,
)

# ProofWiki, "Kendall's Coefficient of Concordance/Examples/Arbitrary Example 1": judges A-D rank competitors
# X, Y, Z. Rank sums 7, 9, 8; mean 4 (3 + 1) / 2 = 8; S = 1 + 1 + 0 = 2; W = 12 * 2 / (4² * 3 * (3² - 1)) = 1/16.
PROOFWIKI = [[1, 3, 2], [1, 2, 3], [2, 3, 1], [3, 1, 2]]

# A published classroom example ("The Kendall's coefficient of concordance W", example 1): 4 judges rank
# 10 projects. Rank sums 10, 8, 12, 16, 21, 22, 25, 31, 37, 38 (total 220, mean 22); the squared deviations
# 144 + 196 + 100 + 36 + 1 + 0 + 9 + 81 + 225 + 256 = 1048 = S; W = 12 * 1048 / (4² * (10³ - 10)) = 12576 / 15840
# = 131/165 = 0.7939.
PROJECTS = [
    [1, 3, 4, 5, 2, 8, 6, 7, 10, 9],
    [2, 1, 4, 5, 6, 3, 8, 7, 10, 9],
    [3, 2, 1, 5, 7, 4, 6, 8, 9, 10],
    [4, 2, 3, 1, 6, 7, 5, 9, 8, 10],
]

# Hand-worked, no ties: 3 judges rank 6 objects. Rank sums 8, 14, 11, 11, 11, 8 (total 63, mean 10.5);
# deviations -2.5, 3.5, 0.5, 0.5, 0.5, -2.5; S = 6.25 + 12.25 + 0.25 * 3 + 6.25 = 25.5;
# W = 12 * 25.5 / (3² * (6³ - 6)) = 306 / 1890 = 17/105; χ² = 3 * 5 * W = 17/7, df = 5.
THREE_BY_SIX = [[1, 6, 3, 2, 5, 4], [1, 5, 6, 4, 2, 3], [6, 3, 2, 5, 4, 1]]

# Hand-worked, Likert ratings with ties: 3 experts rate 4 items 1-5.
#   expert 1: 5 4 4 3 -> ranks 4, 2.5, 2.5, 1     (one pair tied: T = 2³ - 2 = 6)
#   expert 2: 5 5 4 2 -> ranks 3.5, 3.5, 2, 1     (T = 6)
#   expert 3: 4 5 3 3 -> ranks 3, 4, 1.5, 1.5     (T = 6)
# Rank sums 10.5, 10, 6, 3.5 (total 30, mean 7.5); deviations 3, 2.5, -1.5, -4; S = 9 + 6.25 + 2.25 + 16 = 33.5.
# Tie-corrected: W = 12 * 33.5 / (3² * (4³ - 4) - 3 * 18) = 402 / 486 = 67/81 (uncorrected it would be 402/540).
# χ² = 3 * 3 * W = 67/9, df = 3.
LIKERT_TIES = [[5, 4, 4, 3], [5, 5, 4, 2], [4, 5, 3, 3]]


def chi2_sf_df3(x):
    """Closed form for 3 degrees of freedom: erfc(√(x/2)) + √(2x/π) e^(-x/2)."""
    return math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)


def chi2_sf_df5(x):
    """Closed form for 5 degrees of freedom: erfc(√(x/2)) + √(2x/π) e^(-x/2) (1 + x/3)."""
    return math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2) * (1 + x / 3)


# --- Kendall's W: worked examples ----------------------------------------------------------------------


def test_kendall_w_reproduces_proofwiki_example():
    w, chi2, df, _ = kendall_w(PROOFWIKI)
    assert w == pytest.approx(1 / 16, abs=1e-15)
    assert df == 2
    assert chi2 == pytest.approx(4 * 2 / 16, abs=1e-15)


def test_kendall_w_reproduces_ten_project_example():
    w, chi2, df, p = kendall_w(PROJECTS)
    assert w == pytest.approx(131 / 165, abs=1e-15)
    assert round(w, 4) == 0.7939
    assert (chi2, df) == (pytest.approx(4 * 9 * 131 / 165, abs=1e-12), 9)
    assert p < 0.001


def test_kendall_w_without_ties_matches_hand_computation():
    w, chi2, df, p = kendall_w(THREE_BY_SIX)
    assert w == pytest.approx(17 / 105, abs=1e-15)
    assert chi2 == pytest.approx(17 / 7, abs=1e-15)
    assert df == 5
    assert p == pytest.approx(chi2_sf_df5(17 / 7), rel=1e-12)
    assert round(p, 3) == 0.787


def test_kendall_w_with_ties_applies_tie_correction_as_computed_by_hand():
    w, chi2, df, p = kendall_w(LIKERT_TIES)
    assert w == pytest.approx(67 / 81, abs=1e-15)
    assert chi2 == pytest.approx(67 / 9, abs=1e-15)
    assert df == 3
    assert p == pytest.approx(chi2_sf_df3(67 / 9), rel=1e-12)
    assert round(p, 3) == 0.059


def test_kendall_w_is_about_order_not_level():
    """An expert who rates everything one point higher agrees completely with a colleague."""
    w, _, _, _ = kendall_w([[1, 2, 3, 4], [2, 3, 4, 5], [1.5, 2, 2.5, 4]])
    assert w == 1.0


def test_kendall_w_is_one_for_identical_and_zero_for_opposite_rankings():
    assert kendall_w([[4, 5, 3, 2, 1]] * 6)[0] == 1.0
    w, chi2, _, p = kendall_w([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]])
    assert (w, chi2, p) == (0.0, 0.0, 1.0)


def test_kendall_w_does_not_depend_on_row_order_or_int_versus_float():
    reordered = [list(map(float, row)) for row in reversed(LIKERT_TIES)]
    assert kendall_w(reordered) == kendall_w(LIKERT_TIES)


def test_kendall_w_all_ratings_equal_means_no_agreement_on_an_order():
    assert kendall_w([[4, 4, 4], [4, 4, 4], [4, 4, 4]]) == (0.0, 0.0, 2, 1.0)
    # Each expert uses one rating for everything, but not the same one: still no order at all.
    assert kendall_w([[5, 5, 5, 5], [3, 3, 3, 3]]) == (0.0, 0.0, 3, 1.0)


def test_kendall_w_expert_who_ties_everything_is_not_degenerate():
    """One indifferent expert only dilutes W; the others' order still counts."""
    w, _, _, _ = kendall_w([[1, 2, 3], [1, 2, 3], [3, 3, 3]])
    # Ranks: 1 2 3 / 1 2 3 / 2 2 2 -> sums 4, 6, 8; S = 8; denominator 9 * 24 - 3 * 24 = 144; W = 96 / 144.
    assert w == pytest.approx(2 / 3, abs=1e-15)


# --- Kendall's W against scipy ---------------------------------------------------------------------------


def _random_matrix(rng, experts, items, scale):
    while True:
        rows = [[scale(rng) for _ in range(items)] for _ in range(experts)]
        if any(len(set(row)) > 1 for row in rows):  # scipy's Friedman statistic is 0/0 when all rows tie
            return rows


SCALES = {
    "likert": lambda rng: rng.randint(1, 5),
    "likert_skewed": lambda rng: rng.choice([3, 4, 4, 5, 5, 5]),
    "half_points": lambda rng: rng.randint(2, 10) / 2,
    "continuous": lambda rng: rng.random(),
}


@pytest.mark.parametrize("scale", sorted(SCALES))
@pytest.mark.parametrize(("experts", "items"), [(2, 3), (3, 3), (5, 4), (8, 6), (12, 5), (26, 3), (26, 11), (40, 20)])
def test_kendall_w_equals_scipy_friedman_statistic_over_m_times_n_minus_1(experts, items, scale):
    rng = random.Random(f"{experts}x{items}-{scale}")
    for _ in range(5):
        rows = _random_matrix(rng, experts, items, SCALES[scale])
        w, chi2, df, p = kendall_w(rows)
        friedman = sps.friedmanchisquare(*zip(*rows, strict=True))
        assert df == items - 1
        assert w == pytest.approx(friedman.statistic / (experts * (items - 1)), abs=1e-9)
        assert chi2 == pytest.approx(friedman.statistic, rel=1e-9, abs=1e-9)
        assert p == pytest.approx(friedman.pvalue, rel=1e-9, abs=1e-12)
        assert 0.0 <= w <= 1.0


# --- χ² survival function --------------------------------------------------------------------------------

XS = [1e-8, 1e-3, 0.1, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 250, 500, 1000]
DFS = [0.5, 1, 1.5, 2, 3, 4, 5, 6, 7, 9, 10, 11, 15, 20, 25, 30, 50, 99, 100, 250, 1000, 5000]


@pytest.mark.parametrize("df", DFS)
def test_chi2_sf_matches_scipy(df):
    for x in [*XS, df - 1, df, df + 0.5, df + 1, df + 2, 2 * df]:
        if x <= 0:
            continue
        expected = float(sps.chi2.sf(x, df))
        if expected < 1e-290:
            assert chi2_sf(x, df) < 1e-280
        else:
            assert chi2_sf(x, df) == pytest.approx(expected, rel=1e-10, abs=1e-300), (x, df)


def test_chi2_sf_closed_forms_for_even_degrees_of_freedom():
    """df = 2k: P(χ² ≥ x) = e^(-x/2) Σ_{i<k} (x/2)^i / i!."""
    for k in (1, 2, 5, 12):
        for x in (0.3, 2.0, 9.0, 40.0):
            expected = math.exp(-x / 2) * sum((x / 2) ** i / math.factorial(i) for i in range(k))
            assert chi2_sf(x, 2 * k) == pytest.approx(expected, rel=1e-12)


def test_chi2_sf_edges():
    assert chi2_sf(0, 3) == 1.0
    assert chi2_sf(-1.0, 3) == 1.0
    assert chi2_sf(math.inf, 3) == 0.0
    for bad_df in (0, -1, math.nan, math.inf, True):
        with pytest.raises(ValueError):
            chi2_sf(1.0, bad_df)
    with pytest.raises(ValueError):
        chi2_sf(math.nan, 3)


# --- item statistics --------------------------------------------------------------------------------------


def test_item_stats_use_sample_sd_cv_and_share_of_top_ratings():
    items = item_stats(LIKERT_TIES)
    assert [s.count for s in items] == [3, 3, 3, 3]
    first = items[0]  # ratings 5, 5, 4
    assert first.mean == pytest.approx(14 / 3)
    assert first.sd == pytest.approx(math.sqrt(1 / 3))  # Σ (x - mean)² = 2/3, over n - 1 = 2
    assert first.cv == pytest.approx(math.sqrt(1 / 3) / (14 / 3))
    assert first.top_share == pytest.approx(2 / 3)
    assert items[3].top_share == 0.0  # ratings 3, 2, 3


def test_item_stats_match_statistics_of_scipy():
    rng = random.Random(7)
    rows = [[rng.randint(1, 5) for _ in range(11)] for _ in range(26)]
    for column, s in zip(zip(*rows, strict=True), item_stats(rows), strict=True):
        described = sps.describe(column)
        assert s.mean == pytest.approx(described.mean, rel=1e-12)
        assert s.sd == pytest.approx(math.sqrt(described.variance), rel=1e-12)
        assert s.cv == pytest.approx(sps.variation(column, ddof=1), rel=1e-12)
        assert s.top_share == sum(1 for v in column if v == 5) / 26


def test_item_stats_unanimous_item_has_zero_spread():
    items = item_stats([[5, 4], [5, 2]])
    assert items[0] == ItemStats(mean=5.0, sd=0.0, cv=0.0, top_share=1.0, count=2)


def test_item_stats_zero_mean_gives_infinite_cv_unless_unanimous():
    items = item_stats([[0, 0], [0, 1], [0, -1]])
    assert items[0].cv == 0.0
    assert items[1].cv == math.inf


def test_item_stats_top_rating_is_configurable():
    assert item_stats([[7, 1], [6, 7]], top=7)[0].top_share == 0.5


# --- weights ------------------------------------------------------------------------------------------------


def _hundredths(weights):
    return [round(w * 100) for w in weights]


def test_weights_sum_to_exactly_100_after_largest_remainder_rounding():
    # Shares 35.0427, 33.3333, 31.6239: rounding each gives 35.04 + 33.33 + 31.62 = 99.99.
    weights = weights_from_means([4.1, 3.9, 3.7])
    assert weights == [35.04, 33.33, 31.63]
    assert sum(_hundredths(weights)) == 10000


def test_weights_equal_remainders_go_to_the_earlier_item():
    assert weights_from_means([1, 1, 1]) == [33.34, 33.33, 33.33]
    assert weights_from_means([2, 2, 2, 2, 2, 2]) == [16.67, 16.67, 16.67, 16.67, 16.66, 16.66]


def test_weights_sum_to_100_for_random_means():
    rng = random.Random(2024)
    for _ in range(500):
        means = [rng.uniform(1, 5) for _ in range(rng.randint(1, 15))]
        weights = weights_from_means(means)
        assert sum(_hundredths(weights)) == 10000
        assert all(w == round(w, 2) for w in weights)
        total = sum(means)
        assert all(abs(w - 100 * m / total) <= 0.01 + 1e-9 for w, m in zip(weights, means, strict=True))
        assert round(math.fsum(weights), 2) == 100.0


def test_weights_other_precision():
    weights = weights_from_means([1, 1, 1], decimals=0)
    assert weights == [34.0, 33.0, 33.0]


def test_weights_reject_bad_means():
    for bad in ([], [0, 0], [1, -1], [1, math.nan], [1, math.inf], ["4"]):
        with pytest.raises(ValueError):
            weights_from_means(bad)
    with pytest.raises(ValueError):
        weights_from_means([1, 2], decimals=-1)


def _model():
    return yaml.safe_load((ROOT / "question_bank" / "competency" / "model.yaml").read_text(encoding="utf-8"))


def test_combined_weight_is_first_times_second_over_100_as_in_the_reference():
    combined = combined_weights(
        {"customer_centred": 33.47, "professional": 38.15},
        {"customer_centred": {"communication": 34.52, "teamwork": 21.24}, "professional": {"info_reading": 24.23}},
    )
    assert combined == pytest.approx({"communication": 11.553844, "teamwork": 7.109028, "info_reading": 9.243745})
    assert round(combined["communication"], 2) == 11.55  # 人际沟通能力
    assert round(combined["teamwork"], 2) == 7.11  # 团队协作能力
    assert round(combined["info_reading"], 2) == 9.24  # 客户信息解读能力
    assert list(combined) == ["communication", "teamwork", "info_reading"]


def test_combined_weights_reproduce_the_model_file():
    """The study multiplied unrounded weights, so one printed figure (自我管理能力 10.10) is 0.01 off the product."""
    model = _model()
    first = {g["id"]: g["weight"] for g in model["groups"]}
    second = {g["id"]: {i["id"]: i["weight"] for i in g["indicators"]} for g in model["groups"]}
    printed = {i["id"]: i["combined"] for g in model["groups"] for i in g["indicators"]}
    combined = combined_weights(first, second)
    assert combined.keys() == printed.keys()
    assert len(combined) == 11
    for indicator, value in combined.items():
        assert abs(value - printed[indicator]) <= 0.01 + 1e-9, indicator
    off = sorted(i for i, v in combined.items() if round(v, 2) != printed[i])
    assert off == ["self_management"]
    assert round(sum(combined.values()), 2) == 100.0


def test_combined_weights_reject_mismatched_levels():
    with pytest.raises(ValueError, match="do not match"):
        combined_weights({"a": 50, "b": 50}, {"a": {"x": 100}})
    with pytest.raises(ValueError, match="do not match"):
        combined_weights({"a": 100}, {"a": {"x": 100}, "b": {"y": 100}})
    with pytest.raises(ValueError, match="more than one"):
        combined_weights({"a": 50, "b": 50}, {"a": {"x": 100}, "b": {"x": 100}})
    with pytest.raises(ValueError, match="negative"):
        combined_weights({"a": -1}, {"a": {"x": 100}})
    with pytest.raises(ValueError, match="not finite"):
        combined_weights({"a": 100}, {"a": {"x": math.nan}})


# --- stop rule -------------------------------------------------------------------------------------------------


def test_stop_rule_stops_when_w_is_high_significant_and_every_cv_small():
    assert stop_rule(0.5, 0.001, [0.1, 0.2, 0.25], min_w=0.5, max_cv=0.25)


@pytest.mark.parametrize(
    ("w", "p", "cvs", "why"),
    [
        (0.49, 0.001, [0.1, 0.2], "W below the minimum"),
        (0.8, 0.05, [0.1, 0.2], "p not below alpha"),
        (0.8, 0.2, [0.1, 0.2], "agreement could be chance"),
        (0.8, 0.001, [0.1, 0.26], "one item still contested"),
        (math.nan, 0.001, [0.1], "malformed W"),
        (0.8, math.nan, [0.1], "malformed p"),
        (0.8, 0.001, [math.nan], "malformed CV"),
    ],
)
def test_stop_rule_continues_when_any_condition_fails(w, p, cvs, why):
    assert not stop_rule(w, p, cvs, min_w=0.5, max_cv=0.25), why


def test_stop_rule_alpha_is_configurable():
    assert not stop_rule(0.6, 0.02, [0.1], min_w=0.5, max_cv=0.25, alpha=0.01)
    assert stop_rule(0.6, 0.02, [0.1], min_w=0.5, max_cv=0.25, alpha=0.05)


def test_stop_rule_never_stops_on_a_degenerate_round():
    w, _, _, p = kendall_w([[4, 4, 4]] * 5)
    cvs = [s.cv for s in item_stats([[4, 4, 4]] * 5)]
    assert cvs == [0.0, 0.0, 0.0]
    assert not stop_rule(w, p, cvs, min_w=0.0, max_cv=0.25)


def test_stop_rule_rejects_no_items_and_bad_alpha():
    with pytest.raises(ValueError):
        stop_rule(0.9, 0.001, [], min_w=0.5, max_cv=0.25)
    for alpha in (0, 1, -0.1):
        with pytest.raises(ValueError):
            stop_rule(0.9, 0.001, [0.1], min_w=0.5, max_cv=0.25, alpha=alpha)


# --- round summary ---------------------------------------------------------------------------------------------


def test_summarise_round_collects_stats_w_and_weights_by_item():
    summary = summarise_round(LIKERT_TIES, ["a", "b", "c", "d"])
    assert isinstance(summary, RoundSummary)
    assert summary.items == ("a", "b", "c", "d")
    assert summary.experts == 3
    assert (summary.w, summary.chi2, summary.df, summary.p) == kendall_w(LIKERT_TIES)
    assert list(summary.stats) == ["a", "b", "c", "d"]
    assert summary.stats["d"] == item_stats(LIKERT_TIES)[3]
    assert summary.weights == dict(zip("abcd", weights_from_means([14 / 3, 14 / 3, 11 / 3, 8 / 3]), strict=True))
    assert summary.weights == {"a": 29.79, "b": 29.79, "c": 23.4, "d": 17.02}


def test_summarise_round_degenerate_round_has_equal_weights_and_no_agreement():
    summary = summarise_round([[3, 3], [3, 3]], ["x", "y"])
    assert (summary.w, summary.p) == (0.0, 1.0)
    assert summary.weights == {"x": 50.0, "y": 50.0}


def test_summarise_round_weights_are_none_when_means_cannot_be_normalised():
    assert summarise_round([[-1, -2], [-2, -1]], ["x", "y"]).weights is None


def test_summarise_round_rejects_mismatched_item_ids():
    with pytest.raises(ValueError, match="item ids"):
        summarise_round(LIKERT_TIES, ["a", "b", "c"])
    with pytest.raises(ValueError, match="repeat"):
        summarise_round(LIKERT_TIES, ["a", "b", "c", "a"])


# --- invalid input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ratings",
    [
        [],  # no experts
        [[1, 2, 3]],  # one expert
        [[1], [2]],  # one item
        [[], []],  # no items
        [[1, 2, 3], [1, 2]],  # ragged
        [[1, 2], [1, 2, 3]],  # ragged the other way
        [[1, math.nan], [1, 2]],
        [[1, math.inf], [1, 2]],
        [[1, -math.inf], [1, 2]],
        [[1, "5"], [1, 2]],
        [[1, None], [1, 2]],
        [[1, True], [1, 2]],
    ],
)
def test_kendall_w_rejects_too_few_experts_or_items_ragged_rows_and_non_finite_ratings(ratings):
    with pytest.raises(ValueError):
        kendall_w(ratings)


@pytest.mark.parametrize("ratings", [[[1, 2, 3]], [[], []], [[1, 2], [1]], [[1, math.nan], [1, 2]]])
def test_item_stats_reject_one_expert_no_items_ragged_rows_and_non_finite_ratings(ratings):
    with pytest.raises(ValueError):
        item_stats(ratings)


def test_item_stats_accept_a_single_item():
    assert item_stats([[4], [5]])[0].mean == 4.5
