"""Logistic regression of churn on satisfaction, with odds ratios and marginal effects.

`logistic_regression` fits ``logit P(churn) = β₀ + β·satisfaction + γ·covariates`` by
maximum likelihood (statsmodels ``Logit``) or by Firth's penalized likelihood, and returns
odds ratios with confidence intervals and p-values in a tidy table, plus the average
marginal effect of one more point of satisfaction on the churn probability.

Before fitting, the data are checked for separation (a combination of predictors that
predicts churn perfectly, for some or all rows). Maximum likelihood has no finite estimate
then: statsmodels would return huge coefficients with a warning at best. kpitools raises a
`SeparationError` naming the predictors involved instead, and ``method="firth"`` gives finite,
bias-reduced estimates.

Examples
--------
>>> import kpitools as kt
>>> from kpitools.research.join import sample_retention_data
>>> data = sample_retention_data().data
>>> fit = kt.logistic_regression(data, "churned", "nps", covariates=["segment"])
>>> fit
<LogisticRegression churned ~ nps + segment: OR per point of nps 0.782, 95% CI [0.709, 0.864], \
p=<0.001; AME -2.9 percentage points; n=1248, 192 events (mle)>
>>> fit.table["term"].tolist()
['nps', 'segment[Mid-market]', 'segment[SMB]']
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from kpitools.core.display import format_ci, format_pvalue
from kpitools.core.errors import DataValidationError, KpiToolsWarning
from kpitools.core.results import empty_excluded
from kpitools.core.validation import check_choice, check_confidence_level
from kpitools.research.prepare import (
    as_list,
    binary_outcome,
    complete_rows,
    design_matrix,
    numeric_column,
    require_columns,
)

__all__ = [
    "SeparationError",
    "ModelFitWarning",
    "RegressionResult",
    "REGRESSION_COLUMNS",
    "MARGINAL_EFFECT_COLUMNS",
    "LOGISTIC_METHODS",
    "PREDICTOR_TYPES",
    "logistic_regression",
    "detect_separation",
    "nps_category",
]

LOGISTIC_METHODS: tuple[str, ...] = ("mle", "firth")
PREDICTOR_TYPES: tuple[str, ...] = ("numeric", "categorical", "nps_category")

#: Columns of a coefficient table (odds ratios here, hazard ratios in `kpitools.research.survival`).
REGRESSION_COLUMNS: tuple[str, ...] = (
    "term", "variable", "measure", "estimate", "ci_low", "ci_high", "confidence_level",
    "coef", "std_error", "statistic", "pvalue", "method",
)
#: Columns of the average-marginal-effect table.
MARGINAL_EFFECT_COLUMNS: tuple[str, ...] = (
    "term", "contrast", "estimate", "ci_low", "ci_high", "confidence_level", "std_error",
    "statistic", "pvalue", "unit", "method",
)

NPS_CATEGORIES: tuple[str, ...] = ("detractor", "passive", "promoter")


class SeparationError(DataValidationError):
    """The outcome is perfectly predicted by some predictors: no finite maximum-likelihood fit.

    ``column`` names the first predictor involved; ``terms`` lists all of them.
    """

    def __init__(self, problem: str, *, column: str | None = None,
                 terms: Sequence[str] = ()) -> None:
        self.terms = list(terms)
        super().__init__(problem, column=column)


class ModelFitWarning(KpiToolsWarning):
    """A model fit did not converge or is numerically doubtful."""


@dataclass(frozen=True)
class RegressionResult:
    """A fitted regression: coefficient table, marginal effects and bookkeeping.

    Attributes
    ----------
    model : str
        ``"logistic"`` or ``"cox"``.
    outcome : str
        The outcome column (for Cox: the event column).
    predictor : str or None
        The column of main interest (satisfaction).
    covariates : tuple of str
    method : str
        ``"mle"`` or ``"firth"`` (logistic); ``"efron"`` or ``"breslow"`` ties (Cox).
    table : DataFrame
        One row per term with the columns of `REGRESSION_COLUMNS`; ``estimate`` is the odds
        ratio (``measure == "odds_ratio"``) or hazard ratio, ``coef`` its logarithm.
    marginal_effects : DataFrame
        Average marginal effects of the predictor (logistic only; `MARGINAL_EFFECT_COLUMNS`).
    confidence_level : float
    n, n_events, n_excluded : int
        Rows used, events (churned) among them, rows excluded for missing values.
    excluded : DataFrame
        ``row, column, value, reason``.
    converged : bool
    details : dict
        ``intercept``, ``loglik``, ``covariance`` (DataFrame) and, for Cox, ``ph_test``.
    fit : object
        The underlying statsmodels results (None for Firth).

    The scipy face, one entry per term: ``statistic`` and ``pvalue`` (the Wald z tests, as
    Series indexed by term), ``ci`` (the table's interval, a frame indexed by term) and
    `confidence_interval` at any level. ``to_frame()`` is the coefficient table.
    """

    model: str
    outcome: str
    predictor: str | None
    covariates: tuple[str, ...]
    method: str
    table: pd.DataFrame
    confidence_level: float
    n: int
    n_events: int
    n_excluded: int
    converged: bool
    marginal_effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False,
                                           compare=False)
    excluded: pd.DataFrame = field(default_factory=empty_excluded, repr=False, compare=False)
    details: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    fit: Any = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table (a copy): one row per term, the columns of
        `REGRESSION_COLUMNS`."""
        return self.table.copy()

    @property
    def statistic(self) -> pd.Series:
        """Wald z statistic per term (``coef / std_error``)."""
        return self.table.set_index("term")["statistic"].rename("statistic")

    @property
    def pvalue(self) -> pd.Series:
        """Two-sided Wald p-value per term."""
        return self.table.set_index("term")["pvalue"].rename("pvalue")

    @property
    def ci(self) -> pd.DataFrame:
        """The interval of each ratio: ``ci_low, ci_high`` indexed by term."""
        return self.table.set_index("term")[["ci_low", "ci_high"]]

    def confidence_interval(self, confidence_level: float | None = None) -> pd.DataFrame:
        """Wald intervals of the ratios at another level: ``exp(coef ± z·se)``.

        Returns a frame indexed by term with ``ci_low, ci_high``; ``None`` gives the
        result's own level (the same as ``ci``).

        >>> from kpitools.research.join import sample_retention_data
        >>> fit = logistic_regression(sample_retention_data().data, "churned", "nps")
        >>> fit.confidence_interval().equals(fit.ci)
        True
        >>> wide = fit.confidence_interval(0.99)
        >>> bool(wide.loc["nps", "ci_low"] < fit.ci.loc["nps", "ci_low"])
        True
        """
        level = self.confidence_level if confidence_level is None else \
            check_confidence_level(confidence_level)
        crit = stats.norm.ppf(0.5 + level / 2.0)
        t = self.table.set_index("term")
        coef, se = t["coef"].to_numpy(), t["std_error"].to_numpy()
        return pd.DataFrame({"ci_low": np.exp(coef - crit * se),
                             "ci_high": np.exp(coef + crit * se)}, index=t.index)

    def _headline(self) -> str:
        measure = "OR" if self.model == "logistic" else "HR"
        rows = self.table[self.table["variable"] == self.predictor]
        if len(rows) != 1:
            return ""
        row = rows.iloc[0]
        per = f" per point of {self.predictor}" if row["term"] == self.predictor else \
            f" {row['term']}"
        text = (f": {measure}{per} {row['estimate']:.3f}, {self.confidence_level:.0%} CI "
                f"{format_ci(row['ci_low'], row['ci_high'], digits=3)}, "
                f"p={format_pvalue(row['pvalue'])}")
        me = self.marginal_effects
        if len(me) == 1:
            text += f"; AME {me['estimate'].iloc[0]:+.1f} percentage points"
        return text

    def __repr__(self) -> str:
        name = "LogisticRegression" if self.model == "logistic" else "CoxRegression"
        rhs = " + ".join([p for p in (self.predictor,) if p] + list(self.covariates))
        return (f"<{name} {self.outcome} ~ {rhs}{self._headline()}; n={self.n}, "
                f"{self.n_events} events ({self.method})>")

    def _repr_html_(self) -> str:
        shown = self.table[["term", "estimate", "ci_low", "ci_high", "pvalue"]].copy()
        head = "odds ratio" if self.model == "logistic" else "hazard ratio"
        body = "".join(
            f"<tr><td>{html.escape(str(r.term))}</td><td>{r.estimate:.3f}</td>"
            f"<td>{format_ci(r.ci_low, r.ci_high, digits=3)}</td>"
            f"<td>{format_pvalue(r.pvalue)}</td></tr>" for r in shown.itertuples())
        return (f"<table class='kpitools-result'><caption>{html.escape(repr(self))}</caption>"
                f"<tr><th>term</th><th>{head}</th><th>{self.confidence_level:.0%} CI</th>"
                f"<th>p</th></tr>{body}</table>")


def nps_category(values: Any, *, column: str | None = None) -> pd.Categorical:
    """0–10 answers → ordered categories detractor (0–6), passive (7–8), promoter (9–10).

    >>> list(nps_category([0, 7, 10]))
    ['detractor', 'passive', 'promoter']
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    numeric = pd.to_numeric(series, errors="coerce")
    bad = ~numeric.between(0, 10) | (numeric % 1 != 0)
    if bad.any():
        raise DataValidationError(f"{int(bad.sum())} value(s) not whole numbers in 0–10",
                                  column=column or series.name, rows=list(series.index[bad]),
                                  values=list(series[bad]))
    cats = np.where(numeric <= 6, "detractor", np.where(numeric <= 8, "passive", "promoter"))
    return pd.Categorical(cats, categories=list(NPS_CATEGORIES), ordered=True)


def detect_separation(X: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Check a binary-outcome design for complete or quasi-complete separation.

    Solves Konis's linear program [Konis07]_: maximize ``Σ ỹᵢ xᵢᵀβ`` subject to
    ``ỹᵢ xᵢᵀβ ≥ 0`` for every row and ``−1 ≤ βⱼ ≤ 1``, with ``ỹ = 2y − 1``. The optimum is
    positive exactly when some direction ``β`` separates the outcomes (completely or with
    ties), in which case the logistic likelihood has no finite maximum.

    Parameters
    ----------
    X : array (n, p)
        Design matrix including the intercept column.
    y : array (n,)
        0/1 outcome.

    Returns
    -------
    None when there is no separation, else the boolean mask of the design columns that the
    separating direction uses.

    References
    ----------
    .. [Konis07] Konis K (2007). Linear programming algorithms for detecting separated data
       in binary logistic regression models. DPhil thesis, University of Oxford.

    Examples
    --------
    >>> x = np.array([1, 2, 3, 4, 5, 6.0])
    >>> X = np.column_stack([np.ones(6), x])
    >>> detect_separation(X, np.array([0, 0, 0, 1, 1, 1])).tolist()
    [True, True]
    >>> detect_separation(X, np.array([0, 1, 0, 1, 0, 1])) is None
    True
    """
    X = np.asarray(X, dtype=float)
    scale = X.std(axis=0)
    center = X.mean(axis=0)
    constant = scale == 0
    Z = np.where(constant, X, (X - center) / np.where(constant, 1.0, scale))
    sign = 2.0 * np.asarray(y, dtype=float) - 1.0
    A = Z * sign[:, None]
    res = optimize.linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(A)),
                           bounds=[(-1.0, 1.0)] * A.shape[1], method="highs")
    if res.status != 0 or -res.fun <= 1e-7 * len(A):
        return None
    return np.abs(res.x) > 1e-7


def _no_separation_certificate(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> bool:
    """True when the coefficients ``beta`` prove that ``(X, y)`` is not separated.

    A cheap check run on a maximum-likelihood fit before the linear program of
    `detect_separation`: it can only ever prove the *absence* of separation, so a False
    answer means "not proven" (the caller then runs the linear program), never "separated".

    Notes
    -----
    With ``ỹ = 2y − 1`` and ``A = diag(ỹ) X``, the data are separated (completely or
    quasi-completely) exactly when some ``β ≠ 0`` has ``Aβ ≥ 0`` [AA84]_ [Konis07]_. By
    Stiemke's lemma that is impossible when some ``w > 0`` has ``Aᵀw = 0``; at the maximum
    likelihood ``w = |y − p̂|`` does, since ``Aᵀw = Xᵀ(y − p̂)`` is the score. Numerically the
    score ``g`` is only near zero, so the check is quantitative: for any ``β`` with ``Aβ ≥ 0``,
    ``min(w)·σ_min(X)·‖β‖ ≤ wᵀAβ = gᵀβ ≤ ‖g‖·‖β‖``; hence ``min(w)·σ_min(X) > ‖g‖``
    excludes every separating direction. The columns of ``X`` are first scaled to unit
    length (separation does not depend on the scale), and ``‖g‖`` and ``σ_min`` are bounded
    with the rounding errors of their computation [Higham02]_, with a safety factor of 2.

    References
    ----------
    .. [AA84] Albert A, Anderson JA (1984). On the existence of maximum likelihood
       estimates in logistic regression models. Biometrika 71:1–10.
    .. [Higham02] Higham NJ (2002). Accuracy and Stability of Numerical Algorithms, 2nd ed.,
       §3.1 (error bound of an inner product).

    Examples
    --------
    >>> x = np.array([1, 2, 3, 4, 5, 6.0])
    >>> X = np.column_stack([np.ones(6), x])
    >>> y = np.array([0, 1, 0, 1, 0, 1.0])
    >>> import statsmodels.api as sm
    >>> _no_separation_certificate(X, y, sm.Logit(y, X).fit(disp=0).params)
    True
    >>> _no_separation_certificate(X, np.array([0, 0, 0, 1, 1, 1.0]), np.array([-70.0, 20.0]))
    False
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    beta = np.asarray(beta, dtype=float)
    n, k = X.shape
    if not np.all(np.isfinite(beta)) or n * np.finfo(float).eps >= 0.5:
        return False
    norms = np.sqrt(np.einsum("ij,ij->j", X, X))
    if not np.all(norms > 0):
        return False
    Z = X / norms
    eta = Z @ (beta * norms)
    p = 1.0 / (1.0 + np.exp(-eta))
    r = y - p  # y = 1: 1 − p > 0; y = 0: −p < 0, so |r| > 0 unless p̂ rounds to 0 or 1
    w = np.abs(r)
    w_min = float(w.min())
    if not w_min > 0:
        return False
    eps = np.finfo(float).eps
    gamma = n * eps / (1.0 - n * eps)  # |fl(aᵀb) − aᵀb| ≤ γₙ |a|ᵀ|b|
    g = Z.T @ r
    g_bound = float(np.linalg.norm(g) + 1.01 * gamma * np.linalg.norm(np.abs(Z).T @ w))
    gram = Z.T @ Z
    lam = np.linalg.eigvalsh(gram)
    # rounding in ZᵀZ (entries of |Z|ᵀ|Z| are ≤ 1, so its 2-norm is ≤ k) and in eigvalsh
    lam_low = float(lam[0]) - 1.01 * gamma * k - 10.0 * k * eps * float(lam[-1])
    if not lam_low > 0:
        return False
    return w_min * math.sqrt(lam_low) > 2.0 * g_bound


def _firth_logit(X: np.ndarray, y: np.ndarray, *, max_iter: int = 100,
                 tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray, float, bool]:
    """Firth's bias-reduced logistic regression by modified-score Newton steps.

    Returns coefficients, their covariance ``(XᵀWX)⁻¹``, the penalized log-likelihood and
    whether it converged.
    """

    def penalized(beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        eta = X @ beta
        p = 1.0 / (1.0 + np.exp(-eta))
        w = p * (1.0 - p)
        info = X.T @ (X * w[:, None])
        sign, logdet = np.linalg.slogdet(info)
        loglik = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
        return loglik + 0.5 * logdet, p, info

    beta = np.zeros(X.shape[1])
    value, p, info = penalized(beta)
    converged = False
    for _ in range(max_iter):
        w = p * (1.0 - p)
        cov = np.linalg.inv(info)
        h = np.einsum("ij,jk,ik->i", X, cov, X) * w  # hat-matrix diagonal
        score = X.T @ (y - p + h * (0.5 - p))
        step = cov @ score
        for _half in range(30):
            new_value, new_p, new_info = penalized(beta + step)
            if new_value >= value - 1e-12:
                break
            step = step / 2.0
        beta = beta + step
        value, p, info = new_value, new_p, new_info
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    return beta, np.linalg.inv(info), value, converged


def _ratio_table(names: Sequence[str], source: Mapping[str, str], coef: np.ndarray,
                 se: np.ndarray, level: float, measure: str, method: str) -> pd.DataFrame:
    z = coef / se
    crit = stats.norm.ppf(0.5 + level / 2.0)
    return pd.DataFrame({
        "term": list(names), "variable": [source[n] for n in names], "measure": measure,
        "estimate": np.exp(coef), "ci_low": np.exp(coef - crit * se),
        "ci_high": np.exp(coef + crit * se), "confidence_level": level, "coef": coef,
        "std_error": se, "statistic": z, "pvalue": 2.0 * stats.norm.sf(np.abs(z)),
        "method": method,
    }, columns=list(REGRESSION_COLUMNS))


def _separation_message(names: Sequence[str], outcome: str, method_hint: str) -> str:
    return (f"separation: {' + '.join(names)} predict{'s' if len(names) == 1 else ''} "
            f"'{outcome}' perfectly for some or all rows, so maximum-likelihood odds ratios "
            f"are infinite; {method_hint}")


def _separation_error(X: np.ndarray, y: np.ndarray, names: Sequence[str],
                      source: Mapping[str, str], separated: np.ndarray,
                      outcome: str) -> SeparationError:
    """The error for a separated design, naming the variables that separate on their own
    (else the terms the linear program's direction uses)."""
    involved: list[str] = []
    for variable in dict.fromkeys(source.values()):
        cols = [0] + [j + 1 for j, nm in enumerate(names) if source[nm] == variable]
        if detect_separation(X[:, cols], y) is not None:
            involved += [nm for nm in names if source[nm] == variable]
    if not involved:
        involved = [nm for nm, used in zip(names, separated[1:], strict=True) if used]
    involved = involved or list(names)
    return SeparationError(
        _separation_message(involved, outcome, "use method='firth' (penalized "
                            "likelihood) or merge the levels that never churn"),
        column=source[involved[0]], terms=involved)


def _marginal_effects(X: np.ndarray, beta: np.ndarray, cov: np.ndarray,
                      contrasts: Sequence[tuple[str, str, np.ndarray, np.ndarray]],
                      level: float) -> pd.DataFrame:
    crit = stats.norm.ppf(0.5 + level / 2.0)
    rows = []
    for term, contrast, X1, X0 in contrasts:
        p1 = 1.0 / (1.0 + np.exp(-(X1 @ beta)))
        p0 = 1.0 / (1.0 + np.exp(-(X0 @ beta)))
        ame = float(np.mean(p1 - p0))
        # mean over rows of p1(1 − p1)·x1 − p0(1 − p0)·x0, as two matrix–vector products
        grad = (X1.T @ (p1 * (1 - p1)) - X0.T @ (p0 * (1 - p0))) / len(p1)
        se = float(math.sqrt(grad @ cov @ grad))
        z = ame / se if se > 0 else math.nan
        rows.append({
            "term": term, "contrast": contrast, "estimate": 100 * ame,
            "ci_low": 100 * (ame - crit * se), "ci_high": 100 * (ame + crit * se),
            "confidence_level": level, "std_error": 100 * se, "statistic": z,
            "pvalue": 2.0 * stats.norm.sf(abs(z)), "unit": "percentage points",
            "method": "delta_method",
        })
    return pd.DataFrame(rows, columns=list(MARGINAL_EFFECT_COLUMNS))


def logistic_regression(
    data: pd.DataFrame,
    outcome: str,
    predictor: str,
    *,
    covariates: str | Sequence[str] | None = None,
    predictor_type: Literal["numeric", "categorical", "nps_category"] = "numeric",
    reference: Mapping[str, Any] | None = None,
    method: Literal["mle", "firth"] = "mle",
    confidence_level: float = 0.95,
) -> RegressionResult:
    """Logistic regression of a binary outcome (churn) on satisfaction plus covariates.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    outcome : str
        Binary column: 1/True/"Yes" = churned.
    predictor : str
        Satisfaction column.
    covariates : str or list of str, optional
        Adjustment columns (tenure, contract, segment, ...). Text, category and boolean
        columns enter as indicators of each level against the first (or ``reference``).
    predictor_type : {"numeric", "categorical", "nps_category"}, default "numeric"
        ``"numeric"``: one odds ratio per point; ``"categorical"``: one per level against
        the reference; ``"nps_category"``: 0–10 answers grouped as detractor / passive /
        promoter, with detractor as the reference.
    reference : mapping, optional
        Reference level per categorical column, e.g. ``{"Contract": "Month-to-Month"}``.
    method : {"mle", "firth"}, default "mle"
        ``"mle"``: maximum likelihood (statsmodels ``Logit``), Wald CIs and z tests.
        ``"firth"``: Firth's penalized likelihood [Firth93]_ [HS02]_, finite under
        separation; Wald CIs and z tests from the penalized information (R's ``logistf``
        defaults to profile-likelihood CIs instead, which are wider and asymmetric under
        separation).
    confidence_level : float, default 0.95

    Returns
    -------
    RegressionResult
        ``table``: odds ratios (``estimate``) with ``ci_low, ci_high, coef, std_error,
        statistic, pvalue`` per term (the intercept is in ``details``);
        ``marginal_effects``: the average marginal effect in percentage points — of one more
        point of satisfaction for a numeric predictor, of each level against the reference
        otherwise — with a delta-method CI; ``n``, ``n_events``, ``n_excluded``,
        ``excluded``.

    Raises
    ------
    DataValidationError
        Missing columns, a non-binary or one-valued outcome, a constant predictor or
        covariate, collinear predictors, text in a numeric column.
    SeparationError
        ``method="mle"`` and the outcome is separated (see `detect_separation`).

    Warns
    -----
    ModelFitWarning
        The fit did not converge.

    Notes
    -----
    The average marginal effect of a change from design ``X₀`` to ``X₁`` (one point more of
    the predictor for every customer, or the level against the reference) is
    ``AME = mean(F(X₁β) − F(X₀β))`` with ``F`` the logistic function; its standard error is
    ``√(gᵀVg)``, ``g = mean(f(X₁β)X₁ − f(X₀β)X₀)``, ``f = F(1 − F)`` (delta method)
    [Greene12]_. The change is one point up from each customer's own score (statsmodels'
    ``get_margeff(count=True)`` uses the centred change from −1 to +1 instead, halved).

    References
    ----------
    .. [Firth93] Firth D (1993). Bias reduction of maximum likelihood estimates.
       Biometrika 80:27–38.
    .. [HS02] Heinze G, Schemper M (2002). A solution to the problem of separation in
       logistic regression. Stat Med 21:2409–2419.
    .. [Greene12] Greene WH (2012). Econometric Analysis, 7th ed., §17.3 (partial effects
       and the delta method).

    See Also
    --------
    kpitools.research.dose_response.churn_by_score : churn rate per score with Wilson CIs.
    kpitools.research.survival.cox_regression : hazard ratios with time to churn.

    Examples
    --------
    >>> from kpitools.research.join import sample_retention_data
    >>> data = sample_retention_data().data
    >>> fit = logistic_regression(data, "churned", "nps", predictor_type="nps_category")
    >>> fit.table[["term", "estimate"]].round(3)
                term  estimate
    0   nps[passive]     0.684
    1  nps[promoter]     0.383
    """
    check_choice("method", method, LOGISTIC_METHODS)
    check_choice("predictor_type", predictor_type, PREDICTOR_TYPES)
    level = check_confidence_level(confidence_level)
    covs = as_list(covariates)
    require_columns(data, [outcome, predictor, *covs], what="logistic_regression")
    frame, excluded = complete_rows(data, [outcome, predictor, *covs])
    y = binary_outcome(frame[outcome], column=outcome)
    work = frame.copy()
    categorical: list[str] = []
    ref = dict(reference or {})
    if predictor_type == "numeric":
        numeric_column(frame[predictor], column=predictor)
    elif predictor_type == "nps_category":
        work[predictor] = nps_category(frame[predictor], column=predictor)
        ref.setdefault(predictor, "detractor")
    else:
        categorical.append(predictor)
    design, source = design_matrix(work, [predictor, *covs], reference=ref,
                                   categorical=categorical)
    names = list(design.columns)
    X = np.column_stack([np.ones(len(design)), design.to_numpy(dtype=float)])
    n = len(y)
    if n <= X.shape[1]:
        raise DataValidationError(f"{n} complete rows for {X.shape[1]} coefficients",
                                  column=outcome)

    fit = None
    separated: np.ndarray | None = None
    if method == "mle":
        import statsmodels.api as sm
        from statsmodels.tools.sm_exceptions import ConvergenceWarning

        failure: Exception | None = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = sm.Logit(y, X).fit(disp=0, maxiter=100)
            except Exception as err:  # a separated design may break the fit: check first
                failure = err
        # The fit itself proves that there is no separation in almost every data set
        # (`_no_separation_certificate`); only when it cannot, the linear program decides.
        if fit is None or not _no_separation_certificate(X, y, np.asarray(fit.params)):
            separated = detect_separation(X, y)
        if separated is not None:
            raise _separation_error(X, y, names, source, separated, outcome)
        if fit is None:
            raise failure or RuntimeError("statsmodels Logit returned no fit")
        converged = bool(fit.mle_retvals.get("converged", True))
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            converged = False
        beta, cov, loglik = np.asarray(fit.params), np.asarray(fit.cov_params()), float(fit.llf)
    else:
        separated = detect_separation(X, y)
        beta, cov, loglik, converged = _firth_logit(X, y)
    if not converged:
        warnings.warn(f"logistic regression of {outcome!r} did not converge; the estimates "
                      "are unreliable", ModelFitWarning, stacklevel=2)
    se = np.sqrt(np.diag(cov))
    table = _ratio_table(names, source, beta[1:], se[1:], level, "odds_ratio", method)

    pred_cols = [j + 1 for j, nm in enumerate(names) if source[nm] == predictor]
    contrasts = []
    if predictor_type == "numeric":
        X1 = X.copy()
        X1[:, pred_cols[0]] += 1.0
        contrasts.append((predictor, "+1 point", X1, X))
    else:
        X0 = X.copy()
        X0[:, pred_cols] = 0.0
        for j in pred_cols:
            X1 = X0.copy()
            X1[:, j] = 1.0
            contrasts.append((names[j - 1], "level vs reference", X1, X0))
    effects = _marginal_effects(X, beta, cov, contrasts, level)
    details = {
        "intercept": float(beta[0]), "loglik": loglik,
        "covariance": pd.DataFrame(cov, index=["Intercept", *names],
                                   columns=["Intercept", *names]),
        "separation": separated is not None,
    }
    return RegressionResult(
        model="logistic", outcome=outcome, predictor=predictor, covariates=tuple(covs),
        method=method, table=table, confidence_level=level, n=n, n_events=int(y.sum()),
        n_excluded=len(excluded), converged=converged, marginal_effects=effects,
        excluded=excluded, details=details, fit=fit)
