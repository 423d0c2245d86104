"""Calibration statistics against published figures, hand-worked examples and degenerate input."""

import pytest

from trainer.review.agreement import Agreement, cohen_kappa, fleiss_kappa, icc, summarise

# Fleiss (1971) as laid out on Wikipedia's "Fleiss' kappa" page: 10 items, 5 categories, 14 raters.
FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Shrout & Fleiss (1979), Table 2: 6 targets (rows) x 4 judges (columns).
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]

# R package irr, data set `anxiety` (20 subjects, raters 2 and 3); kappa2() gives -0.006289308 unweighted,
# 0.1459075 with "equal" (linear) and 0.2520325 with "squared" (quadratic) weights. Level 5 is never used,
# and irr (like cohen_kappa without `categories`) orders only the levels that occur.
ANXIETY_RATER2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
ANXIETY_RATER3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]

# Fleiss (1971) psychiatric diagnoses as shipped in R irr (`diagnoses`): 30 patients x 6 raters, 5 categories;
# kappam.fleiss() gives 0.4302445.
DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5], [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4], [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4], [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5], [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4], [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4], [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip


def from_table(table):
    """Expand a contingency table (rows: grader a, columns: grader b) into two label sequences."""
    pairs = [(i, j) for i, row in enumerate(table) for j, count in enumerate(row) for _ in range(count)]
    return [i for i, _ in pairs], [j for _, j in pairs]


# Hand-worked weighted example, categories 1..3, six items:
#   a = 1 1 2 2 3 3      table (a rows, b columns)   1  2  3 | a
#   b = 1 2 2 3 3 3                            1:  1  1  0 | 2
#                                              2:  0  1  1 | 2
#                                              3:  0  0  2 | 2
#                                         b total  1  2  3   n = 6
# Unweighted: po = 4/6, pe = (2*1 + 2*2 + 2*3)/36 = 1/3, kappa = (2/3 - 1/3) / (2/3) = 0.5.
# Linear disagreement weights |i-j|/2: observed = (1/2 + 1/2)/6 = 1/6;
#   expected = 2 * [(0*1 + .5*2 + 1*3) + (.5*1 + 0*2 + .5*3) + (1*1 + .5*2 + 0*3)] / 36 = 2 * 8 / 36 = 4/9;
#   kappa = 1 - (1/6) / (4/9) = 5/8 = 0.625.
# Quadratic weights ((i-j)/2)**2: observed = (1/4 + 1/4)/6 = 1/12;
#   expected = 2 * [(0 + .25*2 + 1*3) + (.25*1 + 0 + .25*3) + (1*1 + .25*2 + 0)] / 36 = 2 * 6 / 36 = 1/3;
#   kappa = 1 - (1/12) / (1/3) = 0.75.
HAND_A = [1, 1, 2, 2, 3, 3]
HAND_B = [1, 2, 2, 3, 3, 3]


def test_cohen_kappa_reproduces_the_classic_50_item_example():
    # 20 both yes, 15 both no, 5 a-yes/b-no, 10 a-no/b-yes: po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
    a, b = from_table([[20, 5], [10, 15]])
    assert cohen_kappa(a, b) == pytest.approx(0.40)


@pytest.mark.parametrize(
    ("weights", "expected"), [(None, -0.006289308), ("linear", 0.1459075), ("quadratic", 0.2520325)]
)
def test_cohen_kappa_matches_r_irr_kappa2_on_the_anxiety_data(weights, expected):
    assert cohen_kappa(ANXIETY_RATER2, ANXIETY_RATER3, weights) == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize(("weights", "expected"), [(None, 0.4842), ("linear", 0.4701)])
def test_cohen_kappa_matches_the_sas_printout_used_by_statsmodels(weights, expected):
    # SAS weighted kappa uses Cicchetti-Allison weights, which are the linear weights for equally spaced levels.
    a, b = from_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]])
    assert round(cohen_kappa(a, b, weights), 4) == expected


@pytest.mark.parametrize(("weights", "expected"), [(None, 0.5), ("linear", 0.625), ("quadratic", 0.75)])
def test_cohen_kappa_matches_the_hand_worked_weighted_example(weights, expected):
    assert cohen_kappa(HAND_A, HAND_B, weights) == pytest.approx(expected)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_is_one_for_perfect_agreement(weights):
    assert cohen_kappa([1, 2, 3, 4, 5, 3], [1, 2, 3, 4, 5, 3], weights) == 1.0


def test_weighted_kappa_credits_disagreements_of_one_level():
    a = [1, 2, 3, 4, 5, 2, 3, 4, 1, 5]
    b = [2, 2, 4, 4, 4, 3, 3, 5, 1, 5]
    plain = cohen_kappa(a, b)
    assert plain < cohen_kappa(a, b, "linear") < cohen_kappa(a, b, "quadratic")


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_is_symmetric_in_the_two_graders(weights):
    assert cohen_kappa(ANXIETY_RATER2, ANXIETY_RATER3, weights) == cohen_kappa(ANXIETY_RATER3, ANXIETY_RATER2, weights)


def test_weighted_kappa_orders_levels_by_the_given_categories():
    # Sorted, the labels would run high < low < mid; the categories put them in their real order.
    a, b = ["low", "mid", "high", "high", "low"], ["mid", "high", "high", "mid", "low"]
    ordered = cohen_kappa(a, b, "linear", categories=["low", "mid", "high"])
    assert ordered == cohen_kappa([1, 2, 3, 3, 1], [2, 3, 3, 2, 1], "linear")
    assert ordered != cohen_kappa(a, b, "linear")
    # Unused levels of the scale still count for the spacing: {1, 2, 5} on 1..5 is not {1, 2, 3}.
    a, b = [1, 2, 5, 1], [2, 2, 5, 1]
    assert cohen_kappa(a, b, "linear", categories=[1, 2, 3, 4, 5]) != cohen_kappa(a, b, "linear")


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_is_one_when_both_graders_used_one_identical_category(weights):
    assert cohen_kappa([4, 4, 4], [4, 4, 4], weights) == 1.0
    assert cohen_kappa([4, 4, 4], [4, 4, 4], weights, categories=[1, 2, 3, 4, 5]) == 1.0


@pytest.mark.parametrize(
    ("a", "b", "kwargs"),
    [
        ([1, 2], [1], {}),
        ([], [], {}),
        ([1, 2], [1, 2], {"weights": "cubic"}),
        ([1, 6], [1, 2], {"categories": [1, 2, 3, 4, 5]}),
        ([1, 2], [1, 2], {"categories": [1, 2, 2]}),
    ],
)
def test_cohen_kappa_rejects_bad_input(a, b, kwargs):
    with pytest.raises(ValueError):
        cohen_kappa(a, b, **kwargs)


def test_fleiss_kappa_reproduces_the_wikipedia_example():
    assert round(fleiss_kappa(FLEISS_WIKIPEDIA), 3) == 0.210


def test_fleiss_kappa_is_one_when_every_grade_is_the_same_category():
    assert fleiss_kappa([[0, 3, 0], [0, 3, 0]]) == 1.0


@pytest.mark.parametrize(
    "table",
    [
        [],
        [[]],
        [[1, 1], [2, 1]],  # rows rated by different numbers of graders
        [[1, 0], [0, 1]],  # a single grader per item
        [[2, 0], [1]],  # ragged
        [[3, -1], [1, 1]],
    ],
)
def test_fleiss_kappa_rejects_bad_tables(table):
    with pytest.raises(ValueError):
        fleiss_kappa(table)


@pytest.mark.parametrize(("form", "expected"), [("ICC1", 0.17), ("ICC2", 0.29), ("ICC3", 0.71)])
def test_icc_reproduces_shrout_and_fleiss_table_2(form, expected):
    assert round(icc(SHROUT_FLEISS, form), 2) == expected


@pytest.mark.parametrize("form", ["ICC1", "ICC2", "ICC3"])
def test_icc_is_one_when_all_ratings_are_identical(form):
    assert icc([[3, 3, 3], [3, 3, 3]], form) == 1.0


def test_icc_separates_absolute_agreement_from_consistency_for_a_harsh_grader():
    # Grader 2 is always exactly one level lower: perfectly consistent (ICC3 = 1) but not in absolute agreement.
    ratings = [[5, 4], [3, 2], [4, 3], [2, 1]]
    assert icc(ratings, "ICC3") == pytest.approx(1.0)
    assert icc(ratings, "ICC2") < 1.0
    # Items that do not differ, graders differing by a constant: ICC3 sees no inconsistency, ICC2 no agreement.
    assert icc([[1, 2], [1, 2]], "ICC3") == 1.0
    assert icc([[1, 2], [1, 2]], "ICC2") == 0.0


def test_icc2_is_undefined_when_items_do_not_differ_and_two_graders_cross():
    with pytest.raises(ValueError, match="undefined"):
        icc([[1, 2], [2, 1]], "ICC2")


@pytest.mark.parametrize(
    ("ratings", "form"),
    [
        ([[1, 2]], "ICC1"),  # one item
        ([[1], [2]], "ICC1"),  # one grader
        ([[1, 2], [3]], "ICC2"),  # ragged
        ([[1, None], [3, 4]], "ICC3"),  # missing
        ([[1, float("nan")], [3, 4]], "ICC3"),  # missing
        (SHROUT_FLEISS, "ICC4"),
    ],
)
def test_icc_rejects_bad_input(ratings, form):
    with pytest.raises(ValueError):
        icc(ratings, form)


def test_summarise_reports_pairwise_kappas_over_shared_units():
    units = {
        ("reply-1", "empathy"): {"amy": 1, "bo": 1, "cy": 1},
        ("reply-1", "accuracy"): {"amy": 1, "bo": 2, "cy": 2},
        ("reply-2", "empathy"): {"amy": 2, "bo": 2},
        ("reply-2", "accuracy"): {"amy": 2, "bo": 3, "cy": 3},
        ("reply-3", "empathy"): {"amy": 3, "bo": 3, "cy": 3},
        ("reply-3", "accuracy"): {"amy": 3, "bo": 3},
    }
    result = summarise(units)
    assert isinstance(result, Agreement)
    assert result.graders == ("amy", "bo", "cy")
    assert result.grader_count == 3
    amy_bo = result.pairs[0]
    assert amy_bo.graders == ("amy", "bo")
    assert amy_bo.units == 6
    ordered = [1, 2, 3, 4, 5]
    amy = [1, 1, 2, 2, 3, 3]
    bo = [1, 2, 2, 3, 3, 3]
    assert amy_bo.kappa == pytest.approx(cohen_kappa(amy, bo, None, ordered))
    assert amy_bo.linear == pytest.approx(cohen_kappa(amy, bo, "linear", ordered))
    assert amy_bo.quadratic == pytest.approx(cohen_kappa(amy, bo, "quadratic", ordered))
    assert [p.units for p in result.pairs] == [6, 4, 4]
    assert result.complete_units == 4


def test_summarise_reproduces_fleiss_on_the_diagnoses_data():
    units = {patient: dict(enumerate(row)) for patient, row in enumerate(DIAGNOSES)}
    result = summarise(units)
    assert result.complete_units == 30
    assert result.grader_count == 6
    assert result.fleiss == pytest.approx(0.4302445, abs=1e-7)


def test_summarise_computes_the_iccs_over_complete_units():
    units = {i: dict(enumerate(row)) for i, row in enumerate([[5, 4], [3, 2], [4, 3], [2, 1]])}
    result = summarise(units)
    assert result.icc3 == pytest.approx(1.0)
    assert result.icc1 == pytest.approx(icc([[5, 4], [3, 2], [4, 3], [2, 1]], "ICC1"))


@pytest.mark.parametrize(
    "units",
    [
        {},
        {"u1": {"amy": 3}, "u2": {"amy": 4}},  # one grader
        {"u1": {"amy": 3, "bo": 4}},  # one unit
        {"u1": {"amy": 3, "bo": 4}, "u2": {"amy": 3}, "u3": {"bo": 2}},  # one complete unit
    ],
)
def test_summarise_returns_none_for_statistics_it_cannot_compute(units):
    result = summarise(units)
    assert (result.fleiss, result.icc1, result.icc2, result.icc3) == (None, None, None, None)
    assert all((p.kappa, p.linear, p.quadratic) == (None, None, None) for p in result.pairs)


def test_summarise_returns_none_for_an_undefined_icc_instead_of_raising():
    result = summarise({"u1": {"amy": 1, "bo": 2}, "u2": {"amy": 2, "bo": 1}})
    assert result.icc2 is None
    assert result.icc1 == pytest.approx(-1.0)


def test_summarise_rejects_ratings_off_the_scale():
    with pytest.raises(ValueError, match="outside the scale"):
        summarise({"u1": {"amy": 0, "bo": 3}, "u2": {"amy": 3, "bo": 3}})
