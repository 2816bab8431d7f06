"""Result objects: one estimate with its interval, and one comparison of two groups.

Both are frozen dataclasses with the same vocabulary everywhere (``estimate``, ``ci_low``,
``ci_high``, ``n``, ``n_excluded``, ``method``, ``confidence_level``, ``unit``), a readable
``repr``, an HTML repr for Jupyter and ``to_frame()`` that returns one tidy row.

The comparison contract
-----------------------
Every comparison of two groups takes the baseline ``a`` first and reports ``b`` against it,
in one of two measures (``Comparison.measure``):

- ``"difference"``: ``difference = estimate_b − estimate_a``, null value 0;
- ``"ratio"``: ``difference = estimate_b / estimate_a`` (counts and rates), null value 1,
  unit ``"ratio"``.

Units come from one vocabulary, `DIFFERENCE_UNITS`: each estimate unit (``"%"``,
``"points"``, ``"seconds"``, ...) with the unit of a difference of two such estimates
(``"%"`` → ``"percentage points"``; ``"points"`` → ``"points"``); `comparison_unit` gives
it. Like scipy's results, a `Comparison` has ``statistic``, ``pvalue`` and
``confidence_interval()``.

The column order of tidy output is defined once here (``ESTIMATE_COLUMNS`` and
``COMPARISON_COLUMNS``) and asserted by the tests.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import pandas as pd

from kpitools.core.display import format_ci, format_number, format_pvalue

__all__ = [
    "ConfidenceInterval",
    "KpiEstimate",
    "Measure",
    "MEASURES",
    "DIFFERENCE_UNITS",
    "ESTIMATE_UNITS",
    "COMPARISON_UNITS",
    "RATIO_UNIT",
    "comparison_unit",
    "Comparison",
    "ESTIMATE_COLUMNS",
    "COMPARISON_COLUMNS",
    "EXCLUDED_COLUMNS",
    "empty_excluded",
    "ExcludedRows",
    "as_excluded_rows",
]

Measure = Literal["difference", "ratio"]
#: How a comparison reports ``b`` against the baseline ``a``: ``b − a`` or ``b / a``.
MEASURES: tuple[str, ...] = ("difference", "ratio")

#: The unit of every ratio ``b / a``.
RATIO_UNIT = "ratio"

#: The units vocabulary: every estimate unit, with the unit of a difference ``b − a`` of two
#: such estimates. A difference of two percentages is in percentage points; of NPS points,
#: in points; of durations, in the same time unit. Rates and counts are compared by their
#: ratio (unit `RATIO_UNIT`).
DIFFERENCE_UNITS: dict[str, str] = {
    "%": "percentage points",
    "points": "points",
    "score": "score",
    "gap points": "gap points",
    "seconds": "seconds",
    "minutes": "minutes",
    "hours": "hours",
    "days": "days",
    "money": "money",
    "count": "count",
    "per day": "per day",
    "per 1,000": "per 1,000",
    "per agent-hour": "per agent-hour",
    "per unit of exposure": "per unit of exposure",
}

#: Every unit an estimate may have.
ESTIMATE_UNITS: tuple[str, ...] = tuple(DIFFERENCE_UNITS)

#: Every unit a comparison may have.
COMPARISON_UNITS: frozenset[str] = frozenset({*DIFFERENCE_UNITS.values(), RATIO_UNIT})


def comparison_unit(estimate_unit: str, measure: Measure = "difference") -> str:
    """The unit of a comparison of two estimates in ``estimate_unit``.

    >>> comparison_unit("%"), comparison_unit("points"), comparison_unit("count", "ratio")
    ('percentage points', 'points', 'ratio')
    """
    if measure not in MEASURES:
        raise ValueError(f"measure={measure!r}; choose one of {MEASURES}")
    if estimate_unit not in DIFFERENCE_UNITS:
        raise ValueError(f"unit {estimate_unit!r} is not in the units vocabulary "
                         f"{ESTIMATE_UNITS}")
    return RATIO_UNIT if measure == "ratio" else DIFFERENCE_UNITS[estimate_unit]


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
    "measure",
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
    """An empty table of excluded rows with the standard columns (a copy of one made once:
    building it is ~15× slower than copying it, and summaries make several)."""
    global _EMPTY_EXCLUDED
    if _EMPTY_EXCLUDED is None:
        _EMPTY_EXCLUDED = ExcludedRows({c: pd.Series(dtype=object) for c in EXCLUDED_COLUMNS})
    return _EMPTY_EXCLUDED.copy()


_EMPTY_EXCLUDED: ExcludedRows | None = None


class ConfidenceInterval(NamedTuple):
    """A confidence interval ``(low, high)``."""

    low: float
    high: float


def stored_interval(interval: ConfidenceInterval, stored_level: float,
                    confidence_level: float | None, what: str) -> ConfidenceInterval:
    """``interval`` when ``confidence_level`` is None or the stored level, else ValueError.

    A result keeps the interval it was computed with; it cannot recompute another level
    without its data (call the function again with that ``confidence_level=``).
    """
    if confidence_level is None or abs(float(confidence_level) - stored_level) < 1e-12:
        return interval
    raise ValueError(f"this {what} holds its {stored_level:.0%} interval only; call the "
                     f"function again with confidence_level={confidence_level!r} to get "
                     "another level")


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

    def confidence_interval(self, confidence_level: float | None = None) -> ConfidenceInterval:
        """The stored interval (ValueError if another ``confidence_level`` is asked)."""
        return stored_interval(self.ci, self.confidence_level, confidence_level,
                               f"{self.kpi} estimate")

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

    ``difference = estimate_b - estimate_a`` (``measure="difference"``) or
    ``estimate_b / estimate_a`` (``measure="ratio"``, rates and counts) with its confidence
    interval; ``pvalue`` tests the null hypothesis ``difference == null_value`` (0 for a
    difference, 1 for a ratio) against ``alternative``. As with scipy's test results,
    ``statistic`` and ``pvalue`` are attributes and ``confidence_interval()`` a method.

    Attributes
    ----------
    kpi, method, confidence_level : as in `KpiEstimate`
        ``method`` names the interval method of the difference.
    unit : str
        Unit of ``difference``: `comparison_unit` of the estimates' unit (``"percentage
        points"`` for two percentages, ``"ratio"`` for a ratio).
    estimate_a, estimate_b : float
        The two estimates (a is the baseline).
    difference, ci_low, ci_high : float
        ``b − a`` (or ``b / a``) and its confidence interval.
    measure : {"difference", "ratio"}
        Which of the two ``difference`` holds.
    statistic, pvalue : float
        Test statistic and p-value of the test named in ``test``.
    alternative : {"two-sided", "less", "greater"}
        Direction of the test, in scipy's sense for ``b - a``.
    test : str
        Name of the significance test.
    null_value : float
        The difference under the null hypothesis (0 unless stated; 1 for a ratio — a
        ratio given the default 0 is read as 1, as 0 is never a ratio's null).
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
    measure: Measure = "difference"

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"measure={self.measure!r}; choose one of {MEASURES}")
        if self.measure == "ratio":
            if self.unit != RATIO_UNIT:
                raise ValueError(f"a ratio comparison has unit {RATIO_UNIT!r}, got "
                                 f"{self.unit!r}")
            if self.null_value == 0.0:
                object.__setattr__(self, "null_value", 1.0)

    @property
    def ci(self) -> ConfidenceInterval:
        """The interval of the difference as a ``(low, high)`` named tuple."""
        return ConfidenceInterval(self.ci_low, self.ci_high)

    def confidence_interval(self, confidence_level: float | None = None) -> ConfidenceInterval:
        """The interval of ``difference``, as scipy's ``result.confidence_interval()``.

        A comparison keeps the interval it was computed with: ``confidence_level`` None or
        equal to the stored level returns it; another level raises ValueError (compare
        again with that ``confidence_level=``).

        >>> c = Comparison(kpi="fcr", estimate_a=60.0, estimate_b=80.0, difference=20.0,
        ...                ci_low=5.2, ci_high=33.4, statistic=2.6, pvalue=0.009,
        ...                method="newcombe", test="two_proportion_z", confidence_level=0.95,
        ...                unit="percentage points", n_a=80, n_b=70)
        >>> c.confidence_interval()
        ConfidenceInterval(low=5.2, high=33.4)
        """
        return stored_interval(self.ci, self.confidence_level, confidence_level,
                               f"{self.kpi} comparison")

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the columns of ``COMPARISON_COLUMNS``."""
        row = {c: getattr(self, c) for c in COMPARISON_COLUMNS if hasattr(self, c)}
        row["group_a"] = self.label_a
        row["group_b"] = self.label_b
        return pd.DataFrame([row], columns=list(COMPARISON_COLUMNS))

    def __repr__(self) -> str:
        level = f"{self.confidence_level:.0%}"
        unit = "" if self.unit in ("", "count") else f" {self.unit}"
        if self.measure == "ratio":
            return (
                f"<{self.kpi.upper()} {self.label_b} / {self.label_a}: "
                f"{format_number(self.estimate_b)} / {format_number(self.estimate_a)} = "
                f"{format_number(self.difference)} (ratio), {level} CI "
                f"{format_ci(self.ci_low, self.ci_high)} ({self.method}); "
                f"{self.test} p={format_pvalue(self.pvalue)}; n={self.n_a}, {self.n_b}>"
            )
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
            ("Ratio b / a" if self.measure == "ratio" else "Difference b − a",
             f"{format_number(self.difference, signed=self.measure == 'difference')} "
             f"{esc(self.unit)}"),
            (f"{level} CI", format_ci(self.ci_low, self.ci_high)),
            ("p-value", f"{format_pvalue(self.pvalue)} ({esc(self.test)})"),
            ("Method", esc(self.method)),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>"
                       for k, v in rows)
        return (f"<table class='kpitools-result'><caption>{esc(self.kpi.upper())} comparison"
                f"</caption>{body}</table>")
