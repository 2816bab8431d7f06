"""`kpitools.compare` on any engine: every comparison from the cells' frequency tables.

`kpitools.compare` on a frame that is not pandas asks the engine for the per-cell
sufficient statistics (`kpitools.engines.statistics.sufficient_statistics` grouped by the
``by`` columns and the compared ``group`` column) and hands `kpitools.grouping` a small
pandas table instead of the rows, which then chooses the pairs, orders them and adjusts the
p-values exactly as for pandas rows:

the frequency table ``(cell, value, count)`` — the KPI's value of each distinct answer
(±100/0 for a net score, 100/0 for a top box, the score for a mean) or duration, and its
number of rows — with a KPI definition whose comparisons read the counts as weights
(`weighted_definition`) and otherwise do what the KPI's own comparison does (its defaults,
its option checks, its small-sample warnings):

  - means: Welch's t test and interval from each cell's n, mean and Σ(x − mean)²
    (`kpitools.stats.means.welch_tests_from_moments`) [Welch47]_;
  - net scores and top boxes: the KPI's own count comparisons
    (`kpitools.kpis.common.compare_nps_cells`, `compare_proportion_cells`);
  - durations: the Hodges–Lehmann shift and its distribution-free interval [HL63]_ and the
    Mann–Whitney U test (normal approximation with tie and continuity correction, as
    scipy's ``method="asymptotic"``) [MW47]_ from the two frequency tables — exact: the
    k-th pairwise difference is selected by weighted counting, the ranks are mid-ranks of
    the distinct values — and the two medians; or, for ``statistic="mean",
    method="welch"``, Welch's test from the moments.

What needs the rows themselves is refused with the reason: bootstrap intervals (they
resample rows in their order), paired NPS (it pairs rows), and the options
`kpitools.engines.statistics.sufficient_statistics` refuses (business hours, ...).

With frequency weights (``weight=``, the KPIs of `kpitools.engines.statistics.WEIGHT_KPIS`)
each row stands for ``weight`` answers: the frequency table sums the weights, and the
comparisons equal those of the rows repeated ``weight`` times. A pandas frame with weights
takes this path too; what needs the rows one by one (the NPS bootstrap, pairing) is refused
there as well: the weighted rows are counted, not resampled or paired.

References
----------
.. [Welch47] Welch BL (1947). The generalization of "Student's" problem when several
   different population variances are involved. Biometrika 34:28–35.
.. [HL63] Hodges JL, Lehmann EL (1963). Estimates of location based on rank tests. Ann
   Math Stat 34:598–611.
.. [MW47] Mann HB, Whitney DR (1947). On a test of whether one of two random variables is
   stochastically larger than the other. Ann Math Stat 18:50–60.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import special

from kpitools.core.errors import DataValidationError
from kpitools.core.results import Comparison
from kpitools.core.validation import (
    check_alternative,
    check_choice,
    check_confidence_level,
    require_nonempty,
)
from kpitools.engines.agents import agent_definition
from kpitools.engines.customers import customer_definition
from kpitools.engines.frames import column_names, engine_name
from kpitools.engines.outcomes import not_on_engines, rate_definition
from kpitools.engines.statistics import (
    ENGINE_KPIS,
    SufficientStatistics,
    check_weight_kpi,
    sufficient_statistics,
)
from kpitools.kpis.catalogue import KpiDefinition, get_kpi
from kpitools.kpis.common import (
    compare_nps_cells,
    compare_proportion_cells,
    warn_small_comparisons,
)
from kpitools.kpis.durations import DURATION_KPIS, DURATION_UNITS
from kpitools.stats.means import welch_tests_from_moments
from kpitools.stats.nps import NPS_METHODS
from kpitools.stats.proportions import DIFF_METHODS
from kpitools.stats.quantiles import hodges_lehmann_counted

__all__ = [
    "ComparisonInput",
    "comparison_input",
    "weighted_definition",
    "weighted_hodges_lehmann",
    "weighted_mann_whitney",
    "weighted_quantile",
]

VALUE = "__kpitools_value"
COUNT = "__kpitools_count"

#: Options of a comparison only (never passed to the engine's statistics).
_COMPARE_ONLY = {"method", "alternative", "test", "paired", "statistic", "q", "n_resamples",
                 "random_state"}
#: The KPIs whose comparisons warn of small cells before comparing (the net scores warn in
#: `compare_nps_cells`), with the words of their warning.
_WARNS = {"csat": "CSAT comparison", "csat_mean": "CSAT comparison",
          "yes_share": "yes_share comparison"}
#: Duration comparisons: the methods of each statistic, as `compare_durations` takes them.
_DURATION_METHODS = {"median": ("hodges_lehmann", "bootstrap"), "quantile": ("bootstrap",),
                     "mean": ("bootstrap", "welch")}


@dataclass(frozen=True)
class ComparisonInput:
    """What `kpitools.compare` compares instead of an engine frame's rows.

    Attributes
    ----------
    table : DataFrame
        Small pandas table: the ``by`` and ``group`` columns, the KPI's value of each
        distinct answer or duration (``VALUE``) and its number of rows (``COUNT``).
    value : str
        ``VALUE``.
    options : dict
        The options for the comparison (``method`` and ``alternative`` left out:
        `kpitools.compare` passes its own).
    definition : KpiDefinition
        The KPI definition whose comparisons read ``COUNT`` as weights.
    """

    table: pd.DataFrame
    value: str
    options: dict[str, Any]
    definition: KpiDefinition


def comparison_input(frame: Any, kpi: str, value: str | None, group: str,
                     by: str | Sequence[str] | None, *, missing: str | None = None,
                     weight: str | None = None, **options: Any) -> ComparisonInput:
    """The per-cell statistics of ``kpi`` computed on the frame's engine, for `compare`.

    Rows without a ``group`` value are left out with a warning (saying how many: an
    engine's rows are not numbered), as `kpitools.compare` leaves them out of pandas rows.
    ``weight`` names a column of frequency weights (each row stands for that many answers:
    `kpitools.engines.statistics.sufficient_statistics`).

    Raises
    ------
    KeyError, ValueError
        ``group`` is not a column, or is also a ``by`` column (as `kpitools.compare`), or
        is the ``weight`` column.
    TypeError
        A KPI outside `kpitools.engines.ENGINE_KPIS` (with ``weight``: outside
        `kpitools.engines.statistics.WEIGHT_KPIS`), or an option that needs the rows
        (bootstrap intervals, paired NPS, business hours).
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    names = column_names(frame)
    if group not in names:
        raise KeyError(f"group column {group!r} not in the data")
    if group in keys:
        raise ValueError(f"group={group!r} cannot also be a `by` column")
    if weight is not None and weight == group:
        raise ValueError(f"weight={weight!r} cannot also be the group column")
    definition = get_kpi(kpi)
    definition.check_options(options if missing is None else {**options, "missing": missing},
                             compare=True)
    if weight is not None:
        check_weight_kpi(kpi)
    if kpi not in ENGINE_KPIS:
        raise TypeError(f"{not_on_engines(kpi, engine_name(frame))}. On engines "
                        f"kpitools.compare takes: {', '.join(ENGINE_KPIS)}")
    if options.get("paired"):
        if weight is not None:
            raise TypeError(f"kpi={kpi!r}, paired=True with weight={weight!r}: pairing needs "
                            "the answers one by one in order, and the weighted rows are "
                            "counted, not paired (leave weight= out, with one row per answer)")
        raise TypeError(f"kpi={kpi!r}, paired=True on a {engine_name(frame)} frame: pairing "
                        "needs the rows in order (collect the frame to pandas)")
    row_options = {k: v for k, v in options.items() if k not in _COMPARE_ONLY}
    if missing is not None:
        row_options["missing"] = missing
    if kpi in DURATION_KPIS:
        _check_duration_options(kpi, frame, options)
        for k in ("n_resamples", "random_state"):
            row_options.pop(k, None)
        if "unit" in options:
            row_options["unit"] = options["unit"]
    stats = sufficient_statistics(frame, kpi, value, [*keys, group], weight=weight,
                                  **row_options)
    table = _frequency_rows(stats, group)
    table = _drop_missing_group(table, group, table.pop("__rows").to_numpy(), frame, weight)
    return ComparisonInput(table, VALUE,
                           {k: v for k, v in options.items()
                            if k not in ("method", "alternative")},
                           weighted_definition(definition, stats))


def _rows_used(stats: SufficientStatistics) -> np.ndarray:
    """The rows of each cell that the KPI uses (not excluded)."""
    g = stats.groups
    if "rows" in g.columns:  # rates, customers, agents: every row, less the excluded ones
        return (g["rows"] - g["n_excluded"]).to_numpy()
    if stats.family == "nps":
        return (g["promoters"] + g["passives"] + g["detractors"]).to_numpy()
    return g["trials"].to_numpy() if stats.family == "proportion" else g["n"].to_numpy()


def _check_duration_options(kpi: str, frame: Any, options: dict[str, Any]) -> None:
    statistic = options.get("statistic", "median")
    check_choice("statistic", statistic, tuple(_DURATION_METHODS))
    method = options.get("method") or _DURATION_METHODS[statistic][0]
    check_choice("method", method, _DURATION_METHODS[statistic])
    if method == "bootstrap":
        raise TypeError(f"kpi={kpi!r}, statistic={statistic!r}, method='bootstrap' on a "
                        f"{engine_name(frame)} frame: the bootstrap resamples the rows in "
                        "their order; the median's Hodges–Lehmann comparison and the mean's "
                        "Welch comparison (method='welch') are exact from the engine's "
                        "frequency tables — or collect the frame to pandas")


def _frequency_rows(stats: SufficientStatistics, group: str) -> pd.DataFrame:
    """One row per cell and value with its number of rows; a cell whose rows are all
    excluded keeps one row of weight 0 (present, with no usable values, as in pandas)."""
    keys = stats.keys
    fr = stats.frequencies
    table = fr[keys].copy()
    table[VALUE] = fr["value"].to_numpy(dtype=float)
    table[COUNT] = fr["count"].to_numpy(dtype=np.int64)
    used = _rows_used(stats)
    table["__rows"] = 0
    empty = np.flatnonzero(used == 0)
    if empty.size:
        blank = stats.groups.iloc[empty][keys].reset_index(drop=True)
        blank[VALUE] = 0.0
        blank[COUNT] = np.int64(0)
        blank["__rows"] = 0
        table = pd.concat([table, blank], ignore_index=True)
    # rows of each cell (used and excluded), on its first table row, for the warning
    first: dict[int, int] = {}
    for i, code in enumerate(fr["group"].to_numpy()):
        first.setdefault(int(code), i)
    rows = np.zeros(len(table), dtype=np.int64)
    total = used + stats.groups["n_excluded"].to_numpy()
    for code, i in first.items():
        rows[i] = total[code]
    for j, code in enumerate(empty):
        rows[len(fr) + j] = total[code]
    table["__rows"] = rows
    return table.reset_index(drop=True)


def _drop_missing_group(table: pd.DataFrame, group: str, rows: np.ndarray, frame: Any,
                        weight: str | None = None) -> pd.DataFrame:
    no_group = table[group].isna().to_numpy()
    if no_group.any():
        count = int(np.asarray(rows)[no_group].sum())
        if weight is None:
            what, where = "rows", f"rows of a {engine_name(frame)} frame are not numbered"
        elif isinstance(frame, pd.DataFrame):  # the weighted rows, by their labels
            what = f"answers (weight {weight!r})"
            at = (frame[group].isna().to_numpy()
                  & (frame[weight].to_numpy(dtype=float) > 0))
            where = f"rows {frame.index[at][:5].tolist()}"
        else:
            what = f"answers (weight {weight!r})"
            where = f"rows of a {engine_name(frame)} frame are not numbered"
        warnings.warn(f"column {group!r}: {count} {what} have no {group} and are left out "
                      f"of the comparison ({where})", stacklevel=4)
        table = table[~no_group].reset_index(drop=True)
    return table


# ------------------------------------------------------------------- weighted comparisons


def weighted_definition(definition: KpiDefinition, stats: SufficientStatistics
                        ) -> KpiDefinition:
    """``definition`` comparing frequency rows (``VALUE`` with ``COUNT`` rows each).

    The vectorised hook (``compare_groups``) is kept where the KPI has one (the pandas
    rows take the same path, so the warnings and notes match), and the pair-by-pair
    ``compare`` computes one pair through the same function.
    """
    if stats.family == "rate":  # counts with an exposure (`kpitools.engines.outcomes`)
        return rate_definition(definition, stats)
    if stats.family == "customers":  # a period's counts (`kpitools.engines.customers`)
        return customer_definition(definition, stats)
    if stats.family == "agents":  # each agent's work (`kpitools.engines.agents`)
        return agent_definition(definition, stats)
    family, details = stats.family, dict(stats.details)
    kpi = definition.name

    def cells_fn(x: np.ndarray, w: np.ndarray, cells: np.ndarray, n_cells: int,
                 ia: np.ndarray, ib: np.ndarray, **kwargs: Any) -> dict[str, Any] | None:
        if family == "quantile":
            return _duration_cells(kpi, details, x, w, cells, n_cells, ia, ib, **kwargs)
        return _scale_cells(kpi, family, x, w, cells, n_cells, ia, ib,
                            weight=details.get("weight"), **kwargs)

    def compare_groups(data: pd.DataFrame, value: str, cells: np.ndarray, n_cells: int,
                       index_a: np.ndarray, index_b: np.ndarray, *, confidence_level: float,
                       **kwargs: Any) -> dict[str, Any] | None:
        return cells_fn(data[value].to_numpy(dtype=float), data[COUNT].to_numpy(np.int64),
                        np.asarray(cells, dtype=np.int64), n_cells, index_a, index_b,
                        confidence_level=confidence_level, **kwargs)

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str, *, confidence_level: float,
                **kwargs: Any) -> Comparison:
        x = np.concatenate([a[value].to_numpy(dtype=float), b[value].to_numpy(dtype=float)])
        w = np.concatenate([a[COUNT].to_numpy(np.int64), b[COUNT].to_numpy(np.int64)])
        cells = np.repeat(np.array([0, 1], dtype=np.int64), [len(a), len(b)])
        out = cells_fn(x, w, cells, 2, np.array([0]), np.array([1]),
                       confidence_level=confidence_level, pairwise=True, **kwargs)
        assert out is not None  # pairwise: raises instead of declining
        row = {k: (v[0] if isinstance(v, np.ndarray) else v) for k, v in out.items()}
        note = row.pop("note", None)
        return Comparison(
            kpi=row["kpi"], estimate_a=float(row["estimate_a"]),
            estimate_b=float(row["estimate_b"]), difference=float(row["difference"]),
            ci_low=float(row["ci_low"]), ci_high=float(row["ci_high"]),
            statistic=float(row["statistic"]), pvalue=float(row["pvalue"]),
            method=str(row["method"]), test=str(row["test"]),
            confidence_level=float(row["confidence_level"]), unit=str(row["unit"]),
            n_a=int(row["n_a"]), n_b=int(row["n_b"]), alternative=str(row["alternative"]),
            details={"note": note} if note else {})

    hook = compare_groups if definition.compare_groups is not None else None
    return dataclasses.replace(definition, compare=compare, compare_groups=hook)


def _moments(x: np.ndarray, w: np.ndarray, cells: np.ndarray, n_cells: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    wf = w.astype(float)
    count = np.bincount(cells, weights=wf, minlength=n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(cells, weights=wf * x, minlength=n_cells) / count
        dev = np.where(w > 0, x - mean[cells], 0.0)
        var = np.bincount(cells, weights=wf * dev * dev, minlength=n_cells) / (count - 1.0)
    return count, mean, var


def _welch_columns(kpi: str, unit: str, count: np.ndarray, mean: np.ndarray,
                   var: np.ndarray, ia: np.ndarray, ib: np.ndarray, *,
                   confidence_level: float, alternative: str, method: str = "welch_t"
                   ) -> dict[str, Any]:
    res = welch_tests_from_moments(count[ia], mean[ia], var[ia], count[ib], mean[ib],
                                   var[ib], confidence_level=confidence_level,
                                   alternative=alternative)
    return {"kpi": kpi, "estimate_a": mean[ia], "estimate_b": mean[ib],
            "difference": res["difference"], "measure": "difference", "ci_low": res["low"],
            "ci_high": res["high"], "confidence_level": confidence_level,
            "statistic": res["statistic"], "pvalue": res["pvalue"],
            "alternative": alternative, "method": method, "test": "welch_t", "unit": unit,
            "n_a": count[ia].astype(np.int64), "n_b": count[ib].astype(np.int64)}


def _scale_cells(kpi: str, family: str, x: np.ndarray, w: np.ndarray, cells: np.ndarray,
                 n_cells: int, ia: np.ndarray, ib: np.ndarray, *, confidence_level: float,
                 method: str | None = None, alternative: str = "two-sided",
                 test: str = "auto", variant: str | None = None, pairwise: bool = False,
                 weight: str | None = None, **_row_options: Any) -> dict[str, Any] | None:
    """The KPI's own comparison of answer scales (csat_mean, ces) from weighted values
    (``weight``: the frequency weights of the rows, named in a refusal)."""
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    n = np.bincount(cells, weights=w.astype(float), minlength=n_cells).astype(np.int64)
    label = kpi
    if family == "mean":
        if kpi in _WARNS:
            if method is not None:
                check_choice("method", method, ("t",))
            if (n[ia] == 0).any() or (n[ib] == 0).any():
                if not pairwise:
                    return None
                require_nonempty(int(n[ia].min()), what="CSAT of a")
                require_nonempty(int(n[ib].min()), what="CSAT of b")
            warn_small_comparisons(n[ia], n[ib], what=_WARNS[kpi])
        if (n[ia] < 2).any() or (n[ib] < 2).any():
            if not pairwise:
                return None
            raise ValueError("Welch's test needs at least 2 values in each sample")
        count, mean, var = _moments(x, w, cells, n_cells)
        return _welch_columns(label, "score", count, mean, var, ia, ib,
                              confidence_level=level, alternative=alternative)
    if family == "proportion":
        if kpi in _WARNS:
            if (n[ia] == 0).any() or (n[ib] == 0).any():
                if not pairwise:
                    return None
                require_nonempty(int(n[ia].min()), what=f"{kpi.upper()} of a")
                require_nonempty(int(n[ib].min()), what=f"{kpi.upper()} of b")
            warn_small_comparisons(n[ia], n[ib], what=_WARNS[kpi])
        k = np.bincount(cells, weights=w * (x == 100.0), minlength=n_cells)
        diff_method = check_choice("method", method or "newcombe", DIFF_METHODS)
        out = compare_proportion_cells(k, n, ia, ib, kpi=label, confidence_level=level,
                                       method=cast(Any, diff_method),
                                       test=cast(Any, test), alternative=alternative)
    else:
        nps_method = check_choice("method", method or "adjusted_wald", NPS_METHODS)
        counts = np.stack([np.bincount(cells, weights=w * (x == v), minlength=n_cells)
                           for v in (100.0, 0.0, -100.0)], axis=1).astype(np.int64)
        out = compare_nps_cells(counts, ia, ib, kpi=label, confidence_level=level,
                                method=nps_method, alternative=alternative)
        if out is None and pairwise and (n[ia] > 0).all() and (n[ib] > 0).all():
            if weight is not None:
                raise TypeError(f"kpi={kpi!r}, method={nps_method!r} with weight={weight!r}: "
                                "the bootstrap resamples the answers one by one, and the "
                                "weighted rows are counted, not resampled (use another "
                                "method, or leave weight= out with one row per answer)")
            raise TypeError(f"kpi={kpi!r}, method={nps_method!r} on an engine frame: the "
                            "bootstrap resamples the rows; collect the frame to pandas")
    if out is None and pairwise:
        require_nonempty(int(n[ia].min()), what=f"{kpi.upper()} of a")
        require_nonempty(int(n[ib].min()), what=f"{kpi.upper()} of b")
    return out


# ----------------------------------------------------------------------------- durations


def weighted_quantile(values: np.ndarray, counts: np.ndarray, q: float) -> float:
    """``np.quantile`` (linear interpolation) of ``values`` repeated ``counts`` times.

    ``values`` sorted ascending, ``counts`` positive integers.

    >>> weighted_quantile(np.array([1.0, 2.0, 10.0]), np.array([2, 1, 1]), 0.5)
    1.5
    """
    n = int(counts.sum())
    cum = np.cumsum(counts)
    h = (n - 1) * float(q)
    lo = int(np.floor(h))
    hi = min(lo + 1, n - 1)
    a = float(values[np.searchsorted(cum, lo, side="right")])
    b = float(values[np.searchsorted(cum, hi, side="right")])
    t = h - lo
    diff = b - a
    # numpy's _lerp: a + diff·t, computed from b when t ≥ 0.5
    return b - diff * (1.0 - t) if t >= 0.5 else a + diff * t


def _pooled_ties(xa: np.ndarray, ca: np.ndarray, yb: np.ndarray, wb: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct pooled values, their numbers of rows, and of rows of ``b``."""
    values, inverse = np.unique(np.concatenate([xa, yb]), return_inverse=True)
    ties = np.bincount(inverse, weights=np.concatenate([ca, wb]).astype(float))
    in_b = np.bincount(inverse[xa.size:], weights=wb.astype(float), minlength=values.size)
    return values, ties, in_b


def weighted_hodges_lehmann(xa: np.ndarray, ca: np.ndarray, yb: np.ndarray, wb: np.ndarray,
                            *, confidence_level: float = 0.95,
                            alternative: str = "two-sided") -> tuple[float, float, float, str]:
    """`kpitools.stats.quantiles.hodges_lehmann` of ``a`` (distinct sorted values ``xa``,
    each ``ca`` times) and ``b`` (``yb``, ``wb`` times): the same shift, interval and method
    name, from the two frequency tables."""
    got = hodges_lehmann_counted(xa, ca, yb, wb, confidence_level=confidence_level,
                                 alternative=alternative)
    return got.shift, got.low, got.high, got.method


def weighted_mann_whitney(xa: np.ndarray, ca: np.ndarray, yb: np.ndarray, wb: np.ndarray,
                          *, alternative: str = "two-sided") -> tuple[float, float]:
    """`kpitools.stats.means.mann_whitney_test` (U of ``b``, asymptotic p-value with tie
    and continuity correction, as scipy) from the two frequency tables."""
    check_alternative(alternative)
    n_a, n_b = float(ca.sum()), float(wb.sum())
    _, ties, in_b = _pooled_ties(xa, ca, yb, wb)
    midrank = np.cumsum(ties) - ties + (ties + 1.0) / 2.0
    u1 = float((in_b * midrank).sum()) - n_b * (n_b + 1.0) / 2.0
    u2 = n_a * n_b - u1
    if alternative == "greater":
        u, f = u1, 1.0
    elif alternative == "less":
        u, f = u2, 1.0
    else:
        u, f = max(u1, u2), 2.0
    big_n = n_a + n_b
    tie_term = float((ties**3 - ties).sum())
    s = np.sqrt(n_a * n_b / 12.0 * ((big_n + 1.0) - tie_term / (big_n * (big_n - 1.0))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (u - n_a * n_b / 2.0 - 0.5) / s
    p = float(np.clip(special.ndtr(-z) * f, 0.0, 1.0))
    return u1, p


def _duration_cells(kpi: str, details: dict[str, Any], x: np.ndarray, w: np.ndarray,
                    cells: np.ndarray, n_cells: int, ia: np.ndarray, ib: np.ndarray, *,
                    confidence_level: float, statistic: str = "median", q: float = 0.9,
                    method: str | None = None, alternative: str = "two-sided",
                    unit: str | None = None, pairwise: bool = False,
                    **_row_options: Any) -> dict[str, Any] | None:
    """`kpitools.kpis.durations.compare_durations` of each pair from weighted seconds."""
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    spec = DURATION_KPIS[kpi]
    unit_name = unit or spec.unit
    check_choice("unit", unit_name, tuple(DURATION_UNITS))
    factor = DURATION_UNITS[unit_name]
    method = method or _DURATION_METHODS[statistic][0]
    label = f"{kpi}_p{100.0 * float(q):g}" if statistic == "quantile" else f"{kpi}_{statistic}"
    v = x / factor
    rows: list[dict[str, Any]] = []
    for a, b in zip(ia.tolist(), ib.tolist(), strict=True):
        sa, sb = (cells == a) & (w > 0), (cells == b) & (w > 0)
        oa, ob = np.argsort(v[sa], kind="stable"), np.argsort(v[sb], kind="stable")
        xa, ca = v[sa][oa], w[sa][oa].astype(np.int64)
        yb, wb = v[sb][ob], w[sb][ob].astype(np.int64)
        require_nonempty(int(ca.sum()), what=f"{spec.description} of a")
        require_nonempty(int(wb.sum()), what=f"{spec.description} of b")
        if statistic == "mean":
            if ca.sum() < 2 or wb.sum() < 2:
                raise DataValidationError("Welch's test needs at least 2 durations in each "
                                          "group")
            count, mean, var = _moments(np.concatenate([xa, yb]), np.concatenate([ca, wb]),
                                        np.repeat([0, 1], [xa.size, yb.size]), 2)
            row = _welch_columns(label, unit_name, count, mean, var, np.array([0]),
                                 np.array([1]), confidence_level=level,
                                 alternative=alternative, method="welch")
            rows.append({k: (val[0] if isinstance(val, np.ndarray) else val)
                         for k, val in row.items()})
            continue
        shift, low, high, name = weighted_hodges_lehmann(xa, ca, yb, wb,
                                                         confidence_level=level,
                                                         alternative=alternative)
        u, p = weighted_mann_whitney(xa, ca, yb, wb, alternative=alternative)
        rows.append({"kpi": label, "estimate_a": weighted_quantile(xa, ca, 0.5),
                     "estimate_b": weighted_quantile(yb, wb, 0.5), "difference": shift,
                     "measure": "difference", "ci_low": low, "ci_high": high,
                     "confidence_level": level, "statistic": u, "pvalue": p,
                     "alternative": alternative, "method": name, "test": "mann_whitney",
                     "unit": unit_name, "n_a": int(ca.sum()), "n_b": int(wb.sum())})
    out: dict[str, Any] = ({k: np.array([r[k] for r in rows]) for k in rows[0]} if rows
                           else {})
    note = _aht_note(details)
    if note:
        out["note"] = note
    return out


def _aht_note(details: dict[str, Any]) -> str | None:
    """`kpitools.kpis.durations.DurationData.note` (AHT from some of its parts)."""
    parts, lacking = details.get("parts"), details.get("missing_parts")
    if not parts or not lacking:
        return None
    summed = " + ".join(parts)
    alone = "talk time alone" if len(parts) == 1 else summed
    return (f"AHT from {alone} ({summed}): the calls have no {' and '.join(lacking)} "
            f"column, so {'they are' if len(lacking) > 1 else 'it is'} not included")
