"""Sufficient statistics of each KPI family, computed by the engine; the KPI from them.

The engine (pandas, Polars, PyArrow, DuckDB, PySpark: `kpitools.engines.frames`) runs one
``GROUP BY`` per call and returns a small table; the intervals and tests then run on that
table in Python, identical for every engine. The statistics per family:

=================  =================================  ======================================
family             KPIs                               sufficient statistic per group
=================  =================================  ======================================
``"nps"``          nps, enps, ces (effort_1_7_net)    promoters, passives, detractors
``"proportion"``   csat, yes_share, ces (top box)     successes, trials
``"mean"``         csat_mean, ces (mean variants)     n, mean, Σ(x − mean)² (from counts)
``"quantile"``     frt, resolution_time, aht, asa     frequency table (seconds, count)
``"rate"``         ticket and resolved volume,        events, exposure
                   complaints per 1,000, backlog
``"customers"``    crr, churn, growth, turnover,      a period's counts (start, end, new,
                   nrr, clv                           lost); starting customers' MRR values
``"agents"``       utilisation, productivity          each agent's work per group
=================  =================================  ======================================

The first four come from one frequency table ``(group, value, count)`` of the column the KPI reads
(for durations: of the duration in seconds, computed on the engine; whole seconds for data
stamped to the second). Each *distinct* value is classified by the KPI's own code — its
registered `summarize` run on the distinct values, so the scale, labels, ``positive``,
``variant`` and ``true_labels`` options and the exclusion rules are the KPI's, not copies —
and the counts are summed per group. The order statistics of a group are exact from its
frequency table (`kpitools.stats.frequency.frequency_quantile_ci`), so the median FRT and
its distribution-free interval are the same at ten rows or ten billion.

The KPIs decided from several columns (FCR, resolution and call rates, SLA attainment,
the counts, the backlog, the customers) group the rows by the answers to the questions the
KPI asks of a row (`kpitools.engines.outcomes`, `customers`, `backlog`); next issue
avoidance finds each contact's follow-up by an ordered window (`kpitools.engines.nia`);
utilisation and productivity sum each agent's work (`kpitools.engines.agents`).

Rows the KPI excludes (missing answers, open tickets, abandoned calls) are counted per group
in ``n_excluded`` and listed in ``attrs["excluded"]`` one line per distinct value and reason,
with its number of rows: an engine's rows have no row labels. Invalid values raise a
`kpitools.core.errors.DataValidationError` naming the column, the values and how many rows
hold each.

Frequency weights (``weight=``, the KPIs of `WEIGHT_KPIS`): each row stands for ``weight``
answers with its values — a table made by ``GROUP BY`` with ``count(*)``. The frequency
table then sums the weights instead of counting rows (``GROUP BY keys, value →
sum(weight)``, `kpitools.engines.frames.frequency_table`; on a pandas frame one weighted
``bincount`` of the rows' key and answer codes), and everything after it is the same: the
result equals that of the rows repeated ``weight`` times. The weights must be
whole numbers ≥ 0 (`kpitools.engines.frames.check_weights`); a row of weight 0 counts for
nothing.

>>> import pandas as pd
>>> df = pd.DataFrame({"team": ["a"] * 12 + ["b"] * 12,
...                    "score": [10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9] * 2})
>>> stats = sufficient_statistics(df, kpi="nps", value="score", by="team")
>>> stats.groups[["team", "promoters", "passives", "detractors", "n_excluded"]]
  team  promoters  passives  detractors  n_excluded
0    a          7         2           3           0
1    b          7         2           3           0
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import narwhals as nw
import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.core.results import ESTIMATE_COLUMNS, as_excluded_rows, empty_excluded
from kpitools.core.validation import (
    SMALL_SAMPLE_N,
    check_alternative,
    check_choice,
    check_confidence_level,
)
from kpitools.engines import memory
from kpitools.engines.agents import AGENT_KPIS, agent_columns, agent_statistics
from kpitools.engines.backlog import BACKLOG, backlog_statistics
from kpitools.engines.customers import CUSTOMER_KPIS, customer_columns, customer_statistics
from kpitools.engines.flags import FLAG_KPIS, flag_column
from kpitools.engines.frames import (
    as_lazy,
    categoricals_as_values,
    check_weights,
    column_names,
    counted_arrow_by_engine,
    counts_to_pandas,
    duration_seconds,
    engine_name,
    frequency_table,
)
from kpitools.engines.nia import nia_statistics
from kpitools.engines.outcomes import (
    COMPLAINTS,
    COUNT_KPIS,
    OUTCOME_KPIS,
    not_on_engines,
    outcome_statistics,
    rate_columns,
)
from kpitools.kpis.catalogue import get_kpi
from kpitools.kpis.common import constant_text, grouped_t_interval, proportion_columns
from kpitools.kpis.durations import DURATION_KPIS, DURATION_UNITS
from kpitools.kpis.survey.ces import CES_VARIANTS
from kpitools.kpis.survey.nps import nps_columns
from kpitools.stats.frequency import frequency_moments, frequency_quantile_ci
from kpitools.stats.quantiles import quantile_ci_ranks, tick_cells, ticks_at_positions
from kpitools.tables.columns import resolve_columns
from kpitools.tables.keys import KeyCodes, group_codes

__all__ = [
    "SCALE_KPIS",
    "ENGINE_KPIS",
    "WEIGHT_KPIS",
    "check_weight_kpi",
    "SufficientStatistics",
    "sufficient_statistics",
    "summarize",
    "aggregated_table",
]

#: KPIs read from one answer column, classified value by value by the KPI's own code.
SCALE_KPIS: tuple[str, ...] = ("nps", "enps", "csat", "csat_mean", "ces", "yes_share")
#: Every KPI `summarize` computes from sufficient statistics on any engine.
ENGINE_KPIS: tuple[str, ...] = (*SCALE_KPIS, *FLAG_KPIS, *DURATION_KPIS, *OUTCOME_KPIS,
                                *COUNT_KPIS, COMPLAINTS, *CUSTOMER_KPIS, *AGENT_KPIS,
                                BACKLOG, "nia")
#: KPIs that take frequency weights (``weight=``): those classified value by value, whose
#: sufficient statistics are the counts of each value — the answer scales and the yes/no
#: flags of tickets.
WEIGHT_KPIS: tuple[str, ...] = (*SCALE_KPIS, *FLAG_KPIS)

_VALUE = "__kpitools_value"
_STATUS = "__kpitools_status"
_COUNT = "__kpitools_count"
_BUCKET = "__kpitools_bucket"
_ENTRY = "__kpitools_entry"
_MIN, _MAX = "__kpitools_min", "__kpitools_max"
#: buckets per e-fold of the duration in seconds (widths of ~13 %) in the first pass of
#: the order statistics on an engine
_BUCKETS_PER_E = 8
# duration row status: usable, then the reasons a row is left out
_USABLE, _MISSING, _OPEN, _ABANDONED, _NEGATIVE = 0, 1, 2, 3, 4
_DURATION_OPTIONS = {"statistic", "q", "method", "unit", "columns", "value_unit", "invalid",
                     "missing", "alternative"}
_NOT_ON_ENGINES = {"business_hours", "tz", "as_of", "timestamp_format", "n_resamples",
                   "random_state"}


@dataclass(frozen=True)
class SufficientStatistics:
    """The small per-group table a KPI family needs, computed by the frame's engine.

    Attributes
    ----------
    kpi, family : str
        The KPI and its family (``"nps"``, ``"proportion"``, ``"mean"``, ``"quantile"``).
    keys : list of str
        The ``by`` columns.
    groups : DataFrame
        One row per group (in `kpitools.summarize`'s order): the keys, then the family's
        statistics — ``promoters, passives, detractors``; ``successes, trials``;
        ``n, mean, m2``; or ``n`` — and ``n_excluded``.
    frequencies : DataFrame
        The usable values: the keys, ``group`` (the row of ``groups``), ``value`` (the
        KPI's value of the answer; seconds for durations) and ``count``.
    excluded : DataFrame
        ``column, value, reason, count``: one row per excluded distinct value and reason.
    engine : str
        The engine that computed it (`kpitools.engines.frames.engine_name`).
    details : dict
        What the KPI table needs besides the counts: ``label`` (the ``kpi`` column),
        ``method``, ``unit``, and ``scale`` (means), ``q`` and ``factor`` (durations).
    """

    kpi: str
    family: str
    keys: list[str]
    groups: pd.DataFrame
    #: `frequencies`, or what makes it when first read (the KPI table of a count or a
    #: mean does not read it)
    made_frequencies: pd.DataFrame | Callable[[], pd.DataFrame] = field(repr=False)
    excluded: pd.DataFrame
    engine: str
    details: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def frequencies(self) -> pd.DataFrame:
        """The usable values: the keys, ``group``, ``value`` and ``count``."""
        made = self.made_frequencies
        return made() if callable(made) else made


def check_weight_kpi(kpi: str) -> None:
    """TypeError unless ``kpi`` takes frequency weights (`WEIGHT_KPIS`).

    >>> check_weight_kpi("frt")
    Traceback (most recent call last):
    ...
    TypeError: kpi='frt' does not take weight= (frequency weights): ...
    """
    if kpi not in WEIGHT_KPIS:
        raise TypeError(f"kpi={kpi!r} does not take weight= (frequency weights): its "
                        "statistics are not counts of each value of one column (expand the "
                        "rows with df.loc[df.index.repeat(df[weight])]); the KPIs that take "
                        f"weights: {', '.join(WEIGHT_KPIS)}")


def _check_weight_column(weight: Any, names: list[str], keys: list[str]) -> None:
    """The weight column is a column of the frame and not a ``by`` column."""
    if not isinstance(weight, str):
        raise TypeError(f"weight must be a column name (str), got {weight!r}")
    if weight not in names:
        raise DataValidationError(f"weight column not found; columns are {names[:20]}",
                                  column=weight)
    if weight in keys:
        raise ValueError(f"weight={weight!r} cannot also be a `by` column")


def _keys(by: str | Sequence[str] | None, columns: list[str]) -> list[str]:
    keys = [by] if isinstance(by, str) else list(by or [])
    missing = [k for k in keys if k not in columns]
    if missing:
        raise KeyError(f"grouping column(s) {missing} not in the data; its columns are "
                       f"{columns[:20]}")
    return keys


def sufficient_statistics(frame: Any, kpi: str = "nps", value: str | None = None,
                          by: str | Sequence[str] | None = None, *,
                          confidence_level: float = 0.95, frequencies: str = "full",
                          weight: str | None = None, **options: Any) -> SufficientStatistics:
    """The per-group sufficient statistics of ``kpi``, computed on the frame's own engine.

    Parameters
    ----------
    frame : pandas, Polars (eager or lazy), PyArrow, DuckDB or PySpark frame
    kpi : str, default "nps"
        One of `ENGINE_KPIS`.
    value : str, optional
        The column the KPI reads (its default column when not given); for durations a
        column of durations in ``value_unit`` instead of the timestamps.
    by : str or list of str, optional
    confidence_level : float, default 0.95
        Only checked here (the statistics do not depend on it), except with
        ``frequencies="ranks"``.
    frequencies : {"full", "ranks"}, default "full"
        For durations: ``"full"`` brings back the whole frequency table (every statistic of
        the values, e.g. the comparisons of `kpitools.engines.comparisons`); ``"ranks"``
        one exact only at the ranks the ``q`` quantile and its interval at
        ``confidence_level`` and ``alternative`` read (`_ranked_frequencies`): much smaller,
        for `summarize`. `statistics_table` refuses it at another level.
    weight : str, optional
        A column of frequency weights (the KPIs of `WEIGHT_KPIS`): each row stands for that
        many answers, and the statistics equal those of the rows repeated ``weight`` times
        (the frequency table sums the weights; a row of weight 0 counts for nothing).
    **options
        The KPI's options, as in `kpitools.summarize` (``scale``, ``positive``,
        ``variant``, ``method``, ``missing``, ``statistic``, ``q``, ``columns`` ...).

    Returns
    -------
    SufficientStatistics

    Raises
    ------
    TypeError
        A KPI outside `ENGINE_KPIS`, or an option that needs the rows in order (the
        bootstrap mean, business hours); ``weight`` with a KPI outside `WEIGHT_KPIS`.
    ValueError
        ``weight`` is also the value column or a ``by`` column; ``weight`` with a ticket
        KPI whose table has a ticket id column.
    DataValidationError
        Values the KPI refuses, naming the column, the values and their numbers of rows;
        a missing weight column, or weights that are not whole numbers ≥ 0.
    """
    level = check_confidence_level(confidence_level)
    check_choice("frequencies", frequencies, ("full", "ranks"))
    definition = get_kpi(kpi)
    if weight is not None:
        check_weight_kpi(kpi)
    if kpi not in ENGINE_KPIS:
        raise TypeError(f"{not_on_engines(kpi, engine_name(frame))}. The KPIs computed "
                        f"on engines: {', '.join(ENGINE_KPIS)}")
    definition.check_options(options)
    names = column_names(frame)
    keys = _keys(by, names)
    if weight is not None:
        _check_weight_column(weight, names, keys)
    if kpi in DURATION_KPIS:
        return _duration_statistics(frame, kpi, value, keys, names, options,
                                    level if frequencies == "ranks" else None)
    if kpi in (*OUTCOME_KPIS, *COUNT_KPIS, COMPLAINTS):  # rows decided from several columns
        return outcome_statistics(frame, kpi, value, keys, names, options)
    if kpi in CUSTOMER_KPIS:  # each row's place in a period, from its start and end dates
        return customer_statistics(frame, kpi, value, keys, names, options)
    if kpi == BACKLOG:  # tickets open at a moment, from their two timestamps
        return backlog_statistics(frame, kpi, value, keys, names, options)
    if kpi in AGENT_KPIS:  # each agent's work, over the availability table
        return agent_statistics(frame, kpi, value, keys, names, options)
    if kpi == "nia":  # each contact's follow-up, found by a window on the engine
        return nia_statistics(frame, kpi, value, keys, names, options)
    if kpi in FLAG_KPIS:  # yes/no columns of tickets, classified value by value too
        if weight is not None:
            _no_ids_with_weights(kpi, weight, names, options)
        value = flag_column(frame, kpi, value, names, options)
    column = value if value is not None else definition.default_value
    if column is None or column not in names:
        raise DataValidationError(f"column not found for KPI {kpi!r}; columns are "
                                  f"{names[:20]}", column=column)
    if column in keys:
        raise ValueError(f"value={column!r} cannot also be a `by` column")
    if weight is not None and column == weight:
        raise ValueError(f"weight={weight!r} cannot also be the value column of kpi={kpi!r}")
    return _scale_statistics(frame, kpi, column, keys, options, weight)


def _no_ids_with_weights(kpi: str, weight: str, names: list[str],
                         options: dict[str, Any]) -> None:
    """A ticket KPI with weights: the table must not have a ticket id column (pandas keeps
    the first row of each id, so the rows repeated ``weight`` times would count once)."""
    ids = resolve_columns("tickets", options.get("columns"))["ticket_id"]
    if ids in names:
        raise ValueError(f"kpi={kpi!r} with weight={weight!r}: each row stands for several "
                         f"tickets, but the table has a ticket id column {ids!r} (one "
                         "ticket a row; the rows repeated would be one ticket each): drop "
                         "it, or leave weight= out")


# ------------------------------------------------------------------------ answer scales


class _Classes(NamedTuple):
    """What `_classify` reads of the KPI's summary of each distinct value."""

    n: np.ndarray
    estimate: np.ndarray
    reason: np.ndarray
    unit: str
    method: str
    label: str


#: Classifications of distinct values kept (most recent last): the KPI's summarize of the
#: same values with the same options gives the same table.
_CLASSES: OrderedDict[tuple[Any, ...], _Classes] = OrderedDict()
_CLASSES_KEPT = 64
#: Distinct values up to which a classification is kept
_CLASSES_MAX_VALUES = 4096


def _plain(value: Any) -> bool:
    """Whether an option's text (``repr``) is the whole of it: None, a bool, number or
    text, or a tuple / list of them (not an array, whose text may be shortened)."""
    if isinstance(value, (tuple, list)):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


def _classify(distinct: pd.Series, kpi: str, column: str, options: dict[str, Any]
              ) -> _Classes:
    """Each distinct value through the KPI's own summarize (one group per value).

    The result is kept (`_CLASSES`, by the KPI's summarize function, the column, the
    values with their dtype and the options): the same answers classified again — every
    call on a survey's 0–10 scores — need no second summary. Values the KPI refuses raise
    each time (nothing is kept)."""
    definition = get_kpi(kpi)
    if definition.summarize is None:
        raise TypeError(f"kpi={kpi!r} has no vectorised summarize to classify its values")
    key = None
    if len(distinct) <= _CLASSES_MAX_VALUES and all(_plain(v) for v in options.values()):
        try:
            key = (definition.summarize, kpi, column, str(distinct.dtype),
                   repr(distinct.tolist()), repr(sorted(options.items())))
            hash(key)
        except Exception:  # noqa: BLE001 — options without a stable text: not kept
            key = None
    kept = _CLASSES.get(key) if key is not None else None
    if key is not None and kept is not None:
        with contextlib.suppress(KeyError):  # (another thread may have dropped it)
            _CLASSES.move_to_end(key)
        return kept
    probe = pd.DataFrame({column: distinct.reset_index(drop=True),
                          _VALUE: np.arange(len(distinct))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        table = definition.summarize(probe, column, [_VALUE], confidence_level=0.95,
                                     **options)
    table = table.set_index(_VALUE).reindex(np.arange(len(distinct)))
    excluded = as_excluded_rows(table.attrs.get("excluded"))
    reasons = pd.Series(excluded["reason"].to_numpy(dtype=object),
                        index=excluded["row"].to_numpy()) if len(excluded) else pd.Series()
    n = table["n"].to_numpy()
    reason = np.array([reasons.get(i, "excluded") if c == 0 else ""
                       for i, c in zip(range(len(table)), n, strict=True)], dtype=object)

    def first(name: str, default: str) -> str:
        present = table[name].dropna()
        return str(present.iloc[0]) if len(present) else default
    got = _Classes(np.asarray(n > 0), table["estimate"].to_numpy(dtype=float), reason,
                   first("unit", ""), first("method", ""), first("kpi", kpi))
    for array in (got.n, got.estimate, got.reason):
        array.flags.writeable = False
    if key is not None:
        _CLASSES[key] = got
        with contextlib.suppress(KeyError):
            while len(_CLASSES) > _CLASSES_KEPT:
                _CLASSES.popitem(last=False)
    return got


def _refused_values(distinct: pd.Series, counts: np.ndarray, kpi: str, column: str,
                    options: dict[str, Any], engine: str, err: DataValidationError,
                    frame: Any = None, weight: str | None = None) -> None:
    """Re-raise ``err`` naming every refused value and its number of rows (of answers,
    with ``weight``; a weighted pandas ``frame`` also names its first rows)."""
    bad: list[tuple[Any, int]] = []
    for i, v in enumerate(distinct):
        try:
            _classify(distinct.iloc[i:i + 1], kpi, column, options)
        except DataValidationError:
            bad.append((v, int(counts[i])))
    what = "row" if weight is None else "answer"
    shown = ", ".join(f"{v!r} in {c} {what}{'s' if c != 1 else ''}" for v, c in bad[:10])
    rows: list[Any] = []
    values: list[Any] = [v for v, _ in bad]
    if weight is None:
        where = (f"rows of a {engine} frame are not numbered: filter on these values to "
                 "find them")
    elif isinstance(frame, pd.DataFrame):
        where = f"answers counted with the weights of column {weight!r}"
        at = np.flatnonzero(frame[column].isin(values).to_numpy()
                            & (frame[weight].to_numpy(dtype=float) > 0))[:5]
        rows, values = frame.index[at].tolist(), frame[column].iloc[at].tolist()
    else:
        where = (f"answers counted with the weights of column {weight!r}; rows of a "
                 f"{engine} frame are not numbered: filter on these values to find them")
    raise DataValidationError(
        f"{sum(c for _, c in bad)} {what}s with values kpi={kpi!r} refuses ({shown}); "
        f"{err.problem.split(' (rows')[0]}; {where}", column=column, rows=rows,
        values=values) from err


class _Answers(NamedTuple):
    """The frequency table of the answers, coded: one entry per (group, answer) that
    occurs."""

    #: Each entry's answer: its position in ``distinct`` (the answers in the order first met)
    value_codes: np.ndarray
    distinct: pd.Series
    #: How many rows (int64)
    counts: np.ndarray
    #: Each entry's group: its row of ``groups`` (sorted as `group_codes` sorts)
    group_of: np.ndarray
    groups: pd.DataFrame
    #: The key columns of the entries at the given positions
    keys_at: Any


def _answers(frame: Any, keys: list[str], column: str, weight: str | None = None
             ) -> _Answers:
    """The coded frequency table of ``column`` by ``keys``: counted here from the columns'
    codes for an in-memory frame (`_answers_here`), else by the engine's ``GROUP BY``
    (`frequency_table`). With ``weight`` (checked first: `check_weights`) each entry's
    count is the sum of the weights of its rows, by the engine's ``GROUP BY`` (a pandas
    frame's too), and an entry whose weights sum to 0 is left out."""
    if weight is not None:
        check_weights(frame, weight)
    here = (_answers_here(frame, keys, column) if weight is None
            else _weighted_answers_here(frame, keys, column, weight))
    if here is not None:
        return here
    freq = None
    counted = counted_arrow_by_engine(frame, keys, column, _VALUE, _COUNT, weight=weight)
    if counted is not None:  # coded from the engine's Arrow table, as an in-memory one
        here = _answers_here(counted, keys, _VALUE, counts=_COUNT)
        if here is not None:
            return here
        freq = counts_to_pandas(counted, _COUNT, weighted=weight is not None)
    if freq is None:
        freq = frequency_table(frame, keys, {_VALUE: nw.col(column)}, count=_COUNT,
                               weight=weight)
    value_codes, uniques = pd.factorize(freq[_VALUE], use_na_sentinel=False)
    distinct = pd.Series(uniques, dtype=freq[_VALUE].dtype if len(uniques) else object)
    group_of, groups = group_codes(freq, keys)
    return _Answers(value_codes, distinct, freq[_COUNT].to_numpy(dtype=np.int64),
                    group_of, groups,
                    lambda where: {k: freq[k].take(where).reset_index(drop=True)
                                   for k in keys})


def _answers_here(frame: Any, keys: list[str], column: str, counts: str | None = None
                  ) -> _Answers | None:
    """`_answers` of an in-memory frame (`memory.eager_columns`) from the codes of its
    columns (`memory.frequency_codes`), without a frequency table in pandas: only the
    G key combinations and the distinct answers are taken from the frame (one row each)
    and converted. The same table as `frequency_table` gives: the groups are numbered by
    `group_codes` of the G combinations, the answers in the order the table meets them.
    The key columns of the entries (``keys_at``, read by `SufficientStatistics.frequencies`
    only) are converted when first read. With ``counts`` (a column of whole numbers ≥ 0:
    an engine's ``GROUP BY`` brought back as Arrow) each row stands for that many answers.
    None where that does not apply."""
    taken = {_VALUE: column} if counts is None else {_VALUE: column, _COUNT: counts}
    eager = memory.eager_columns(frame, keys, taken, max_rows=memory.counted_max_rows())
    if eager is None:
        return None
    weights = (None if counts is None
               else np.asarray(eager.get_column(_COUNT).to_numpy(), dtype=float))
    got = memory.frequency_codes(eager, [*keys, _VALUE], weights)
    if got is None:
        return None
    value_part = got.parts[-1]
    combination, answer = np.divmod(got.present, value_part[1])
    # the answers in the order the combined codes meet them (factorize's order)
    answers, first = np.unique(answer, return_index=True)
    met = answers[np.argsort(first, kind="stable")]
    number = np.zeros(value_part[1], dtype=np.intp)
    number[met] = np.arange(met.size)
    distinct = _distinct_answers(eager, memory.values_of_codes(eager, _VALUE, met,
                                                                value_part))
    # the key combinations in code order (the entries come in code order: as np.unique)
    new = np.ones(combination.size, dtype=bool)
    np.not_equal(combination[1:], combination[:-1], out=new[1:])
    combinations = combination[new]
    of_entry = np.cumsum(new, dtype=np.intp) - 1
    group_of: np.ndarray
    order: np.ndarray | None
    names: Callable[[], pd.DataFrame]
    if not keys:
        groups = pd.DataFrame(index=pd.RangeIndex(combinations.size))
        group_of = of_entry.astype(np.int32)
        names = lambda: groups  # noqa: E731
    else:
        per_key = np.unravel_index(combinations, [size for _, size in got.parts[:-1]])
        taken = {key: memory.values_of_codes(eager, key, codes, part)
                 for key, codes, part in zip(keys, per_key, got.parts[:-1], strict=True)}
        ordered = _polars_text_in_order(eager, keys, taken, per_key)
        if ordered is not None:
            names, groups, order = ordered
        else:
            converted = memory.pandas_frame(eager, taken)
            _categoricals_as_values(eager, keys, converted)
            groups = converted  # codes in order: no second coding
            names = lambda: converted  # noqa: E731
            order = (np.arange(len(converted)) if all(_codes_sort_as_values(eager, key)
                                                      for key in keys) else None)
        if order is not None:  # group_codes' order (and its dtype: int32 while it fits)
            rank = np.empty(order.size, dtype=np.int32 if order.size < 2**31 else np.int64)
            rank[order] = np.arange(order.size)
            group_of = rank[of_entry]
        else:
            renumber, groups = group_codes(names(), keys)
            group_of = np.asarray(renumber)[of_entry]
    return _Answers(number[answer], distinct, got.counts, group_of, groups,
                    lambda where: {k: names()[k].take(of_entry[where]).reset_index(drop=True)
                                   for k in keys})


def _distinct_answers(eager: nw.DataFrame[Any], value: Any) -> pd.Series:
    """The distinct answers (a native Polars Series or Arrow ChunkedArray of ``eager``'s
    engine, one value each) as `frequency_table`'s values factorized give them: whole
    numbers without missing values as they are (the NumPy array pandas converts them to),
    else through pandas (a missing one as NaN)."""
    if eager.implementation.is_polars():
        whole = value.dtype.is_integer() and not value.null_count()
    else:
        import pyarrow as pa

        whole = pa.types.is_integer(value.type) and not value.null_count
    if whole and len(value):
        return pd.Series(np.array(value.to_numpy()))
    raw = memory.native_to_pandas(value)
    uniques = pd.factorize(raw, use_na_sentinel=False)[1]
    return pd.Series(uniques, dtype=raw.dtype if len(uniques) else object)


#: Entries (key combinations × distinct answers) up to which `_weighted_answers_here` sums
#: the weights of a pandas frame densely; past them, the frame's ``GROUP BY``.
_WEIGHTED_ENTRIES = 1 << 24


def _weighted_answers_here(frame: Any, keys: list[str], column: str, weight: str
                           ) -> _Answers | None:
    """`_answers` of a pandas frame with frequency weights, summed with NumPy: the rows'
    key codes (`kpitools.tables.keys.KeyCodes`, as the pandas KPIs code them) and answer
    codes combined, and one weighted ``bincount``; the entries whose weights sum to 0 left
    out (their answers are not classified). The same table as the weighted
    `frequency_table` (in another order); the groups in `group_codes`' order. None for
    another frame, or past `_WEIGHTED_ENTRIES` entries."""
    if not isinstance(frame, pd.DataFrame):
        return None
    kc = KeyCodes(frame, keys)
    answer_codes, answers = pd.factorize(frame[column], use_na_sentinel=False)
    n_answers = max(len(answers), 1)
    if kc.n_combined * n_answers > max(_WEIGHTED_ENTRIES, 4 * len(frame)):
        return None
    entry = kc.combined.astype(np.int64) * n_answers + answer_codes
    summed = np.bincount(entry, weights=frame[weight].to_numpy(dtype=float),
                         minlength=kc.n_combined * n_answers)
    present = np.flatnonzero(summed)
    position, answer = np.divmod(present, n_answers)
    met, value_codes = np.unique(answer, return_inverse=True)
    distinct = pd.Series(answers.take(met), dtype=frame[column].dtype)
    positions, group_of = np.unique(position, return_inverse=True)
    # without keys the whole table is one group, with answers or not (as `group_codes`)
    groups = (kc.frame(positions).reset_index(drop=True) if keys
              else pd.DataFrame(index=pd.RangeIndex(1)))
    return _Answers(value_codes.reshape(-1), distinct, summed[present].astype(np.int64),
                    group_of.reshape(-1), groups,
                    lambda where: {k: groups[k].take(group_of.reshape(-1)[where])
                                   .reset_index(drop=True) for k in keys})


def _polars_text_in_order(eager: nw.DataFrame[Any], keys: list[str], taken: dict[str, Any],
                          codes: tuple[np.ndarray, ...]
                          ) -> tuple[Callable[[], pd.DataFrame], pd.DataFrame, np.ndarray] | None:
    """The G key combinations of a Polars frame with Categorical keys as `frequency_table`
    gives them (a Categorical as plain text, missing as NaN; the other keys converted by
    pandas: made when first asked for), the same sorted and typed as `group_codes` gives
    them (text by value as a text index, a missing key last), and the order of the first
    in the second: the text sorted by code point (as Polars and pandas sort it), without
    coding it again. None unless every key is a Polars Categorical or has codes that sort
    as its values (`_codes_sort_as_values`)."""
    if not eager.implementation.is_polars():
        return None
    schema = eager.schema
    text = [key for key in keys if schema[key] == nw.Categorical]
    if not text or not all(key in text or _codes_sort_as_values(eager, key) for key in keys):
        return None
    import polars as pl

    rest = [key for key in keys if key not in text]
    converted = memory.pandas_frame(eager, {k: taken[k] for k in rest}) if rest else None
    plain_of: dict[str, np.ndarray] = {}
    ranks: list[np.ndarray] = []
    levels: dict[str, pd.Index] = {}
    for key, code in zip(keys, codes, strict=True):
        if key not in text:
            ranks.append(np.asarray(code))
            continue
        plain = np.array(taken[key].cast(pl.String).to_list(), dtype=object)
        missing = np.fromiter((v is None for v in plain), dtype=bool, count=plain.size)
        # each distinct text once, by code point (Polars' rank and pandas' sort of text)
        level, rank = np.unique(plain[~missing], return_inverse=True)
        levels[key] = pd.Index(level)  # the text index of group_codes (its dtype too)
        if missing.any():
            plain[missing] = np.nan
            levels[key] = levels[key].append(pd.Index([np.nan]))
            full = np.full(plain.size, level.size, dtype=np.intp)
            full[~missing] = rank
            rank = full
        plain_of[key] = plain
        ranks.append(np.asarray(rank, dtype=np.intp))
    order = np.lexsort(ranks[::-1])
    groups = {key: (levels[key].take(rank[order]) if key in levels
                    else converted[key].take(order).reset_index(drop=True))  # type: ignore[index]
              for key, rank in zip(keys, ranks, strict=True)}
    size = order.size

    @functools.cache
    def names() -> pd.DataFrame:
        return pd.DataFrame({key: (pd.Series(plain_of[key], dtype=object) if key in plain_of
                                   else converted[key])  # type: ignore[index]
                             for key in keys}, index=pd.RangeIndex(size))
    return names, pd.DataFrame(groups, index=pd.RangeIndex(size)), order


def _codes_sort_as_values(eager: nw.DataFrame[Any], key: str) -> bool:
    """Whether the codes of ``key`` (`memory.column_codes`) sort as `group_codes` sorts its
    values in pandas, a missing key last: whole numbers (their value), an Arrow dictionary
    without missing values in it and a Polars Enum (their categories' order). Not text, a
    Polars Categorical (sorted by value) or yes/no (a missing one is None in pandas)."""
    dtype = eager.schema[key]
    if dtype.is_integer() or dtype == nw.Enum:
        return True
    if dtype != nw.Categorical or not eager.implementation.is_pyarrow():
        return False
    chunks = eager.get_column(key).to_native().chunks
    return all(chunk.dictionary.null_count == 0 for chunk in chunks)


def _categoricals_as_values(eager: nw.DataFrame[Any], keys: list[str],
                            names: pd.DataFrame) -> None:
    """As `frequency_table`: the keys of a Polars Categorical as plain values (sorted by
    value), in place."""
    if eager.implementation.is_polars():
        for key in keys:
            if eager.schema[key] == nw.Categorical:
                names[key] = names[key].astype(object)


def _scale_statistics(frame: Any, kpi: str, column: str, keys: list[str],
                      options: dict[str, Any], weight: str | None = None
                      ) -> SufficientStatistics:
    engine = engine_name(frame)
    coded = _answers(frame, keys, column, weight)
    value_codes, distinct = coded.value_codes, coded.distinct
    w_int = coded.counts
    per_value = np.bincount(value_codes, weights=w_int, minlength=len(distinct))
    try:
        classes = _classify(distinct, kpi, column, options)
    except DataValidationError as err:
        _refused_values(distinct, per_value, kpi, column, options, engine, err, frame,
                        weight)
        raise
    used = classes.n
    est = classes.estimate
    unit, method, label = classes.unit, classes.method, classes.label
    family = {"points": "nps", "%": "proportion"}.get(unit, "mean")
    group_of, groups = coded.group_of, coded.groups
    codes = np.asarray(group_of, dtype=np.intp)
    g = len(groups)
    w = w_int.astype(float)
    row_used = used[value_codes]
    n_excl = np.bincount(codes[~row_used], weights=w[~row_used], minlength=g)
    columns: dict[str, Any] = {k: groups[k].reset_index(drop=True) for k in keys}

    x = est[value_codes]
    details: dict[str, Any] = {"label": label, "method": method, "unit": unit}
    if weight is not None:
        details["weight"] = weight
    if family in ("nps", "proportion"):
        # one count per group and class: −100 / 0 / 100 points, or a success (100 %)
        cls = np.full(len(x), 3, dtype=np.intp)
        cls[row_used & (x == -100)] = 0
        cls[row_used & (x == 0)] = 1
        cls[row_used & (x == 100)] = 2
        per = np.bincount(codes * 4 + cls, weights=w, minlength=4 * g).reshape(g, 4)
        per = per.astype(np.int64)
        if family == "nps":
            columns["promoters"] = per[:, 2]
            columns["passives"] = per[:, 1]
            columns["detractors"] = per[:, 0]
        else:
            columns["successes"] = per[:, 2]
            columns["trials"] = np.bincount(codes[row_used], weights=w[row_used],
                                            minlength=g).astype(np.int64)
    else:
        # in (group, value) order: the sums do not depend on the order the engine returns
        at = np.flatnonzero(row_used)
        at = at[np.lexsort((x[at], codes[at]))]
        count, mean, m2 = frequency_moments(x[at], w[at], codes[at], g)
        columns["n"], columns["mean"], columns["m2"] = count, mean, m2
        details["scale"] = (CES_VARIANTS[options["variant"]]["scale"] if kpi == "ces"
                            else tuple(options.get("scale", (1, 5))))
    columns["n_excluded"] = n_excl.astype(np.int64)
    out = pd.DataFrame(columns, index=pd.RangeIndex(g))
    where = np.flatnonzero(row_used)

    def frequencies() -> pd.DataFrame:
        return pd.DataFrame({**coded.keys_at(where), "group": group_of[where],
                             "value": x[where], "count": w_int[where]},
                            index=pd.RangeIndex(where.size))
    unused = ~used
    excluded = pd.DataFrame({
        "column": column, "value": distinct.to_numpy(dtype=object)[unused],
        "reason": classes.reason[unused],
        "count": per_value[unused].astype(np.int64)})
    return SufficientStatistics(kpi, family, keys, out, frequencies, excluded, engine,
                                details)


# ---------------------------------------------------------------------------- durations


def _duration_statistics(frame: Any, kpi: str, value: str | None, keys: list[str],
                         names: list[str], options: dict[str, Any],
                         level: float | None = None) -> SufficientStatistics:
    blocked = sorted(k for k in options if k in _NOT_ON_ENGINES and options[k] is not None)
    if blocked:
        raise TypeError(f"kpi={kpi!r} on a {engine_name(frame)} frame does not take "
                        f"{', '.join(f'{k}=' for k in blocked)} (they need the rows in "
                        "pandas: collect the frame first)")
    statistic = options.get("statistic", "median")
    check_choice("statistic", statistic, ("median", "quantile", "mean"))
    if statistic == "mean":
        raise TypeError(f"kpi={kpi!r}, statistic='mean' on a {engine_name(frame)} frame: the "
                        "bootstrap interval depends on the order of the rows; the median and "
                        "quantiles (order-statistic intervals) are exact from the engine's "
                        "frequency table — collect the frame to pandas for the mean")
    method = options.get("method") or "order_statistic"
    check_choice("method", method, ("order_statistic",))
    q = 0.5 if statistic == "median" else float(options.get("q", 0.9))
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q!r}")
    spec = DURATION_KPIS[kpi]
    unit = options.get("unit") or spec.unit
    check_choice("unit", unit, tuple(DURATION_UNITS))
    value_unit = options.get("value_unit", "seconds")
    check_choice("value_unit", value_unit, tuple(DURATION_UNITS))
    invalid = check_choice("invalid", options.get("invalid", "raise"), ("raise", "exclude"))
    missing = check_choice("missing", options.get("missing", "exclude"), ("exclude", "raise"))
    cols = resolve_columns(spec.table, options.get("columns"))

    def need(column: str) -> str:
        if column not in names:
            raise DataValidationError(f"column not found for KPI {kpi!r}; columns are "
                                      f"{names[:20]}", column=column)
        return column

    notes: list[str] = []
    parts: dict[str, tuple[str, ...]] = {}
    per_second = 1.0
    if value is not None:
        seconds = nw.col(need(value)).cast(nw.Float64) * DURATION_UNITS[value_unit]
        status = nw.when(nw.col(value).is_null()).then(_MISSING).otherwise(_USABLE)
        end_column = value
    elif spec.start is not None and spec.end is not None:
        start, end = need(cols[spec.start]), need(cols[spec.end])
        schema = nw.from_native(frame, pass_through=True).collect_schema()
        for c in (start, end):
            if not schema[c].is_temporal():
                raise TypeError(f"column {c!r} is {schema[c]} on a {engine_name(frame)} "
                                "frame; durations need timestamp columns (parse them on the "
                                "engine, or collect to pandas, which parses text)")
        seconds, per_second = duration_seconds(frame, start, end)
        status = (nw.when(nw.col(start).is_null()).then(_MISSING)
                  .otherwise(nw.when(nw.col(end).is_null()).then(_OPEN).otherwise(_USABLE)))
        end_column = end
    else:
        first = need(cols[spec.parts[0]])
        present = [cols[p] for p in spec.parts if cols[p] in names]
        lacking = [cols[p] for p in spec.parts if cols[p] not in names]
        seconds = nw.sum_horizontal(*[nw.col(c).cast(nw.Float64) for c in present])
        any_null = nw.any_horizontal(*[nw.col(c).is_null() for c in present],
                                     ignore_nulls=False)
        status = nw.when(any_null).then(_MISSING).otherwise(_USABLE)
        end_column = first
        parts = {"parts": tuple(present), "missing_parts": tuple(lacking)}
        if lacking:
            notes.append(f"{kpi.upper()} summed from {', '.join(present)} only (no "
                         f"{', '.join(lacking)} column)")
    answered = cols.get("answered_at", "answered_at")
    if spec.needs_answered:
        need(answered)
    if spec.table == "calls" and answered in names:
        status = nw.when(nw.col(answered).is_null()).then(_ABANDONED).otherwise(status)
    status = nw.when((status == _USABLE) & (seconds < 0)).then(_NEGATIVE).otherwise(status)
    alternative = check_alternative(options.get("alternative", "two-sided"))
    freq = None
    if level is not None:
        freq = _ranked_frequencies(frame, keys, status, seconds, per_second, q, level,
                                   alternative, strict=(missing == "raise",
                                                        invalid == "raise"))
    if freq is None:
        level = None
        freq = frequency_table(frame, keys, {_STATUS: status, _VALUE: seconds},
                               count=_COUNT)
    if isinstance(freq, _Coded):  # in group order already, with the groups' codes
        freq, codes, groups = freq
    else:
        codes, groups = group_codes(freq, keys)
        order = _by_group_and_value(codes, freq[_VALUE].to_numpy(dtype=float))
        if order is not None:
            freq, codes = freq.iloc[order].reset_index(drop=True), codes[order]
    g = len(groups)
    st_col = freq[_STATUS].to_numpy(dtype=np.int64)
    w = freq[_COUNT].to_numpy(dtype=np.int64)
    secs = freq[_VALUE].to_numpy(dtype=float) / per_second
    if missing == "raise" and np.any(st_col == _MISSING):
        raise DataValidationError(f"{int(w[st_col == _MISSING].sum())} rows with missing "
                                  f"durations (missing='raise')", column=end_column)
    negative = st_col == _NEGATIVE
    if negative.any() and invalid == "raise":
        vals = np.unique(secs[negative])[:5].tolist()
        raise DataValidationError(
            f"{int(w[negative].sum())} rows with negative durations (seconds {vals}); rows "
            f"of a {engine_name(frame)} frame are not numbered: filter on the duration to "
            "find them (invalid='exclude' leaves them out, counted)", column=end_column,
            values=vals)
    used = st_col == _USABLE
    reasons = {_MISSING: "missing values", _OPEN: "open (censored): no end yet",
               _ABANDONED: "abandoned call (not answered)", _NEGATIVE: "negative durations"}
    out = groups.reset_index(drop=True).copy()
    out["n"] = np.bincount(codes[used], weights=w[used], minlength=g).astype(np.int64)
    out["n_excluded"] = np.bincount(codes[~used], weights=w[~used],
                                    minlength=g).astype(np.int64)
    frequencies = freq.loc[used, keys].reset_index(drop=True)
    frequencies["group"] = codes[used]
    frequencies["value"] = secs[used]
    frequencies["count"] = w[used]
    summary = (pd.DataFrame({"status": st_col[~used], "count": w[~used]})
               .groupby("status", sort=True)["count"].sum())
    excluded = pd.DataFrame({"column": end_column, "value": None,
                             "reason": [reasons[int(s)] for s in summary.index],
                             "count": summary.to_numpy(dtype=np.int64)})
    label = f"{kpi}_{statistic}" if statistic == "median" else f"{kpi}_p{100.0 * q:g}"
    details = {"label": label, "method": method, "unit": unit, "q": q,
               "factor": DURATION_UNITS[unit], "notes": notes, **parts}
    if level is not None:
        details["exact_for"] = (q, level, alternative)
    return SufficientStatistics(kpi, "quantile", keys, out, frequencies, excluded,
                                engine_name(frame), details)


class _Coded(NamedTuple):
    """A frequency table (keys, status, value, count) already in the order of
    `_duration_statistics` — by group (`group_codes`' order), then value, the other
    statuses last — with each row's group code and the groups (`group_codes`' frame)."""

    table: pd.DataFrame
    codes: np.ndarray
    groups: pd.DataFrame


def _ranked_frequencies(frame: Any, keys: list[str], status: Any, seconds: Any,
                        per_second: float, q: float, level: float, alternative: str, *,
                        strict: tuple[bool, bool]) -> pd.DataFrame | _Coded | None:
    """The frequency table of the durations, exact at the ranks the quantile reads.

    Two ``GROUP BY`` passes on the engine instead of one whose result has nearly a row per
    row (distinct durations repeat little):

    1. per group, status and *bucket* (``⌊8 · ln(1 + seconds)⌋``, widths of ~13 %): the
       number of rows and the smallest and largest duration;
    2. in Python, the ranks the ``q`` quantile and its order-statistic interval read
       (`kpitools.stats.quantiles.quantile_ci_ranks`), found in each group's cumulative
       bucket counts; a bucket whose smallest and largest values are equal gives its value
       at once, the others (a few per group) are counted value by value on the engine
       (joined to a small table of the buckets needed).

    The result is the full frequency table's shape (``keys, status, value, count``) with
    every other bucket as one entry (its smallest value, its count): its order statistics
    at the ranks read are those of the full table. The buckets are checked to be in order
    (the largest value of a bucket at most the smallest of the next, in every group); when
    they are not, or the engine is one without a join here, or rows would raise
    (``strict``: missing / negative durations refused), None: the caller counts every
    value.
    """
    engine = engine_name(frame)
    applies, here = _ranked_in_memory(frame, keys, status, seconds, q, level, alternative,
                                      strict)
    if applies:
        return here
    lazy = second = as_lazy(frame)
    value = nw.col(_VALUE)
    bucket = (((value.clip(lower_bound=0) / per_second + 1.0).log() * _BUCKETS_PER_E)
              .floor().cast(nw.Int64))

    def with_buckets(frame: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
        return (frame.with_columns(**{_STATUS: status, _VALUE: seconds})
                .with_columns(**{_BUCKET: bucket}))
    arrow_keys = None
    try:
        if engine == "pyarrow":  # an Arrow table: the second pass's join by Polars
            second, engine = nw.from_native(frame).lazy(backend="polars"), "polars"
            arrow_keys = _arrow_key_dtypes(frame, keys)
            if arrow_keys is not None:  # and the first pass too (faster than Arrow's)
                lazy = second
        if engine not in ("polars", "duckdb", "pyspark"):
            return None
        if engine in ("polars", "duckdb"):
            source = second if engine == "polars" else lazy
            relation = (source.with_columns(**{_STATUS: status, _VALUE: seconds})
                        .select([*keys, _STATUS, _VALUE]).to_native())
            if keys and _many_groups(relation, keys, engine):
                return _listed_frequencies(frame, relation, keys, engine, q, level,
                                           alternative, strict)
        if engine == "duckdb":  # SQL by hand: Narwhals writes `log` as nested CASEs
            first = _duckdb_buckets(relation, keys, per_second)
        else:
            rows = with_buckets(lazy)
            first = (rows.select([*keys, _STATUS, _BUCKET, _VALUE])
                     .group_by([*keys, _STATUS, _BUCKET], drop_null_keys=False)
                     .agg(nw.len().alias(_COUNT), value.min().alias(_MIN),
                          value.max().alias(_MAX))
                     .collect().to_pandas().reset_index(drop=True))
    except (ImportError, TypeError, ValueError, NotImplementedError):
        return None
    if first is None:
        return None
    if engine_name(frame) == "polars":  # as frequency_table: Categoricals as plain values
        categoricals_as_values(first, keys, lazy.collect_schema())
    for key, dtype in (arrow_keys or {}).items():  # Arrow dictionaries: their own order
        first[key] = first[key].astype(object).astype(dtype)
    st = first[_STATUS].to_numpy(dtype=np.int64)
    if (strict[0] and np.any(st == _MISSING)) or (strict[1] and np.any(st == _NEGATIVE)):
        return None
    usable = first.loc[st == _USABLE].reset_index(drop=True)
    codes, groups = group_codes(usable, keys)
    bucket_no = usable[_BUCKET].to_numpy(dtype=np.int64)
    order = np.lexsort((bucket_no, codes))
    usable = usable.iloc[order].reset_index(drop=True)
    codes = np.asarray(codes)[order].astype(np.int64)
    count = usable[_COUNT].to_numpy(dtype=np.int64)
    low = usable[_MIN].to_numpy(dtype=float)
    high = usable[_MAX].to_numpy(dtype=float)
    same = codes[1:] == codes[:-1]
    if (np.isnan(low).any() or np.isnan(high).any()
            or not np.all(high[:-1][same] <= low[1:][same])):
        return None
    n = np.bincount(codes, weights=count, minlength=len(groups)).astype(np.int64)
    cum = np.cumsum(count)
    base = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    if len(groups):
        h = (n - 1) * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        r, s, _ = quantile_ci_ranks(n, q, confidence_level=level, alternative=alternative)
        r, s = np.atleast_1d(r), np.atleast_1d(s)
        ranks = np.concatenate([lo + 1, hi + 1, np.clip(r, 1, n), np.clip(s, 1, n)])
        where = np.concatenate([base] * 4) + ranks
        entries = np.unique(np.searchsorted(cum, where, side="left"))
        entries = entries[low[entries] != high[entries]]
    else:
        entries = np.zeros(0, dtype=np.int64)
    refined = None
    if entries.size:
        needed = usable.iloc[entries][[*keys, _BUCKET]].reset_index(drop=True)
        needed[_ENTRY] = entries.astype(np.int64)
        try:
            if engine == "duckdb":
                native = relation.query("__kpitools_rows", _duckdb_bucketed(
                    keys, per_second, (float(low[entries].min()), float(high[entries].max()))))
            else:
                native = (with_buckets(second).filter(nw.col(_STATUS) == _USABLE)
                          .select([*keys, _BUCKET, _VALUE]).to_native())
            refined = _count_in_buckets(native, engine, keys, needed)
        except Exception:  # noqa: BLE001 — a join this engine refuses: count every value
            return None
        if refined is None:
            return None
        got = np.bincount(refined[0], weights=refined[2], minlength=len(usable))
        if not np.array_equal(got[entries], count[entries]):
            return None
    keep = np.ones(len(usable), dtype=bool)
    keep[entries] = False
    parts = [usable.loc[keep, keys].assign(**{_STATUS: _USABLE, _VALUE: low[keep],
                                              _COUNT: count[keep]})]
    if refined is not None:
        entry, values, counts = refined
        part = usable.iloc[entry][keys].reset_index(drop=True)
        parts.append(part.assign(**{_STATUS: _USABLE, _VALUE: values.astype(float),
                                    _COUNT: counts.astype(np.int64)}))
    other = first.loc[st != _USABLE, [*keys, _STATUS, _COUNT]]
    parts.append(other.assign(**{_VALUE: np.nan}))
    out = pd.concat([p[[*keys, _STATUS, _VALUE, _COUNT]] for p in parts], ignore_index=True)
    for key in keys:  # concat of categoricals keeps their categories when they agree
        if out[key].dtype != first[key].dtype:
            out[key] = out[key].astype(first[key].dtype)
    return out


def _ranked_in_memory(frame: Any, keys: list[str], status: Any, seconds: Any, q: float,
                      level: float, alternative: str, strict: tuple[bool, bool]
                      ) -> tuple[bool, pd.DataFrame | _Coded | None]:
    """`_ranked_frequencies` of an in-memory frame (`kpitools.engines.memory`): the status
    and the integer duration computed eagerly, the group of every row from the keys'
    codes, and the values at the ranks read by `_rank_table` — the table of
    `_coded_frequencies` (the rows at the ranks, and the other statuses' counts).

    Returns ``(True, table)`` (``(True, None)`` when rows would raise: ``strict``), or
    ``(False, None)`` when it does not apply (rows not in memory, durations not integers,
    keys without codes here). The table is a `_Coded` one (in group order, with its codes:
    the groups are coded once, on one row each) unless two groups' key values coincide."""
    columns = {_STATUS: status, _VALUE: seconds}
    limit = memory.ranked_max_rows()
    eager = memory.fetched_coded(frame, keys, columns, max_rows=limit)
    fetched = (None if eager is not None
               else memory.fetched_by_group(frame, keys, columns, max_rows=limit))
    if eager is None:
        eager = (fetched[0] if fetched is not None
                 else memory.eager_columns(frame, keys, columns, max_rows=limit))
    if eager is None:
        return False, None
    # the durations as they are (zero-copy; a missing one's slot holds any integer: only
    # the usable rows, never missing, are read), the status in its own narrow integers
    values = memory.raw_integers(eager.get_column(_VALUE))
    st = memory.raw_integers(eager.get_column(_STATUS))
    if values is None or st is None or eager.get_column(_STATUS).null_count():
        return False, None
    if fetched is not None:  # a DuckDB table: the groups numbered by DuckDB
        names = fetched[1]
        n_groups = len(names)
        numbers = memory.raw_integers(eager.get_column(memory.GROUP))
        if numbers is None:
            return False, None
        group = numbers
    else:
        got = _in_memory_groups(frame, eager, keys)
        if got is None:
            return False, None
        group, names = got
        n_groups = len(names)
    usable = st == _USABLE
    unusable = ~usable
    other_st = st[unusable].astype(np.int64)
    if (strict[0] and np.any(other_st == _MISSING)) or (
            strict[1] and np.any(other_st == _NEGATIVE)):
        return True, None
    group_other = group[unusable]
    del st, unusable, eager
    use, at, counts, keep, per_status = _rank_table(
        values, group, group_other * 5 + other_st, n_groups, q, level, alternative, usable)
    del group, values, usable
    other_group, other_status = np.nonzero(per_status[:, 1:])
    take_used = np.repeat(use, keep.sum(axis=1))
    group_of_row = np.concatenate([take_used, other_group])
    statuses = np.concatenate([np.full(take_used.size, _USABLE, dtype=np.int64),
                               (other_status + 1).astype(np.int64)])
    values_of_row = np.concatenate([at[keep], np.full(other_group.size, np.nan)])
    counts_of_row = np.concatenate([counts[keep],
                                    per_status[other_group, other_status + 1]]).astype(np.int64)
    sorted_codes, groups = group_codes(names, keys)
    if len(groups) == n_groups:  # one group per row of names: the rows in group order
        code = np.asarray(sorted_codes, dtype=np.int64)[group_of_row]
        # by group, the usable rows (values ascending already) before the other statuses
        order = np.argsort(2 * code + (statuses != _USABLE), kind="stable")
        table = pd.DataFrame({
            **{k: groups[k].take(code[order]).reset_index(drop=True) for k in keys},
            _STATUS: statuses[order], _VALUE: values_of_row[order],
            _COUNT: counts_of_row[order]}, index=pd.RangeIndex(order.size))
        return True, _Coded(table, code[order].astype(sorted_codes.dtype), groups)
    out = pd.DataFrame({
        **{k: names[k].take(group_of_row).reset_index(drop=True) for k in keys},
        _STATUS: statuses, _VALUE: values_of_row, _COUNT: counts_of_row},
        index=pd.RangeIndex(group_of_row.size))
    for key in keys:
        if out[key].dtype != names[key].dtype:
            out[key] = out[key].astype(names[key].dtype)
    return True, out


def _in_memory_groups(frame: Any, eager: nw.DataFrame[Any], keys: list[str]
                      ) -> tuple[np.ndarray, pd.DataFrame] | None:
    """Each row's group (``0..G−1``, from the keys' codes: `memory.combined_codes`) and
    the G key combinations (one row of the frame each), or None when a key has no codes
    here."""
    if keys:
        got = memory.combined_codes(eager, keys)
        if got is None:
            return None
        combined, space = got
    else:
        combined, space = np.zeros(len(eager), dtype=np.int64), 1
    present = np.flatnonzero(np.bincount(combined, minlength=space))
    n_groups = present.size
    if keys:
        where = memory.any_rows(combined, space, present)
        names = memory.take_rows(eager.select(keys), where).to_pandas()
        names = names.reset_index(drop=True)
        _categoricals_as_values(eager, keys, names)
    else:
        names = pd.DataFrame(index=pd.RangeIndex(n_groups))
    if n_groups == space:  # every code occurs: the codes are the group numbers
        return combined, names
    number = np.zeros(space, dtype=np.int64)
    number[present] = np.arange(n_groups)
    return number[combined], names


def _arrow_key_dtypes(table: Any, keys: list[str]) -> dict[str, Any] | None:
    """The pandas dtypes Arrow gives the dictionary-encoded ``keys`` of ``table`` (their
    dictionary's order), for keys counted by Polars (whose Categoricals come in the order
    first seen); None when a key's chunks have different dictionaries (or ``table`` is no
    Arrow table): Arrow then counts the first pass itself."""
    import pyarrow as pa

    if not isinstance(table, pa.Table):
        return None
    out = {}
    for key in keys:
        column = table.column(key)
        if not pa.types.is_dictionary(column.type):
            continue
        chunks = column.chunks
        if not chunks or any(not c.dictionary.equals(chunks[0].dictionary) for c in chunks):
            return None
        out[key] = pa.table({key: chunks[0][:0]}).to_pandas()[key].dtype
    return out


#: Sampled rows per distinct group below which groups count as many (rows sampled: 1 %)
_FEW_PER_GROUP = 5
#: ... from this many sampled rows on (smaller frames: the buckets)
_MIN_SAMPLED = 2_000


def _rank_cuts(n: np.ndarray, q: float, level: float, alternative: str
               ) -> tuple[np.ndarray, np.ndarray]:
    """The ranks a group's frequency rows stand at, and the rows each stands for.

    Per group of ``n`` values: the two order statistics the type-7 estimate reads, the
    interval's two (clipped to 1..n) and ``n`` itself, sorted (shape (groups, 5), 1-based);
    ``counts`` are their differences, so that rows with those values and counts keep every
    needed order statistic of the group exact.
    """
    h = (n - 1) * q
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    r, s, _ = quantile_ci_ranks(n, q, confidence_level=level, alternative=alternative)
    r, s = np.atleast_1d(r), np.atleast_1d(s)
    ranks = np.sort(np.stack([lo + 1, hi + 1, np.clip(r, 1, n), np.clip(s, 1, n), n],
                             axis=1), axis=1)
    return ranks, np.diff(ranks, axis=1, prepend=0)


def _many_groups(relation: Any, keys: list[str], engine: str) -> bool:
    """Whether the groups hold few rows each (about 500 or fewer), judged on 1 % of the rows
    (every 100th row on Polars, a system sample on DuckDB): the buckets would then be
    nearly as many as the rows."""
    try:
        if engine == "polars":
            import polars as pl

            got = (relation.select(keys).gather_every(100)
                   .select(pl.len().alias("r"), pl.struct(keys).n_unique().alias("d"))
                   .collect())
            rows, distinct = int(got["r"][0]), int(got["d"][0])
        else:
            cols = ", ".join(_sql_name(k) for k in keys)
            got = relation.query("__kpitools_rows", (
                f"SELECT count(*), count(DISTINCT struct_pack({cols})) FROM __kpitools_rows "
                "USING SAMPLE 1 PERCENT (system)")).fetchall()[0]
            rows, distinct = int(got[0]), int(got[1])
    except Exception:  # noqa: BLE001 — no sample on this frame: the buckets
        return False
    return rows >= _MIN_SAMPLED and rows < _FEW_PER_GROUP * distinct


def _listed_frequencies(frame: Any, relation: Any, keys: list[str], engine: str, q: float,
                        level: float, alternative: str, strict: tuple[bool, bool]
                        ) -> pd.DataFrame | None:
    """`_ranked_frequencies` for many small groups: one ``GROUP BY`` (keys, status) with
    each group's values in order as a list (Polars ``sort``, DuckDB ``list(… ORDER BY …)``),
    and in Python, per group, the values at the ranks read — each an entry whose count is
    the number of ranks since the previous one, and the largest value with the rest. On a
    Polars frame of integer durations `_coded_frequencies` gives the same table without
    the lists (faster)."""
    import pyarrow as pa

    if engine == "polars" and engine_name(frame) == "polars":
        applies, coded = _coded_frequencies(relation, keys, q, level, alternative, strict)
        if applies:
            return coded
    if engine == "polars":
        import polars as pl

        table = (relation.group_by([*keys, _STATUS])
                 .agg(pl.len().alias(_COUNT), pl.col(_VALUE).sort().alias(_ENTRY))
                 .collect().to_arrow())
    else:
        cols = "".join(f"{_sql_name(k)}, " for k in keys)
        table = relation.query("__kpitools_rows", (
            f"SELECT {cols}{_STATUS}, count(*) AS {_COUNT}, "
            f"list({_VALUE} ORDER BY {_VALUE}) AS {_ENTRY} FROM __kpitools_rows "
            "GROUP BY ALL")).to_arrow_table()
    lists = table.column(_ENTRY).combine_chunks()
    first = nw.from_native(table.drop_columns([_ENTRY])).to_pandas().reset_index(drop=True)
    if engine_name(frame) == "polars":  # as frequency_table: Categoricals as plain values
        categoricals_as_values(first, keys, nw.from_native(frame).lazy().collect_schema())
    st = first[_STATUS].to_numpy(dtype=np.int64)
    if (strict[0] and np.any(st == _MISSING)) or (strict[1] and np.any(st == _NEGATIVE)):
        return None
    use = np.flatnonzero(st == _USABLE)
    n = first[_COUNT].to_numpy(dtype=np.int64)[use]
    offsets = np.asarray(pa.compute.list_value_length(lists).fill_null(0),
                         dtype=np.int64)
    start = (np.cumsum(offsets) - offsets)[use]
    values = np.asarray(pa.compute.list_flatten(lists).to_numpy(zero_copy_only=False),
                        dtype=float)
    if use.size and not np.isfinite(values[start + n - 1]).all():
        return None  # NaN / infinite durations (sorted last): the full table says so
    ranks, counts = _rank_cuts(n, q, level, alternative)
    at = values[start[:, None] + ranks - 1] if use.size else np.zeros((0, 5))
    keep = counts > 0
    row = np.repeat(use, keep.sum(axis=1))
    parts = [first.iloc[row][keys].reset_index(drop=True).assign(
                 **{_STATUS: _USABLE, _VALUE: at[keep], _COUNT: counts[keep]}),
             first.loc[st != _USABLE, [*keys, _STATUS, _COUNT]].assign(**{_VALUE: np.nan})]
    out = pd.concat([p[[*keys, _STATUS, _VALUE, _COUNT]] for p in parts], ignore_index=True)
    for key in keys:
        if out[key].dtype != first[key].dtype:
            out[key] = out[key].astype(first[key].dtype)
    return out


#: Largest physical Categorical code taken as a group number (beyond: the join)
_MAX_PHYSICAL = 1 << 24


def _coded_frequencies(relation: Any, keys: list[str], q: float, level: float,
                       alternative: str, strict: tuple[bool, bool]
                       ) -> tuple[bool, pd.DataFrame | None]:
    """`_listed_frequencies` on a Polars frame without lists: Polars gives every row its
    group's number (the physical code of a single Categorical key, else a join to the
    distinct key combinations) beside the status and the integer duration; NumPy counts
    the rows per group and status and reads the values at the ranks (`_rank_table`).
    The table is the one the lists give (same keys, statuses, values and counts).

    Returns ``(True, table)`` (``(True, None)`` when rows would raise: ``strict``), or
    ``(False, None)`` when the durations are not integers or the codes do not fit (then
    the lists)."""
    import polars as pl

    schema = relation.collect_schema()
    if not schema[_VALUE].is_integer():
        return False, None
    group = "__kpitools_group"
    usable = pl.col(_STATUS) == _USABLE
    if len(keys) == 1 and isinstance(schema[keys[0]], (pl.Categorical, pl.Enum)):
        # the physical codes are the group numbers (0: missing key), with gaps when sparse
        key = keys[0]
        code = (pl.col(key).to_physical().cast(pl.Int64).fill_null(-1) + 1).alias(group)
        distinct = relation.select(pl.col(key).unique()).collect()
        codes_of = distinct.select(code).to_series().to_numpy()
        n_groups = int(codes_of.max(initial=0)) + 1
        if n_groups > max(_MAX_PHYSICAL, 4 * codes_of.size):
            return False, None
        number = np.full(n_groups, -1, dtype=np.int64)
        number[codes_of] = np.arange(codes_of.size)  # group → row of `distinct`
    else:
        distinct = relation.select(keys).unique().collect()
        n_groups = distinct.height
        number = np.arange(n_groups)
        numbered = distinct.with_row_index(group).with_columns(pl.col(group).cast(pl.Int64))
        relation = relation.join(numbered.lazy(), on=keys, how="inner", nulls_equal=True)
        code = pl.col(group)
    used, other = pl.collect_all([
        relation.filter(usable).select(code, pl.col(_VALUE).cast(pl.Int64)),
        relation.filter(~usable).select(code, pl.col(_STATUS).cast(pl.Int64))])
    st = other[_STATUS].to_numpy()
    if (strict[0] and np.any(st == _MISSING)) or (strict[1] and np.any(st == _NEGATIVE)):
        return True, None
    codes_used, codes_other = used[group].to_numpy(), other[group].to_numpy()
    x = used[_VALUE].to_numpy()
    if max(codes_used.max(initial=0), codes_other.max(initial=0)) >= n_groups:
        return False, None  # a code not among the distinct keys read before
    use, at, counts, keep, per_status = _rank_table(
        x, codes_used, codes_other * 5 + st, n_groups, q, level, alternative)
    names = nw.from_native(distinct.to_arrow()).to_pandas().reset_index(drop=True)
    for key in keys:  # as frequency_table: Categoricals as plain values
        if isinstance(schema[key], pl.Categorical):
            names[key] = names[key].astype(object)
    other_group, other_status = np.nonzero(per_status[:, 1:])
    parts = [names.iloc[number[np.repeat(use, keep.sum(axis=1))]].reset_index(drop=True).assign(
                 **{_STATUS: _USABLE, _VALUE: at[keep], _COUNT: counts[keep]}),
             names.iloc[number[other_group]].reset_index(drop=True).assign(
                 **{_STATUS: other_status + 1, _VALUE: np.nan,
                    _COUNT: per_status[other_group, other_status + 1]})]
    out = pd.concat([p[[*keys, _STATUS, _VALUE, _COUNT]] for p in parts], ignore_index=True)
    for key in keys:
        if out[key].dtype != names[key].dtype:
            out[key] = out[key].astype(names[key].dtype)
    return True, out


def _rank_table(x: np.ndarray, codes_used: np.ndarray, status_cells: np.ndarray,
                n_groups: int, q: float, level: float, alternative: str,
                usable: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rank-exact table of `_ranked_frequencies` from NumPy columns: ``x`` the usable
    durations (group ``codes_used``), ``status_cells`` group × 5 + status of the other rows.
    With ``usable`` (a mask), ``x`` and ``codes_used`` are every row's and only the rows
    of ``usable`` are read (no filtered copies).

    The values at the ranks come from the cells of
    `kpitools.stats.quantiles.tick_cells` (group × bucket, counted in blocks; only the
    cells holding a rank are ordered) — the kernel of ``kt.summarize`` on pandas — or,
    past its groups, `_values_at_ranks`.

    Returns the groups with usable rows (``use``), the values at their rank cuts (``at``),
    the rows each cut stands for (``counts``; ``keep`` where there are any) and the rows per
    group and status (``per_status``, shape ``(n_groups, 5)``).
    """
    per_status = np.bincount(status_cells, minlength=5 * n_groups).reshape(n_groups, 5)
    ticks = x.astype(np.int64, copy=False)
    cells = tick_cells(ticks, usable if usable is not None
                       else np.ones(ticks.size, dtype=bool), codes_used, n_groups)
    if cells is None:
        if usable is not None:
            x, codes_used = x[usable], codes_used[usable]
        n_all = np.bincount(codes_used, minlength=n_groups)
    else:
        n_all = cells.n
    use = np.flatnonzero(n_all > 0)
    ranks, counts = _rank_cuts(n_all[use], q, level, alternative)
    at: np.ndarray
    if not use.size:
        at = np.zeros((0, 5))
    elif cells is not None:
        pos = (np.cumsum(n_all) - n_all)[use][:, None] + ranks - 1
        at = ticks_at_positions(ticks, cells, pos.ravel()).astype(float).reshape(ranks.shape)
    else:
        at = _values_at_ranks(x, codes_used, n_all, use, ranks - 1).astype(float)
    return use, at, counts, counts > 0, per_status


def _values_at_ranks(x: np.ndarray, codes: np.ndarray, n: np.ndarray, use: np.ndarray,
                     ranks: np.ndarray) -> np.ndarray:
    """The values of integers ``x`` (group ``codes``; ``n`` per group) at the 0-based
    ``ranks`` (one row per group of ``use``) in their group's ascending order, from one
    sort by (group, value): the fallback of `_rank_table` past the groups of
    `kpitools.stats.quantiles.tick_cells` (millions of groups, a few rows each)."""
    ordered = x[np.lexsort((x, codes))]
    return ordered[(np.cumsum(n) - n)[use][:, None] + ranks]


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _duckdb_bucket(per_second: float) -> str:
    """The bucket of `_ranked_frequencies` in DuckDB SQL, 0–255 (the last one holds every
    duration from e³² seconds on; NULL for NaN: that pass gives up)."""
    return (f"least(TRY_CAST(floor(ln(1.0 + greatest({_VALUE}, 0) / {float(per_second)!r}) "
            f"* {_BUCKETS_PER_E}) AS INTEGER), 255)")


def _duckdb_bucketed(keys: list[str], per_second: float, between: tuple[float, float]
                     ) -> str:
    """SQL over ``__kpitools_rows`` (keys, status, value): the usable rows' keys, bucket
    and value, of the values ``between`` (the needed buckets' smallest and largest: the
    other rows skip the logarithm and the join)."""
    cols = ", ".join(_sql_name(k) for k in keys)
    return (f"SELECT {cols + ', ' if keys else ''}{_duckdb_bucket(per_second)} AS {_BUCKET}, "
            f"{_VALUE} FROM __kpitools_rows WHERE {_VALUE} BETWEEN {between[0]!r} AND "
            f"{between[1]!r} AND {_STATUS} = {_USABLE}")


def _duckdb_buckets(relation: Any, keys: list[str], per_second: float
                    ) -> pd.DataFrame | None:
    """The first pass of `_ranked_frequencies` on a DuckDB relation of (keys, status,
    value): per keys, status and bucket the count, smallest and largest value; None when
    DuckDB refuses the query."""
    cols = "".join(f"{_sql_name(k)}, " for k in keys)
    # status and bucket as one small integer key: a cheaper hash aggregate
    sql = (f"SELECT {cols}({_STATUS}::INTEGER * 256 + {_duckdb_bucket(per_second)})"
           f"::USMALLINT AS {_BUCKET}, count(*) AS {_COUNT}, min({_VALUE}) AS {_MIN}, "
           f"max({_VALUE}) AS {_MAX} FROM __kpitools_rows GROUP BY ALL")
    try:
        table = relation.query("__kpitools_rows", sql).to_arrow_table()
    except Exception:  # noqa: BLE001 — a type DuckDB cannot bucket: count every value
        return None
    first = table.to_pandas().reset_index(drop=True)
    both = first.pop(_BUCKET).to_numpy()
    if pd.isna(both).any():  # NaN durations: no bucket
        return None
    both = both.astype(np.int64)
    first.insert(len(keys), _STATUS, both // 256)
    first.insert(len(keys) + 1, _BUCKET, both % 256)
    return first


def _count_in_buckets(native: Any, engine: str, keys: list[str], needed: pd.DataFrame
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(entry, value, count)`` of the rows in the buckets of ``needed`` (its keys,
    bucket and entry number), counted by the engine: a join to the small table (missing
    keys equal to missing keys), then ``GROUP BY entry, value``."""
    if engine == "polars":
        import polars as pl

        schema = native.collect_schema()
        small = pl.from_pandas(needed).with_columns(
            [pl.col(k).cast(schema[k]) for k in keys] + [pl.col(_BUCKET).cast(pl.Int64)])
        res = (native.join(small.lazy(), on=[*keys, _BUCKET], how="inner", nulls_equal=True)
               .group_by([_ENTRY, _VALUE]).agg(pl.len().alias(_COUNT)).collect())
        return (res[_ENTRY].to_numpy().astype(np.int64), res[_VALUE].to_numpy(),
                res[_COUNT].to_numpy().astype(np.int64))
    if engine == "duckdb":
        import pyarrow as pa

        kpitools_needed = pa.Table.from_pandas(needed, preserve_index=False)  # noqa: F841

        def q(name: str) -> str:
            return '"' + name.replace('"', '""') + '"'
        on = " AND ".join([f"t.{q(k)} IS NOT DISTINCT FROM n.{q(k)}" for k in keys]
                          + [f"t.{_BUCKET} = n.{_BUCKET}"])
        sql = (f"SELECT n.{_ENTRY} AS e, t.{_VALUE} AS v, count(*) AS c "
               f"FROM __kpitools_rows t JOIN kpitools_needed n ON {on} GROUP BY ALL")
        res = native.query("__kpitools_rows", sql).fetchnumpy()
        return (np.asarray(res["e"], dtype=np.int64), np.asarray(res["v"]),
                np.asarray(res["c"], dtype=np.int64))
    if engine == "pyspark":
        from pyspark.sql import functions as F  # noqa: N812

        renamed = {k: f"__kpitools_key{i}" for i, k in enumerate(keys)}
        small = native.sparkSession.createDataFrame(needed.rename(columns=renamed)
                                                    .astype({v: object for v in
                                                             renamed.values()}))
        for k, alias in renamed.items():
            small = small.withColumn(alias, F.col(alias).cast(native.schema[k].dataType))
        cond = [native[k].eqNullSafe(small[alias]) for k, alias in renamed.items()]
        cond.append(native[_BUCKET] == small[_BUCKET])
        res = (native.join(F.broadcast(small), on=cond, how="inner")
               .groupBy(small[_ENTRY], native[_VALUE]).count().toPandas())
        return (res[_ENTRY].to_numpy(dtype=np.int64), res[_VALUE].to_numpy(dtype=float),
                res["count"].to_numpy(dtype=np.int64))
    return None


def _by_group_and_value(codes: np.ndarray, raw: np.ndarray) -> np.ndarray | None:
    """Order by (group, value) with one sort of an int64 key when the values are whole
    numbers (microseconds, seconds) and the key fits; None otherwise (sorted later)."""
    ok = ~np.isnan(raw)
    if not ok.any() or not np.all(raw[ok] == np.floor(raw[ok])):
        return None
    lo, hi = float(raw[ok].min()), float(raw[ok].max())
    span = hi - lo + 2.0  # one more slot for missing values, sorted last in their group
    if (codes.max(initial=0) + 1) * span >= 2.0**62:
        return None
    v = np.where(ok, raw - lo, span - 1.0).astype(np.int64)
    return np.argsort(codes.astype(np.int64) * int(span) + v)


# ---------------------------------------------------------------------------- the KPIs


def summarize(frame: Any, kpi: str = "nps", value: str | None = None,
              by: str | Sequence[str] | None = None, *, confidence_level: float = 0.95,
              method: str | None = None, alternative: str | None = None,
              missing: str | None = None, weight: str | None = None,
              **options: Any) -> pd.DataFrame:
    """`kpitools.summarize` on any engine: sufficient statistics there, the KPI here.

    Parameters and result as `kpitools.summarize` (``by`` columns, then ``kpi, estimate,
    ci_low, ci_high, confidence_level, method, unit, n, n_excluded``), for the KPIs in
    `ENGINE_KPIS`. The intervals are the KPI's own: the NPS interval of
    `kpitools.kpis.survey.nps.nps_columns`, the proportion interval of
    `kpitools.kpis.common.proportion_columns` (Wilson by default [Wilson27]_), Student's t
    for means, and the order-statistic interval of a quantile [Conover99]_ from the
    frequency table (`kpitools.stats.frequency.frequency_quantile_ci`).

    ``attrs["excluded"]`` lists the excluded values (``row`` is empty: an engine's rows are
    not numbered; the reason says how many rows), ``attrs["engine"]`` names the engine.
    ``weight`` names a column of frequency weights (`WEIGHT_KPIS`; `sufficient_statistics`).

    References
    ----------
    .. [Wilson27] Wilson EB (1927). J Am Stat Assoc 22:209–212.
    .. [Conover99] Conover WJ (1999). Practical Nonparametric Statistics, 3rd ed. Wiley.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"team": ["a"] * 12 + ["b"] * 12,
    ...                    "score": [10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9] * 2})
    >>> summarize(df.lazy(), kpi="nps", value="score", by="team")[["team", "estimate", "n"]]
      team   estimate   n
    0    a  33.333333  12
    1    b  33.333333  12
    """
    level = check_confidence_level(confidence_level)
    kwargs = dict(options)
    if method is not None:
        kwargs["method"] = method
    if alternative is not None:
        kwargs["alternative"] = check_alternative(alternative)
    if missing is not None:
        kwargs["missing"] = check_choice("missing", missing, ("exclude", "raise"))
    stats = sufficient_statistics(frame, kpi, value, by, confidence_level=level,
                                  frequencies="ranks", weight=weight, **kwargs)
    table = statistics_table(stats, confidence_level=level,
                             alternative=kwargs.get("alternative", "two-sided"))
    _warn_small_groups(table, stats.keys, kpi)
    return table


def statistics_table(stats: SufficientStatistics, *, confidence_level: float = 0.95,
                     alternative: str = "two-sided") -> pd.DataFrame:
    """The KPI table (``keys`` then `ESTIMATE_COLUMNS`) from sufficient statistics."""
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    d, gr = stats.details, stats.groups
    method, n_excluded = d["method"], gr["n_excluded"].to_numpy()
    if stats.family == "nps":
        n, est, low, high = nps_columns(gr["promoters"].to_numpy(), gr["passives"].to_numpy(),
                                        gr["detractors"].to_numpy(), confidence_level=level,
                                        method=method, alternative=alternative)
    elif stats.family == "proportion":
        n = gr["trials"].to_numpy()
        est, low, high = proportion_columns(gr["successes"].to_numpy(), n,
                                            confidence_level=level, method=method,
                                            alternative=alternative)
    elif stats.family == "mean":
        n, est = gr["n"].to_numpy(), gr["mean"].to_numpy(dtype=float)
        low, high = grouped_t_interval(n, est, gr["m2"].to_numpy(dtype=float),
                                       confidence_level=level, alternative=alternative,
                                       scale=d["scale"])
    elif stats.family == "rate":
        n, est, low, high = rate_columns(gr, d, confidence_level=level, alternative=alternative)
    elif stats.family in ("customers", "agents"):
        columns_of = customer_columns if stats.family == "customers" else agent_columns
        cc = columns_of(stats, confidence_level=level, alternative=alternative)
        n, est, low, high = cc["n"], cc["estimate"], cc["ci_low"], cc["ci_high"]
        method, n_excluded = cc["method"], cc["n_excluded"]
    else:
        exact = d.get("exact_for")
        if exact is not None and exact != (d["q"], level, alternative):
            raise ValueError(f"these statistics are exact for the q={exact[0]:g} quantile "
                             f"and its interval at confidence_level={exact[1]:g}, "
                             f"alternative={exact[2]!r} only (frequencies='ranks'); "
                             "compute them again for another level")
        fr = stats.frequencies
        res = frequency_quantile_ci(fr["value"].to_numpy(dtype=float) / d["factor"],
                                    fr["count"].to_numpy(), fr["group"].to_numpy(), len(gr),
                                    d["q"],
                                    confidence_level=level, alternative=alternative,
                                    bottom=0.0)
        n, est, low, high = res.n, res.estimate, res.low, res.high
    values = {"kpi": d["label"], "estimate": est, "ci_low": low, "ci_high": high,
              "confidence_level": level, "method": method, "unit": d["unit"],
              "n": np.asarray(n).astype(np.int64), "n_excluded": n_excluded}
    # the text columns built as text arrays from one row on (pandas' broadcast of a text
    # takes each row through a generic take: ~0.1 ms a column at 400 groups)
    table = pd.DataFrame({**{k: gr[k].reset_index(drop=True) for k in stats.keys},
                          **{name: constant_text(values[name], len(gr), min_rows=1)
                             for name in ESTIMATE_COLUMNS}},
                         index=pd.RangeIndex(len(gr)))
    ex = stats.excluded
    if len(ex):
        weight = d.get("weight")
        what = "row" if weight is None else "answer"
        by = "" if weight is None else f" weighted by {weight!r}"
        listed = pd.DataFrame({
            "row": pd.Series([None] * len(ex), dtype=object),
            "column": ex["column"].to_numpy(dtype=object),
            "value": ex["value"].to_numpy(dtype=object),
            "reason": [f"{r} ({c} {what}{'s' if c != 1 else ''}{by} on {stats.engine})"
                       for r, c in zip(ex["reason"], ex["count"], strict=True)]})
        table.attrs["excluded"] = as_excluded_rows(listed)
    else:
        table.attrs["excluded"] = empty_excluded()
    table.attrs["engine"] = stats.engine
    if d.get("notes"):
        table.attrs["notes"] = list(d["notes"])
    return table


def aggregated_table(frame: Any, kpi: str = "nps", value: str | None = None,
                     by: str | Sequence[str] | None = None, **options: Any
                     ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Counts per group computed by the engine, as aggregated input of `kpitools.compare`.

    For the count families (``"nps"``: promoters, passives, detractors; ``"proportion"``:
    successes, trials) of the KPIs that take aggregated input (``catalogue()
    ["aggregated_input"]``: nps, enps, csat, yes_share — not ces) the counts are all a
    comparison needs: ``kt.compare(table,
    kpi=kpi, group=..., counts=counts)`` gives the comparison of the rows (Newcombe's
    interval and the z / Fisher test, the NPS interval and z test), with the KPI's row-level
    options (``scale``, ``positive``, ``variant``, ...) applied here on the engine.

    Returns
    -------
    table : DataFrame
        The ``by`` columns and the counts, one row per group.
    counts : dict
        Role → column, the ``counts=`` argument.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"q": ["Q1"] * 3 + ["Q2"] * 3, "score": [10, 9, 3, 10, 10, 8]})
    >>> table, counts = aggregated_table(df.lazy(), kpi="nps", value="score", by="q")
    >>> table.to_dict("list")
    {'q': ['Q1', 'Q2'], 'promoters': [2, 2], 'passives': [0, 1], 'detractors': [1, 0]}
    """
    stats = sufficient_statistics(frame, kpi, value, by, **options)
    roles = {"nps": ("promoters", "passives", "detractors"),
             "proportion": ("successes", "trials")}.get(stats.family)
    if roles is None:
        raise TypeError(f"kpi={kpi!r} ({stats.family}) is not a count KPI: its comparison "
                        "needs the values (kpitools.engines.summarize computes its summary)")
    table = stats.groups[[*stats.keys, *roles]].reset_index(drop=True)
    return table, {r: r for r in roles}


def _warn_small_groups(table: pd.DataFrame, keys: list[str], kpi: str) -> None:
    """`kpitools.summarize`'s small-sample warning: the first five small groups named."""
    n = table["n"].to_numpy()
    where = np.flatnonzero((n > 0) & (n < SMALL_SAMPLE_N))
    if where.size:
        shown = table[keys].iloc[where[:5]] if keys else None
        names = ", ".join("/".join(str(v) for v in row)
                          for row in shown.itertuples(index=False)
                          ) if shown is not None else "all rows"
        if where.size > 5:
            names = f"first: {names} and {where.size - 5:,} more"
        warnings.warn(f"{kpi}: {where.size:,} group(s) have fewer than {SMALL_SAMPLE_N} "
                      f"observations ({names}); their intervals are unreliable",
                      SmallSampleWarning, stacklevel=3)
