"""Yes/no shares: the share of "yes" answers of any yes/no column, in %.

``yes_share`` is the KPI for a column that says yes or no per row — the SLA was met, the
customer churned, the customer was satisfied, the call was answered — written as booleans,
0/1, or words (yes/no, y/n, true/false, t/f, in any case; or your own ``true_labels`` and
``false_labels``, e.g. ``("Met",)`` and ``("Breached",)``).

- the estimate is ``100 · yes / (yes + no)`` with Wilson's score interval by default
  [Wilson27]_ (any method of `kpitools.stats.intervals.proportion_ci`);
- comparisons are ``b − a`` in percentage points with Newcombe's hybrid score interval
  [Newcombe98b]_ and the pooled two-proportion z test, or Fisher's exact test when an
  expected count is below 5 (``test="auto"``), as for CSAT
  (`kpitools.kpis.common.compare_proportions`);
- a missing value (None, NaN, an empty string) is excluded and counted (``missing="raise"``
  refuses it); a value that is neither yes nor no (``"maybe"``, ``2``) raises a
  `DataValidationError` naming the column, the rows and the values, or with
  ``invalid="exclude"`` is excluded and listed in ``result.excluded``.

Registered as ``kpi="yes_share"`` (unit %, no direction: a high share of "SLA met" is good,
of "churned" bad), so ``kpitools.summarize(df, kpi="yes_share", value="sla_met", by=...)``
and ``kpitools.compare`` work on it, vectorised, and on counts
(``successes=, trials=``) or published shares (``shares=, n=``).

References
----------
.. [Wilson27] Wilson EB (1927). Probable inference, the law of succession, and statistical
   inference. J Am Stat Assoc 22:209–212.
.. [Newcombe98b] Newcombe RG (1998). Interval estimation for the difference between
   independent proportions: comparison of eleven methods. Stat Med 17:873–890.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpitools.core.results import Comparison, KpiEstimate
from kpitools.core.validation import (
    as_series,
    check_alternative,
    check_choice,
    check_confidence_level,
    require_nonempty,
    warn_if_small,
)
from kpitools.kpis.catalogue import KpiDefinition, options_of, register_kpi
from kpitools.kpis.common import (
    compare_proportion_cells,
    compare_proportions,
    group_table,
    proportion_columns,
    warn_small_comparisons,
)
from kpitools.stats.intervals import PROPORTION_METHODS, DiffMethod, ProportionMethod, proportion_ci
from kpitools.stats.significance import ProportionTest
from kpitools.tables.events import RowIssues
from kpitools.tables.keys import group_codes

__all__ = [
    "yes_share",
    "compare_yes_share",
    "yes_no_codes",
    "DEFAULT_TRUE_LABELS",
    "DEFAULT_FALSE_LABELS",
]

#: Words read as "yes" when no ``true_labels`` are given (compared stripped, in lower case).
DEFAULT_TRUE_LABELS: tuple[str, ...] = ("yes", "y", "true", "t", "1")
#: Words read as "no" when no ``false_labels`` are given.
DEFAULT_FALSE_LABELS: tuple[str, ...] = ("no", "n", "false", "f", "0")

Policy = Literal["raise", "exclude"]


def _labels(given: Iterable[Any] | None, default: tuple[str, ...], name: str) -> set[str]:
    if given is None:
        return set(default)
    if isinstance(given, str):
        given = (given,)
    out = set()
    for label in given:
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"{name} must be non-empty strings, got {label!r}")
        out.add(label.strip().lower())
    if not out:
        raise ValueError(f"{name} must name at least one label")
    return out


def yes_no_codes(values: Any, *, true_labels: Iterable[str] | None = None,
                 false_labels: Iterable[str] | None = None, invalid: Policy = "raise",
                 missing: Literal["exclude", "raise"] = "exclude",
                 column: str | None = None) -> tuple[np.ndarray, RowIssues]:
    """Every value as 1.0 (yes), 0.0 (no) or NaN (missing or excluded), and the excluded rows.

    Booleans and the numbers 0 and 1 are always read; text is read with ``true_labels`` and
    ``false_labels`` (stripped, case-insensitive; default `DEFAULT_TRUE_LABELS` and
    `DEFAULT_FALSE_LABELS`). The work is done once per distinct value.

    >>> codes, issues = yes_no_codes(pd.Series(["Y", "n", None, True, 0]))
    >>> codes.tolist(), issues.n_excluded
    ([1.0, 0.0, nan, 1.0, 0.0], 1)
    """
    series = as_series(values)
    name = column if column is not None else (None if series.name is None
                                              else str(series.name))
    yes = _labels(true_labels, DEFAULT_TRUE_LABELS, "true_labels")
    no = _labels(false_labels, DEFAULT_FALSE_LABELS, "false_labels")
    both = sorted(yes & no)
    if both:
        raise ValueError(f"labels {both} are both true_labels and false_labels")
    issues = RowIssues(series.index, invalid=invalid, missing=missing)
    if pd.api.types.is_bool_dtype(series.dtype):
        codes = series.astype(float).to_numpy(dtype=float)
    else:
        raw = series.to_numpy(dtype=object)
        inverse, uniques = pd.factorize(pd.Series(raw, dtype=object), use_na_sentinel=True)
        coded = np.array([_code(v, yes, no) for v in uniques], dtype=float)
        codes = np.where(inverse < 0, np.nan, coded[np.maximum(inverse, 0)] if len(coded)
                         else np.nan)
    bad = codes == -1.0
    expected = "/".join(sorted(yes)) + " or " + "/".join(sorted(no))
    issues.add(bad, column=name, values=series,
               reason=f"values are not yes/no answers (expected booleans, 0/1, {expected})")
    codes = np.where(bad, np.nan, codes)
    issues.add(np.isnan(codes), column=name, values=series, reason="missing values",
               kind="missing")
    return codes, issues


def _code(v: Any, yes: set[str], no: set[str]) -> float:
    """1 yes, 0 no, NaN missing, −1 neither."""
    if v is None or v is pd.NA or v is pd.NaT:
        return np.nan
    if isinstance(v, bool | np.bool_):
        return float(v)
    if isinstance(v, int | float | np.integer | np.floating):
        if np.isnan(float(v)):
            return np.nan
        return float(v) if v in (0, 1) else -1.0
    if isinstance(v, str):
        s = v.strip().lower()
        if s == "":
            return np.nan
        return 1.0 if s in yes else 0.0 if s in no else -1.0
    return -1.0


def yes_share(
    values: Any,
    *,
    true_labels: Iterable[str] | None = None,
    false_labels: Iterable[str] | None = None,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    invalid: Policy = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    kpi: str = "yes_share",
) -> KpiEstimate:
    """Share of "yes" among the yes/no answers of one column, in %, with its interval.

    Parameters
    ----------
    values : Series or array-like
        Booleans, 0/1, or yes/no words (see `yes_no_codes`).
    true_labels, false_labels : iterable of str, optional
        The words for yes and for no (case-insensitive), e.g. ``("Met",)`` and
        ``("Breached",)``; default yes/y/true/t/1 and no/n/false/f/0. Booleans and the
        numbers 0/1 are always read.
    confidence_level : float, default 0.95
    method : str, default "wilson"
        Any method of `kpitools.stats.intervals.proportion_ci` (Wilson's score interval
        [Wilson27]_ by default; ``"clopper_pearson"``, ``"agresti_coull"``, ...).
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
    invalid : {"raise", "exclude"}, default "raise"
        A value that is neither yes nor no: a `DataValidationError` naming the column, rows
        and values, or excluded and listed.
    missing : {"exclude", "raise"}, default "exclude"
    kpi : str, default "yes_share"
        Name recorded in the result (e.g. ``"sla_met"``).

    Returns
    -------
    KpiEstimate
        ``estimate`` in %; ``details`` has ``yes`` and ``no`` (the counts); ``excluded``
        lists the missing and invalid rows.

    Examples
    --------
    >>> r = yes_share(["Y", "Y", "N", "Y", None, "y", "N", "Y", "Y", "Y", "N"])
    >>> r.estimate, round(r.ci_low, 2), round(r.ci_high, 2), r.n, r.n_excluded
    (70.0, 39.68, 89.22, 10, 1)
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, PROPORTION_METHODS)
    check_alternative(alternative)
    codes, issues = yes_no_codes(values, true_labels=true_labels, false_labels=false_labels,
                                 invalid=invalid, missing=missing)
    used = ~np.isnan(codes)
    k, n = int(codes[used].sum()), int(used.sum())
    require_nonempty(n, what=f"{kpi} (yes/no answers)", n_excluded=issues.n_excluded)
    warn_if_small(n, what=kpi)
    low, high = proportion_ci(k, n, confidence_level=level, method=method,
                              alternative=alternative)
    return KpiEstimate(kpi=kpi, estimate=100.0 * k / n, ci_low=100.0 * low,
                       ci_high=100.0 * high, n=n, n_excluded=issues.n_excluded, method=method,
                       confidence_level=level, unit="%", details={"yes": k, "no": n - k},
                       excluded=issues.excluded())


def compare_yes_share(
    a: Any,
    b: Any,
    *,
    true_labels: Iterable[str] | None = None,
    false_labels: Iterable[str] | None = None,
    confidence_level: float = 0.95,
    method: DiffMethod = "newcombe",
    test: ProportionTest = "auto",
    alternative: str = "two-sided",
    invalid: Policy = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    label_a: str = "a",
    label_b: str = "b",
    kpi: str = "yes_share",
) -> Comparison:
    """Compare the yes share of ``b`` against the baseline ``a`` (``b − a``, in percentage
    points).

    Newcombe's hybrid score interval of the difference by default [Newcombe98b]_ (any of
    `kpitools.stats.intervals.DIFF_METHODS`), the pooled two-proportion z test or Fisher's
    exact test when an expected count is below 5 (``test="auto"``); see
    `kpitools.kpis.common.compare_proportions`. The other parameters are those of `yes_share`.

    Examples
    --------
    >>> c = compare_yes_share(["y"] * 48 + ["n"] * 32, ["y"] * 56 + ["n"] * 14)
    >>> round(c.difference, 2), round(c.ci_low, 2), round(c.ci_high, 2), c.test
    (20.0, 5.24, 33.39, 'two_proportion_z')
    """
    level = check_confidence_level(confidence_level)
    ca, ia = yes_no_codes(a, true_labels=true_labels, false_labels=false_labels,
                          invalid=invalid, missing=missing)
    cb, ib = yes_no_codes(b, true_labels=true_labels, false_labels=false_labels,
                          invalid=invalid, missing=missing)
    na, nb = int((~np.isnan(ca)).sum()), int((~np.isnan(cb)).sum())
    require_nonempty(na, what=f"{kpi} of {label_a}")
    require_nonempty(nb, what=f"{kpi} of {label_b}")
    warn_if_small(min(na, nb), what=f"{kpi} comparison")
    return compare_proportions(int(np.nansum(ca)), na, int(np.nansum(cb)), nb, kpi=kpi,
                               confidence_level=level, alternative=alternative,
                               method=method, test=test, label_a=label_a, label_b=label_b,
                               details={"n_excluded_a": ia.n_excluded,
                                        "n_excluded_b": ib.n_excluded})


# ------------------------------------------------------------------------- registration


def _need_value(value: str | None) -> str:
    if value is None:
        raise ValueError("kpi='yes_share' needs value= naming the yes/no column (e.g. "
                         "value='sla_met')")
    return value


def _estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
              **options: Any) -> KpiEstimate:
    return yes_share(data[_need_value(value)], confidence_level=confidence_level, **options)


def _compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *, confidence_level: float,
             **options: Any) -> Comparison:
    column = _need_value(value)
    return compare_yes_share(a[column], b[column], confidence_level=confidence_level,
                             **options)


def _summarize(data: pd.DataFrame, value: str | None, keys: list[str], *,
               confidence_level: float, method: ProportionMethod = "wilson",
               alternative: str = "two-sided", true_labels: Iterable[str] | None = None,
               false_labels: Iterable[str] | None = None, invalid: Policy = "raise",
               missing: Literal["exclude", "raise"] = "exclude") -> pd.DataFrame:
    """`yes_share` of every group in one pass: the values coded once, bincounts, array
    Wilson (`kpitools.kpis.common.proportion_columns`)."""
    check_choice("method", method, PROPORTION_METHODS)
    check_alternative(alternative)
    codes, issues = yes_no_codes(data[_need_value(value)], true_labels=true_labels,
                                 false_labels=false_labels, invalid=invalid, missing=missing)
    group, groups = group_codes(data, keys)
    g = len(groups)
    used = ~np.isnan(codes)
    k = np.bincount(group[used], weights=codes[used], minlength=g)
    n = np.bincount(group[used], minlength=g)
    estimate, low, high = proportion_columns(k, n, confidence_level=confidence_level,
                                             method=method, alternative=alternative)
    return group_table(groups, {
        "kpi": "yes_share", "estimate": estimate, "ci_low": low, "ci_high": high,
        "confidence_level": confidence_level, "method": method, "unit": "%",
        "n": n.astype(np.int64),
        "n_excluded": np.bincount(group[issues.mask], minlength=g).astype(np.int64),
    }, issues.excluded())


def _compare_groups(data: pd.DataFrame, value: str | None, cells: np.ndarray, n_cells: int,
                    index_a: np.ndarray, index_b: np.ndarray, *, confidence_level: float,
                    true_labels: Iterable[str] | None = None,
                    false_labels: Iterable[str] | None = None, method: DiffMethod = "newcombe",
                    test: ProportionTest = "auto", alternative: str = "two-sided",
                    invalid: Policy = "raise", missing: Literal["exclude", "raise"] = "exclude"
                    ) -> dict[str, Any] | None:
    """`compare_yes_share` of every pair of cells at once (values coded once, bincounts)."""
    check_confidence_level(confidence_level)
    codes, _ = yes_no_codes(data[_need_value(value)], true_labels=true_labels,
                            false_labels=false_labels, invalid=invalid, missing=missing)
    used = ~np.isnan(codes)
    k = np.bincount(cells[used], weights=codes[used], minlength=n_cells)
    n = np.bincount(cells[used], minlength=n_cells)
    if (n[index_a] == 0).any() or (n[index_b] == 0).any():
        return None  # pair by pair: "no usable values"
    warn_small_comparisons(n[index_a], n[index_b], what="yes_share comparison")
    return compare_proportion_cells(k, n, index_a, index_b, kpi="yes_share",
                                    confidence_level=confidence_level, method=method,
                                    test=test, alternative=alternative)


register_kpi(KpiDefinition(
    name="yes_share", unit="%", higher_is_better=None, estimate=_estimate, compare=_compare,
    summarize=_summarize, aggregate="proportion",
    description="share of yes answers of a yes/no column (value=): booleans, 0/1 or yes/no "
                "words; Wilson CI, Newcombe difference",
    options=options_of(yes_share, "values", "kpi"),
    compare_options=options_of(compare_yes_share, "a", "b", "kpi", "label_a", "label_b"),
    compare_groups=_compare_groups,
))
