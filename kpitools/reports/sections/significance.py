"""One rule for significance in every report table, stated once.

**Each table is one family of tests.** Its p-values are adjusted together with Holm's
step-down procedure [Holm79]_, which controls the family-wise error rate (the chance of
calling even one change real when none is) without assumptions about how the tests depend
on each other — the comparisons of one table share data (every team is compared with the
same company, both columns of the headline share the current quarter), so a method that
needs independence (Šidák, Hochberg) is not used. The family of each table:

=======================  ==================================================================
headline                 every KPI × {previous quarter, same quarter last year}
operations               every KPI × {previous quarter, same quarter last year}
teams: change            the teams (this quarter against the previous one)
teams: against the rest  the teams (each against all other teams, this quarter)
channels                 the channels, likewise (change; against the rest)
competitors              the competitors of the quarter (us − them)
competitor trend         each quarter's competitors (a cell equals that quarter's table)
=======================  ==================================================================

**Intervals match the adjusted p-values.** The interval shown beside an adjusted p-value
is computed at the confidence level of that row's Holm step, ``1 − α/k`` where ``k`` is the
factor Holm applied to the row's p-value (``m`` for the smallest p-value, ``m − 1`` for the
next, ... with the step-down's running maximum; ``k = m`` throughout is Bonferroni's
simultaneous interval [Dunn61]_). So an interval excludes zero exactly when the adjusted
test rejects, as far as the test and the interval method are dual. Holm-compatible intervals
that are also *simultaneous* are much less informative [SB08]_; the ones shown here are each
at their stated level.

**Stars, verdicts and intervals agree by construction.** A row is significant when its
(adjusted) interval excludes zero; the stars (``*`` adjusted p < 0.05, ``**`` < 0.01, ``***``
< 0.001), the verdict ("up 6.2 points") and its colour follow from that. Where the
p-value of the named test and the interval method are not exact duals (Newcombe's interval
beside the two-proportion z test, a bootstrap interval beside Welch's t test), they can
fall on opposite sides of α for a borderline row; such a row is marked ``†`` and the
interval decides.

**Words.** A change that is not significant reads "not significant", or "inconclusive
(could not detect less than ±X)" where the minimum detectable change ``X`` (80 % power, at
the row's level) is known. A target status reads "above target", "on target" or "below
target", followed by "(not significant)" when the KPI's confidence interval contains the
target.

References
----------
.. [Holm79] Holm S (1979). A simple sequentially rejective multiple test procedure.
   Scand J Stat 6:65–70.
.. [Dunn61] Dunn OJ (1961). Multiple comparisons among means. J Am Stat Assoc 56:52–64.
.. [SB08] Strassburger K, Bretz F (2008). Compatible simultaneous lower confidence bounds
   for the Holm procedure and other Bonferroni-based closed tests. Stat Med 27:4914–4927.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["SIGNIFICANCE_RULE", "holm_levels", "adjust_family", "interval_of", "significance_marks",
           "family_note", "is_significant", "target_status"]

#: The rule in a few plain sentences, printed once at the start of a report.
SIGNIFICANCE_RULE = (
    "How to read the tests: each table is one family of tests and its p-values are adjusted "
    "together with Holm's method (it controls the chance of any false alarm in the table, "
    "whatever the dependence between its comparisons). Each interval beside an adjusted "
    "p-value is at the confidence level of its Holm step (1 − 0.05/k), so it excludes zero "
    "exactly when the change is significant. Stars: * adjusted p < 0.05, ** < 0.01, "
    "*** < 0.001. \"Not significant\" means the data cannot tell the change from noise, not "
    "that nothing changed; \"inconclusive\" gives the smallest change the sample could have "
    "detected (80 % power). Target status: above, on or below target, \"(not significant)\" "
    "when the interval contains the target."
)


def holm_levels(pvalues: Sequence[float], *, confidence_level: float = 0.95,
                adjust: str = "holm") -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values and the confidence level of each row's matching interval.

    For Holm's step-down procedure [Holm79]_ the ``i``-th smallest of ``m`` p-values is
    multiplied by ``m − i + 1`` and the running maximum is taken; ``k`` is the resulting
    factor of the row (adjusted p / raw p, before capping at 1) and the row's interval is
    at level ``1 − (1 − confidence_level)/k``: it excludes the null value exactly when
    the adjusted p-value is below ``1 − confidence_level`` (for a test and an interval that
    are duals). ``"bonferroni"`` gives ``k = m`` for every row (simultaneous intervals,
    [Dunn61]_), ``"none"`` ``k = 1``. NaN p-values are not tests: NaN out.

    Examples
    --------
    >>> p, level = holm_levels([0.01, 0.04, 0.03])
    >>> p.round(3).tolist(), level.round(4).tolist()
    ([0.03, 0.06, 0.06], [0.9833, 0.9667, 0.975])
    >>> holm_levels([0.01, 0.04], adjust="bonferroni")[1].round(3).tolist()
    [0.975, 0.975]
    """
    p = np.asarray(pvalues, dtype=float).ravel()
    out_p = np.full(p.shape, np.nan)
    out_level = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out_p, out_level
    if adjust not in ("holm", "bonferroni", "none"):
        raise ValueError(f"adjust={adjust!r} has no matching interval; choose one of "
                         "'holm', 'bonferroni', 'none'")
    order = np.argsort(q, kind="mergesort")
    sorted_p = q[order]
    if adjust == "holm":
        raw = np.maximum.accumulate(sorted_p * (m - np.arange(m)))
    elif adjust == "bonferroni":
        raw = sorted_p * m
    else:
        raw = sorted_p.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(sorted_p > 0, raw / sorted_p,
                          (m - np.arange(m)) if adjust == "holm" else
                          (m if adjust == "bonferroni" else 1.0))
    factor = np.maximum(factor, 1.0)
    adj = np.empty(m)
    k = np.empty(m)
    adj[order] = np.minimum(raw, 1.0)
    k[order] = factor
    out_p[ok] = adj
    out_level[ok] = 1.0 - (1.0 - confidence_level) / k
    return out_p, out_level


def is_significant(ci_low: float, ci_high: float, null: float = 0.0) -> bool:
    """Whether the interval ``[ci_low, ci_high]`` excludes ``null`` (False for NaN).

    >>> is_significant(0.2, 1.4), is_significant(-0.1, 1.4), is_significant(np.nan, 1.0)
    (True, False, False)
    """
    if ci_low is None or ci_high is None or math.isnan(ci_low) or math.isnan(ci_high):
        return False
    return bool(ci_low > null or ci_high < null)


def adjust_family(rows: list[dict[str, Any]], rerun: Callable[[int, float], tuple[float, float]],
                  *, confidence_level: float = 0.95, adjust: str = "holm",
                  prefix: str = "", null: float = 0.0) -> None:
    """Adjust one family of comparisons in place: p-values, intervals, significance.

    Each row holds ``{prefix}pvalue``, ``{prefix}ci_low`` and ``{prefix}ci_high`` (the
    unadjusted comparison at ``confidence_level``; NaN p-value: no comparison).
    ``rerun(i, level)`` returns the interval of row ``i`` at ``level``. Added to each row:
    ``{prefix}pvalue_adjusted``, ``{prefix}ci_level`` (the level of the interval now in
    ``ci_low``/``ci_high``), ``{prefix}significant`` (the interval excludes ``null``) and
    ``{prefix}borderline`` (the adjusted p-value and the interval disagree).

    Examples
    --------
    >>> rows = [{"pvalue": 0.01, "ci_low": 0.5, "ci_high": 2.0},
    ...         {"pvalue": 0.5, "ci_low": -1.0, "ci_high": 2.0}]
    >>> adjust_family(rows, lambda i, level: (rows[i]["ci_low"] - 0.1, rows[i]["ci_high"]))
    >>> rows[0]["pvalue_adjusted"], rows[0]["significant"], rows[1]["significant"]
    (0.02, True, False)
    """
    pv = [float(r.get(f"{prefix}pvalue", np.nan)) for r in rows]
    adj, levels = holm_levels(pv, confidence_level=confidence_level, adjust=adjust)
    alpha = 1.0 - confidence_level
    for i, row in enumerate(rows):
        row[f"{prefix}pvalue_adjusted"] = float(adj[i])
        if math.isnan(adj[i]):
            row[f"{prefix}ci_level"] = np.nan
            row[f"{prefix}significant"] = False
            row[f"{prefix}borderline"] = False
            continue
        level = float(levels[i])
        if not math.isclose(level, confidence_level, rel_tol=0, abs_tol=1e-12):
            lo, hi = rerun(i, level)
            row[f"{prefix}ci_low"], row[f"{prefix}ci_high"] = float(lo), float(hi)
        row[f"{prefix}ci_level"] = level
        sig = is_significant(row[f"{prefix}ci_low"], row[f"{prefix}ci_high"], null)
        row[f"{prefix}significant"] = sig
        row[f"{prefix}borderline"] = sig != bool(adj[i] < alpha)


def interval_of(compare: Callable[[Any, float], Mapping[str, Any]], items: Sequence[Any]
                ) -> Callable[[int, float], tuple[float, float]]:
    """The ``rerun`` of `adjust_family` for a family whose member ``i`` is
    ``compare(items[i], level)`` (a mapping with ``ci_low`` and ``ci_high``): each member
    computed once at its new level.

    >>> calls = []
    >>> def compare(x, level):
    ...     calls.append(x)
    ...     return {"ci_low": x - level, "ci_high": x + level}
    >>> interval_of(compare, [10.0, 20.0])(1, 0.99), calls
    ((19.01, 20.99), [20.0])
    """
    def rerun(i: int, level: float) -> tuple[float, float]:
        result = compare(items[i], level)
        return result["ci_low"], result["ci_high"]
    return rerun


def significance_marks(pvalue_adjusted: float, significant: bool, borderline: bool) -> str:
    """The stars of a row: by the adjusted p-value, at least one when the interval excludes
    zero and none when it does not; ``†`` when the test and the interval disagree.

    >>> significance_marks(0.003, True, False), significance_marks(0.2, False, False)
    ('**', '')
    >>> significance_marks(0.051, True, True), significance_marks(0.049, False, True)
    ('*†', '†')
    """
    from kpitools.core.display import significance_mark

    if not significant:
        return "†" if borderline else ""
    stars = significance_mark(pvalue_adjusted) or "*"
    return stars + ("†" if borderline else "")


def family_note(family: str, m: int, *, adjust: str = "holm", alpha: float = 0.05) -> str:
    """The one line under a table naming its family and correction.

    >>> print(family_note("the 6 teams", 6))
    Family: the 6 teams (6 tests), Holm-adjusted p-values; each interval is at its Holm
    step's level (1 − 0.05/k).
    """
    if m <= 1:
        return f"Family: {family} (one test, no adjustment needed)."
    name = {"holm": "Holm", "bonferroni": "Bonferroni", "none": "unadjusted"}.get(adjust, adjust)
    step = (f"each interval is at its Holm step's level (1 − {alpha:g}/k)" if adjust == "holm"
            else f"intervals at level 1 − {alpha:g}/{m}" if adjust == "bonferroni" else
            f"{1 - alpha:.0%} intervals")
    return f"Family: {family} ({m} tests), {name}-adjusted p-values; {step}."


def target_status(estimate: float, ci_low: float, ci_high: float, target: float, *,
                  digits: int = 1) -> str:
    """Where a KPI stands against its target, in words.

    ``"above target"`` / ``"below target"`` by the estimate, with ``" (not significant)"``
    when the confidence interval contains the target; ``"on target"`` when the estimate
    equals the target at the displayed precision. Whether above is good is the reader's
    (and the colour's) business: for a KPI where lower is better, "below target" is good.

    >>> target_status(26.8, 22.8, 30.7, 30)
    'below target (not significant)'
    >>> target_status(70.8, 68.2, 73.3, 75)
    'below target'
    >>> target_status(5.22, 5.15, 5.29, 5.0, digits=2)
    'above target'
    >>> target_status(30.02, 25.0, 35.0, 30)
    'on target'
    """
    if any(v is None or math.isnan(v) for v in (estimate, ci_low, ci_high, target)):
        return ""
    if round(estimate, digits) == round(target, digits):
        return "on target"
    side = "above target" if estimate > target else "below target"
    if ci_low <= target <= ci_high:
        return side + " (not significant)"
    return side
