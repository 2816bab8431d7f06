"""DataFrame layer: any registered KPI summarised by group and compared between groups.

``summarize`` returns one tidy row per group; ``compare`` one row per comparison, with the
difference, its CI, the p-value and the multiplicity-adjusted p-value. Both dispatch on the KPI
registry (`kpitools.kpis.catalogue`), so every KPI — survey, operations, customers — works the same.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.core.results import COMPARISON_COLUMNS, ESTIMATE_COLUMNS, as_excluded_rows
from kpitools.core.validation import (
    SMALL_SAMPLE_N,
    check_alternative,
    check_choice,
    check_confidence_level,
)
from kpitools.kpis.aggregated import (
    AggregatedInput,
    aggregated_input,
    check_aggregated_options,
    compare_aggregated,
    summarize_aggregated,
)
from kpitools.kpis.catalogue import KpiDefinition, get_kpi
from kpitools.kpis.common import constant_text
from kpitools.stats.multiplicity import adjust_pvalues_by_family
from kpitools.stats.significance import PVALUE_ADJUSTMENTS, PValueAdjustment, adjust_pvalues
from kpitools.tables.keys import group_codes, normalize_keys

__all__ = ["summarize", "compare", "COMPARE_COLUMNS", "ADJUST_SCOPES"]

#: Columns of `compare` output after the ``by`` columns.
COMPARE_COLUMNS: tuple[str, ...] = (
    *COMPARISON_COLUMNS[: COMPARISON_COLUMNS.index("pvalue") + 1],
    "pvalue_adjusted",
    "p_adjust_method",
    "p_adjust_scope",
    *COMPARISON_COLUMNS[COMPARISON_COLUMNS.index("pvalue") + 1:],
)

AdjustScope = Literal["by", "table"]
#: Which comparisons form one family for the multiplicity adjustment of `compare`.
ADJUST_SCOPES: tuple[str, ...] = ("by", "table")


def _kpi_options(method: str | None, alternative: str | None, missing: str | None,
                 options: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for a KPI function: only what the caller actually set."""
    kwargs = dict(options)
    if method is not None:
        kwargs["method"] = method
    if alternative is not None:
        kwargs["alternative"] = check_alternative(alternative)
    if missing is not None:
        kwargs["missing"] = check_choice("missing", missing, ("exclude", "raise"))
    return kwargs


def _on_engine(data: Any, *aggregated: Any, weight: str | None = None) -> bool:
    """Whether ``data`` is a frame of another engine (Polars, PyArrow, DuckDB, Spark), which
    `kpitools.engines` summarises from sufficient statistics computed there — or a pandas
    frame with frequency weights, which `kpitools.engines` counts the same way (summing the
    weights of each group and answer)."""
    if weight is not None:  # the column itself is checked by the engines' statistics
        if any(a is not None for a in aggregated):
            raise TypeError("weight= gives the frequency weights of rows of answers; "
                            "aggregated input (counts=, successes=/trials=, shares=/n=) holds "
                            "counts already: give one or the other (sum the weights into the "
                            "counts)")
    if isinstance(data, pd.DataFrame):
        return weight is not None  # else the pandas path; Narwhals imported only if needed
    from kpitools.engines import is_engine_frame

    if not is_engine_frame(data):
        return False
    if any(a is not None for a in aggregated):
        raise TypeError("aggregated input (counts=, successes=/trials=, shares=/n=) is read "
                        "from a pandas table: collect the (small) table of counts first")
    return True


def _check_data(data: Any) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(data).__name__}")
    return data


def _check_value(definition: KpiDefinition, data: pd.DataFrame, value: str | None) -> str | None:
    chosen = value if value is not None else definition.default_value
    if chosen is not None and chosen not in data.columns:
        raise DataValidationError(f"column not found for KPI {definition.name!r}; columns are "
                                  f"{list(data.columns)[:20]}", column=chosen)
    return chosen


def summarize(
    data: pd.DataFrame,
    kpi: str = "nps",
    value: str | None = None,
    by: str | Sequence[str] | None = None,
    *,
    confidence_level: float = 0.95,
    method: str | None = None,
    alternative: str | None = None,
    missing: str | None = None,
    counts: Mapping[str, str] | None = None,
    successes: str | None = None,
    trials: str | None = None,
    shares: Mapping[str, str] | str | None = None,
    n: str | None = None,
    weight: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """One tidy row per group: the KPI with its confidence interval.

    Parameters
    ----------
    data : DataFrame
        One row per response (or ticket, call, customer ...).
    kpi : str, default "nps"
        A registered KPI (``kpitools.kpi_names()`` lists them).
    value : str, optional
        The column the KPI reads (defaults to the KPI's own default column).
    by : str or list of str, optional
        Grouping columns; a missing key value forms its own group (nothing is dropped).
    confidence_level : float, default 0.95
    method : str, optional
        Interval method; defaults to the KPI's recommended method.
    alternative, missing : str, optional
        Passed to the KPI when given.
    counts : mapping, optional
        Aggregated input: the table holds counts per row instead of one row per item, e.g.
        ``counts={"promoters": "p", "passives": "pa", "detractors": "d"}`` (NPS, eNPS) or
        ``{"events": "complaints", "exposure": "customers"}`` (rates). The counts of each
        group's rows are summed; the result equals the row-level result on the same data
        expanded to rows. See `kpitools.kpis.aggregated` for the roles of each KPI.
    successes, trials : str, optional
        Aggregated input of a proportion KPI (CSAT, ``yes_share``, FCR, SLA, ...): the
        columns of the count of successes and of the number of answers.
    shares, n : optional
        Aggregated input as published percentages (0–100) with the number of answers ``n``:
        ``shares={"promoters": "pct_p", "detractors": "pct_d"}, n="n"`` (NPS) or
        ``shares="pct_top2", n="n"`` (a proportion). Counts are ``share × n / 100`` rounded
        to the nearest whole number (half to even), stated in ``attrs["aggregated"]``.
        With aggregated input, ``n_excluded`` counts excluded rows of the table and only
        ``method``, ``alternative``, ``missing`` and ``invalid`` apply.
    weight : str, optional
        A column of frequency weights: each row stands for ``weight`` answers with its
        values, e.g. a table made by ``GROUP BY quarter, team, nps`` with ``count(*)``.
        The result equals the result on the rows repeated ``weight`` times
        (``data.loc[data.index.repeat(data[weight])]``): the same groups in the same
        order, the same numbers (``n`` and ``n_excluded`` count answers); a row of weight 0
        counts for nothing. Taken by the answer scales (nps, enps, csat, csat_mean, ces,
        yes_share) and the yes/no ticket flags (escalation_rate, reopen_rate,
        conversion_rate, on a table without ticket ids) —
        `kpitools.engines.statistics.WEIGHT_KPIS` — on pandas and on every engine (the
        weights of each group and answer are summed, one ``GROUP BY``, or one weighted
        count on pandas). Refused: another KPI (TypeError), weights with aggregated input
        (``counts=`` ..., TypeError), ``weight`` equal to ``value`` or a ``by`` column
        (ValueError), and weights that are missing, negative, fractional, infinite or not
        numbers (`DataValidationError` naming the column, the values, how many rows hold
        them and, on pandas, the first rows). ``attrs["excluded"]`` lists each excluded
        answer value with its number of answers (not row by row).
    **options
        KPI-specific options (e.g. ``scale`` and ``positive`` for CSAT, ``variant`` for CES):
        exactly the options the KPI's function takes (``kpitools.kpis.catalogue.catalogue()``
        lists them). An option the KPI does not take, ``method``, ``alternative`` and
        ``missing`` included, raises TypeError naming the KPI and the option.

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``kpi, estimate, ci_low, ci_high, confidence_level, method,
        unit, n, n_excluded``. A group whose rows are all excluded has ``n = 0`` and NaN
        estimates. ``result.attrs["excluded"]`` lists every excluded row (row, column, value,
        reason); ``attrs["aggregated"]`` (aggregated input) and ``attrs["notes"]`` (e.g. AHT
        from talk time alone) say how the numbers were made, when that applies.

    Examples
    --------
    >>> df = pd.DataFrame({"team": ["a"] * 12 + ["b"] * 12,
    ...                    "score": [10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9] * 2})
    >>> summarize(df, kpi="nps", value="score", by="team")[["team", "estimate", "n"]]
      team   estimate   n
    0    a  33.333333  12
    1    b  33.333333  12

    From counts per row (here one row per hospital and quarter):

    >>> counts = pd.DataFrame({"hospital": ["A", "A", "B"], "top2": [40, 35, 50],
    ...                        "answers": [50, 50, 80]})
    >>> summarize(counts, kpi="csat", successes="top2", trials="answers",
    ...           by="hospital")[["hospital", "estimate", "n"]]
      hospital  estimate    n
    0        A      75.0  100
    1        B      62.5   80

    From a table of answers with their numbers of rows (frequency weights): 40 answers 10,
    35 answers 8 and 25 answers 3 give the NPS of those 100 answers.

    >>> answers = pd.DataFrame({"nps": [10, 8, 3], "rows": [40, 35, 25]})
    >>> summarize(answers, kpi="nps", value="nps", weight="rows")[["estimate", "n"]]
       estimate    n
    0      15.0  100
    """
    if _on_engine(data, counts, successes, trials, shares, n, weight=weight):
        from kpitools.engines import statistics_table, sufficient_statistics

        definition = get_kpi(kpi)
        level = check_confidence_level(confidence_level)
        kwargs = _kpi_options(method, alternative, missing, options)
        stats = sufficient_statistics(data, kpi, value, by, confidence_level=level,
                                      frequencies="ranks", weight=weight, **kwargs)
        return _finish(statistics_table(stats, confidence_level=level,
                                        alternative=kwargs.get("alternative", "two-sided")),
                       stats.keys, definition)
    data = _check_data(data)
    level = check_confidence_level(confidence_level)
    definition = get_kpi(kpi)
    keys = normalize_keys(by, data)
    spec = aggregated_input(definition, counts=counts, successes=successes, trials=trials,
                            shares=shares, n=n)
    if spec is not None:
        return _summarize_aggregated(data, definition, spec, value, keys, level,
                                     _kpi_options(method, alternative, missing, options))
    column = _check_value(definition, data, value)
    kwargs = _kpi_options(method, alternative, missing, options)
    definition.check_options(kwargs)
    if definition.summarize is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            table = definition.summarize(data, column, keys, confidence_level=level, **kwargs)
    else:
        table = _summarize_by_loop(definition, data, column, keys, level, kwargs)
    return _finish(table, keys, definition)


def _finish(table: pd.DataFrame, keys: list[str], definition: KpiDefinition) -> pd.DataFrame:
    """The tidy columns; attrs keep the excluded rows and any notes (nothing else)."""
    attrs = table.attrs
    columns = [*keys, *ESTIMATE_COLUMNS]
    index = table.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
            and table.columns.tolist() == columns):  # else already tidy (group_table's)
        table = table.reset_index(drop=True)
        table = table[columns]
    table.attrs = {"excluded": as_excluded_rows(attrs.get("excluded"))}
    for name in ("aggregated", "notes"):
        if attrs.get(name):
            table.attrs[name] = attrs[name]
    _warn_small_groups(table, keys, definition.name)
    return table


def _no_value_with_counts(value: str | None) -> None:
    if value is not None:
        raise TypeError(f"value={value!r} reads one row per item; aggregated input (counts=, "
                        "successes=/trials=, shares=/n=) names its columns itself")


def _summarize_aggregated(data: pd.DataFrame, definition: KpiDefinition,
                          spec: AggregatedInput, value: str | None, keys: list[str],
                          level: float, kwargs: dict[str, Any]) -> pd.DataFrame:
    _no_value_with_counts(value)
    check_aggregated_options(spec, kwargs)
    table = summarize_aggregated(data, keys, definition, spec, confidence_level=level,
                                 **kwargs)
    return _finish(table, keys, definition)


def _summarize_by_loop(definition: KpiDefinition, data: pd.DataFrame, column: str | None,
                       keys: list[str], level: float, kwargs: dict[str, Any]) -> pd.DataFrame:
    codes, groups = group_codes(data, keys)
    rows = []
    excluded_parts = []
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(groups) + 1))
    for g in range(len(groups)):
        part = data.iloc[order[bounds[g]:bounds[g + 1]]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            try:
                result = definition.estimate(part, column, confidence_level=level, **kwargs)
            except DataValidationError as err:
                if not str(err.problem).startswith("no usable values"):
                    raise
                rows.append({"kpi": definition.name, "estimate": np.nan, "ci_low": np.nan,
                             "ci_high": np.nan, "confidence_level": level,
                             "method": kwargs.get("method", ""), "unit": definition.unit,
                             "n": 0, "n_excluded": len(part)})
                continue
        rows.append(result.to_frame().iloc[0].to_dict())
        if len(result.excluded):
            excluded_parts.append(result.excluded)
    table = pd.concat([groups.reset_index(drop=True),
                       pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))], axis=1)
    table.attrs["excluded"] = (pd.concat(excluded_parts, ignore_index=True) if excluded_parts
                               else None)
    return table


#: The small-sample warning names this many groups, then says how many more there are.
_SMALL_GROUPS_NAMED = 5


def _warn_small_groups(table: pd.DataFrame, keys: list[str], kpi: str) -> None:
    n = table["n"].to_numpy()
    where = np.flatnonzero((n > 0) & (n < SMALL_SAMPLE_N))
    if where.size:
        # name the first few only: with a million groups, naming all is most of the time
        shown = table[keys].iloc[where[:_SMALL_GROUPS_NAMED]] if keys else None
        names = ", ".join(
            "/".join(str(v) for v in row) for row in shown.itertuples(index=False)
        ) if shown is not None else "all rows"
        if where.size > _SMALL_GROUPS_NAMED:
            names = f"first: {names} and {where.size - _SMALL_GROUPS_NAMED:,} more"
        warnings.warn(
            f"{kpi}: {where.size:,} group(s) have fewer than {SMALL_SAMPLE_N} observations "
            f"({names}); their intervals are unreliable",
            SmallSampleWarning, stacklevel=3,
        )


def compare(
    data: pd.DataFrame,
    kpi: str = "nps",
    value: str | None = None,
    group: str = "quarter",
    baseline: Any = None,
    by: str | Sequence[str] | None = None,
    adjust: PValueAdjustment = "holm",
    *,
    adjust_scope: AdjustScope = "by",
    confidence_level: float = 0.95,
    method: str | None = None,
    alternative: str | None = None,
    missing: str | None = None,
    levels: Sequence[Any] | None = None,
    counts: Mapping[str, str] | None = None,
    successes: str | None = None,
    trials: str | None = None,
    shares: Mapping[str, str] | str | None = None,
    n: str | None = None,
    weight: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Compare a KPI between the levels of ``group``, within each ``by`` group.

    Parameters
    ----------
    data : DataFrame
    kpi : str, default "nps"
    value : str, optional
        Column the KPI reads.
    group : str, default "quarter"
        The column whose levels are compared (period, team, channel, competitor ...).
    baseline : optional
        Compare every other level against this one (``difference = level − baseline``).
        When None, every pair of levels is compared (``b − a`` with ``a`` the earlier level
        in sort order).
    by : str or list of str, optional
        Make the comparisons separately within each of these groups.
    adjust : {"holm", "benjamini_hochberg", "bonferroni", "none"}, default "holm"
        Multiplicity adjustment of the p-values of one family of comparisons (Holm's
        step-down method controls the family-wise error rate; see
        `kpitools.stats.significance.adjust_pvalues`).
    adjust_scope : {"by", "table"}, default "by"
        Which comparisons form one family: ``"by"``, those within each ``by`` group (each
        group is its own family, as when the groups are separate questions); ``"table"``,
        all the rows of the result (one family, for a claim about the table as a whole).
        Without ``by`` both are the whole table. The result records it in the column
        ``p_adjust_scope`` (``"by"`` or ``"table"``, the family actually used) and in
        words in ``attrs["adjustment_family"]``.
    confidence_level : float, default 0.95
    method, alternative, missing, **options
        Passed to the KPI's comparison (e.g. ``method="wald"`` for NPS); an option the
        comparison does not take raises TypeError naming the KPI and the option.
    levels : sequence, optional
        Only these levels of ``group`` (in this order).
    counts, successes, trials, shares, n : optional
        Aggregated input, as in `summarize`: the counts of the rows of each level are summed
        (within each ``by`` group) and compared — Newcombe's interval and the z / Fisher test
        for proportions, the NPS interval and z test, the exact rate ratio for rates.
    weight : str, optional
        A column of frequency weights, as in `summarize`: each row stands for ``weight``
        answers, and the comparisons equal those of the rows repeated ``weight`` times
        (every column: estimates, intervals, statistics, p-values and adjusted p-values,
        ``n_a``, ``n_b``). The same KPIs take it, on pandas and on every engine, and the
        same is refused; besides, ``weight`` may not be the ``group`` column, and what needs
        the answers one by one — the NPS bootstrap (``method="bootstrap"``), ``paired=True``
        — raises TypeError: the weighted rows are counted, not resampled or paired.

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``kpi, group_a, group_b, estimate_a, estimate_b,
        difference, measure, ci_low, ci_high, confidence_level, statistic, pvalue,
        pvalue_adjusted, p_adjust_method, p_adjust_scope, alternative, method, test, unit,
        n_a, n_b``: ``difference`` is ``b − a`` (``measure="difference"``) or the ratio
        ``b / a`` (``measure="ratio"``, counts and rates; unit ``"ratio"``).

    Notes
    -----
    A KPI with a ``compare_groups`` hook (NPS, eNPS, CSAT, CES, yes share, the row-by-row
    proportion KPIs) makes all comparisons in one pass from each cell's counts, with the
    same numbers as comparing pair by pair; the other KPIs, and options or data the hook
    does not take, are compared pair by pair.

    Examples
    --------
    >>> df = pd.DataFrame({"quarter": ["2026Q2"] * 10 + ["2026Q3"] * 10,
    ...                    "score": [9, 10, 6, 7, 8, 9, 3, 10, 9, 5,
    ...                              10, 10, 9, 9, 8, 9, 6, 10, 9, 10]})
    >>> out = compare(df, kpi="nps", value="score", group="quarter", method="wald")
    >>> out[["group_a", "group_b", "estimate_a", "estimate_b", "difference"]]
      group_a group_b  estimate_a  estimate_b  difference
    0  2026Q2  2026Q3        20.0        70.0        50.0
    """
    on_engine = None
    if _on_engine(data, counts, successes, trials, shares, n, weight=weight):
        from kpitools.engines import comparison_input

        on_engine = comparison_input(data, kpi, value, group, by, missing=missing,
                                     weight=weight,
                                     **_kpi_options(method, alternative, None, options))
        data, value = on_engine.table, on_engine.value
        options = on_engine.options
    data = _check_data(data)
    level = check_confidence_level(confidence_level)
    check_choice("adjust", adjust, PVALUE_ADJUSTMENTS)
    check_choice("adjust_scope", adjust_scope, ADJUST_SCOPES)
    definition = get_kpi(kpi)
    if on_engine is not None and on_engine.definition is not None:
        definition = on_engine.definition  # compares the engine's frequency table
    keys = normalize_keys(by, data)
    scope = adjust_scope if keys else "table"
    if group not in data.columns:
        raise KeyError(f"group column {group!r} not in the data")
    if group in keys:
        raise ValueError(f"group={group!r} cannot also be a `by` column")
    kwargs = _kpi_options(method, alternative, missing, options)
    spec = aggregated_input(definition, counts=counts, successes=successes, trials=trials,
                            shares=shares, n=n)
    if spec is not None:
        _no_value_with_counts(value)
        check_aggregated_options(spec, kwargs, compare=True)
        column = None
        definition = _aggregated_definition(definition, spec)
    else:
        column = _check_value(definition, data, value)
        definition.check_options(kwargs, compare=True)
    no_group = data[group].isna()
    if no_group.any():
        rows = list(data.index[no_group])
        warnings.warn(f"column {group!r}: {len(rows)} rows have no {group} and are left out "
                      f"of the comparison (rows {rows[:5]})", stacklevel=2)
        data = data[~no_group]

    vectorised = None
    if spec is None and definition.compare_groups is not None:
        vectorised = _compare_cells(definition, data, column, group, baseline, levels, keys,
                                    level, adjust, kwargs)
    n_families = None
    if vectorised is not None:
        (out, n_families), notes = vectorised, list[str]()
    else:
        out, notes = _compare_by_loop(definition, data, column, group, baseline, levels, keys,
                                      level, adjust, kwargs)
    if scope == "table" and len(out):
        out["pvalue_adjusted"] = adjust_pvalues(out["pvalue"].to_numpy(dtype=float), adjust)
    if vectorised is None or scope != "by":  # the vectorised table says "by" already
        out["p_adjust_scope"] = scope
    out.attrs["adjustment_family"] = _family_words(adjust, scope, keys, out, n_families)
    if spec is not None:
        out.attrs["aggregated"] = spec.describe()
    if notes:
        out.attrs["notes"] = notes
    return out


def _compare_by_loop(definition: KpiDefinition, data: pd.DataFrame, column: str | None,
                     group: str, baseline: Any, levels: Sequence[Any] | None,
                     keys: list[str], level: float, adjust: PValueAdjustment,
                     kwargs: dict[str, Any]) -> tuple[pd.DataFrame, list[str]]:
    """Every ``by`` group's comparisons pair by pair (`_compare_within`), and the notes."""
    if keys:
        parts = data.groupby(keys, sort=True, dropna=False, observed=True)
    else:
        parts = [((), data)]
    tables = []
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        table = _compare_within(definition, part, column, group, baseline, levels, level,
                                adjust, kwargs)
        for name, v in zip(keys, key, strict=True):
            table.insert(keys.index(name), name, v)
        tables.append(table)
    if not tables:
        out = pd.DataFrame(columns=[*keys, *COMPARE_COLUMNS])
    else:
        out = pd.concat(tables, ignore_index=True)[[*keys, *COMPARE_COLUMNS]]
    notes = sorted({note for t in tables for note in t.attrs.get("notes", ())})
    return out, notes


#: Above this many cells (or by groups × pairs), `compare` goes pair by pair.
_MAX_CELLS = 2**26


def _compare_cells(definition: KpiDefinition, data: pd.DataFrame, column: str | None,
                   group: str, baseline: Any, levels: Sequence[Any] | None, keys: list[str],
                   level: float, adjust: PValueAdjustment,
                   kwargs: dict[str, Any]) -> tuple[pd.DataFrame, int] | None:
    """All comparisons in one pass through the KPI's ``compare_groups`` hook (and the
    number of ``by`` groups with comparisons), or None.

    The rows are coded once by cell (``by`` group × level of ``group``); the pairs of each
    ``by`` group are those `_compare_within` makes, in the same order; the hook computes
    every comparison from the cells' sufficient statistics, and the p-values are adjusted
    within each ``by`` group at once (`adjust_pvalues_by_family`). None when the hook
    declines (options it does not vectorise, or a pair that would raise) or a ``by`` group
    lacks the baseline: the loop then gives the result, or the error, as before.
    """
    if not len(data):
        return None
    # the by groups in the loop's order: sorted by the key values, missing keys last
    by_code, key_frame = group_codes(data, keys)
    n_by = len(key_frame)
    level_code, present_values, observed = _level_codes(data[group])
    order = sorted(observed, key=lambda j: _sort_key(present_values[j]))
    if levels is not None:
        chosen: list[tuple[int, Any]] = []
        for lv in levels:
            where = [j for j in order if present_values[j] == lv]
            if len(where) > 1:
                return None
            chosen.append((where[0] if where else -1, lv))
        if len({j for j, _ in chosen}) != len(chosen):
            return None  # repeated levels: leave them to the loop
    else:
        chosen = [(j, present_values[j]) for j in order]
    n_levels = len(present_values)
    if n_by * n_levels > _MAX_CELLS:
        return None  # too many cells to count densely
    # below _MAX_CELLS (2**26), every cell number fits in int32
    cells = np.multiply(by_code, n_levels, dtype=np.int32, casting="unsafe")
    cells += level_code
    present = (np.bincount(cells, minlength=n_by * n_levels) > 0).reshape(n_by, n_levels)
    if baseline is not None:
        base = [j for j in order if present_values[j] == baseline]
        if len(base) != 1 or not present[:, base[0]].all():
            return None  # a by group without the baseline raises in the loop
        jb = base[0]
        template = [(jb, baseline, j, lv) for j, lv in chosen if j >= 0 and j != jb]
    else:
        avail = [(j, lv) for j, lv in chosen if j >= 0]
        template = [(ja, la, jb_, lb) for (ja, la), (jb_, lb)
                    in itertools.combinations(avail, 2)]
    if not template:
        return None
    if n_by * len(template) > _MAX_CELLS:
        return None
    ta = np.array([t[0] for t in template], dtype=np.int64)
    tb = np.array([t[2] for t in template], dtype=np.int64)
    by_of_row, pair_of_row = np.nonzero(present[:, ta] & present[:, tb])
    if not by_of_row.size:
        return None
    index_a = by_of_row * n_levels + ta[pair_of_row]
    index_b = by_of_row * n_levels + tb[pair_of_row]
    used = np.zeros(n_levels, dtype=bool)
    used[ta] = used[tb] = True
    if used[observed].all():  # every row's level is compared: all rows, no mask
        rows, row_cells = data, cells
    else:
        keep = used[level_code]
        rows, row_cells = data[keep], cells[keep]
    compare_groups = definition.compare_groups
    assert compare_groups is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            columns = compare_groups(rows, column, row_cells, n_by * n_levels, index_a,
                                     index_b, confidence_level=level, **kwargs)
        except (DataValidationError, ValueError):
            columns = None  # the loop raises the same error, naming the pair's rows
    if columns is None:
        return None
    for w in caught:  # the warnings of a result that stands, at the caller of compare
        warnings.warn(w.message, w.category, stacklevel=3)
    n_rows = by_of_row.size
    table: dict[str, Any] = {}
    for name in keys:
        table[name] = _key_column(key_frame[name], by_of_row)
    label_a = np.empty(len(template), dtype=object)
    label_b = np.empty(len(template), dtype=object)
    label_a[:] = [t[1] for t in template]
    label_b[:] = [t[3] for t in template]
    for name in COMPARE_COLUMNS:
        if name == "group_a":
            table[name] = _labels_of(label_a, pair_of_row)
        elif name == "group_b":
            table[name] = _labels_of(label_b, pair_of_row)
        elif name == "pvalue_adjusted":
            table[name] = adjust_pvalues_by_family(
                np.asarray(columns["pvalue"], dtype=float), by_of_row, adjust)
        elif name == "p_adjust_method":
            table[name] = _text_column(adjust, n_rows)
        elif name == "p_adjust_scope":
            table[name] = _text_column("by", n_rows)
        else:
            value = columns[name]
            table[name] = (_text_column(value, n_rows) if isinstance(value, str)
                           else np.broadcast_to(np.asarray(value), (n_rows,)).copy())
    out = pd.DataFrame(table)
    out.attrs["notes"] = []  # as the loop's frames carry it
    without = np.flatnonzero(np.bincount(by_of_row, minlength=n_by) == 0)
    if without.size:
        # the loop concatenates an empty table for a by group without pairs, which changes
        # the dtypes of the concatenation: do the same
        values = [] if not keys else key_frame.iloc[int(without[0])].tolist()
        out = pd.concat([out, _empty_table(keys, values, adjust)],
                        ignore_index=True)[[*keys, *COMPARE_COLUMNS]]
    return out, n_by - without.size


def _text_column(value: str, n: int) -> Any:
    """A text repeated ``n`` times, as the frame would infer it from an object array of it
    (`kpitools.kpis.common.constant_text`, without building and converting n objects)."""
    column = constant_text(value, n, min_rows=0)
    return column if column is not value else np.full(n, value, dtype=object)


def _level_codes(column: pd.Series) -> tuple[np.ndarray, list[Any], list[int]]:
    """Each row's level code, the levels (a code's value), and the codes that occur.

    A categorical column (no missing values here) uses its own codes: its categories are
    the levels, and the unobserved ones are left out of the codes that occur. Other columns
    are factorized (every level occurs). Only the numbering differs between the two; the
    levels are put in order by `_sort_key` afterwards.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        if not codes.size or codes.min() >= 0:
            n = len(column.cat.categories)
            seen = np.bincount(codes, minlength=n) if codes.size else np.zeros(n, int)
            return codes, column.cat.categories.tolist(), np.flatnonzero(seen).tolist()
    codes, uniques = pd.factorize(column, sort=False)
    return codes, uniques.tolist(), list(range(len(uniques)))


def _empty_table(keys: list[str], values: list[Any], adjust: str) -> pd.DataFrame:
    """The table `_compare_within` makes for a group without pairs, with its keys."""
    table = pd.DataFrame([], columns=list(COMPARISON_COLUMNS))
    table["pvalue_adjusted"] = pd.Series(dtype=float)
    table["p_adjust_method"] = adjust
    table["p_adjust_scope"] = "by"
    table = table[list(COMPARE_COLUMNS)]
    table.attrs["notes"] = []
    for i, (name, v) in enumerate(zip(keys, values, strict=True)):
        table.insert(i, name, v)
    return table


#: Scalars whose column dtype `_key_column` reads from a one-row Series (the same dtype
#: as inserting the scalar into a frame; tested).
_PLAIN_SCALARS = (str, int, float, np.integer, np.floating, np.bool_)


def _key_column(keys: pd.Series, rows: np.ndarray) -> pd.Series:
    """The ``by`` key of each row, with the dtype the loop's concatenation gives: one
    scalar inserted per group, then the groups' tables concatenated."""
    values = np.asarray(keys, dtype=object)
    missing = np.asarray(pd.isna(keys))
    examples: dict[Any, Any] = {}
    if missing.any():
        examples["missing"] = values[np.argmax(missing)]
    present = values[~missing]
    if pd.api.types.is_object_dtype(keys.dtype):  # several types: one example of each
        for v in present.tolist():
            examples.setdefault(type(v), v)
    elif present.size:
        examples["value"] = present[0]
    only = next(iter(examples.values())) if len(examples) == 1 else None
    if isinstance(only, _PLAIN_SCALARS):  # what the insert gives, without a frame
        dtype = pd.Series(only, index=pd.RangeIndex(1)).dtype
    else:
        parts = []
        for v in examples.values():
            part = pd.DataFrame(index=pd.RangeIndex(1))
            part.insert(0, "key", v)
            parts.append(part)
        dtype = (parts[0] if len(parts) == 1
                 else pd.concat(parts, ignore_index=True))["key"].dtype
    if pd.api.types.is_object_dtype(dtype):
        return pd.Series(values[rows], dtype=object)
    # each value converts alone and the inferred dtype depends only on which values occur:
    # convert the distinct keys used (one per by group), then take them row by row
    used, position = _used_positions(rows, len(values))
    return _take(pd.Series(values[used]).infer_objects().astype(dtype), position)


def _as_scalars(values: Any) -> pd.Series:
    """Values as the loop's row-by-row frames hold them: the dtype inferred from scalars."""
    return pd.Series(np.asarray(values, dtype=object)).infer_objects()


def _labels_of(labels: np.ndarray, which: np.ndarray) -> pd.Series:
    """``_as_scalars(labels[which])``, inferring the dtype from the few distinct labels used
    (the inferred dtype depends only on which values occur; each value converts alone)."""
    used, position = _used_positions(which, len(labels))
    return _take(_as_scalars(labels[used]), position)


def _used_positions(which: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(which, return_inverse=True)`` of positions ``0..n-1``, by a lookup table
    (no sort)."""
    used = np.flatnonzero(np.bincount(which, minlength=n))
    lookup = np.zeros(n, dtype=np.intp)
    lookup[used] = np.arange(len(used))
    return used, lookup[which]


def _take(values: pd.Series, position: np.ndarray) -> pd.Series:
    """``values.take(position).reset_index(drop=True)``, taking the array once."""
    return pd.Series(values.array.take(position), name=values.name)


def _aggregated_definition(definition: KpiDefinition, spec: AggregatedInput) -> KpiDefinition:
    """``definition`` comparing the summed counts of aggregated rows."""

    def compare_counts(a: pd.DataFrame, b: pd.DataFrame, _value: str | None, *,
                       confidence_level: float, **kwargs: Any) -> Any:
        return compare_aggregated(a, b, definition, spec, confidence_level=confidence_level,
                                  **kwargs)

    return dataclasses.replace(definition, compare=compare_counts)


def _family_words(adjust: str, scope: str, keys: list[str], out: pd.DataFrame,
                  n_families: int | None = None) -> str:
    """One line saying which comparisons were adjusted together, for tables and reports
    (``n_families``: the number of ``by`` groups with comparisons, when known)."""
    if adjust == "none":
        return "no multiplicity adjustment"
    tested = int(out["pvalue"].notna().sum()) if len(out) else 0
    if scope == "by":
        if n_families is None:
            n_families = len(out[keys].drop_duplicates()) if len(out) else 0
        return (f"{adjust} within each {'/'.join(keys)} group ({n_families} families, "
                f"{tested} comparisons)")
    return f"{adjust} over all {tested} comparisons of the table (one family)"


def _compare_within(definition: KpiDefinition, data: pd.DataFrame, column: str | None,
                    group: str, baseline: Any, levels: Sequence[Any] | None, level: float,
                    adjust: PValueAdjustment, kwargs: dict[str, Any]) -> pd.DataFrame:
    present = sorted(data[group].unique().tolist(), key=_sort_key)
    chosen = list(levels) if levels is not None else present
    if baseline is not None:
        if baseline not in present:
            raise ValueError(f"baseline={baseline!r} is not a level of {group!r}; levels are "
                             f"{present}")
        pairs = [(baseline, lv) for lv in chosen if lv != baseline and lv in present]
    else:
        avail = [lv for lv in chosen if lv in present]
        pairs = list(itertools.combinations(avail, 2))
    rows = []
    notes: set[str] = set()
    for a, b in pairs:
        sub_a = data[data[group] == a]
        sub_b = data[data[group] == b]
        result = definition.compare(sub_a, sub_b, column, confidence_level=level, **kwargs)
        result = dataclasses.replace(result, label_a=str(a), label_b=str(b))
        if result.details.get("note"):
            notes.add(str(result.details["note"]))
        row = result.to_frame().iloc[0].to_dict()
        row["group_a"], row["group_b"] = a, b
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    table["pvalue_adjusted"] = adjust_pvalues(table["pvalue"].to_numpy(dtype=float), adjust) \
        if len(table) else pd.Series(dtype=float)
    table["p_adjust_method"] = adjust
    table["p_adjust_scope"] = "by"
    table = table[list(COMPARE_COLUMNS)]
    table.attrs["notes"] = sorted(notes)
    return table


def _sort_key(v: Any) -> tuple[int, Any]:
    try:
        return (0, float(v)) if not isinstance(v, str) else (1, v)
    except (TypeError, ValueError):
        return (2, str(v))
