"""Rules of trainer.review.agreement that mutation testing found unguarded (see tests/MUTANTS.md)."""

from contextlib import contextmanager

import pytest

from trainer.review.agreement import cohen_kappa, fleiss_kappa, icc, summarise


@contextmanager
def refused(message, kind=ValueError):
    """The block raises `kind` with exactly this message."""
    with pytest.raises(kind) as raised:
        yield
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("a", "b", "kwargs", "message"),
    [
        ([1, 2], [1], {}, "the two graders rated a different number of items (2 and 1)"),
        ([], [], {}, "no items to compare"),
        ([1, 2], [1, 2], {"weights": "cubic"}, "unknown weights 'cubic': use None, 'linear' or 'quadratic'"),
        ([1, 2], [1, 2], {"categories": [1, 2, 2]}, "categories contain a duplicate"),
        ([1, 6], [1, 7], {"categories": [1, 2, 3]}, "labels not among the categories: ['6', '7']"),
    ],
)
def test_rule_cohen_kappa_says_what_is_wrong_with_its_input(a, b, kwargs, message):
    with refused(message):
        cohen_kappa(a, b, **kwargs)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([], "the table is empty"),
        ([[2, 0], [1]], "every item needs a count for every category"),
        ([[3, -1], [1, 1]], "counts must be non-negative integers"),
        ([[1, 0], [0, 1]], "every item must be rated by the same number (at least 2) of graders"),
    ],
)
def test_rule_fleiss_kappa_says_what_is_wrong_with_its_table(table, message):
    with refused(message):
        fleiss_kappa(table)


def test_rule_fleiss_kappa_takes_two_graders_and_a_single_item():
    assert fleiss_kappa([[2, 0], [0, 2]]) == 1.0  # two graders are enough
    assert fleiss_kappa([[1, 1]]) == pytest.approx(-1.0)  # one item: the two graders split


@pytest.mark.parametrize(
    ("ratings", "form", "message"),
    [
        ([[1, 2], [3, 4]], "ICC4", "unknown form 'ICC4': use 'ICC1', 'ICC2' or 'ICC3'"),
        ([], "ICC1", "the ICC needs at least 2 items and 2 graders"),
        ([[1], [2]], "ICC1", "the ICC needs at least 2 items and 2 graders"),
        ([[1, 2], [3]], "ICC2", "every item must be rated by every grader"),
        ([[1, None], [3, 4]], "ICC3", "ratings must be finite numbers, none missing"),
    ],
)
def test_rule_icc_says_what_is_wrong_with_its_input(ratings, form, message):
    with refused(message):
        icc(ratings, form)


def test_rule_a_rating_that_is_not_a_number_is_named_in_the_cause():
    with pytest.raises(ValueError) as raised:
        icc([[1, "4"], [3, 4]], "ICC1")
    assert str(raised.value.__cause__) == "not a number: '4'"


def test_rule_summarise_gives_the_pairwise_weighted_kappas_on_the_whole_scale():
    # levels 1, 2 and 5 are used: on the 1-5 scale 5 is three steps further from 2 than 2 is from 1,
    # among the used levels only one; weighted kappas must measure distance on the scale
    amy, bo = [1, 2, 5, 1, 2, 5], [1, 5, 2, 2, 2, 5]
    units = {i: {"amy": a, "bo": b} for i, (a, b) in enumerate(zip(amy, bo, strict=True))}
    pair = summarise(units).pairs[0]
    scale = [1, 2, 3, 4, 5]
    assert pair.linear == pytest.approx(cohen_kappa(amy, bo, "linear", scale))
    assert pair.quadratic == pytest.approx(cohen_kappa(amy, bo, "quadratic", scale))
    assert pair.linear != pytest.approx(cohen_kappa(amy, bo, "linear"))


def test_rule_summarise_reports_icc2_of_the_complete_units():
    ratings = [[5, 4, 4], [3, 1, 2], [4, 3, 5], [2, 1, 1]]  # ICC1, ICC2 and ICC3 all differ here
    units = {i: dict(enumerate(row)) for i, row in enumerate(ratings)}
    result = summarise(units)
    assert result.icc2 == pytest.approx(icc(ratings, "ICC2"))
    assert len({round(result.icc1, 6), round(result.icc2, 6), round(result.icc3, 6)}) == 3


def test_rule_graders_are_in_their_natural_order_when_comparable():
    units = {"u1": {10: 1, 9: 2}, "u2": {10: 2, 9: 2}}
    assert summarise(units).graders == (9, 10)  # not ("10", "9") as their text would sort


def test_rule_graders_of_mixed_kinds_are_ordered_by_their_repr():
    units = {"u1": {1: 1, "amy": 2}, "u2": {1: 2, "amy": 2}}
    assert summarise(units).graders == ("amy", 1)  # repr "'amy'" sorts before "1"
