"""Rules of trainer.competency.delphi that mutation testing found unguarded (see tests/MUTANTS.md)."""

import math
from contextlib import contextmanager

import pytest

from trainer.competency.delphi import (
    chi2_sf,
    combined_weights,
    item_stats,
    kendall_w,
    stop_rule,
    summarise_round,
    weights_from_means,
)


@contextmanager
def refused(message, kind=ValueError):
    """The block raises `kind` with exactly this message."""
    with pytest.raises(kind) as raised:
        yield
    assert str(raised.value) == message


@pytest.mark.parametrize("decimals", [True, 1.5, -1])
def test_rule_decimals_must_be_a_non_negative_integer_and_not_a_bool(decimals):
    with refused(f"decimals must be a non-negative integer, got {decimals!r}"):
        weights_from_means([1, 2], decimals=decimals)


@pytest.mark.parametrize(
    ("means", "message"),
    [
        ([], "no means to turn into weights"),
        ([3, "4"], "mean 2 is not a number: '4'"),  # counted from 1, as a survey page numbers them
        ([3, -1], "importance means cannot be negative"),
        ([0, 0], "the means add up to 0: there is nothing to normalise"),
    ],
)
def test_rule_weights_from_means_say_what_is_wrong(means, message):
    with refused(message):
        weights_from_means(means)


def test_rule_a_mean_of_zero_or_below_one_is_a_weight_not_an_error():
    assert weights_from_means([0, 1]) == [0.0, 100.0]
    assert weights_from_means([0.5, 0.5]) == [50.0, 50.0]


def test_rule_a_bad_weight_is_reported_under_its_indicator_name():
    with refused("weight of 'service' is not a number: 'x'"):
        combined_weights({"service": "x"}, {"service": {"talk": 50}})
    with refused("weight of 'talk' is not a number: 'x'"):
        combined_weights({"service": 50}, {"service": {"talk": "x"}})
    with refused("weight of 'talk' is negative: -1"):
        combined_weights({"service": 50}, {"service": {"talk": -1}})


def test_rule_a_weight_of_zero_or_below_one_is_allowed():
    assert combined_weights({"service": 0, "skill": 0.5}, {"service": {"talk": 0.5}, "skill": {"read": 0}}) == {
        "talk": 0.0,
        "read": 0.0,
    }
    assert combined_weights({"service": 50}, {"service": {"talk": 0.5}}) == pytest.approx({"talk": 0.25})


def test_rule_stop_rule_says_what_is_wrong():
    with refused("alpha must lie between 0 and 1, got 1.5"):
        stop_rule(0.9, 0.01, [0.1], min_w=0.5, max_cv=0.25, alpha=1.5)
    with refused("no coefficients of variation: a round without items cannot stop the survey"):
        stop_rule(0.9, 0.01, [], min_w=0.5, max_cv=0.25)


def test_rule_repeated_item_ids_are_refused_with_that_reason():
    with refused("item ids repeat"):
        summarise_round([[1, 2], [2, 1]], ["a", "a"])


def test_rule_a_round_gets_weights_when_its_means_are_non_negative_and_not_all_zero():
    # an item every expert rated 0 gets weight 0; the others share 100
    assert summarise_round([[0, 2, 4], [0, 4, 2]], ["a", "b", "c"]).weights == {"a": 0.0, "b": 50.0, "c": 50.0}
    # means below 1 (and adding up to less than 1) are still importance
    assert summarise_round([[0.2, 0.3], [0.2, 0.3]], ["a", "b"]).weights == {"a": 40.0, "b": 60.0}
    # every mean 0: nothing to normalise, so no weights (and no error)
    assert summarise_round([[0, 0], [0, 0]], ["a", "b"]).weights is None
    # a negative mean: no weights, even when the total is positive
    assert summarise_round([[-1, 5], [-1, 5]], ["a", "b"]).weights is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: item_stats([[1, 2]]), "need at least 2 experts, got 1"),
        (lambda: item_stats([[], []]), "need at least 1 rated item, got 0"),
        (lambda: kendall_w([[1], [2]]), "need at least 2 rated items, got 1"),
        (lambda: kendall_w([[1, 2, 3], [1, 2, 3], [1, 2]]), "expert 3 rated 2 items, expert 1 rated 3"),
        (lambda: kendall_w([[1, 2, 3], [1, 2, "x"]]), "rating of expert 2, item 3 is not a number: 'x'"),
        (lambda: kendall_w([[1, 2, 3], [1, 2, math.nan]]), "rating of expert 2, item 3 is not finite: nan"),
    ],
)
def test_rule_a_bad_rating_matrix_is_refused_naming_the_expert_and_item_counted_from_1(call, message):
    with refused(message):
        call()


@pytest.mark.parametrize(
    ("x", "df", "message"),
    [
        (1.0, 0, "degrees of freedom must be a positive finite number, got 0"),
        (1.0, math.inf, "degrees of freedom must be a positive finite number, got inf"),
        ("3", 2, "χ² statistic must be a number, got '3'"),
        (True, 2, "χ² statistic must be a number, got True"),
        (math.nan, 2, "χ² statistic must be a number, got nan"),
    ],
)
def test_rule_chi2_sf_says_what_is_wrong_with_its_arguments(x, df, message):
    with refused(message):
        chi2_sf(x, df)


def test_rule_chi2_sf_matches_the_closed_forms_to_the_last_bit_where_series_and_fraction_meet():
    # x / 2 = df / 2 + 1 and just beyond: the continued fraction, not 1 - the series, gives these exactly
    assert chi2_sf(4.0, 2) == math.exp(-2.0)
    assert chi2_sf(3.0, 1) == math.erfc(math.sqrt(1.5))
    assert chi2_sf(4.4, 1) == math.erfc(math.sqrt(2.2))
    assert chi2_sf(5.0, 2) == math.exp(-2.5)
    assert chi2_sf(11.6, 1) == math.erfc(math.sqrt(5.8))


def test_rule_chi2_sf_is_reproducible_to_the_last_bit():
    """Stored rounds, exports and the survey page show one p-value: these pin where both expansions stop."""
    assert chi2_sf(31.728207355426996, 32.0) == 0.4802831545290789  # the series (x / 2 < df / 2 + 1)
    assert chi2_sf(7.0, 5) == 0.2206403079367107  # the continued fraction
    assert chi2_sf(26.9, 1) == 2.142588829260394e-07


def poisson_tail(mean, below):
    """P(Poisson(mean) < below), summed in logs: the χ² tail for an even number of degrees of freedom."""
    logs = [-mean + k * math.log(mean) - math.lgamma(k + 1) for k in range(below)]
    top = max(logs)
    return math.exp(top) * math.fsum(math.exp(v - top) for v in logs)


@pytest.mark.parametrize("df", [40_000])
def test_rule_chi2_sf_works_for_many_degrees_of_freedom(df):
    # near x = df the series needs more than 1000 terms: its budget grows with sqrt(df)
    assert chi2_sf(float(df), df) == pytest.approx(poisson_tail(df / 2, df // 2), rel=1e-9)
    assert chi2_sf(float(df) + 3000, df) == pytest.approx(poisson_tail((df + 3000) / 2, df // 2), rel=1e-9)


def test_rule_a_p_value_that_cannot_be_computed_is_an_error_naming_a_and_x_never_a_number():
    # df this small makes 1 / a overflow: the series never converges, and must say so rather than answer 0
    with refused("incomplete gamma series did not converge for a=5e-324, x=0.25", ArithmeticError):
        chi2_sf(0.5, 1e-323)
