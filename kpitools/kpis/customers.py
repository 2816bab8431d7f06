"""Customer and workforce KPIs: retention, churn, growth, NRR, CLV and employee turnover.

All work on one row per customer (``customer_id, start_date, end_date`` with ``end_date``
empty while still a customer, plus ``mrr, expansion_mrr, contraction_mrr``) and a calendar
period ``[start, end)`` (see `kpitools.tables.periods`). A customer is *active at instant t* when
``start_date ≤ t`` and ``end_date`` is empty or later than t.

Counts for a period: S = active at the period start; N = new in the period (started during
it) and still active at its end; E = active at the end; lost = of S, those who left during
the period; so E − N = S − lost.

References
----------
.. [Wilson27] Wilson EB (1927). J Am Stat Assoc 22:209–212.
.. [Newcombe98b] Newcombe RG (1998). Stat Med 17:873–890.
.. [ET93] Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman & Hall.
.. [Gupta06] Gupta S, Hanssens D, Hardie B, et al. (2006). Modeling customer lifetime value.
   J Service Research 9:139–155 (simple CLV = margin × revenue / churn for constant
   retention, no discounting).
.. [Oehlert92] Oehlert GW (1992). A note on the delta method. Am Stat 46:27–29.
.. [Garwood36] Garwood F (1936). Biometrika 28:437–442.
.. [CIPD] CIPD, "Employee turnover and retention" factsheet: turnover = leavers / average
   number employed in the period × 100.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import Comparison, KpiEstimate, Measure, comparison_unit
from kpitools.core.validation import (
    check_alternative,
    check_choice,
    check_confidence_level,
    check_count,
    require_nonempty,
)
from kpitools.kpis.catalogue import KpiDefinition, options_of, register_kpi
from kpitools.kpis.common import compare_proportions, no_value
from kpitools.kpis.volume import poisson_ci, rate_comparison
from kpitools.stats.common import one_sided_bounds
from kpitools.stats.intervals import (
    PROPORTION_METHODS,
    DiffMethod,
    ProportionMethod,
    proportion_ci,
    z_critical,
)
from kpitools.tables.columns import require_columns, resolve_columns
from kpitools.tables.events import RowIssues, check_unique_ids, parse_timestamps
from kpitools.tables.periods import Period, parse_period

__all__ = [
    "PeriodCounts",
    "Membership",
    "membership",
    "COUNT_LEVEL_KPIS",
    "kpi_from_counts",
    "compare_counts",
    "customer_counts",
    "crr_from_counts",
    "customer_retention",
    "churn_rate",
    "customer_growth",
    "starting_mrr",
    "VALUE_LEVEL_KPIS",
    "CustomerValues",
    "customer_values",
    "nrr_from_values",
    "nrr",
    "clv_from_values",
    "clv",
    "kpi_from_values",
    "compare_values",
    "employee_turnover",
    "compare_customer_kpi",
]


@dataclass(frozen=True)
class PeriodCounts:
    """Customers (or employees) of one period.

    Attributes
    ----------
    period : str
    start : int
        S, active at the period start.
    new : int
        N, started during the period and still active at its end.
    new_all : int
        Started during the period (including those who also left in it).
    end : int
        E, active at the period end.
    lost : int
        Of S, those who left during the period.
    left_all : int
        Everyone who left during the period (including new ones).
    n_excluded : int
    excluded : DataFrame
    """

    period: str
    start: int
    new: int
    new_all: int
    end: int
    lost: int
    left_all: int
    n_excluded: int
    excluded: pd.DataFrame

    @property
    def retained(self) -> int:
        return self.start - self.lost

    def to_frame(self) -> pd.DataFrame:
        """One tidy row of the counts (``excluded`` stays an attribute)."""
        row = {k: v for k, v in self.__dict__.items() if k != "excluded"}
        return pd.DataFrame([{**row, "retained": self.retained}])


@dataclass(frozen=True)
class Membership:
    """Each row's place in a period (see the module notes): the masks `customer_counts`
    counts, and the rows excluded (``issues``).

    Attributes
    ----------
    period : Period
    issues : RowIssues
        The excluded rows (``issues.mask``) and their reasons.
    at_start, at_end, started, left : ndarray of bool
        Active at the period start; active at its end; started during it; left during it.
    """

    period: Period
    issues: RowIssues
    at_start: np.ndarray
    at_end: np.ndarray
    started: np.ndarray
    left: np.ndarray

    def counts(self, weights: np.ndarray | None = None) -> PeriodCounts:
        """The `PeriodCounts` of these rows, each counted ``weights`` times (once by
        default); ``excluded`` lists the excluded rows themselves."""
        w = np.ones(len(self.at_start)) if weights is None else np.asarray(weights, float)

        def total(mask: np.ndarray) -> int:
            return int(round(float(w[mask].sum())))

        return PeriodCounts(period=str(self.period), start=total(self.at_start),
                            new=total(self.started & self.at_end),
                            new_all=total(self.started), end=total(self.at_end),
                            lost=total(self.at_start & self.left), left_all=total(self.left),
                            n_excluded=total(self.issues.mask),
                            excluded=self.issues.excluded())


def membership(data: pd.DataFrame, period: Any, *, table: str = "customers",
               columns: Mapping[str, str] | None = None, invalid: str = "raise",
               missing: str = "exclude") -> Membership:
    """Each row's place in ``period``: active at its start or end, started or left during
    it, or excluded (a missing start date, an end before the start, a repeated id).

    ``table`` is ``"customers"`` or ``"agents"`` (its id column and column names).

    >>> df = pd.DataFrame({"start_date": pd.to_datetime(["2025-01-10", "2026-07-05"]),
    ...                    "end_date": pd.to_datetime(["2026-08-15", None])})
    >>> m = membership(df, "2026Q3")
    >>> m.at_start.tolist(), m.left.tolist(), m.started.tolist(), m.at_end.tolist()
    ([True, False], [True, False], [False, True], [False, True])
    """
    p, _, issues, at_start, at_end, started, left = _membership(data, table, period, columns,
                                                                invalid, missing)
    return Membership(p, issues, at_start, at_end, started, left)


def _membership(data: pd.DataFrame, table: str, period: Any,
                columns: Mapping[str, str] | None, invalid: str, missing: str):
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(data).__name__}")
    p = parse_period(period)
    cols = resolve_columns(table, columns)
    id_role = "customer_id" if table == "customers" else "agent_id"
    require_columns(data, cols, ["start_date", "end_date"])
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    if cols[id_role] in data.columns:
        check_unique_ids(data[cols[id_role]], column=cols[id_role], issues=issues)
    s_col, e_col = cols["start_date"], cols["end_date"]
    start = parse_timestamps(data[s_col], column=s_col, issues=issues)
    end = parse_timestamps(data[e_col], column=e_col, issues=issues)
    if getattr(start.dt, "tz", None) is not None or getattr(end.dt, "tz", None) is not None:
        raise DataValidationError("start and end dates must be time-zone naive calendar dates",
                                  column=s_col)
    issues.add(start.isna().to_numpy(), column=s_col, values=data[s_col],
               reason="missing start dates", kind="missing")
    issues.add((end < start).to_numpy(), column=e_col, values=data[e_col],
               reason=f"{e_col} before {s_col}")
    ok = ~issues.mask
    t0, t1 = p.start, p.end

    def active(t: pd.Timestamp) -> np.ndarray:
        return ok & (start <= t).to_numpy() & (end.isna() | (end > t)).to_numpy()

    at_start = ok & (start < t0).to_numpy() & (end.isna() | (end >= t0)).to_numpy()
    at_end = active(t1 - pd.Timedelta(1, "ns")) & (end.isna() | (end >= t1)).to_numpy()
    started = ok & (start >= t0).to_numpy() & (start < t1).to_numpy()
    left = ok & end.notna().to_numpy() & (end >= t0).to_numpy() & (end < t1).to_numpy()
    return p, cols, issues, at_start, at_end, started, left


def customer_counts(data: pd.DataFrame, period: Any, *, table: str = "customers",
                    columns: Mapping[str, str] | None = None, invalid: str = "raise",
                    missing: str = "exclude") -> PeriodCounts:
    """S, N, E and the lost customers of a period (see the module notes).

    >>> df = pd.DataFrame({"start_date": pd.to_datetime(["2025-01-10", "2025-03-01",
    ...                                                  "2026-07-05", "2026-08-01"]),
    ...                    "end_date": pd.to_datetime([None, "2026-08-15", None,
    ...                                                "2026-09-01"])})
    >>> c = customer_counts(df, "2026Q3")
    >>> c.start, c.new, c.end, c.lost
    (2, 1, 2, 1)
    """
    return membership(data, period, table=table, columns=columns, invalid=invalid,
                      missing=missing).counts()


def crr_from_counts(start: int, end: int, new: int, *, confidence_level: float = 0.95,
                    method: ProportionMethod = "wilson",
                    alternative: str = "two-sided") -> KpiEstimate:
    """Customer retention rate ``(E − N)/S × 100`` with Wilson's interval on (E − N) of S.

    Parameters
    ----------
    start, end, new : int
        S customers at the start, E at the end, N new customers (still active at the end).
    method : str, default "wilson"
        Any method of `kpitools.stats.intervals.proportion_ci` [Wilson27]_.

    Raises
    ------
    ValueError
        If ``E − N`` is negative or larger than S (then N counts new customers who also left,
        or E is not the same population as S).

    Examples
    --------
    >>> r = crr_from_counts(200, 210, 30)
    >>> r.estimate, round(r.ci_low, 2), round(r.ci_high, 2)
    (90.0, 85.06, 93.43)
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, PROPORTION_METHODS)
    s = check_count("start", start, minimum=1)
    e = check_count("end", end)
    n = check_count("new", new)
    kept = e - n
    if not 0 <= kept <= s:
        raise ValueError(f"end − new = {kept} must be between 0 and start = {s}; count as new "
                         "only the new customers still active at the end")
    low, high = proportion_ci(kept, s, confidence_level=level, method=method,
                              alternative=alternative)
    return KpiEstimate(kpi="crr", estimate=100.0 * kept / s, ci_low=100.0 * low,
                       ci_high=100.0 * high, n=s, n_excluded=0, method=method,
                       confidence_level=level, unit="%",
                       details={"start": s, "end": e, "new": n, "retained": kept})


def customer_retention(customers: pd.DataFrame, period: Any, *, confidence_level: float = 0.95,
                       method: ProportionMethod = "wilson", alternative: str = "two-sided",
                       columns: Mapping[str, str] | None = None, invalid: str = "raise",
                       missing: str = "exclude") -> KpiEstimate:
    """Customer retention rate of a period, ``(E − N)/S × 100``, Wilson interval.

    N counts the new customers still active at the end, so that ``E − N`` is exactly the
    number of starting customers retained; with the textbook N (everyone acquired), CRR would
    be understated whenever a new customer also leaves within the period (``details`` has
    both ``new`` and ``new_all``).

    Examples
    --------
    >>> from kpitools.datasets import load_customers
    >>> customer_retention(load_customers(), "2025Q3").kpi
    'crr'
    """
    c = customer_counts(customers, period, columns=columns, invalid=invalid, missing=missing)
    return kpi_from_counts("crr", c, confidence_level=confidence_level, method=method,
                           alternative=alternative)


#: The customer KPIs computed from a period's counts alone (`kpi_from_counts`).
COUNT_LEVEL_KPIS: tuple[str, ...] = ("crr", "churn_rate", "customer_growth",
                                     "employee_turnover")


def kpi_from_counts(kpi: str, c: PeriodCounts, *, confidence_level: float = 0.95,
                    method: str | None = None, alternative: str = "two-sided"
                    ) -> KpiEstimate:
    """A KPI of `COUNT_LEVEL_KPIS` from the `PeriodCounts` of a period: what
    `customer_retention`, `churn_rate`, `customer_growth` and `employee_turnover` compute
    once they have counted.

    ``crr``: ``(E − N)/S``, ``churn_rate``: lost / S, both with an interval of
    `kpitools.stats.intervals.proportion_ci` (Wilson by default [Wilson27]_);
    ``customer_growth``: ``(E − S)/S``, no interval; ``employee_turnover``: leavers over the
    average headcount ``(S + E)/2``, Poisson interval (Garwood's exact by default
    [Garwood36]_).

    >>> c = PeriodCounts("2026Q3", start=200, new=30, new_all=35, end=210, lost=20,
    ...                  left_all=25, n_excluded=0, excluded=pd.DataFrame())
    >>> r = kpi_from_counts("crr", c)
    >>> r.estimate, round(r.ci_low, 2), round(r.ci_high, 2)
    (90.0, 85.06, 93.43)

    Raises
    ------
    DataValidationError
        No customers at the start (``crr``, ``churn_rate``, ``customer_growth``), or no
        employees (``employee_turnover``).
    """
    check_choice("kpi", kpi, COUNT_LEVEL_KPIS)
    level = check_confidence_level(confidence_level)
    if kpi == "employee_turnover":
        average = (c.start + c.end) / 2.0
        if average <= 0:
            raise DataValidationError(f"no employees in {c.period}; turnover is undefined")
        how: Any = method or "exact"
        low, high = poisson_ci(c.left_all, average, confidence_level=level, method=how,
                               alternative=alternative)
        return KpiEstimate(kpi="employee_turnover", estimate=100.0 * c.left_all / average,
                           ci_low=100.0 * low, ci_high=100.0 * high, n=c.left_all,
                           n_excluded=c.n_excluded, method=how, confidence_level=level,
                           unit="%", details={"period": c.period, "leavers": c.left_all,
                                              "headcount_start": c.start,
                                              "headcount_end": c.end,
                                              "average_headcount": average},
                           excluded=c.excluded)
    require_nonempty(c.start, what=f"customers at the start of {c.period}")
    if kpi == "crr":
        r = crr_from_counts(c.start, c.end, c.new, confidence_level=level,
                            method=method or "wilson",  # type: ignore[arg-type]
                            alternative=alternative)
        return _with(r, c)
    if kpi == "customer_growth":
        r = KpiEstimate(kpi="customer_growth", estimate=100.0 * (c.end - c.start) / c.start,
                        ci_low=np.nan, ci_high=np.nan, n=c.start, n_excluded=0, method="none",
                        confidence_level=level, unit="%")
        return _with(r, c)
    how = method or "wilson"
    check_choice("method", how, PROPORTION_METHODS)
    low, high = proportion_ci(c.lost, c.start, confidence_level=level,
                              method=how,  # type: ignore[arg-type]
                              alternative=alternative)
    r = KpiEstimate(kpi="churn_rate", estimate=100.0 * c.lost / c.start, ci_low=100.0 * low,
                    ci_high=100.0 * high, n=c.start, n_excluded=0, method=how,
                    confidence_level=level, unit="%")
    return _with(r, c, left_all=c.left_all)


def _with(r: KpiEstimate, c: PeriodCounts, **extra: Any) -> KpiEstimate:
    details = dict(r.details)
    details.update({"period": c.period, "start": c.start, "end": c.end, "new": c.new,
                    "new_all": c.new_all, "lost": c.lost}, **extra)
    return KpiEstimate(kpi=r.kpi, estimate=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high,
                       n=r.n, n_excluded=c.n_excluded, method=r.method,
                       confidence_level=r.confidence_level, unit=r.unit, details=details,
                       excluded=c.excluded)


def churn_rate(customers: pd.DataFrame, period: Any, *, confidence_level: float = 0.95,
               method: ProportionMethod = "wilson", alternative: str = "two-sided",
               columns: Mapping[str, str] | None = None, invalid: str = "raise",
               missing: str = "exclude") -> KpiEstimate:
    """Churn rate of a period in %: starting customers lost during it / S, Wilson interval.

    Equals ``100 − CRR``. Customers acquired and lost within the same period are not in the
    denominator S (``details["left_all"]`` counts every leaver).

    >>> from kpitools.datasets import load_customers
    >>> churn_rate(load_customers(), "2025Q3").unit
    '%'
    """
    check_confidence_level(confidence_level)
    check_choice("method", method, PROPORTION_METHODS)
    c = customer_counts(customers, period, columns=columns, invalid=invalid, missing=missing)
    return kpi_from_counts("churn_rate", c, confidence_level=confidence_level, method=method,
                           alternative=alternative)


def customer_growth(customers: pd.DataFrame, period: Any, *,
                    confidence_level: float = 0.95, columns: Mapping[str, str] | None = None,
                    invalid: str = "raise", missing: str = "exclude") -> KpiEstimate:
    """Customer growth rate of a period in %: ``(E − S)/S × 100``.

    A deterministic count of the whole customer base, so no interval is given
    (``ci_low = ci_high = NaN``, ``method="none"``), as in the KPI catalogue. Interval
    options (``method``, ``alternative``, ...) do not apply and raise TypeError (0.1
    ignored any keyword).

    >>> from kpitools.datasets import load_customers
    >>> customer_growth(load_customers(), "2025Q3").method
    'none'
    """
    check_confidence_level(confidence_level)
    c = customer_counts(customers, period, columns=columns, invalid=invalid, missing=missing)
    return kpi_from_counts("customer_growth", c, confidence_level=confidence_level)


def _quantile(boot: np.ndarray, q: float) -> float:
    """``np.quantile`` (linear interpolation), except between two equal infinite
    replicates (the CLV of resamples without churn), where it is that infinity, not NaN."""
    with np.errstate(invalid="ignore"):
        value = float(np.quantile(boot, q))
    if np.isnan(value) and boot.size and not np.isnan(boot).any():
        h = (boot.size - 1) * q
        lo, hi = int(np.floor(h)), int(np.ceil(h))
        part = np.partition(boot, [lo, hi])
        if part[lo] == part[hi]:
            value = float(part[lo])
    return value


def _percentile(boot: np.ndarray, level: float, alternative: str) -> tuple[float, float]:
    alpha = 1.0 - level
    if alternative == "two-sided":
        return _quantile(boot, alpha / 2), _quantile(boot, 1 - alpha / 2)
    if alternative == "greater":
        return _quantile(boot, alpha), np.inf
    return -np.inf, _quantile(boot, 1 - alpha)


def _mrr_columns(data: pd.DataFrame, cols: Mapping[str, str], rows: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for role in ("mrr", "expansion_mrr", "contraction_mrr"):
        if role != "mrr" and cols[role] not in data.columns:
            out.append(np.zeros(int(rows.sum())))
            continue
        raw = data.loc[rows, cols[role]]
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() | (values < 0)
        if role == "mrr" and bad.any():
            raise DataValidationError(f"{int(bad.sum())} monthly revenues are missing, not "
                                      "numbers or negative", column=cols[role],
                                      rows=list(raw.index[bad.to_numpy()]),
                                      values=list(raw[bad]))
        if role != "mrr":
            if (values < 0).any():
                neg = (values < 0).to_numpy()
                raise DataValidationError(f"{int(neg.sum())} negative amounts",
                                          column=cols[role], rows=list(raw.index[neg]),
                                          values=list(raw[neg]))
            values = values.fillna(0.0)
        out.append(values.to_numpy(dtype=float))
    start_mrr = out[0]
    return start_mrr, start_mrr + out[1] - out[2]


def starting_mrr(data: pd.DataFrame, rows: np.ndarray, *,
                 columns: Mapping[str, str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The start and end MRR of the rows ``rows`` (a boolean mask, in row order): ``mrr``
    and ``mrr + expansion_mrr − contraction_mrr``, as `nrr` and `clv` read them.

    A missing expansion or contraction column, or a missing or unreadable amount in one,
    counts as 0.

    Raises
    ------
    DataValidationError
        No ``mrr`` column; monthly revenues that are missing, not numbers or negative;
        negative expansion or contraction amounts (each with its rows and values).

    Examples
    --------
    >>> df = pd.DataFrame({"mrr": [100.0, 50.0, 80.0], "expansion_mrr": [20.0, None, 0.0],
    ...                    "contraction_mrr": [0.0, 10.0, 0.0]})
    >>> start, end = starting_mrr(df, np.array([True, True, False]))
    >>> start.tolist(), end.tolist()
    ([100.0, 50.0], [120.0, 40.0])
    """
    cols = resolve_columns("customers", columns)
    require_columns(data, cols, ["mrr"])
    return _mrr_columns(data, cols, np.asarray(rows, dtype=bool))


#: The customer KPIs computed from the starting customers' revenues (`kpi_from_values`).
VALUE_LEVEL_KPIS: tuple[str, ...] = ("nrr", "clv")


@dataclass(frozen=True, eq=False)
class CustomerValues:
    """The customers active at the start of a period, one entry each: what `nrr` and `clv`
    read (`customer_values` takes them from the rows).

    Only the values count, not their order: `kpi_from_values` and `compare_values` resample
    the customers in the order of their values.

    Attributes
    ----------
    period : str
    start_mrr : ndarray of float
        Each customer's MRR at the period start (``mrr``).
    end_mrr : ndarray of float
        Its MRR at the period end had it stayed: ``mrr + expansion_mrr − contraction_mrr``.
    lost : ndarray of bool
        Whether it left during the period.
    n_excluded : int
        Rows excluded (a missing start date, an end before the start, ...).
    excluded : DataFrame
        The excluded rows themselves.
    column : str or None
        The MRR column, named in the errors.
    """

    period: str
    start_mrr: np.ndarray
    end_mrr: np.ndarray
    lost: np.ndarray
    n_excluded: int = 0
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)
    column: str | None = "mrr"


def customer_values(data: pd.DataFrame, period: Any, *,
                    columns: Mapping[str, str] | None = None, invalid: str = "raise",
                    missing: str = "exclude") -> CustomerValues:
    """The start MRR, end MRR and loss of each customer active at the start of ``period``
    (see `CustomerValues`, `membership` and `starting_mrr`).

    >>> df = pd.DataFrame({"start_date": pd.to_datetime(["2025-01-10", "2024-03-01",
    ...                                                  "2026-07-05"]),
    ...                    "end_date": pd.to_datetime([None, "2026-08-15", None]),
    ...                    "mrr": [100.0, 50.0, 70.0], "expansion_mrr": [20.0, 0.0, 0.0]})
    >>> v = customer_values(df, "2026Q3")
    >>> v.start_mrr.tolist(), v.end_mrr.tolist(), v.lost.tolist()
    ([100.0, 50.0], [120.0, 50.0], [False, True])

    Raises
    ------
    DataValidationError
        No ``mrr`` column; no customers at the start of the period (``"no usable values
        ..."``); what `membership` and `starting_mrr` refuse.
    """
    p, cols, issues, at_start, _, _, left = _membership(data, "customers", period, columns,
                                                        invalid, missing)
    require_columns(data, cols, ["mrr"])
    require_nonempty(int(at_start.sum()), what=f"customers at the start of {p}")
    start_mrr, end_mrr = _mrr_columns(data, cols, at_start)
    return CustomerValues(period=str(p), start_mrr=start_mrr, end_mrr=end_mrr,
                          lost=left[at_start], n_excluded=issues.n_excluded,
                          excluded=issues.excluded(), column=cols["mrr"])


def _in_order(*arrays: np.ndarray, names: str) -> tuple[np.ndarray, ...]:
    """The arrays (one entry per customer) sorted together by their values, the first
    array first (lexicographically): the order the bootstrap resamples them in, so that it
    does not depend on the order of the rows."""
    if any(a.ndim != 1 or a.shape != arrays[0].shape for a in arrays):
        raise ValueError(f"{names} must be one-dimensional and of equal length")
    order = np.lexsort(arrays[::-1])
    return tuple(a[order] for a in arrays)


def _nrr_arrays(start_mrr: Any, end_mrr: Any, lost: Any
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start MRR, end MRR (0 when lost) and lost, in the order of the values."""
    start, end, gone = _in_order(np.asarray(start_mrr, dtype=float),
                                 np.asarray(end_mrr, dtype=float),
                                 np.asarray(lost, dtype=bool),
                                 names="start_mrr, end_mrr and lost")
    if np.isnan(start).any() or (start < 0).any():
        raise ValueError("start_mrr must be non-negative numbers")
    if np.isnan(end).any():
        raise ValueError("end_mrr must be numbers")
    return start, np.where(gone, 0.0, end), gone


def _nrr_total(start: np.ndarray, column: str | None) -> float:
    total = float(start.sum())
    if total <= 0:
        raise DataValidationError("starting MRR is zero; NRR is undefined", column=column)
    return total


#: Draws of the bootstrap held at once (positions; 8 bytes each): resamples are drawn in
#: blocks of rows, so a million customers × 9,999 resamples needs 32 MB, not 80 GB.
_DRAWS_AT_ONCE = 1 << 22


def _resampled_sums(n: int, n_resamples: int, random_state: Any,
                    *values: np.ndarray) -> list[np.ndarray]:
    """For each array of ``values`` (``n`` customers), its sum in each of ``n_resamples``
    bootstrap resamples of the ``n`` positions. The draws are those of one
    ``rng.integers(0, n, size=(n_resamples, n))``, made a block of resamples at a time
    (NumPy's generator gives the same numbers either way)."""
    rng = np.random.default_rng(random_state)
    total = int(n_resamples)
    block = max(1, _DRAWS_AT_ONCE // max(n, 1))
    out = [np.empty(total) for _ in values]
    for first in range(0, total, block):
        rows = min(block, total - first)
        idx = rng.integers(0, n, size=(rows, n))
        for sums, v in zip(out, values, strict=True):
            sums[first:first + rows] = v[idx].sum(axis=1)
    return out


def nrr_from_values(start_mrr: Any, end_mrr: Any, lost: Any, *,
                    confidence_level: float = 0.95, alternative: str = "two-sided",
                    n_resamples: int = 9999, random_state: Any = 0,
                    column: str | None = None) -> KpiEstimate:
    """Net revenue retention ``Σ end MRR / Σ start MRR × 100`` of the customers active at a
    period's start, a lost customer's end MRR counting as 0, with a percentile bootstrap
    interval over customers [ET93]_.

    The customers are resampled in the order of their values (sorted by start MRR, then
    end MRR, then lost), so the interval does not depend on the order of the rows (changed
    in 0.2.0: 0.1 resampled them in the order given).

    Parameters
    ----------
    start_mrr, end_mrr : array of float
        Each customer's MRR at the period start, and at its end had it stayed
        (``mrr + expansion_mrr − contraction_mrr``).
    lost : array of bool
        Whether each customer left during the period.
    alternative : {"two-sided", "less", "greater"}
        A one-sided interval ends at the natural end of the scale: ``"less"`` gives
        ``(0, high)`` (NRR cannot be negative), ``"greater"`` gives ``(low, inf)``.
    n_resamples, random_state
        The bootstrap's resamples and seed.
    column : str, optional
        The MRR column, named in the errors.

    Returns
    -------
    KpiEstimate
        ``kpi="nrr"``, ``unit="%"``, ``method="bootstrap"``, ``n`` customers; ``details``
        has the sums ``start_mrr``, ``end_mrr`` and ``churned_mrr`` (start MRR of the lost).

    Raises
    ------
    ValueError
        Arrays of different lengths; a start MRR missing or negative; an end MRR missing.
    DataValidationError
        A starting MRR of zero (NRR is undefined).

    Examples
    --------
    >>> r = nrr_from_values([100.0, 50.0, 50.0], [120.0, 50.0, 60.0], [False, True, False],
    ...                     n_resamples=999)
    >>> r.estimate, r.n, r.details["churned_mrr"]
    (90.0, 3, 50.0)
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    start, kept, gone = _nrr_arrays(start_mrr, end_mrr, lost)
    total = _nrr_total(start, column)
    kept_sums, start_sums = _resampled_sums(start.size, n_resamples, random_state, kept, start)
    boot = kept_sums / start_sums
    low, high = one_sided_bounds(*_percentile(boot, level, alternative), alternative,
                                 0.0, np.inf)
    end_total = float(kept.sum())
    return KpiEstimate(kpi="nrr", estimate=100.0 * end_total / total,
                       ci_low=100.0 * float(low), ci_high=100.0 * float(high),
                       n=int(start.size), n_excluded=0, method="bootstrap",
                       confidence_level=level, unit="%",
                       details={"start_mrr": total, "end_mrr": end_total,
                                "churned_mrr": float(start[gone].sum())})


def nrr(customers: pd.DataFrame, period: Any, *, confidence_level: float = 0.95,
        alternative: str = "two-sided", n_resamples: int = 9999, random_state: Any = 0,
        columns: Mapping[str, str] | None = None, invalid: str = "raise",
        missing: str = "exclude") -> KpiEstimate:
    """Net revenue retention of a period in %, with a bootstrap interval over customers.

    ``NRR = Σ end MRR / Σ start MRR × 100`` over the customers active at the period start,
    where a customer's start MRR is ``mrr`` and end MRR is ``mrr + expansion_mrr −
    contraction_mrr``, or 0 if the customer left in the period: the catalogue's
    ``(start MRR + expansion − contraction − churned MRR) / start MRR``. New customers are not
    included. CI: percentile bootstrap resampling customers [ET93]_ (``method="bootstrap"``);
    the customers are resampled in the order of their values, so the interval does not
    depend on the order of the rows (changed in 0.2.0; see `nrr_from_values`).
    A one-sided interval ends at the natural end of the scale: ``alternative="less"`` gives
    ``(0, high)`` (NRR cannot be negative), ``"greater"`` gives ``(low, inf)`` (NRR has no
    upper limit).

    Examples
    --------
    >>> from kpitools.datasets import load_customers
    >>> r = nrr(load_customers(), "2025Q3", n_resamples=999)
    >>> r.unit, r.method
    ('%', 'bootstrap')
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    values = customer_values(customers, period, columns=columns, invalid=invalid,
                             missing=missing)
    return kpi_from_values("nrr", values, confidence_level=level, alternative=alternative,
                           n_resamples=n_resamples, random_state=random_state)


def _clv_arrays(revenue: Any, churned: Any) -> tuple[np.ndarray, np.ndarray]:
    """Revenue and churned (as 0/1) in the order of the values."""
    r, c = _in_order(np.asarray(revenue, dtype=float),
                     np.asarray(churned, dtype=bool).astype(float),
                     names="revenue and churned")
    if np.isnan(r).any() or (r < 0).any():
        raise ValueError("revenue must be non-negative numbers")
    return r, c


def _clv_point(r: np.ndarray, c: np.ndarray, margin: float) -> float:
    if not 0 < margin <= 1:
        raise ValueError(f"margin must be in (0, 1], got {margin!r}")
    rate = c.mean() if c.size else 0.0
    if rate == 0:
        raise ValueError("no customer churned in the period: the simple CLV is unbounded")
    return float(margin * r.mean() / rate)


def clv_from_values(revenue: Any, churned: Any, *, margin: float = 1.0,
                    confidence_level: float = 0.95,
                    method: Literal["delta", "bootstrap"] = "delta",
                    n_resamples: int = 9999, random_state: Any = 0) -> KpiEstimate:
    """Simple CLV ``margin × mean revenue per period / churn rate per period``, with CI.

    Parameters
    ----------
    revenue : array of float
        Revenue of each customer in one period (customers active at its start).
    churned : array of bool
        Whether each of them left during the period.
    margin : float, default 1.0
        Gross margin as a fraction (1 = revenue).
    method : {"delta", "bootstrap"}, default "delta"
        ``"delta"``: first-order delta method on the log scale [Oehlert92]_, with
        ``Var(log CLV) ≈ Var(R̄)/R̄² + Var(ĉ)/ĉ² − 2·Cov(R̄, ĉ)/(R̄ĉ)`` (the covariance from the
        same customers), interval ``CLV · exp(±z·se)``. ``"bootstrap"``: percentile bootstrap
        over customers [ET93]_; the customers are resampled in the order of their values
        (sorted by revenue, then churned), so the interval does not depend on the order of
        the rows (changed in 0.2.0: 0.1 resampled them in the order given).

    Returns
    -------
    KpiEstimate
        ``kpi="clv"``, ``unit="money"``, ``n`` customers (changed in 0.2.0: 0.1 returned
        the bare tuple ``(clv, low, high)``; ``result.estimate, *result.ci`` gives it).

    Notes
    -----
    The simple formula assumes a constant churn rate and no discounting [Gupta06]_; the
    expected lifetime is ``1/churn`` periods.

    Examples
    --------
    >>> import numpy as np
    >>> r = clv_from_values(np.full(200, 100.0), np.arange(200) < 20)
    >>> round(r.estimate, 1), round(r.ci_low, 1), round(r.ci_high, 1)
    (1000.0, 659.1, 1517.1)
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, ("delta", "bootstrap"))
    r, c = _clv_arrays(revenue, churned)
    clv = _clv_point(r, c, margin)
    n = r.size
    if method == "bootstrap":
        r_sums, c_sums = _resampled_sums(n, n_resamples, random_state, r, c.astype(float))
        with np.errstate(divide="ignore"):
            boot = margin * (r_sums / n) / (c_sums / n)
        low, high = _percentile(boot, level, "two-sided")
        return _clv_result(clv, low, high, n, level, method, margin)
    mean_r, rate = r.mean(), c.mean()
    cov = np.cov(np.vstack([r, c]), ddof=1) / n
    var_log = cov[0, 0] / mean_r**2 + cov[1, 1] / rate**2 - 2 * cov[0, 1] / (mean_r * rate)
    se = float(np.sqrt(max(var_log, 0.0)))
    z = z_critical(level)
    return _clv_result(clv, float(clv * np.exp(-z * se)), float(clv * np.exp(z * se)),
                       n, level, method, margin)


def _clv_result(value: float, low: float, high: float, n: int, level: float, method: str,
                margin: float) -> KpiEstimate:
    return KpiEstimate(kpi="clv", estimate=value, ci_low=float(low), ci_high=float(high),
                       n=int(n), n_excluded=0, method=method, confidence_level=level,
                       unit="money", details={"margin": margin})


def clv(customers: pd.DataFrame, period: Any, *, margin: float = 1.0,
        confidence_level: float = 0.95, method: Literal["delta", "bootstrap"] = "delta",
        n_resamples: int = 9999, random_state: Any = 0,
        columns: Mapping[str, str] | None = None, invalid: str = "raise",
        missing: str = "exclude") -> KpiEstimate:
    """Simple customer lifetime value from one period; see `clv_from_values`.

    Revenue per customer in the period is ``mrr × months in the period``; the churn rate is
    that of `churn_rate`. Unit: money (the currency of ``mrr``). With
    ``method="bootstrap"`` the customers are resampled in the order of their values, so the
    interval does not depend on the order of the rows (changed in 0.2.0).

    >>> from kpitools.datasets import load_customers
    >>> clv(load_customers(), "2025Q3", margin=0.7).unit
    'money'
    """
    values = customer_values(customers, period, columns=columns, invalid=invalid,
                             missing=missing)
    return kpi_from_values("clv", values, confidence_level=confidence_level, method=method,
                           margin=margin, n_resamples=n_resamples, random_state=random_state)


def kpi_from_values(kpi: str, values: CustomerValues, *, confidence_level: float = 0.95,
                    alternative: str = "two-sided", method: str | None = None,
                    margin: float = 1.0, n_resamples: int = 9999, random_state: Any = 0
                    ) -> KpiEstimate:
    """A KPI of `VALUE_LEVEL_KPIS` from the `CustomerValues` of a period: what `nrr` and
    `clv` compute once they have read the customers.

    ``nrr``: `nrr_from_values` (percentile bootstrap; ``method`` is ``"bootstrap"`` only);
    ``clv``: `clv_from_values` of the revenue in the period (``start_mrr × months``) and
    the losses (``method`` "delta", the default, or "bootstrap"; a two-sided interval only,
    ``margin`` as there). The customers are resampled in the order of their values, so the
    interval does not depend on the order of the rows.

    >>> v = CustomerValues("2026Q3", start_mrr=np.array([100.0, 50.0, 50.0]),
    ...                    end_mrr=np.array([120.0, 50.0, 60.0]),
    ...                    lost=np.array([False, True, False]))
    >>> r = kpi_from_values("nrr", v, n_resamples=999)
    >>> r.estimate, r.details["period"]
    (90.0, '2026Q3')
    >>> # revenue per quarter 300, 150, 150 (mean 200), one lost of three: 0.5 × 200 / (1/3)
    >>> round(kpi_from_values("clv", v, margin=0.5).estimate, 6)
    300.0

    Raises
    ------
    DataValidationError
        No customers (``"no usable values ..."``), a starting MRR of zero (``nrr``).
    ValueError
        No customer lost (``clv``), a week as the period (``clv``: revenue per month).
    TypeError
        ``alternative`` other than two-sided for ``clv``.
    """
    check_choice("kpi", kpi, VALUE_LEVEL_KPIS)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    require_nonempty(int(np.asarray(values.start_mrr).size),
                     what=f"customers at the start of {values.period}")
    if kpi == "nrr":
        check_choice("method", method or "bootstrap", ("bootstrap",))
        r = nrr_from_values(values.start_mrr, values.end_mrr, values.lost,
                            confidence_level=level, alternative=alternative,
                            n_resamples=n_resamples, random_state=random_state,
                            column=values.column)
        details = {"period": values.period, **r.details}
    else:
        if alternative != "two-sided":
            raise TypeError(f"kpi={kpi!r} has a two-sided interval only; alternative= "
                            "does not apply (compare= has one-sided tests)")
        how: Any = method or "delta"
        months = parse_period(values.period).months
        r = clv_from_values(np.asarray(values.start_mrr, dtype=float) * months, values.lost,
                            margin=margin, confidence_level=level, method=how,
                            n_resamples=n_resamples, random_state=random_state)
        details = {"period": values.period, "margin": margin,
                   "churn_rate": float(np.asarray(values.lost, dtype=float).mean())}
    return KpiEstimate(kpi=kpi, estimate=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high,
                       n=r.n, n_excluded=int(values.n_excluded), method=r.method,
                       confidence_level=level, unit=r.unit, details=details,
                       excluded=values.excluded)


def _replicates(kpi: str, values: CustomerValues, n_resamples: int, seed: int,
                margin: float) -> tuple[float, int, np.ndarray]:
    """The estimate, the number of customers and the bootstrap replicates of NRR (%) or
    CLV of one group, its customers resampled in the order of their values."""
    if kpi == "nrr":
        start, kept, _ = _nrr_arrays(values.start_mrr, values.end_mrr, values.lost)
        total = _nrr_total(start, values.column)
        kept_sums, start_sums = _resampled_sums(start.size, n_resamples, seed, kept, start)
        with np.errstate(divide="ignore", invalid="ignore"):
            boot = 100.0 * kept_sums / start_sums
        return 100.0 * float(kept.sum()) / total, int(start.size), boot
    months = parse_period(values.period).months
    r, c = _clv_arrays(np.asarray(values.start_mrr, dtype=float) * months, values.lost)
    estimate = _clv_point(r, c, margin)
    r_sums, c_sums = _resampled_sums(r.size, n_resamples, seed, r, c.astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = margin * (r_sums / r.size) / (c_sums / r.size)
    return estimate, int(r.size), boot


def compare_values(kpi: str, a: CustomerValues, b: CustomerValues, *,
                   confidence_level: float = 0.95, alternative: str = "two-sided",
                   label_a: str = "a", label_b: str = "b", n_resamples: int = 2000,
                   random_state: Any = 0, margin: float | None = None) -> Comparison:
    """``b`` against ``a`` for ``nrr`` or ``clv`` from the two groups' `CustomerValues`, as
    `compare_customer_kpi` compares them: the percentile bootstrap of the difference (the
    customers resampled within each group, in the order of their values, so the result
    does not depend on the order of the rows), p-value from the bootstrap distribution
    (twice the smaller tail share of differences on the other side of 0).

    ``margin`` applies to ``clv`` only (1 by default).

    >>> a = CustomerValues("2026Q3", np.full(40, 100.0), np.full(40, 100.0),
    ...                    np.arange(40) < 4)
    >>> b = CustomerValues("2026Q3", np.full(40, 100.0), np.full(40, 110.0),
    ...                    np.arange(40) < 4)
    >>> c = compare_values("nrr", a, b, n_resamples=999)
    >>> round(c.difference, 6), c.unit
    (9.0, 'percentage points')
    """
    check_choice("kpi", kpi, VALUE_LEVEL_KPIS)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    if margin is not None and kpi != "clv":
        raise TypeError(f"kpi={kpi!r} does not take the option margin= (clv only)")
    m = 1.0 if margin is None else margin
    for values in (a, b):
        require_nonempty(int(np.asarray(values.start_mrr).size),
                         what=f"customers at the start of {values.period}")
    rng = np.random.default_rng(random_state)
    seeds = rng.integers(0, 2**32, size=2)
    est_a, n_a, boot_a = _replicates(kpi, a, n_resamples, int(seeds[0]), m)
    est_b, n_b, boot_b = _replicates(kpi, b, n_resamples, int(seeds[1]), m)
    with np.errstate(invalid="ignore"):  # inf − inf: both resamples without churn (clv)
        diff = boot_b - boot_a
    diff = diff[np.isfinite(diff)]
    low, high = _percentile(diff, level, alternative)
    if alternative == "two-sided":
        pvalue = min(1.0, 2.0 * min((diff <= 0).mean(), (diff >= 0).mean()))
    elif alternative == "greater":
        pvalue = float((diff <= 0).mean())
    else:
        pvalue = float((diff >= 0).mean())
    unit = comparison_unit("%" if kpi == "nrr" else "money")
    return Comparison(kpi=kpi, estimate_a=est_a, estimate_b=est_b,
                      difference=est_b - est_a, ci_low=low, ci_high=high,
                      statistic=np.nan, pvalue=float(pvalue), method="bootstrap",
                      test="bootstrap", confidence_level=level, unit=unit, n_a=n_a, n_b=n_b,
                      alternative=alternative, label_a=label_a, label_b=label_b)


def employee_turnover(agents: pd.DataFrame, period: Any, *, confidence_level: float = 0.95,
                      alternative: str = "two-sided",
                      method: Literal["exact", "score", "jeffreys"] = "exact",
                      columns: Mapping[str, str] | None = None, invalid: str = "raise",
                      missing: str = "exclude") -> KpiEstimate:
    """Employee turnover of a period in %: leavers / average headcount × 100 [CIPD]_.

    Average headcount = (headcount at the start + headcount at the end) / 2. Because the
    denominator is an average, not the set of people at risk, turnover can exceed 100 % and
    is a rate, not a proportion: the interval treats leavers as Poisson with the average
    headcount as exposure (Garwood's exact interval by default [Garwood36]_).

    >>> from kpitools.datasets import load_agents
    >>> employee_turnover(load_agents(), "2025Q3").kpi
    'employee_turnover'
    """
    check_confidence_level(confidence_level)
    c = customer_counts(agents, period, table="agents", columns=columns, invalid=invalid,
                        missing=missing)
    return kpi_from_counts("employee_turnover", c, confidence_level=confidence_level,
                           method=method, alternative=alternative)


def compare_customer_kpi(a: pd.DataFrame, b: pd.DataFrame, kpi: str, period: Any, *,
                         confidence_level: float = 0.95, alternative: str = "two-sided",
                         method: DiffMethod | None = None, label_a: str = "a",
                         label_b: str = "b",
                         n_resamples: int = 2000, random_state: Any = 0,
                         columns: Mapping[str, str] | None = None, invalid: str = "raise",
                         missing: str = "exclude", margin: float | None = None
                         ) -> Comparison:
    """Compare a customer KPI between two groups (e.g. segments) in the same period.

    ``crr`` and ``churn_rate``: Newcombe interval of the difference in percentage points and
    the two-proportion test [Newcombe98b]_. ``nrr`` and ``clv``: percentile bootstrap of the
    difference (customers resampled within each group, in the order of their values, so the
    result does not depend on the order of the rows), p-value from the bootstrap
    distribution (twice the smaller tail share of differences on the other side of 0);
    see `compare_values`.
    ``employee_turnover``: rate ratio with the exact conditional test.
    ``customer_growth``: the difference only (no interval or test).

    ``margin`` applies to ``clv`` only (TypeError for any other KPI); ``method`` to ``crr``
    and ``churn_rate`` only.
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    if margin is not None and kpi != "clv":
        raise TypeError(f"kpi={kpi!r} does not take the option margin= (clv only)")
    if method is not None and kpi not in ("crr", "churn_rate"):
        raise TypeError(f"kpi={kpi!r} does not take the option method= in compare "
                        "(crr and churn_rate only)")
    options: dict[str, Any] = {"columns": columns, "invalid": invalid, "missing": missing}
    if kpi in COUNT_LEVEL_KPIS:
        table = "agents" if kpi == "employee_turnover" else "customers"
        return compare_counts(kpi, customer_counts(a, period, table=table, **options),
                              customer_counts(b, period, table=table, **options),
                              confidence_level=level, alternative=alternative, method=method,
                              label_a=label_a, label_b=label_b)
    check_choice("kpi", kpi, ("crr", "churn_rate", "nrr", "clv", "employee_turnover",
                              "customer_growth"))
    va = customer_values(a, period, **options)
    vb = customer_values(b, period, **options)
    return compare_values(kpi, va, vb, confidence_level=level, alternative=alternative,
                          label_a=label_a, label_b=label_b, n_resamples=n_resamples,
                          random_state=random_state, margin=margin)


def compare_counts(kpi: str, ca: PeriodCounts, cb: PeriodCounts, *,
                   confidence_level: float = 0.95, alternative: str = "two-sided",
                   method: DiffMethod | None = None, label_a: str = "a", label_b: str = "b"
                   ) -> Comparison:
    """``b`` against ``a`` for a KPI of `COUNT_LEVEL_KPIS` from the two groups' counts, as
    `compare_customer_kpi` compares them: ``crr`` and ``churn_rate`` by Newcombe's interval
    of the difference and the two-proportion test [Newcombe98b]_ (``method``),
    ``employee_turnover`` by the rate ratio with the exact conditional test,
    ``customer_growth`` by the difference only.

    >>> a = PeriodCounts("2026Q3", 200, 30, 35, 210, 20, 25, 0, pd.DataFrame())
    >>> b = PeriodCounts("2026Q3", 180, 10, 12, 170, 20, 22, 0, pd.DataFrame())
    >>> c = compare_counts("churn_rate", a, b)
    >>> round(c.difference, 2), c.method
    (1.11, 'newcombe')
    """
    check_choice("kpi", kpi, COUNT_LEVEL_KPIS)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    if kpi in ("crr", "churn_rate"):
        ka, kb = (ca.retained, cb.retained) if kpi == "crr" else (ca.lost, cb.lost)
        return compare_proportions(ka, ca.start, kb, cb.start, kpi=kpi,
                                   confidence_level=level, alternative=alternative,
                                   method=method or "newcombe", label_a=label_a,
                                   label_b=label_b)
    if kpi == "employee_turnover":
        return rate_comparison(kpi, ca.left_all, (ca.start + ca.end) / 2, cb.left_all,
                               (cb.start + cb.end) / 2, confidence_level=level,
                               alternative=alternative, label_a=label_a, label_b=label_b,
                               unit="%", scale=100.0)
    ra = kpi_from_counts(kpi, ca, confidence_level=level)
    rb = kpi_from_counts(kpi, cb, confidence_level=level)
    return Comparison(kpi=kpi, estimate_a=ra.estimate, estimate_b=rb.estimate,
                      difference=rb.estimate - ra.estimate, ci_low=np.nan, ci_high=np.nan,
                      statistic=np.nan, pvalue=np.nan, method="none", test="none",
                      confidence_level=level, unit=comparison_unit("%"), n_a=ra.n,
                      n_b=rb.n, alternative=alternative, label_a=label_a, label_b=label_b)


# ------------------------------------------------------------------------- registration

_CUSTOMER_KPIS: dict[str, tuple[Any, str, bool, Measure]] = {
    # name: (function, unit, higher_is_better, measure of its comparisons)
    "crr": (customer_retention, "%", True, "difference"),
    "churn_rate": (churn_rate, "%", False, "difference"),
    "customer_growth": (customer_growth, "%", True, "difference"),
    "nrr": (nrr, "%", True, "difference"),
    "clv": (clv, "money", True, "difference"),
    "employee_turnover": (employee_turnover, "%", False, "ratio"),
}

#: Customer KPIs whose estimate has a two-sided interval only (CLV: delta method or
#: bootstrap); a one-sided request is refused in one clear line, not a raw TypeError.
_TWO_SIDED_ONLY = frozenset({"clv"})


def _need_period(options: dict[str, Any], kpi: str) -> Any:
    if "period" not in options:
        raise TypeError(f"kpi={kpi!r} needs the option period=...")
    return options.pop("period")


def _customer_definition(kpi: str) -> KpiDefinition:
    fn, unit, better, measure = _CUSTOMER_KPIS[kpi]

    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        no_value(kpi, value)
        period = _need_period(options, kpi)
        if kpi in _TWO_SIDED_ONLY and "alternative" in options:
            if options.pop("alternative") != "two-sided":
                raise TypeError(f"kpi={kpi!r} has a two-sided interval only; alternative= "
                                "does not apply (compare= has one-sided tests)")
        return fn(data, period, confidence_level=confidence_level, **options)

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, **options: Any) -> Comparison:
        no_value(kpi, value)
        period = _need_period(options, kpi)
        return compare_customer_kpi(a, b, kpi, period, confidence_level=confidence_level,
                                    **options)

    takes = options_of(fn, "customers", "agents")
    if kpi in _TWO_SIDED_ONLY:
        takes = takes | {"alternative"}
    compare_takes = options_of(compare_customer_kpi, "a", "b", "kpi", "label_a", "label_b")
    if kpi not in ("crr", "churn_rate"):
        compare_takes = compare_takes - {"method"}
    if kpi != "clv":
        compare_takes = compare_takes - {"margin"}
    return KpiDefinition(name=kpi, unit=unit, higher_is_better=better, measure=measure,
                         estimate=estimate, compare=compare,
                         description=f"{kpi}: needs period= ('2026Q3')",
                         options=takes, compare_options=compare_takes)


for _kpi in _CUSTOMER_KPIS:
    register_kpi(_customer_definition(_kpi))
