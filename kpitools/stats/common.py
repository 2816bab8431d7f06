"""What every engine module shares: critical values, p-values, one-sided bounds, the test result.

The comparison contract of the engine (and of kpitools): two-sample functions take the
baseline ``a`` first and the group ``b`` second, and report ``b − a`` (or ``b / a`` where the
natural measure is a ratio; the result says which in ``measure``). ``alternative`` has scipy's
direction for that measure: ``"greater"`` tests ``b − a > 0`` (``b / a > 1``).

Interval functions return a `kpitools.core.results.ConfidenceInterval` ``(low, high)``
named tuple (of floats, or of arrays for array input); two-sample tests return a
`SignificanceResult` with ``statistic``, ``pvalue``, ``confidence_interval(confidence_level)``
where the test has a dual interval, and ``to_frame()``, after scipy's result objects.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from kpitools.core.display import format_pvalue
from kpitools.core.results import ConfidenceInterval
from kpitools.core.validation import check_alternative, check_confidence_level

__all__ = [
    "Measure",
    "SIGNIFICANCE_COLUMNS",
    "SignificanceResult",
    "z_critical",
    "pvalue_from_z",
    "two_sided_level",
    "one_sided_bounds",
    "as_interval",
]

Measure = Literal["difference", "ratio", "odds_ratio", "rank"]

#: Columns of `SignificanceResult.to_frame`.
SIGNIFICANCE_COLUMNS: tuple[str, ...] = (
    "test", "measure", "estimate", "null_value", "ci_low", "ci_high", "confidence_level",
    "statistic", "df", "pvalue", "alternative", "standard_error", "n_a", "n_b",
)


def z_critical(confidence_level: float) -> float:
    """Two-sided standard-normal critical value, e.g. 1.959964 for 0.95.

    >>> round(z_critical(0.95), 6)
    1.959964
    """
    return float(stats.norm.ppf(0.5 + confidence_level / 2.0))


def pvalue_from_z(z: float, alternative: str = "two-sided") -> float:
    """P-value of a standard-normal statistic ``z`` (scipy's direction).

    >>> round(pvalue_from_z(1.959964), 4)
    0.05
    >>> round(pvalue_from_z(1.644854, "greater"), 4)
    0.05
    """
    check_alternative(alternative)
    if np.isnan(z):
        return float("nan")
    if alternative == "greater":
        return float(stats.norm.sf(z))
    if alternative == "less":
        return float(stats.norm.cdf(z))
    return float(min(1.0, 2.0 * stats.norm.sf(abs(z))))


def two_sided_level(confidence_level: float, alternative: str) -> float:
    """The two-sided level whose one bound is the one-sided bound at ``confidence_level``.

    A one-sided 95 % bound is one end of the two-sided 90 % interval.

    >>> round(two_sided_level(0.95, "greater"), 10), two_sided_level(0.95, "two-sided")
    (0.9, 0.95)
    """
    return confidence_level if alternative == "two-sided" else 2.0 * confidence_level - 1.0


def one_sided_bounds(low: Any, high: Any, alternative: str, bottom: float, top: float
                     ) -> tuple[Any, Any]:
    """Replace the open end by the end of the scale: ``"greater"`` gives ``(low, top)``.

    >>> one_sided_bounds(0.2, 0.4, "greater", 0.0, 1.0)
    (0.2, array(1.))
    """
    if alternative == "greater":
        return low, np.full_like(np.asarray(high, dtype=float), top)
    if alternative == "less":
        return np.full_like(np.asarray(low, dtype=float), bottom), high
    return low, high


def as_interval(low: Any, high: Any) -> ConfidenceInterval:
    """``ConfidenceInterval`` of floats (scalar input) or of float arrays.

    >>> as_interval(np.float64(0.25), 0.5)
    ConfidenceInterval(low=0.25, high=0.5)
    """
    lo = np.asarray(low, dtype=float)
    hi = np.asarray(high, dtype=float)
    if lo.ndim == 0 and hi.ndim == 0:
        return ConfidenceInterval(float(lo), float(hi))
    return ConfidenceInterval(lo, hi)  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class SignificanceResult:
    """Result of a two-sample test, in the manner of scipy's result objects.

    Unpacks like the 0.1 named tuple: ``statistic, pvalue, test = result``.

    Attributes
    ----------
    statistic : float
        The test statistic (z, t, U, odds ratio or count, as ``test`` says).
    pvalue : float
        P-value of the null hypothesis ``estimate == null_value`` against ``alternative``.
    test : str
        Name of the test, e.g. ``"two_proportion_z"``.
    alternative : {"two-sided", "less", "greater"}
        Scipy's direction for ``b − a`` (``b / a`` for ratios).
    estimate : float
        The observed effect of ``b`` against the baseline ``a``: ``b − a`` for
        ``measure="difference"``, ``b / a`` for ``"ratio"``, the odds ratio of ``b`` to ``a``
        for ``"odds_ratio"``; NaN for rank tests (``"rank"``).
    measure : {"difference", "ratio", "odds_ratio", "rank"}
    null_value : float
        ``estimate`` under the null hypothesis (0 for differences, 1 for ratios).
    df : float
        Degrees of freedom of a t test (NaN otherwise).
    standard_error : float
        Standard error of ``estimate`` used by the test (NaN where none is used).
    n_a, n_b : float
        Sizes of the baseline and of the group (NaN where not given).
    """

    statistic: float
    pvalue: float
    test: str
    alternative: str = "two-sided"
    estimate: float = math.nan
    measure: str = "difference"
    null_value: float = 0.0
    df: float = math.nan
    standard_error: float = math.nan
    n_a: float = math.nan
    n_b: float = math.nan
    interval: Callable[[float], ConfidenceInterval] | None = field(
        default=None, repr=False, compare=False)

    # --- the 0.1 named tuple: unpacking, indexing, equality with a tuple
    def __iter__(self) -> Iterator[Any]:
        return iter((self.statistic, self.pvalue, self.test))

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index: int | slice) -> Any:
        return (self.statistic, self.pvalue, self.test)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SignificanceResult):
            return all(x == y or (_isnan(x) and _isnan(y))
                       for x, y in zip(self._fields(), other._fields(), strict=True))
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def _fields(self) -> tuple[Any, ...]:
        return (self.statistic, self.pvalue, self.test, self.alternative, self.estimate,
                self.measure, self.null_value, self.df, self.standard_error, self.n_a, self.n_b)

    @property
    def has_interval(self) -> bool:
        """Whether the test has a dual `confidence_interval`."""
        return self.interval is not None

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Confidence interval of ``estimate`` dual to the test (same method, same alternative).

        Raises
        ------
        TypeError
            For tests without a dual interval (Fisher's exact test, Mann–Whitney); the
            message names the function that gives an interval.
        """
        if self.interval is None:
            raise TypeError(f"{self.test} has no dual confidence interval; use "
                            f"{_INTERVAL_ADVICE.get(self.test, 'an interval function')}")
        return self.interval(check_confidence_level(confidence_level))

    def to_frame(self, confidence_level: float = 0.95) -> pd.DataFrame:
        """One tidy row with the columns of ``SIGNIFICANCE_COLUMNS``.

        ``ci_low``, ``ci_high`` hold the dual interval at ``confidence_level`` (NaN when the
        test has none).
        """
        level = check_confidence_level(confidence_level)
        low, high = self.confidence_interval(level) if self.has_interval else (math.nan,
                                                                              math.nan)
        row = {
            "test": self.test, "measure": self.measure, "estimate": float(self.estimate),
            "null_value": float(self.null_value), "ci_low": float(low), "ci_high": float(high),
            "confidence_level": level if self.has_interval else math.nan,
            "statistic": float(self.statistic), "df": float(self.df),
            "pvalue": float(self.pvalue), "alternative": self.alternative,
            "standard_error": float(self.standard_error), "n_a": float(self.n_a),
            "n_b": float(self.n_b),
        }
        return pd.DataFrame([row], columns=list(SIGNIFICANCE_COLUMNS))

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = [("Test", esc(self.test)), ("Statistic", f"{self.statistic:.4g}"),
                ("p-value", format_pvalue(self.pvalue)),
                ("Alternative", esc(self.alternative))]
        if not math.isnan(self.estimate):
            rows.insert(1, (f"Estimate ({esc(self.measure)})", f"{self.estimate:.4g}"))
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>"
                       for k, v in rows)
        return f"<table class='kpitools-result'><caption>Test</caption>{body}</table>"


def _isnan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


_INTERVAL_ADVICE = {
    "fisher_exact": "kpitools.stats.diff_proportions_ci for the difference b − a",
    "mann_whitney": "kpitools.stats.quantiles.hodges_lehmann for the shift b − a",
}
