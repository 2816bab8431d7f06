"""Result objects: one estimate with its interval, and one comparison of two groups.

Both are frozen dataclasses with the same vocabulary everywhere (``estimate``, ``ci_low``,
``ci_high``, ``n``, ``n_excluded``, ``method``, ``confidence_level``, ``unit``), a readable
``repr``, an HTML repr for Jupyter and ``to_frame()`` that returns one tidy row.

The column order of tidy output is defined once here (``ESTIMATE_COLUMNS`` and
``COMPARISON_COLUMNS``) and asserted by the tests.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from kpitools.core.display import format_ci, format_number, format_pvalue

__all__ = [
    "ConfidenceInterval",
    "KpiEstimate",
    "Comparison",
    "ESTIMATE_COLUMNS",
    "COMPARISON_COLUMNS",
    "EXCLUDED_COLUMNS",
    "empty_excluded",
    "ExcludedRows",
    "as_excluded_rows",
]

#: Columns of a tidy estimate row, after any group columns.
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "kpi",
    "estimate",
    "ci_low",
    "ci_high",
    "confidence_level",
    "method",
    "unit",
    "n",
    "n_excluded",
)

#: Columns of a tidy comparison row, after any ``by`` group columns.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "kpi",
    "group_a",
    "group_b",
    "estimate_a",
    "estimate_b",
    "difference",
    "ci_low",
    "ci_high",
    "confidence_level",
    "statistic",
    "pvalue",
    "alternative",
    "method",
    "test",
    "unit",
    "n_a",
    "n_b",
)

#: Columns of the table of excluded rows kept with every result.
EXCLUDED_COLUMNS: tuple[str, ...] = ("row", "column", "value", "reason")


class ExcludedRows(pd.DataFrame):
    """The table of excluded rows (``row, column, value, reason``) kept with a result.

    A plain DataFrame in every respect except that ``==`` compares whole tables and returns
    one bool. Grouped results keep this table in ``DataFrame.attrs["excluded"]``, and pandas
    compares ``attrs`` when it concatenates or merges frames: a plain DataFrame there would
    make ``pd.concat`` of two summaries fail.
    """

    @property
    def _constructor(self):  # type: ignore[override]
        return ExcludedRows

    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return isinstance(other, pd.DataFrame) and self.equals(other)

    def __ne__(self, other: object) -> bool:  # type: ignore[override]
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]


def as_excluded_rows(table: pd.DataFrame | None) -> ExcludedRows:
    """``table`` as an `ExcludedRows` (an empty one for None)."""
    if table is None or len(table) == 0:
        return empty_excluded()
    return table if isinstance(table, ExcludedRows) else ExcludedRows(table)


def empty_excluded() -> ExcludedRows:
    """An empty table of excluded rows with the standard columns."""
    return ExcludedRows({c: pd.Series(dtype=object) for c in EXCLUDED_COLUMNS})


class ConfidenceInterval(NamedTuple):
    """A confidence interval ``(low, high)``."""

    low: float
    high: float


@dataclass(frozen=True)
class KpiEstimate:
    """One KPI estimate with its confidence interval.

    Attributes
    ----------
    kpi : str
        Name of the KPI, e.g. ``"nps"``.
    estimate : float
        Point estimate in ``unit``.
    ci_low, ci_high : float
        Confidence limits in ``unit``.
    n : int
        Number of observations used.
    n_excluded : int
        Number of rows excluded (missing values and the like); they are listed in
        ``excluded``.
    method : str
        Name of the interval method (e.g. ``"adjusted_wald"``).
    confidence_level : float
        Confidence level of the interval, e.g. 0.95.
    unit : str
        ``"points"``, ``"%"``, ``"minutes"``, ``"count"``, ...
    details : dict
        Method-specific extras (counts, standard error, ...).
    excluded : pandas.DataFrame
        One row per excluded input row: ``row, column, value, reason``.
    """

    kpi: str
    estimate: float
    ci_low: float
    ci_high: float
    n: int
    n_excluded: int
    method: str
    confidence_level: float
    unit: str
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    excluded: pd.DataFrame = field(default_factory=empty_excluded, compare=False, repr=False)

    @property
    def ci(self) -> ConfidenceInterval:
        """The interval as a ``(low, high)`` named tuple."""
        return ConfidenceInterval(self.ci_low, self.ci_high)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the columns of ``ESTIMATE_COLUMNS``."""
        return pd.DataFrame([{c: getattr(self, c) for c in ESTIMATE_COLUMNS}],
                            columns=list(ESTIMATE_COLUMNS))

    def __repr__(self) -> str:
        level = f"{self.confidence_level:.0%}"
        unit = "" if self.unit in ("", "count") else f" {self.unit}"
        ci = format_ci(self.ci_low, self.ci_high)
        excluded = f", {self.n_excluded} excluded" if self.n_excluded else ""
        return (
            f"<{self.kpi.upper()} {format_number(self.estimate)}{unit}, {level} CI {ci} "
            f"({self.method}), n={self.n}{excluded}>"
        )

    def _repr_html_(self) -> str:
        level = f"{self.confidence_level:.0%}"
        rows = [
            ("Estimate", f"{format_number(self.estimate)} {html.escape(self.unit)}"),
            (f"{level} CI", format_ci(self.ci_low, self.ci_high)),
            ("Method", html.escape(self.method)),
            ("n", f"{self.n:,}"),
            ("Excluded rows", f"{self.n_excluded:,}"),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>"
                       for k, v in rows)
        return (f"<table class='kpitools-result'><caption>{html.escape(self.kpi.upper())}"
                f"</caption>{body}</table>")


@dataclass(frozen=True)
class Comparison:
    """Comparison of a KPI between a baseline ``a`` and a group ``b``.

    ``difference = estimate_b - estimate_a`` with its confidence interval; ``pvalue`` tests
    the null hypothesis ``difference == null_value`` against ``alternative``.

    Attributes
    ----------
    kpi, unit, method, confidence_level : as in `KpiEstimate`
        ``method`` names the interval method of the difference.
    estimate_a, estimate_b : float
        The two estimates (a is the baseline).
    difference, ci_low, ci_high : float
        ``b - a`` and its confidence interval.
    statistic, pvalue : float
        Test statistic and p-value of the test named in ``test``.
    alternative : {"two-sided", "less", "greater"}
        Direction of the test, in scipy's sense for ``b - a``.
    test : str
        Name of the significance test.
    null_value : float
        The difference under the null hypothesis (0 unless stated).
    n_a, n_b : int
        Sample sizes used.
    label_a, label_b : str
        Names of the two groups, for display.
    """

    kpi: str
    estimate_a: float
    estimate_b: float
    difference: float
    ci_low: float
    ci_high: float
    statistic: float
    pvalue: float
    method: str
    test: str
    confidence_level: float
    unit: str
    n_a: int
    n_b: int
    alternative: str = "two-sided"
    null_value: float = 0.0
    label_a: str = "a"
    label_b: str = "b"
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ci(self) -> ConfidenceInterval:
        """The interval of the difference as a ``(low, high)`` named tuple."""
        return ConfidenceInterval(self.ci_low, self.ci_high)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the columns of ``COMPARISON_COLUMNS``."""
        row = {c: getattr(self, c) for c in COMPARISON_COLUMNS if hasattr(self, c)}
        row["group_a"] = self.label_a
        row["group_b"] = self.label_b
        return pd.DataFrame([row], columns=list(COMPARISON_COLUMNS))

    def __repr__(self) -> str:
        level = f"{self.confidence_level:.0%}"
        unit = "" if self.unit in ("", "count") else f" {self.unit}"
        return (
            f"<{self.kpi.upper()} {self.label_b} − {self.label_a}: "
            f"{format_number(self.estimate_b)} − {format_number(self.estimate_a)} = "
            f"{format_number(self.difference, signed=True)}{unit}, {level} CI "
            f"{format_ci(self.ci_low, self.ci_high)} ({self.method}); "
            f"{self.test} p={format_pvalue(self.pvalue)}; n={self.n_a}, {self.n_b}>"
        )

    def _repr_html_(self) -> str:
        level = f"{self.confidence_level:.0%}"
        esc = html.escape
        rows = [
            (esc(str(self.label_a)), f"{format_number(self.estimate_a)} (n={self.n_a:,})"),
            (esc(str(self.label_b)), f"{format_number(self.estimate_b)} (n={self.n_b:,})"),
            ("Difference", f"{format_number(self.difference, signed=True)} {esc(self.unit)}"),
            (f"{level} CI", format_ci(self.ci_low, self.ci_high)),
            ("p-value", f"{format_pvalue(self.pvalue)} ({esc(self.test)})"),
            ("Method", esc(self.method)),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>"
                       for k, v in rows)
        return (f"<table class='kpitools-result'><caption>{esc(self.kpi.upper())} comparison"
                f"</caption>{body}</table>")
