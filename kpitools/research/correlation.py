"""Correlation of a satisfaction measure with retention, churn or revenue, with CIs.

==========================  ==================================================================
`correlation`               one correlation (Pearson, Spearman, Kendall, point-biserial,
                            optionally partial on covariates) with its CI and test
`correlation_table`         many correlations in one tidy frame, p-values adjusted for
                            multiplicity (Holm by default)
==========================  ==================================================================

Every interval is a Fisher-z interval ``tanh(atanh(r) ± z·se)`` with the standard error that
the literature gives for the coefficient (see `correlation`).

Examples
--------
>>> import kpitools as kt
>>> from kpitools.research.join import sample_retention_data
>>> data = sample_retention_data().data
>>> r = kt.correlation(data, "nps", "churned", method="pointbiserial")
>>> r
<Correlation nps ~ churned: r = -0.143, 95% CI [-0.197, -0.088] (pointbiserial, fisher_z), \
p=<0.001, n=1248>
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from kpitools.core.display import format_ci, format_pvalue
from kpitools.core.errors import DataValidationError
from kpitools.core.results import ConfidenceInterval, empty_excluded
from kpitools.core.validation import (
    check_alternative,
    check_choice,
    check_confidence_level,
    warn_if_small,
)
from kpitools.research.prepare import (
    as_list,
    binary_outcome,
    complete_rows,
    design_matrix,
    numeric_column,
    require_columns,
)
from kpitools.stats.significance import PVALUE_ADJUSTMENTS, adjust_pvalues

__all__ = [
    "CORRELATION_METHODS",
    "CORRELATION_CI_METHODS",
    "CORRELATION_COLUMNS",
    "CorrelationResult",
    "correlation",
    "correlation_table",
]

CorrelationMethod = Literal["pearson", "spearman", "kendall", "pointbiserial"]
CorrelationCIMethod = Literal["fisher_z", "bonett_wright", "fieller"]

#: Correlation coefficients.
CORRELATION_METHODS: tuple[str, ...] = ("pearson", "spearman", "kendall", "pointbiserial")

#: The CI methods each coefficient accepts (the first is the default).
CORRELATION_CI_METHODS: dict[str, tuple[str, ...]] = {
    "pearson": ("fisher_z",),
    "pointbiserial": ("fisher_z",),
    "spearman": ("bonett_wright", "fieller"),
    "kendall": ("fieller",),
}

#: Columns of a tidy correlation row (`CorrelationResult.to_frame`, `correlation_table`).
CORRELATION_COLUMNS: tuple[str, ...] = (
    "x", "y", "covariates", "method", "estimate", "ci_low", "ci_high", "confidence_level",
    "ci_method", "statistic", "df", "pvalue", "alternative", "n", "n_excluded",
)


@dataclass(frozen=True)
class CorrelationResult:
    """A correlation coefficient with its confidence interval and test.

    Attributes
    ----------
    x, y : str
        The two columns.
    covariates : tuple of str
        Columns partialled out (empty for a plain correlation).
    method : str
        ``"pearson"``, ``"spearman"``, ``"kendall"`` or ``"pointbiserial"``.
    estimate, ci_low, ci_high : float
        The coefficient and its confidence limits (within −1…1).
    confidence_level : float
    ci_method : str
        ``"fisher_z"``, ``"bonett_wright"`` or ``"fieller"``.
    statistic : float
        t statistic of the test (Pearson, point-biserial, Spearman); Kendall's tau itself
        for Kendall (scipy's test).
    df : float
        Degrees of freedom of the t test, ``n − 2 − k`` with ``k`` covariate columns (NaN
        for Kendall).
    pvalue : float
    alternative : str
    n, n_excluded : int
        Rows used, and rows excluded for a missing value (listed in ``excluded``).
    excluded : DataFrame
        ``row, column, value, reason``.
    details : dict
        ``std_error_z``: the standard error of ``atanh(r)`` behind the interval, and
        ``n_design``: the number of design columns partialled out.

    The scipy face: ``statistic``, ``pvalue``, ``ci`` (a ``(low, high)`` named tuple) and
    `confidence_interval` at any level.
    """

    x: str
    y: str
    method: str
    estimate: float
    ci_low: float
    ci_high: float
    confidence_level: float
    ci_method: str
    statistic: float
    df: float
    pvalue: float
    alternative: str
    n: int
    n_excluded: int
    covariates: tuple[str, ...] = ()
    excluded: pd.DataFrame = field(default_factory=empty_excluded, compare=False, repr=False)
    details: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ci(self) -> ConfidenceInterval:
        """The interval as a ``(low, high)`` named tuple."""
        return ConfidenceInterval(self.ci_low, self.ci_high)

    def confidence_interval(self, confidence_level: float | None = None) -> ConfidenceInterval:
        """The interval of the coefficient at another level (same method, same alternative).

        ``tanh(atanh(r) ± z·se)`` with the standard error of `correlation` (``ci_method``);
        ``None`` gives the result's own level.

        >>> from kpitools.research.join import sample_retention_data
        >>> r = correlation(sample_retention_data().data, "nps", "csat")
        >>> r.confidence_interval() == r.ci
        True
        >>> low, high = r.confidence_interval(0.5)
        >>> r.ci_low < low < r.estimate < high < r.ci_high
        True
        """
        level = self.confidence_level if confidence_level is None else \
            check_confidence_level(confidence_level)
        se = self.details.get("std_error_z")
        if se is None:  # built by hand: recompute from n and the design size
            se = _fisher_se(self.method, self.ci_method, self.n,
                            int(self.details.get("n_design", len(self.covariates))),
                            self.estimate)
        return ConfidenceInterval(*_fisher_ci(self.estimate, float(se), level,
                                              self.alternative))

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the columns of `CORRELATION_COLUMNS`."""
        row = {c: getattr(self, c) for c in CORRELATION_COLUMNS}
        row["covariates"] = ", ".join(self.covariates)
        return pd.DataFrame([row], columns=list(CORRELATION_COLUMNS))

    def __repr__(self) -> str:
        given = f" | {', '.join(self.covariates)}" if self.covariates else ""
        excluded = f", {self.n_excluded} excluded" if self.n_excluded else ""
        return (f"<Correlation {self.x} ~ {self.y}{given}: r = {self.estimate:.3f}, "
                f"{self.confidence_level:.0%} CI {format_ci(self.ci_low, self.ci_high, digits=3)}"
                f" ({self.method}, {self.ci_method}), p={format_pvalue(self.pvalue)}, "
                f"n={self.n}{excluded}>")

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = [
            ("Variables", esc(f"{self.x} ~ {self.y}")),
            ("Partialled out", esc(", ".join(self.covariates) or "–")),
            ("Coefficient", f"{self.estimate:.3f} ({esc(self.method)})"),
            (f"{self.confidence_level:.0%} CI",
             f"{format_ci(self.ci_low, self.ci_high, digits=3)} ({esc(self.ci_method)})"),
            ("p-value", format_pvalue(self.pvalue)),
            ("n", f"{self.n:,}"),
            ("Excluded rows", f"{self.n_excluded:,}"),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>"
                       for k, v in rows)
        return f"<table class='kpitools-result'><caption>Correlation</caption>{body}</table>"


def _fisher_se(method: str, ci_method: str, n: int, k: int, r: float) -> float:
    """Standard error of atanh(r) (k = number of partialled-out design columns)."""
    m = n - k
    if method == "kendall":  # Fieller, Hartley & Pearson (1957)
        return math.sqrt(0.437 / (m - 4))
    if method == "spearman":
        if ci_method == "fieller":
            return math.sqrt(1.06 / (m - 3))
        return math.sqrt((1.0 + r * r / 2.0) / (m - 3))  # Bonett & Wright (2000)
    return 1.0 / math.sqrt(m - 3)  # Fisher (1921)


def _fisher_ci(r: float, se: float, level: float, alternative: str) -> tuple[float, float]:
    if abs(r) >= 1.0:
        return (r, r) if alternative == "two-sided" else (
            (r, 1.0) if alternative == "greater" else (-1.0, r))
    z = math.atanh(r)
    if alternative == "two-sided":
        crit = stats.norm.ppf(0.5 + level / 2.0)
        return math.tanh(z - crit * se), math.tanh(z + crit * se)
    crit = stats.norm.ppf(level)
    if alternative == "greater":
        return math.tanh(z - crit * se), 1.0
    return -1.0, math.tanh(z + crit * se)


def _t_pvalue(r: float, df: int, alternative: str) -> tuple[float, float]:
    if abs(r) >= 1.0:
        t = math.copysign(math.inf, r)
    else:
        t = r * math.sqrt(df / (1.0 - r * r))
    if alternative == "two-sided":
        p = 2.0 * stats.t.sf(abs(t), df)
    elif alternative == "greater":
        p = stats.t.sf(t, df)
    else:
        p = stats.t.cdf(t, df)
    return t, float(min(1.0, p))


def _residualize(values: np.ndarray, design: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    return values - design @ coef


def correlation(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    method: CorrelationMethod = "pearson",
    covariates: str | Sequence[str] | None = None,
    confidence_level: float = 0.95,
    ci_method: CorrelationCIMethod | None = None,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    reference: Mapping[str, Any] | None = None,
) -> CorrelationResult:
    """Correlation between two columns, with a Fisher-z confidence interval and a test.

    Parameters
    ----------
    data : DataFrame
        One row per unit (customer).
    x, y : str
        Columns to correlate, e.g. a satisfaction score and a churn flag or revenue.
    method : {"pearson", "spearman", "kendall", "pointbiserial"}, default "pearson"
        ``"pointbiserial"`` is Pearson's r with ``y`` checked to be binary (0/1, True/False,
        Yes/No), the usual coefficient for a score against churn.
    covariates : str or list of str, optional
        Partial correlation: ``x`` and ``y`` are each regressed (OLS with intercept) on these
        columns and the residuals are correlated. Categorical covariates enter as indicators.
        For ``"spearman"`` the ranks of ``x``, ``y`` and the numeric covariates are used.
        Not available for ``"kendall"``.
    confidence_level : float, default 0.95
    ci_method : str, optional
        Standard error of ``atanh(r)``: ``"fisher_z"`` ``1/√(n − 3 − k)`` for Pearson and
        point-biserial [Fisher21]_; for Spearman ``"bonett_wright"`` (default)
        ``√((1 + r²/2)/(n − 3 − k))`` [BW00]_ or ``"fieller"`` ``√(1.06/(n − 3 − k))``
        [FHP57]_; for Kendall ``"fieller"`` ``√(0.437/(n − 4))`` [FHP57]_, the variance that
        [BW00]_ recommend.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        One-sided alternatives give one-sided intervals ``(low, 1)`` or ``(−1, high)``.
    reference : mapping, optional
        Reference level per categorical covariate (default: the first level).

    Returns
    -------
    CorrelationResult
        ``estimate, ci_low, ci_high, statistic, df, pvalue, n, n_excluded, ...``; rows with a
        missing value in any used column are excluded and listed in ``excluded``.

    Raises
    ------
    DataValidationError
        A missing column, text in a numeric column, a constant column, a non-binary ``y``
        for ``"pointbiserial"``, or too few rows (fewer than 4 + k; 5 for Kendall).
    ValueError
        An unknown ``method``, ``ci_method`` or ``alternative``.
    TypeError
        An argument that does not apply: ``covariates`` with ``"kendall"``, a ``ci_method``
        of another coefficient (``"fieller"`` for Pearson), ``reference`` without
        ``covariates`` or naming a column that is not a categorical covariate.

    Notes
    -----
    The test of ρ = 0 is the t test ``t = r √(df / (1 − r²))`` with ``df = n − 2 − k``
    (Pearson, point-biserial, Spearman's t approximation, partial correlations);
    Kendall's tau-b uses `scipy.stats.kendalltau` (exact without ties for small n,
    otherwise the normal approximation). With ``k`` covariates the partial correlation's
    Fisher-z standard error uses ``n − k`` in place of ``n`` [Fisher24]_.

    References
    ----------
    .. [Fisher21] Fisher RA (1921). On the "probable error" of a coefficient of correlation
       deduced from a small sample. Metron 1:3–32.
    .. [Fisher24] Fisher RA (1924). The distribution of the partial correlation coefficient.
       Metron 3:329–332.
    .. [FHP57] Fieller EC, Hartley HO, Pearson ES (1957). Tests for rank correlation
       coefficients. I. Biometrika 44:470–481.
    .. [BW00] Bonett DG, Wright TA (2000). Sample size requirements for estimating Pearson,
       Kendall and Spearman correlations. Psychometrika 65:23–28.

    See Also
    --------
    correlation_table : many correlations with adjusted p-values.

    Examples
    --------
    >>> import kpitools as kt
    >>> from kpitools.research.join import sample_retention_data
    >>> data = sample_retention_data().data
    >>> r = kt.correlation(data, "nps", "churned", method="spearman", covariates="segment")
    >>> round(r.estimate, 3), r.ci_method, r.df
    (-0.14, 'bonett_wright', 1244.0)
    """
    check_choice("method", method, CORRELATION_METHODS)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    valid_ci = CORRELATION_CI_METHODS[method]
    ci_name: str = valid_ci[0] if ci_method is None else ci_method
    check_choice("ci_method", ci_name, dict.fromkeys(
        m for methods in CORRELATION_CI_METHODS.values() for m in methods))
    if ci_name not in valid_ci:
        raise TypeError(f"ci_method={ci_name!r} does not apply to method={method!r}; its "
                        f"interval methods are {', '.join(map(repr, valid_ci))}")
    covs = as_list(covariates)
    if covs and method == "kendall":
        raise TypeError("covariates= does not apply to method='kendall' (no partial "
                        "correlation here); use 'spearman' or 'pearson' with covariates")
    if reference and not covs:
        raise TypeError("reference= applies only with covariates= (the reference level of a "
                        "categorical covariate)")
    require_columns(data, [x, y, *covs], what="correlation")
    frame, excluded = complete_rows(data, [x, y, *covs])
    n = len(frame)
    xv = numeric_column(frame[x], column=x, role="variable")
    if method == "pointbiserial":
        yv = binary_outcome(frame[y], column=y)
    else:
        yv = numeric_column(frame[y], column=y, role="variable")
    design, _ = design_matrix(frame, covs, reference=reference) if covs else (None, {})
    k = 0 if design is None else design.shape[1]
    minimum = (5 if method == "kendall" else 4) + k
    if n < minimum:
        raise DataValidationError(
            f"{n} complete rows; the {method} interval needs at least {minimum}", column=x)
    warn_if_small(n, what=f"correlation of {x!r} and {y!r}")

    if method == "spearman":
        xv, yv = stats.rankdata(xv), stats.rankdata(yv)
    if design is not None:
        cols = design.to_numpy(dtype=float, copy=True)  # ranked in place below
        if method == "spearman":
            numeric = [c for c in design.columns if c in covs]
            for j, c in enumerate(design.columns):
                if c in numeric:
                    cols[:, j] = stats.rankdata(cols[:, j])
        full = np.column_stack([np.ones(n), cols])
        xv, yv = _residualize(xv, full), _residualize(yv, full)

    if method == "kendall":
        res = stats.kendalltau(xv, yv, alternative=alternative)
        r, statistic, pvalue, df = float(res.statistic), float(res.statistic), \
            float(res.pvalue), math.nan
    else:
        r = float(np.corrcoef(xv, yv)[0, 1])
        r = max(-1.0, min(1.0, r))
        df = float(n - 2 - k)
        statistic, pvalue = _t_pvalue(r, int(df), alternative)
    se = _fisher_se(method, ci_name, n, k, r)
    low, high = _fisher_ci(r, se, level, alternative)
    return CorrelationResult(
        x=x, y=y, method=method, estimate=r, ci_low=low, ci_high=high,
        confidence_level=level, ci_method=ci_name, statistic=statistic, df=df,
        pvalue=pvalue, alternative=alternative, n=n, n_excluded=len(excluded),
        covariates=tuple(covs), excluded=excluded,
        details={"std_error_z": se, "n_design": k})


def correlation_table(
    data: pd.DataFrame,
    x: str | Sequence[str],
    y: str | Sequence[str],
    *,
    method: CorrelationMethod | Sequence[CorrelationMethod] = "pearson",
    covariates: str | Sequence[str] | None = None,
    confidence_level: float = 0.95,
    ci_method: CorrelationCIMethod | None = None,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    adjust: Literal["holm", "benjamini_hochberg", "bonferroni", "none"] = "holm",
    reference: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Correlations of every ``x`` with every ``y``, p-values adjusted for multiplicity.

    Parameters
    ----------
    data : DataFrame
    x, y : str or list of str
        Every pair ``(x_i, y_j)`` is tested (a pair of a column with itself is skipped).
    method : str or list of str, default "pearson"
        One coefficient, or several (one row per pair and method, all in one family of
        tests).
    covariates, confidence_level, ci_method, alternative, reference
        As in `correlation`. With several methods, ``ci_method=None`` gives each method
        its default interval.
    adjust : {"holm", "benjamini_hochberg", "bonferroni", "none"}, default "holm"
        Multiplicity adjustment over the tests in the table, by
        `kpitools.stats.significance.adjust_pvalues`: Holm's step-down procedure [Holm79]_
        controls the family-wise error rate; Benjamini–Hochberg [BH95]_ the false-discovery
        rate.

    Returns
    -------
    DataFrame
        One row per pair with the columns of `CORRELATION_COLUMNS`, then ``pvalue_adjusted``
        and ``p_adjust_method``. Confidence intervals are not adjusted.

    Notes
    -----
    Each pair uses its own complete rows, so ``n`` may differ between rows.

    References
    ----------
    .. [Holm79] Holm S (1979). A simple sequentially rejective multiple test procedure.
       Scand J Stat 6:65–70.
    .. [BH95] Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. J R Stat
       Soc B 57:289–300.

    Examples
    --------
    >>> from kpitools.research.join import sample_retention_data
    >>> data = sample_retention_data().data
    >>> table = correlation_table(data, ["nps", "csat", "ces"], "churned", method="spearman")
    >>> table[["x", "n", "p_adjust_method"]]
          x     n p_adjust_method
    0   nps  1248            holm
    1  csat  1237            holm
    2   ces  1228            holm
    """
    check_choice("adjust", adjust, PVALUE_ADJUSTMENTS)
    xs, ys = as_list(x), as_list(y)
    methods = as_list(method)
    if not xs or not ys:
        raise ValueError("correlation_table needs at least one x and one y column")
    rows = [
        correlation(data, xi, yj, method=m,  # type: ignore[arg-type]
                    covariates=covariates,
                    confidence_level=confidence_level, ci_method=ci_method,
                    alternative=alternative, reference=reference).to_frame()
        for xi in xs for yj in ys if xi != yj for m in methods
    ]
    if not rows:
        raise ValueError("correlation_table: every pair correlates a column with itself")
    table = pd.concat(rows, ignore_index=True)
    table["pvalue_adjusted"] = adjust_pvalues(table["pvalue"].to_numpy(), method=adjust)
    table["p_adjust_method"] = adjust
    return table
