"""Rules of trainer.competency.delphi that mutation testing found unguarded (see tests/MUTANTS.md)."""

from contextlib import contextmanager

import pytest

from trainer.competency.delphi import combined_weights, stop_rule, summarise_round, weights_from_means


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
