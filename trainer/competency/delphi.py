"""Delphi survey arithmetic: how expert importance ratings become agreement figures and indicator weights.

The competency model's weights come from a Delphi survey: a panel of experts rates how important each
indicator is (Likert 1-5), sees the panel's figures, and rates again until the panel agrees well enough.
HR runs such rounds on the platform; this module turns one round's rating matrix into the numbers the
reference study reports and that decide whether another round is needed:

- per item: mean importance, standard deviation, coefficient of variation (CV) and share of top ratings;
- for the whole round: Kendall's coefficient of concordance W, its χ² statistic, degrees of freedom and
  p-value - do the experts agree on the ORDER of importance, beyond what chance would give?
- weights: normalised mean importance within a level, and combined weights across two levels.

Pure standard-library arithmetic (no Flask, no database, no scipy): services load the ratings, then call
these functions, so the survey page, exports and the content tools compute the same numbers. Kendall's W
is computed with exact integer arithmetic (ranks are doubled so that tied averages stay integers), so
degenerate rounds are recognised exactly and the result does not depend on floating-point rounding.
"""

from __future__ import annotations

import math
import numbers
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

#: The top of the Likert importance scale; item_stats reports the share of experts who gave it (满分率).
TOP_RATING = 5

#: Relative precision at which the incomplete-gamma series and continued fraction stop (a few ulps).
_EPS = 2 * sys.float_info.epsilon
#: Stand-in for zero in the modified Lentz continued fraction, so that no step divides by zero.
_TINY = 1e-300


@dataclass(frozen=True)
class ItemStats:
    """One item's (indicator's) figures in a round, as the Delphi tables report them.

    ``sd`` is the sample standard deviation (n - 1 denominator): the panel is a sample of the experts
    one could have asked, and it is what SPSS/Excel ``STDEV`` - and so the published Delphi tables - use.
    ``cv`` is ``sd / |mean|``. ``top_share`` is the share (0-1) of experts who gave the top rating.
    """

    mean: float
    sd: float
    cv: float
    top_share: float
    count: int


@dataclass(frozen=True)
class RoundSummary:
    """Everything a survey page shows for one round, in the order of the items.

    ``weights`` maps each item to its normalised mean importance in percent (summing to 100.00), or is
    None when the means cannot be normalised (a zero or negative mean total, only possible off the
    Likert scale).
    """

    items: tuple[str, ...]
    stats: Mapping[str, ItemStats]
    experts: int
    w: float
    chi2: float
    df: int
    p: float
    weights: Mapping[str, float] | None


def kendall_w(ratings: Sequence[Sequence[float]]) -> tuple[float, float, int, float]:
    """Kendall's coefficient of concordance W for one round, with its χ² test: ``(w, chi2, df, p)``.

    ``ratings`` has one row per expert (m rows) and one column per item (n columns). Each expert's
    ratings are turned into ranks (tied ratings share the average of the ranks they span), so W asks
    whether the experts agree on the ORDER of importance, not on the absolute level: an expert who rates
    everything one point higher than a colleague agrees with them completely.

    With ``R_i`` the rank sum of item i and ``S = Σ (R_i - m (n + 1) / 2)²``::

        W = 12 S / (m² (n³ - n) - m Σ T_j),   T_j = Σ (t³ - t) over the tie groups of expert j

    The tie correction matters on a 1-5 scale, where ties are the rule: without it W is biased low and
    the survey would never look finished. The χ² statistic is ``m (n - 1) W`` with ``n - 1`` degrees of
    freedom (it equals the tie-corrected Friedman statistic), and ``p = P(χ²_df ≥ chi2)``.

    Degenerate round: when every expert gives every item the same rating, every ranking is one big tie
    and the denominator is 0, so W is 0/0. We return ``w = 0.0``, ``chi2 = 0.0`` and ``p = 1.0``: no
    expert distinguishes the items at all, so there is no agreement on an order to report, and such a
    round must never satisfy the stop rule (the weights it would give are all equal by default, not by
    consensus). A round where only some experts tie everything is not degenerate: those experts add
    nothing to S and their ties are corrected for.

    Raises ValueError for fewer than 2 experts or 2 items, ragged rows, or ratings that are not finite
    real numbers.
    """
    rows = _matrix(ratings, min_items=2)
    m, n = len(rows), len(rows[0])

    doubled_sums = [0] * n  # 2 R_i: doubled ranks keep tied averages integral
    ties = 0  # Σ_j T_j
    for row in rows:
        doubled, t = _doubled_ranks(row)
        ties += t
        for i, r in enumerate(doubled):
            doubled_sums[i] += r

    denominator = m * m * (n**3 - n) - m * ties
    df = n - 1
    if denominator == 0:
        return 0.0, 0.0, df, 1.0
    # 2 R̄ = m (n + 1); 12 S = 12 Σ (2 R_i - 2 R̄)² / 4 = 3 Σ (2 R_i - 2 R̄)².
    s4 = sum((d - m * (n + 1)) ** 2 for d in doubled_sums)
    w = Fraction(3 * s4, denominator)
    chi2 = m * df * w
    return float(w), float(chi2), df, chi2_sf(float(chi2), df)


def chi2_sf(x: float, df: float) -> float:
    """Survival function of the χ² distribution, ``P(χ²_df ≥ x)``: the p-value of a χ² statistic.

    Computed as the regularised upper incomplete gamma function ``Q(df / 2, x / 2)`` (a power series
    below ``x / 2 < df / 2 + 1``, a continued fraction above, the usual split: each converges fast where
    it is used, and the continued fraction keeps full relative precision for tiny tail probabilities).
    Implemented here so that the pure core does not need scipy at run time.
    """
    if isinstance(df, bool) or not isinstance(df, numbers.Real) or not math.isfinite(df) or df <= 0:
        raise ValueError(f"degrees of freedom must be a positive finite number, got {df!r}")
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or math.isnan(x):
        raise ValueError(f"χ² statistic must be a number, got {x!r}")
    if x <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    return _gamma_q(df / 2, x / 2)


def item_stats(ratings: Sequence[Sequence[float]], *, top: float = TOP_RATING) -> list[ItemStats]:
    """Per-item figures of one round, one ItemStats per column of ``ratings`` (rows are experts).

    These are what the panel sees between rounds and what the stop rule checks: the mean is the item's
    importance (and, normalised, its weight), the CV says how much the experts still disagree about it.

    ``sd`` is the sample standard deviation (n - 1), as in the published Delphi tables. ``cv`` is
    ``sd / |mean|``; a mean of 0 (impossible on the 1-5 scale) gives ``cv = 0.0`` when the experts all
    agree and ``inf`` otherwise, so such an item never passes ``max_cv`` unless there is nothing to
    disagree about. ``top_share`` is the share (0-1) of experts who rated the item ``top`` (5, 满分率).

    Raises ValueError for fewer than 2 experts (a spread needs two), no items, ragged rows or
    non-finite ratings.
    """
    rows = _matrix(ratings, min_items=1)
    m = len(rows)
    result = []
    for column in zip(*rows, strict=True):
        mean = statistics.fmean(column)
        sd = statistics.stdev(column)
        # A zero mean only happens off the Likert scale; see the docstring.
        cv = sd / abs(mean) if mean != 0 else (0.0 if sd == 0 else math.inf)
        top_share = sum(1 for v in column if v == top) / m
        result.append(ItemStats(mean=mean, sd=sd, cv=cv, top_share=top_share, count=m))
    return result


def weights_from_means(means: Sequence[float], *, decimals: int = 2) -> list[float]:
    """Weights in percent from mean importance: each mean's share of the total, rounded to ``decimals``.

    This is how the reference study turns one level's mean ratings into weights. Rounding each share on
    its own can leave the column at 99.99 or 100.01, which a weight table must not show, so the rounding
    is largest-remainder (Hamilton): every weight is first rounded down to the last decimal, then the
    missing hundredths go one each to the weights with the largest remainders (equal remainders: the
    earlier item first, so the result is deterministic). The returned floats are the nearest floats to
    those decimals; their decimal values add up to exactly 100.00. Shares are computed exactly.

    Raises ValueError for no means, negative or non-finite means, or a total of 0.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer, got {decimals!r}")
    if not means:
        raise ValueError("no means to turn into weights")
    values = [_finite(v, f"mean {i + 1}") for i, v in enumerate(means)]
    if any(v < 0 for v in values):
        raise ValueError("importance means cannot be negative")
    exact = [Fraction(v) for v in values]
    total = sum(exact)
    if total == 0:
        raise ValueError("the means add up to 0: there is nothing to normalise")

    scale = 10**decimals
    units = 100 * scale  # 100 % in the last decimal's units
    quotas = [q * units / total for q in exact]
    floors = [math.floor(q) for q in quotas]
    leftover = units - sum(floors)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (floors[i] - quotas[i], i))
    for i in by_remainder[:leftover]:
        floors[i] += 1
    return [u / scale for u in floors]


def combined_weights(
    first_level: Mapping[str, float],
    second_level: Mapping[str, Mapping[str, float]],
) -> dict[str, float]:
    """Each second-level indicator's share of the whole model, in percent.

    ``first_level`` maps each first-level indicator to its weight (percent of the model);
    ``second_level`` maps the same first-level ids to their indicators' weights (percent within that
    first-level indicator). The combined weight is ``first × second / 100``, as in the reference study.

    The result is not rounded: the study multiplied unrounded weights, so its printed combined figures
    can differ from the product of the printed (rounded) weights by 0.01, and rounding here again would
    only add error. Round for display. The result keeps the order of ``second_level``.

    Raises ValueError when the two levels name different first-level indicators, a second-level id
    appears under two first-level indicators, or a weight is negative or not finite.
    """
    missing = [g for g in first_level if g not in second_level]
    unknown = [g for g in second_level if g not in first_level]
    if missing or unknown:
        raise ValueError(
            f"the levels do not match: no second-level weights for {missing}, no first-level weight for {unknown}"
        )
    combined: dict[str, float] = {}
    for group, indicators in second_level.items():
        outer = _weight(first_level[group], group)
        for indicator, weight in indicators.items():
            if indicator in combined:
                raise ValueError(f"indicator {indicator!r} appears under more than one first-level indicator")
            combined[indicator] = outer * _weight(weight, indicator) / 100
    return combined


def stop_rule(w: float, p: float, cvs: Sequence[float], *, min_w: float, max_cv: float, alpha: float = 0.05) -> bool:
    """May the survey stop after this round? Only when the panel agrees both on the order and on each item.

    W ≥ ``min_w`` says the experts rank the items alike, ``p < alpha`` that this agreement is unlikely to
    be chance (with few experts a high W can still be luck), and every CV ≤ ``max_cv`` that no single
    item is still contested. All three are needed: W alone ignores a disputed item whose rank happens to
    be stable. A NaN anywhere fails its comparison, so malformed figures never stop a survey.

    Raises ValueError for no CVs (a round without items cannot have converged) or alpha outside (0, 1).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha!r}")
    if not cvs:
        raise ValueError("no coefficients of variation: a round without items cannot stop the survey")
    return w >= min_w and p < alpha and all(cv <= max_cv for cv in cvs)


def summarise_round(ratings: Sequence[Sequence[float]], item_ids: Sequence[str]) -> RoundSummary:
    """One round's figures for a survey page: per-item stats and weights, Kendall's W, χ², df and p.

    ``item_ids`` names the columns of ``ratings`` in order. Raises ValueError as kendall_w does, and when
    the ids do not match the columns or repeat.
    """
    rows = _matrix(ratings, min_items=2)
    ids = tuple(item_ids)
    if len(ids) != len(rows[0]):
        raise ValueError(f"{len(ids)} item ids for {len(rows[0])} rated items")
    if len(set(ids)) != len(ids):
        raise ValueError("item ids repeat")
    stats = item_stats(rows)
    w, chi2, df, p = kendall_w(rows)
    means = [s.mean for s in stats]
    weights = None
    if all(v >= 0 for v in means) and sum(means) > 0:
        weights = dict(zip(ids, weights_from_means(means), strict=True))
    return RoundSummary(
        items=ids,
        stats=dict(zip(ids, stats, strict=True)),
        experts=len(rows),
        w=w,
        chi2=chi2,
        df=df,
        p=p,
        weights=weights,
    )


# --- helpers -------------------------------------------------------------------------------------------


def _finite(value: object, what: str) -> float:
    """``value`` as a float, or ValueError when it is not a finite real number (bools are not ratings)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} is not a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} is not finite: {value!r}")
    return number


def _weight(value: object, what: str) -> float:
    number = _finite(value, f"weight of {what!r}")
    if number < 0:
        raise ValueError(f"weight of {what!r} is negative: {value!r}")
    return number


def _matrix(ratings: Sequence[Sequence[float]], *, min_items: int) -> list[list[float]]:
    """Validate a rating matrix (rows = experts, columns = items) and return it as lists of floats."""
    rows = [list(row) for row in ratings]
    if len(rows) < 2:
        raise ValueError(f"need at least 2 experts, got {len(rows)}")
    n = len(rows[0])
    if n < min_items:
        raise ValueError(f"need at least {min_items} rated item{'s' if min_items > 1 else ''}, got {n}")
    for j, row in enumerate(rows):
        if len(row) != n:
            raise ValueError(f"expert {j + 1} rated {len(row)} items, expert 1 rated {n}")
    return [
        [_finite(v, f"rating of expert {j + 1}, item {i + 1}") for i, v in enumerate(row)] for j, row in enumerate(rows)
    ]


def _doubled_ranks(row: Sequence[float]) -> tuple[list[int], int]:
    """Twice the average ranks of ``row`` (1 = lowest rating) and the tie term Σ (t³ - t) of that row.

    Ties span consecutive positions i..k (0-based) whose average rank is (i + k + 2) / 2, so doubling
    keeps every rank an integer and W exact.
    """
    order = sorted(range(len(row)), key=row.__getitem__)
    doubled = [0] * len(row)
    ties = 0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and row[order[end + 1]] == row[order[start]]:
            end += 1
        for position in range(start, end + 1):
            doubled[order[position]] = start + end + 2
        t = end - start + 1
        ties += t**3 - t
        start = end + 1
    return doubled, ties


def _gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) for a > 0, x > 0."""
    if x < a + 1:
        return max(0.0, 1.0 - _gamma_p_series(a, x))
    return _gamma_q_fraction(a, x)


def _prefactor(a: float, x: float) -> float:
    """x^a e^(-x) / Γ(a), in logs so that large a and x do not overflow."""
    return math.exp(a * math.log(x) - x - math.lgamma(a))


def _iterations(a: float) -> int:
    # Both expansions need on the order of sqrt(a) terms near x ≈ a; leave a wide margin.
    return 1000 + int(100 * math.sqrt(a))


def _gamma_p_series(a: float, x: float) -> float:
    """Lower regularised gamma P(a, x) = x^a e^(-x) / Γ(a) · Σ_k x^k / (a (a + 1) ... (a + k))."""
    term = total = 1.0 / a
    denominator = a
    for _ in range(_iterations(a)):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPS:
            return total * _prefactor(a, x)
    raise ArithmeticError(f"incomplete gamma series did not converge for a={a}, x={x}")


def _gamma_q_fraction(a: float, x: float) -> float:
    """Upper regularised gamma Q(a, x) by its continued fraction, evaluated with the modified Lentz method.

    Q(a, x) = x^a e^(-x) / Γ(a) · 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...))).
    """
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _iterations(a) + 1):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            return h * _prefactor(a, x)
    raise ArithmeticError(f"incomplete gamma continued fraction did not converge for a={a}, x={x}")
