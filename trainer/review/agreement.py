"""Calibration statistics: how far supervisors grading the same work agree with one another.

A rubric grade is only worth something if it does not depend on who gave it. When supervisors calibrate
they grade the same recordings or replies independently, then look at these numbers to see whether they
read the rubric's anchors the same way:

- Cohen's kappa: two graders, agreement on the level corrected for the agreement chance alone would give.
  Weighted kappa also credits near misses on the ordered 1-5 scale.
- Fleiss' kappa: the same idea for any number of graders.
- ICC: treats the levels as numbers and asks how much of the spread in grades comes from real differences
  between the items rather than from the graders. Comparing ICC(2,1) with ICC(3,1) shows whether one
  supervisor is systematically harsher or more lenient than the rest.

Pure standard-library arithmetic (no Flask, no database). Sums are exact (integers and fractions) so that
degenerate cases are recognised exactly and the results do not depend on the order of the input.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import TypeVar

#: the keys of calibration units (e.g. (item, indicator)), and of graders and labels (e.g. user ids, levels)
_Unit = TypeVar("_Unit", bound=Hashable)
_Key = TypeVar("_Key", bound=Hashable)

WEIGHTS = (None, "linear", "quadratic")

#: Fewer shared units than this and summarise() reports None: one unit says nothing about agreement.
MIN_UNITS = 2


def cohen_kappa(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    weights: str | None = None,
    categories: Sequence[Hashable] | None = None,
) -> float:
    """Cohen's (1960) kappa between two graders, or Cohen's (1968) weighted kappa.

    Raw percentage agreement flatters a rubric where almost everyone gets a 4: two graders who both
    write 4 without reading would agree most of the time. Kappa subtracts the agreement expected from
    each grader's own distribution of levels, so 0 means "no better than chance" and 1 "always agree".
    Unweighted kappa treats a 2-versus-3 the same as a 1-versus-5; with ``weights="linear"`` a
    disagreement costs its distance on the scale, with ``"quadratic"`` the square of that distance
    (quadratic-weighted kappa behaves like an ICC, Fleiss & Cohen 1973), so near misses count as
    partial agreement.

    Computed as ``1 - sum(v * observed) / sum(v * expected)`` with disagreement weights ``v_ij`` of
    0 on the diagonal and 1 elsewhere (unweighted), ``|i - j| / (k - 1)`` (linear) or
    ``((i - j) / (k - 1)) ** 2`` (quadratic), where ``i, j`` are positions in the ordered categories:
    ``categories`` when given, else the sorted labels that occur. Without weights the order is unused.

    When the expected disagreement is 0, both graders put every item in the same single category;
    the observed disagreement is then 0 too and kappa is 0/0. We return 1.0: the graders did agree on
    every item, and a supervisor page should not show that as a failure.
    """
    if len(a) != len(b):
        raise ValueError(f"the two graders rated a different number of items ({len(a)} and {len(b)})")
    if not a:
        raise ValueError("no items to compare")
    if weights not in WEIGHTS:
        raise ValueError(f"unknown weights {weights!r}: use None, 'linear' or 'quadratic'")
    if categories is not None:
        cats = list(categories)
    elif weights is None:
        cats = list(dict.fromkeys([*a, *b]))
    else:
        cats = _sorted(set(a) | set(b))
    index = {c: i for i, c in enumerate(cats)}
    if len(index) != len(cats):
        raise ValueError("categories contain a duplicate")
    unknown = (set(a) | set(b)) - index.keys()
    if unknown:
        raise ValueError(f"labels not among the categories: {sorted(map(repr, unknown))}")

    k, n = len(cats), len(a)
    table = [[0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        table[index[x]][index[y]] += 1
    rows = [sum(r) for r in table]
    cols = [sum(r[j] for r in table) for j in range(k)]

    def v(i: int, j: int) -> int:  # disagreement weight scaled to an integer (by k-1 or (k-1)**2)
        if weights is None:
            return int(i != j)
        return abs(i - j) if weights == "linear" else (i - j) ** 2

    observed = sum(v(i, j) * table[i][j] for i in range(k) for j in range(k))
    expected = sum(v(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k))
    if expected == 0:
        return 1.0
    return float(1 - Fraction(observed * n, expected))


def fleiss_kappa(table: Sequence[Sequence[int]]) -> float:
    """Fleiss' (1971) kappa: chance-corrected agreement among any fixed number of graders per item.

    Calibration sessions usually have more than two supervisors; Fleiss' kappa gives one figure for the
    whole group without averaging pairwise kappas. The graders need not be the same people on every
    item, only the same number. Categories are nominal: no credit for near misses (use the ICC or
    weighted Cohen's kappa for that).

    ``table`` has one row per item and one column per category; each cell counts the graders who put
    that item in that category, and every row sums to the same n >= 2. With N items,
    ``P_i = (sum_j n_ij**2 - n) / (n (n - 1))`` is the share of agreeing grader pairs on item i,
    ``p_j`` the share of all grades in category j, ``P = mean(P_i)``, ``Pe = sum_j p_j**2`` and
    ``kappa = (P - Pe) / (1 - Pe)``.

    When Pe is 1 every grade fell in one category, so agreement was perfect and kappa is 0/0; as for
    cohen_kappa() we return 1.0.
    """
    rows = [list(r) for r in table]
    if not rows or not rows[0]:
        raise ValueError("the table is empty")
    if any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("every item needs a count for every category")
    if any(not isinstance(c, int) or c < 0 for r in rows for c in r):
        raise ValueError("counts must be non-negative integers")
    n = sum(rows[0])
    if n < 2 or any(sum(r) != n for r in rows):
        raise ValueError("every item must be rated by the same number (at least 2) of graders")

    items = len(rows)
    totals = [sum(r[j] for r in rows) for j in range(len(rows[0]))]
    p_bar = Fraction(sum(c * c for r in rows for c in r) - items * n, items * n * (n - 1))
    p_e = Fraction(sum(t * t for t in totals), (items * n) ** 2)
    if p_e == 1:
        return 1.0
    return float((p_bar - p_e) / (1 - p_e))


def icc(ratings: Sequence[Sequence[float]], form: str) -> float:
    """Single-rater intraclass correlation ICC(1,1), ICC(2,1) or ICC(3,1) (Shrout & Fleiss 1979).

    The ICC is the share of the variance in grades that comes from real differences between the items
    graded; the rest is grader noise. Which form to read depends on the question:

    - ``"ICC1"`` (one-way random): each item may be graded by different people. How interchangeable is
      a single grade when you do not know who gave it?
    - ``"ICC2"`` (two-way random, absolute agreement): these graders stand for all supervisors, and a
      grader who is always one level harsher counts as disagreeing. Would any supervisor have given
      this agent the same score? This is the calibration question.
    - ``"ICC3"`` (two-way mixed, consistency): these graders only, systematic harshness ignored. Do they
      put the agents in the same order? A high ICC3 with a much lower ICC2 means the graders rank alike
      but use different parts of the scale: recalibrate the anchors, not the judgement.

    ``ratings`` has one row per item (target) and one column per grader, complete and rectangular, at
    least 2 x 2. With n items, k graders and the ANOVA mean squares BMS (between items), WMS (within
    items), JMS (between graders) and EMS (residual):

    - ICC(1,1) = (BMS - WMS) / (BMS + (k-1) WMS)
    - ICC(2,1) = (BMS - EMS) / (BMS + (k-1) EMS + k (JMS - EMS) / n)
    - ICC(3,1) = (BMS - EMS) / (BMS + (k-1) EMS)

    A denominator of 0 only happens when the items do not differ at all (BMS = 0). If the form's own
    error term (WMS for ICC1, EMS for ICC2 and ICC3) is 0 as well, the graders agreed exactly in the
    sense that form measures (for ICC1 and ICC2 all ratings are identical; for ICC3 they are identical
    up to a constant per grader) and we return 1.0, the same convention as the kappas. Otherwise (only
    possible for ICC2 with 2 items and 2 graders, e.g. [[1, 2], [2, 1]]) the ratio tends to minus
    infinity and we raise ValueError rather than invent a number.
    """
    if form not in ("ICC1", "ICC2", "ICC3"):
        raise ValueError(f"unknown form {form!r}: use 'ICC1', 'ICC2' or 'ICC3'")
    rows = [list(r) for r in ratings]
    n = len(rows)
    k = len(rows[0]) if rows else 0
    if n < 2 or k < 2:
        raise ValueError("the ICC needs at least 2 items and 2 graders")
    if any(len(r) != k for r in rows):
        raise ValueError("every item must be rated by every grader")
    try:
        x = [[_exact(v) for v in r] for r in rows]
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError("ratings must be finite numbers, none missing") from exc

    grand = sum(map(sum, x)) / (n * k)
    row_means = [sum(r) / k for r in x]
    col_means = [sum(r[j] for r in x) / n for j in range(k)]
    ss_total = sum((v - grand) ** 2 for r in x for v in r)
    ss_rows = k * sum((m - grand) ** 2 for m in row_means)
    ss_cols = n * sum((m - grand) ** 2 for m in col_means)
    bms = ss_rows / (n - 1)
    wms = (ss_total - ss_rows) / (n * (k - 1))
    jms = ss_cols / (k - 1)
    ems = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))

    if form == "ICC1":
        num, den, error = bms - wms, bms + (k - 1) * wms, wms
    elif form == "ICC2":
        num, den, error = bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n, ems
    else:
        num, den, error = bms - ems, bms + (k - 1) * ems, ems
    if den == 0:
        if error == 0:
            return 1.0
        raise ValueError(f"{form} is undefined here: the items do not differ and the graders disagree")
    return float(num / den)


def _exact(value: float) -> Fraction:
    if not isinstance(value, numbers.Real):
        raise TypeError(f"not a number: {value!r}")
    return Fraction(value)


@dataclass(frozen=True)
class PairAgreement:
    """Cohen's kappa between two graders over the units both of them rated."""

    graders: tuple[Hashable, Hashable]
    units: int
    kappa: float | None
    linear: float | None
    quadratic: float | None


@dataclass(frozen=True)
class Agreement:
    """Everything a calibration page shows; a statistic that cannot be computed is None."""

    graders: tuple[Hashable, ...]
    pairs: tuple[PairAgreement, ...]
    complete_units: int  # units rated by every grader: the basis of fleiss and the ICCs
    fleiss: float | None
    icc1: float | None
    icc2: float | None
    icc3: float | None

    @property
    def grader_count(self) -> int:
        return len(self.graders)


def summarise(
    units: Mapping[_Unit, Mapping[_Key, int]],
    categories: Sequence[int] = (1, 2, 3, 4, 5),
) -> Agreement:
    """All calibration statistics for ratings given per unit (e.g. (item, indicator)) per grader.

    Pairwise kappas use the units both graders rated; Fleiss' kappa and the ICCs use only the units that
    every grader rated. A statistic is None when there are fewer than MIN_UNITS units or fewer than two
    graders behind it, or when it is undefined for these ratings (see icc()). A rating outside
    ``categories`` is a caller error and raises ValueError.
    """
    cats = list(categories)
    for unit, by_grader in units.items():
        bad = [r for r in by_grader.values() if r not in cats]
        if bad:
            raise ValueError(f"unit {unit!r} has ratings outside the scale {cats}: {bad}")
    graders = _ordered({g for by_grader in units.values() for g in by_grader})

    pairs = []
    for g, h in combinations(graders, 2):
        shared = [r for r in units.values() if g in r and h in r]
        a, b = [r[g] for r in shared], [r[h] for r in shared]
        kappas = [_maybe(len(shared), cohen_kappa, a, b, w, cats) for w in WEIGHTS]
        pairs.append(PairAgreement((g, h), len(shared), *kappas))

    complete = [r for r in units.values() if r and all(g in r for g in graders)]
    enough = len(graders) >= 2
    table = [[sum(r[g] == c for g in graders) for c in cats] for r in complete]
    matrix = [[r[g] for g in graders] for r in complete]
    return Agreement(
        graders=graders,
        pairs=tuple(pairs),
        complete_units=len(complete),
        fleiss=_maybe(len(complete), fleiss_kappa, table) if enough else None,
        icc1=_maybe(len(complete), icc, matrix, "ICC1") if enough else None,
        icc2=_maybe(len(complete), icc, matrix, "ICC2") if enough else None,
        icc3=_maybe(len(complete), icc, matrix, "ICC3") if enough else None,
    )


def _maybe(count: int, statistic: Callable[..., float], *args: object) -> float | None:
    """The statistic, or None when too few units or undefined (inputs were validated by the caller)."""
    if count < MIN_UNITS:
        return None
    try:
        return statistic(*args)
    except ValueError:
        return None


def _sorted(values: Iterable[_Key]) -> list[_Key]:
    """`sorted(values)`, which raises TypeError when the values are not comparable with one another."""
    return sorted(values)  # type: ignore[type-var]  # typing cannot say "hashable and, here, ordered"


def _ordered(graders: set[_Key]) -> tuple[_Key, ...]:
    """Grader ids sorted when they are comparable (e.g. all user ids), else in a stable repr order."""
    try:
        return tuple(_sorted(graders))
    except TypeError:
        return tuple(sorted(graders, key=repr))
