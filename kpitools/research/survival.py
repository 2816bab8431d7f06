"""Retention over time: Kaplan–Meier curves, the log-rank test and Cox regression.

==============================  ============================================================
`kaplan_meier`                  retention curve (per group) with pointwise log–log CIs
`logrank_test`                  do the retention curves of the groups differ?
`cox_regression`                hazard ratios of churn with CIs, and a PH check
`proportional_hazards_test`     Grambsch–Therneau test per covariate on a Cox fit
==============================  ============================================================

All of them take one row per customer with a duration (time to churn, or to the end of
observation) and an event flag (1 = churned, 0 = still a customer: censored). They use
statsmodels' duration module (``SurvfuncRight``, ``survdiff``, ``PHReg``).

Examples
--------
>>> from kpitools.research.join import load_retention_data
>>> data = load_retention_data("", satisfaction="nps").data
>>> curves = kaplan_meier(data, "duration_days", "churned", group="satisfaction_group")
>>> curves.groupby("group", observed=True)["estimate"].last().round(1)
group
detractor (0–6)    76.6
passive (7–8)      82.7
promoter (9–10)    89.5
Name: estimate, dtype: float64
>>> logrank_test(data, "duration_days", "churned", group="satisfaction_group")
<Log-rank test: chi2 = 21.25 (df 2), p=<0.001, n=1248 in 3 groups>
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from kpitools.core.display import format_pvalue
from kpitools.core.errors import DataValidationError
from kpitools.core.results import ConfidenceInterval, as_excluded_rows, empty_excluded
from kpitools.core.validation import check_choice, check_confidence_level
from kpitools.research.prepare import (
    as_list,
    binary_outcome,
    complete_rows,
    design_matrix,
    numeric_column,
    require_columns,
)
from kpitools.research.regression import (
    ModelFitWarning,
    RegressionResult,
    SeparationError,
    _ratio_table,
)

__all__ = [
    "KM_COLUMNS",
    "LOGRANK_COLUMNS",
    "PH_TEST_COLUMNS",
    "PH_TRANSFORMS",
    "LogRankResult",
    "kaplan_meier",
    "logrank_test",
    "cox_regression",
    "proportional_hazards_test",
]

#: Columns of `kaplan_meier`.
KM_COLUMNS: tuple[str, ...] = (
    "group", "time", "n_at_risk", "n_events", "estimate", "ci_low", "ci_high", "std_error",
    "confidence_level", "method", "ci_method", "unit",
)
#: Columns of `proportional_hazards_test`.
PH_TEST_COLUMNS: tuple[str, ...] = ("term", "rho", "statistic", "df", "pvalue", "transform",
                                    "method")
#: Columns of `LogRankResult.to_frame`.
LOGRANK_COLUMNS: tuple[str, ...] = ("test", "statistic", "df", "pvalue", "n", "n_excluded",
                                    "n_groups")
#: Time transforms of the proportional-hazards test.
PH_TRANSFORMS: tuple[str, ...] = ("km", "rank", "identity", "log")


def _survival_frame(data: pd.DataFrame, duration: str, event: str,
                    extra: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray,
                                                   pd.DataFrame]:
    require_columns(data, [duration, event, *extra], what="survival analysis")
    frame, excluded = complete_rows(data, [duration, event, *extra])
    if not len(frame):
        raise DataValidationError("no complete rows", column=duration)
    time = pd.to_numeric(frame[duration], errors="coerce")
    bad = time.isna() | (time < 0)
    if bad.any():
        raise DataValidationError(
            f"{int(bad.sum())} duration(s) not a non-negative number", column=duration,
            rows=list(frame.index[bad.to_numpy()]), values=list(frame.loc[bad, duration]))
    status = _event_flags(frame[event], event)
    return frame, time.to_numpy(dtype=float), status, excluded


def _event_flags(series: pd.Series, column: str) -> np.ndarray:
    """0/1 event flags; unlike a regression outcome, all-censored or all-events is allowed."""
    values = series.to_numpy(dtype=object)
    ok = np.array([v in (0, 1) or isinstance(v, bool | np.bool_) for v in values]) \
        if len(values) else np.zeros(0, dtype=bool)
    if ok.all():
        return values.astype(float)
    return binary_outcome(series, column=column, require_both=False)


def _km_one(time: np.ndarray, status: np.ndarray, level: float) -> pd.DataFrame:
    from statsmodels.duration.survfunc import SurvfuncRight

    sf = SurvfuncRight(time, status)
    s = np.asarray(sf.surv_prob, dtype=float)
    se = np.asarray(sf.surv_prob_se, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(s)
        se_theta = se / (s * np.abs(log_s))
        low = s ** np.exp(z * se_theta)
        high = s ** np.exp(-z * se_theta)
    flat = (s >= 1.0) | (s <= 0.0) | ~np.isfinite(se_theta)
    low = np.where(flat, s, low)
    high = np.where(flat, s, high)
    out = pd.DataFrame({
        "time": np.concatenate([[0.0], sf.surv_times]),
        "n_at_risk": np.concatenate([[len(time)], sf.n_risk]).astype(int),
        "n_events": np.concatenate([[0], sf.n_events]).astype(int),
        "estimate": 100 * np.concatenate([[1.0], s]),
        "ci_low": 100 * np.concatenate([[1.0], low]),
        "ci_high": 100 * np.concatenate([[1.0], high]),
        "std_error": 100 * np.concatenate([[0.0], se]),
    })
    if len(out) > 1 and out["time"].iloc[1] == 0.0:  # events at time 0
        out = out.iloc[1:].reset_index(drop=True)
    return out


def kaplan_meier(
    data: pd.DataFrame,
    duration: str,
    event: str,
    *,
    group: str | None = None,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan–Meier retention curves, overall or per group, with pointwise CIs.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    duration : str
        Time from the start of follow-up to churn or censoring (any unit; ≥ 0).
    event : str
        1/True = churned at ``duration``; 0/False = still a customer then (censored).
    group : str, optional
        One curve per level (in category order, else sorted).
    confidence_level : float, default 0.95

    Returns
    -------
    DataFrame
        Columns of `KM_COLUMNS`: one row per group and distinct event time, starting with
        time 0 at 100 %. ``estimate, ci_low, ci_high`` are the retention (survival)
        percentage just after ``time``; ``n_at_risk`` and ``n_events`` are the counts at
        ``time``; ``std_error`` is Greenwood's (in %). ``group`` is ``"all"`` without
        ``group``. Excluded rows (missing values) are in ``DataFrame.attrs["n_excluded"]``
        and ``attrs["excluded"]``.

    Notes
    -----
    ``Ŝ(t) = Π_{tᵢ ≤ t} (1 − dᵢ/nᵢ)`` [KM58]_ with Greenwood's variance
    ``Var Ŝ = Ŝ² Σ dᵢ / (nᵢ(nᵢ − dᵢ))`` [Greenwood26]_ (statsmodels ``SurvfuncRight``).
    The interval is the log–log interval ``Ŝ^exp(±z·se/(Ŝ |log Ŝ|))`` [Kalbfleisch02]_,
    which stays inside 0–100 % (R's ``conf.type = "log-log"``).

    References
    ----------
    .. [KM58] Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete
       observations. J Am Stat Assoc 53:457–481.
    .. [Greenwood26] Greenwood M (1926). The natural duration of cancer. Reports on Public
       Health and Medical Subjects 33. HMSO.
    .. [Kalbfleisch02] Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of
       Failure Time Data, 2nd ed., §1.4.

    Examples
    --------
    >>> import pandas as pd
    >>> toy = pd.DataFrame({"months": [1, 2, 2, 3, 4], "churned": [1, 0, 1, 1, 0]})
    >>> kaplan_meier(toy, "months", "churned")[["time", "n_at_risk", "estimate"]]
       time  n_at_risk  estimate
    0   0.0          5     100.0
    1   1.0          5      80.0
    2   2.0          4      60.0
    3   3.0          2      30.0
    """
    level = check_confidence_level(confidence_level)
    extra = [group] if group else []
    frame, time, status, excluded = _survival_frame(data, duration, event, extra)
    pieces = []
    if group:
        series = frame[group]
        levels = (list(series.cat.categories) if isinstance(series.dtype, pd.CategoricalDtype)
                  else sorted(pd.unique(series.astype(object)), key=str))
        for lv in levels:
            mask = (series == lv).to_numpy()
            if not mask.any():
                continue
            part = _km_one(time[mask], status[mask], level)
            part.insert(0, "group", lv)
            pieces.append(part)
    else:
        part = _km_one(time, status, level)
        part.insert(0, "group", "all")
        pieces.append(part)
    out = pd.concat(pieces, ignore_index=True)
    if group and isinstance(frame[group].dtype, pd.CategoricalDtype):
        out["group"] = pd.Categorical(out["group"], categories=frame[group].cat.categories,
                                      ordered=frame[group].cat.ordered)
    out["confidence_level"] = level
    out["method"] = "kaplan_meier"
    out["ci_method"] = "log_log"
    out["unit"] = "%"
    out = out[list(KM_COLUMNS)]
    out.attrs["n_excluded"] = len(excluded)
    out.attrs["excluded"] = as_excluded_rows(excluded)
    return out


@dataclass(frozen=True)
class LogRankResult:
    """Result of a log-rank test.

    Attributes
    ----------
    statistic : float
        Chi-square statistic.
    df : int
        Groups − 1.
    pvalue : float
    method : str
        ``"log_rank"``.
    n, n_excluded, n_groups : int
    groups : DataFrame
        ``group, n, events`` per group.
    """

    statistic: float
    df: int
    pvalue: float
    method: str
    n: int
    n_excluded: int
    n_groups: int
    groups: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    excluded: pd.DataFrame = field(default_factory=empty_excluded, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the columns of `LOGRANK_COLUMNS`."""
        return pd.DataFrame([{"test": self.method, "statistic": self.statistic, "df": self.df,
                              "pvalue": self.pvalue, "n": self.n, "n_excluded": self.n_excluded,
                              "n_groups": self.n_groups}], columns=list(LOGRANK_COLUMNS))

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """The log-rank test has no interval: raises TypeError naming what gives one."""
        raise TypeError("the log-rank test has no confidence interval; use cox_regression "
                        "for hazard ratios with CIs, or kaplan_meier for the curves")

    def __repr__(self) -> str:
        return (f"<Log-rank test: chi2 = {self.statistic:.2f} (df {self.df}), "
                f"p={format_pvalue(self.pvalue)}, n={self.n} in {self.n_groups} groups>")


def logrank_test(data: pd.DataFrame, duration: str, event: str, *, group: str
                 ) -> LogRankResult:
    """Log-rank test that the retention curves of the groups are the same.

    Parameters
    ----------
    data : DataFrame
    duration, event : str
        As in `kaplan_meier`.
    group : str
        Column with two or more groups.

    Returns
    -------
    LogRankResult

    Notes
    -----
    The Mantel–Haenszel log-rank statistic [Mantel66]_ [Peto72]_, chi-square with groups − 1
    degrees of freedom, from ``statsmodels.duration.survfunc.survdiff``. It is most powerful
    when the hazards are proportional.

    References
    ----------
    .. [Mantel66] Mantel N (1966). Evaluation of survival data and two new rank order
       statistics arising in its consideration. Cancer Chemother Rep 50:163–170.
    .. [Peto72] Peto R, Peto J (1972). Asymptotically efficient rank invariant test
       procedures. J R Stat Soc A 135:185–207.

    Examples
    --------
    >>> import pandas as pd
    >>> toy = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 0, 1, 0],
    ...                     "g": list("aaaabbbb")})
    >>> round(logrank_test(toy, "t", "e", group="g").pvalue, 4)
    0.0401
    """
    from statsmodels.duration.survfunc import survdiff

    frame, time, status, excluded = _survival_frame(data, duration, event, [group])
    labels = frame[group].astype(object).astype(str).to_numpy()
    uniq = np.unique(labels)
    if uniq.size < 2:
        raise DataValidationError(
            f"the log-rank test needs two or more groups; all rows are {uniq[0]!r}",
            column=group)
    if status.sum() == 0:
        raise DataValidationError("no events (every row censored): nothing to compare",
                                  column=event)
    chisq, pvalue = survdiff(time, status.astype(int), labels)
    groups = (pd.DataFrame({"group": labels, "events": status}).groupby("group")["events"]
              .agg(n="size", events="sum").reset_index())
    groups["events"] = groups["events"].astype(int)
    return LogRankResult(statistic=float(chisq), df=int(uniq.size - 1), pvalue=float(pvalue),
                         method="log_rank", n=len(time), n_excluded=len(excluded),
                         n_groups=int(uniq.size), groups=groups, excluded=excluded)


def _time_transform(event_times: np.ndarray, time: np.ndarray, status: np.ndarray,
                    transform: str) -> np.ndarray:
    if transform == "identity":
        return event_times
    if transform == "log":
        if np.any(event_times <= 0):
            raise DataValidationError("transform='log' needs event times > 0; use 'km' or "
                                      "'rank'")
        return np.log(event_times)
    if transform == "rank":
        return stats.rankdata(event_times)
    # "km": 1 − KM(t−), the Kaplan–Meier estimate just before each event time (R's default)
    from statsmodels.duration.survfunc import SurvfuncRight

    sf = SurvfuncRight(time, status)
    times = np.asarray(sf.surv_times)
    before = np.concatenate([[1.0], np.asarray(sf.surv_prob)[:-1]])
    idx = np.searchsorted(times, event_times)
    return 1.0 - before[idx]


def proportional_hazards_test(
    fit: RegressionResult,
    *,
    transform: Literal["km", "rank", "identity", "log"] = "km",
) -> pd.DataFrame:
    """Test the proportional-hazards assumption of a Cox fit, per covariate.

    Parameters
    ----------
    fit : RegressionResult
        From `cox_regression`.
    transform : {"km", "rank", "identity", "log"}, default "km"
        Function g of time that the scaled Schoenfeld residuals are correlated with:
        ``"km"`` 1 − Kaplan–Meier (R ``cox.zph``'s default), ``"rank"``, ``"identity"`` (t),
        ``"log"`` (log t).

    Returns
    -------
    DataFrame
        One row per term plus ``"GLOBAL"``, with the columns of `PH_TEST_COLUMNS`: ``rho``
        (correlation of g(t) with the scaled residuals), the chi-square ``statistic`` (1 df
        per term), ``pvalue``. A small p-value says the hazard ratio changes over time.

    Raises
    ------
    TypeError
        ``fit`` is not a result of `cox_regression` (a logistic fit, say).

    Notes
    -----
    With Schoenfeld residuals ``rₖ`` at the ``d`` event times, the model covariance ``V`` and
    ``gₖ`` centred: scaled residuals ``sₖ = d·V·rₖ``; per term
    ``T_j = (Σ gₖ sₖⱼ)² / (d·V_jj·Σ gₖ²)``; global ``T = (Σ gₖ rₖ)ᵀ V (Σ gₖ rₖ)·d/Σ gₖ²``
    on p df — the approximate score test of Grambsch and Therneau [GT94]_, as in R
    ``survival::cox.zph`` before version 3.0.

    References
    ----------
    .. [GT94] Grambsch PM, Therneau TM (1994). Proportional hazards tests and diagnostics
       based on weighted residuals. Biometrika 81:515–526.
    .. [Schoenfeld82] Schoenfeld D (1982). Partial residuals for the proportional hazards
       regression model. Biometrika 69:239–241.
    """
    check_choice("transform", transform, PH_TRANSFORMS)
    if not isinstance(fit, RegressionResult) or fit.model != "cox" or fit.fit is None:
        raise TypeError("proportional_hazards_test needs a result of cox_regression, got "
                        f"{getattr(fit, 'model', type(fit).__name__)!r}")
    res = fit.fit
    resid = np.asarray(res.schoenfeld_residuals, dtype=float)
    time = np.asarray(res.model.endog, dtype=float)
    status = np.asarray(res.model.status, dtype=float)
    is_event = ~np.isnan(resid).any(axis=1)
    r = resid[is_event]
    d = r.shape[0]
    V = np.asarray(res.cov_params(), dtype=float)
    g = _time_transform(time[is_event], time, status, transform)
    g = g - g.mean()
    scaled = d * r @ V
    test = g @ scaled
    sgg = float(g @ g)
    stat = test ** 2 / (np.diag(V) * d * sgg)
    with np.errstate(invalid="ignore"):
        rho = np.array([np.corrcoef(g, scaled[:, j] + res.params[j])[0, 1]
                        for j in range(r.shape[1])])
    gr = g @ r
    global_stat = float(gr @ V @ gr * d / sgg)
    names = list(fit.table["term"])
    out = pd.DataFrame({
        "term": [*names, "GLOBAL"], "rho": [*rho, math.nan],
        "statistic": [*stat, global_stat], "df": [*([1] * len(names)), len(names)],
        "pvalue": [*stats.chi2.sf(stat, 1), stats.chi2.sf(global_stat, len(names))],
        "transform": transform, "method": "grambsch_therneau",
    }, columns=list(PH_TEST_COLUMNS))
    return out


def cox_regression(
    data: pd.DataFrame,
    duration: str,
    event: str,
    predictor: str,
    *,
    covariates: str | Sequence[str] | None = None,
    predictor_type: Literal["numeric", "categorical"] = "numeric",
    reference: Mapping[str, Any] | None = None,
    ties: Literal["efron", "breslow"] = "efron",
    confidence_level: float = 0.95,
    ph_transform: Literal["km", "rank", "identity", "log"] = "km",
) -> RegressionResult:
    """Cox proportional-hazards regression of time to churn: hazard ratios with CIs.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    duration, event : str
        Time to churn or censoring, and the churn flag (as in `kaplan_meier`).
    predictor : str
        Satisfaction column.
    covariates : str or list of str, optional
        Adjustment columns; categorical ones enter as indicators against the first level
        (or ``reference``).
    predictor_type : {"numeric", "categorical"}, default "numeric"
        A hazard ratio per point, or per level against the reference.
    reference : mapping, optional
        Reference level per categorical column.
    ties : {"efron", "breslow"}, default "efron"
        Handling of tied event times (Efron's is R's default).
    confidence_level : float, default 0.95
    ph_transform : {"km", "rank", "identity", "log"}, default "km"
        Time transform of the proportional-hazards test run on the fit.

    Returns
    -------
    RegressionResult
        ``model="cox"``; ``table`` holds hazard ratios (``measure="hazard_ratio"``) with Wald
        CIs and p-values; ``details["ph_test"]`` is `proportional_hazards_test` of the fit.

    Raises
    ------
    DataValidationError
        Missing columns, negative durations, a non-binary event, no events, a constant
        predictor or covariate.
    SeparationError
        An indicator (a level of a categorical predictor or covariate) with no events on
        one side: monotone likelihood, the hazard ratio is 0 or infinite.

    Warns
    -----
    ModelFitWarning
        The fit did not converge.

    Notes
    -----
    Partial likelihood [Cox72]_ by statsmodels ``PHReg``; Wald intervals
    ``exp(β ± z·se)``.

    References
    ----------
    .. [Cox72] Cox DR (1972). Regression models and life-tables. J R Stat Soc B 34:187–220.

    Examples
    --------
    >>> from kpitools.research.join import sample_retention_data
    >>> data = sample_retention_data().data
    >>> fit = cox_regression(data, "duration_days", "churned", "nps", covariates="segment")
    >>> fit.table[["term", "estimate"]].round(3)
                      term  estimate
    0                  nps     0.803
    1  segment[Mid-market]     1.424
    2         segment[SMB]     1.066
    >>> fit.details["ph_test"]["term"].tolist()
    ['nps', 'segment[Mid-market]', 'segment[SMB]', 'GLOBAL']
    """
    from statsmodels.duration.hazard_regression import PHReg

    check_choice("ties", ties, ("efron", "breslow"))
    check_choice("predictor_type", predictor_type, ("numeric", "categorical"))
    check_choice("ph_transform", ph_transform, PH_TRANSFORMS)
    level = check_confidence_level(confidence_level)
    covs = as_list(covariates)
    frame, time, status, excluded = _survival_frame(data, duration, event, [predictor, *covs])
    if status.sum() == 0:
        raise DataValidationError("no events (every row censored): hazard ratios cannot be "
                                  "estimated", column=event)
    if predictor_type == "numeric":
        numeric_column(frame[predictor], column=predictor)
    design, source = design_matrix(
        frame, [predictor, *covs], reference=reference,
        categorical=[predictor] if predictor_type == "categorical" else [])
    names = list(design.columns)
    X = design.to_numpy(dtype=float)
    for j, name in enumerate(names):
        column = X[:, j]
        if np.isin(column, (0.0, 1.0)).all():
            for side, label in ((1.0, "with"), (0.0, "without")):
                if status[column == side].sum() == 0:
                    raise SeparationError(
                        f"monotone likelihood: no events among the rows {label} {name}, so "
                        "its hazard ratio is 0 or infinite; merge that level with another or "
                        "drop the covariate", column=source[name], terms=[name])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = PHReg(time, X, status=status, ties=ties).fit(disp=0)
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    converged = bool(np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.bse)))
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        converged = False
    if not converged:
        warnings.warn(f"Cox regression of {duration!r} did not converge; the estimates are "
                      "unreliable", ModelFitWarning, stacklevel=2)
    beta = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float)
    table = _ratio_table(names, source, beta, np.sqrt(np.diag(cov)), level, "hazard_ratio",
                         f"cox_{ties}")
    result = RegressionResult(
        model="cox", outcome=event, predictor=predictor, covariates=tuple(covs),
        method=ties, table=table, confidence_level=level, n=len(time),
        n_events=int(status.sum()), n_excluded=len(excluded), converged=converged,
        excluded=excluded, fit=res,
        details={"loglik": float(res.llf), "duration": duration,
                 "covariance": pd.DataFrame(cov, index=names, columns=names)})
    result.details["ph_test"] = proportional_hazards_test(result, transform=ph_transform)
    return result
