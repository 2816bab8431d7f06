"""The backlog — tickets open at a moment — on any engine: each kind of row once.

``backlog`` counts the tickets open at ``at`` (``created_at ≤ at < resolved_at``; an
unresolved ticket stays open), by default at each group's latest creation time, with a
Poisson interval of the count (exposure 1). Whether a ticket is open, or left out (a
missing creation time, a resolution before the creation), is decided by its two timestamps
alone, so each row gets a *signature*, as in `kpitools.engines.outcomes`: is each timestamp
missing, is the resolution before the creation, and is each timestamp at or before ``at``.
For the default moment the engine first gives each row its group's latest creation time (a
window maximum over the ``by`` columns) and asks whether the resolution is at or before it
(every creation is); that moment is constant within a group, so the engine also groups by
it and the representative rows carry it. The engine returns one row per group and
signature with its number of rows and the smallest creation and resolution time there;
those times answer every question as each row of the signature does, so the KPI's own code
(`kpitools.kpis.operations.backlog_rows` and its ``open_at``, which
`kpitools.kpis.operations.backlog` and the pandas KPI use) decides the representative rows —
same exclusions and reasons, same refusals — and the open tickets are summed with the
numbers of rows as weights. The estimate, its interval and the comparisons (the rate ratio
of two counts, `kpitools.engines.outcomes.rate_definition`) come from the counts, as on
pandas.

Time zones are read as pandas reads them: time-zone-aware timestamps are compared as
instants, a naive ``at`` against aware timestamps as a UTC time, an aware ``at`` against
naive ones as its UTC time; an aware column next to a naive one is refused
(`kpitools.tables.events.align_time_zones`). Spark's timestamps are instants shown in the
session's time zone: a naive ``at`` is a time there, an aware one an instant. Dates without
times count as their midnights. ``at`` is taken to the microsecond (the engines' literals).

Ticket ids are not read (pandas does not read them either: a repeated id counts as often as
it appears). Text timestamps and ``timestamp_format`` are refused: parse them on the engine
first, or collect the frame to pandas.

>>> import polars as pl
>>> df = pl.DataFrame({"team": ["a", "a", "a", "b"],
...                    "created_at": pl.Series(["2026-07-01 09:00", "2026-07-01 10:00",
...                                             "2026-07-02 08:00", "2026-07-01 12:00"]
...                                            ).str.to_datetime(),
...                    "resolved_at": pl.Series(["2026-07-01 11:00", None,
...                                              "2026-07-02 09:00", None]).str.to_datetime()})
>>> stats = backlog_statistics(df, "backlog", None, ["team"], df.columns,
...                            {"at": "2026-07-01 12:00"})
>>> stats.groups[["team", "n", "exposure", "n_excluded"]]
  team  n  exposure  n_excluded
0    a  1       1.0           0
1    b  1       1.0           0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import narwhals as nw
import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.validation import check_choice
from kpitools.engines.frames import SPARK_LIKE, as_lazy, engine_name
from kpitools.engines.outcomes import (
    _COUNT,
    _excluded,
    _probe_table,
    _question,
    _reraise,
    _Signature,
    _split,
)
from kpitools.kpis.common import no_value
from kpitools.kpis.operations import BacklogRows, backlog_rows
from kpitools.kpis.volume import POISSON_METHODS
from kpitools.tables.columns import require_columns, resolve_columns
from kpitools.tables.events import align_time_zones
from kpitools.tables.keys import group_codes

if TYPE_CHECKING:
    from kpitools.engines.statistics import SufficientStatistics

__all__ = ["BACKLOG", "backlog_statistics"]

#: The KPI computed here.
BACKLOG = "backlog"

#: The grouped column holding each group's latest creation time (the default ``at``).
_LATEST = "__kpitools_latest"


def _check_kinds(sig: _Signature, frame: Any, created: str, resolved: str) -> None:
    """Both columns timestamps (or both dates), not text, durations or a mix; an aware
    column next to a naive one refused as pandas refuses it (not on Spark, whose
    timestamps are all shown in the session's zone)."""
    kinds = {}
    for column in (created, resolved):
        sig.timestamp(column, BACKLOG)  # text refused, with what to do
        dtype = sig.schema[column]
        if dtype != nw.Datetime and dtype != nw.Date:
            raise TypeError(f"column {column!r} is {dtype} on a {engine_name(frame)} frame; "
                            f"kpi={BACKLOG!r} needs timestamps (or dates) there")
        kinds[column] = "date" if dtype == nw.Date else "timestamp"
    if kinds[created] != kinds[resolved]:
        raise TypeError(f"kpi={BACKLOG!r} on a {engine_name(frame)} frame: {created!r} holds "
                        f"{kinds[created]}s and {resolved!r} {kinds[resolved]}s; cast one "
                        "on the engine so that both hold the same kind")
    if engine_name(frame) in SPARK_LIKE:
        return
    empty = {column: pd.Series([], dtype="datetime64[ns]" if _zone(sig, column) is None
                               else "datetime64[ns, UTC]") for column in (created, resolved)}
    align_time_zones(empty)  # an aware column next to a naive one: pandas' error


def _zone(sig: _Signature, column: str) -> str | None:
    return getattr(sig.schema[column], "time_zone", None)


def _resolved(sig: _Signature, frame: Any, created: str, resolved: str) -> Any:
    """The resolution times, comparable with the creation times on the engine (Polars
    compares timestamps of one time zone only)."""
    zone_c, zone_r = _zone(sig, created), _zone(sig, resolved)
    if engine_name(frame) in SPARK_LIKE or zone_c is None or zone_c == zone_r:
        return nw.col(resolved)
    return nw.col(resolved).dt.convert_time_zone(zone_c)


def _moment(sig: _Signature, frame: Any, columns: tuple[str, str], stamp: pd.Timestamp
            ) -> pd.Timestamp:
    """``stamp`` as the pandas code reads it against the representative rows: to the
    microsecond (the engines' literals); on Spark, whose timestamps are instants shown in
    the session's zone and whose representative rows come back naive in it
    (`kpitools.engines.outcomes._probe_table`), an aware moment as the naive time there."""
    zones = [z for z in (_zone(sig, c) for c in columns) if z is not None]
    here = stamp.floor("us")
    if engine_name(frame) in SPARK_LIKE and zones and here.tzinfo is not None:
        here = here.tz_convert(zones[0]).tz_localize(None)
    return here


def _literal(sig: _Signature, frame: Any, column: str, moment: pd.Timestamp) -> Any:
    """The moment (from `_moment`) as a literal comparable with ``column`` on the engine,
    as pandas compares them: against time-zone-aware timestamps a naive moment is a UTC
    time (on Spark a time in the session's zone), against naive ones an aware moment is its
    UTC time; against dates the moment's date (a date counts as its midnight)."""
    zone = _zone(sig, column)
    if zone is not None and moment.tzinfo is None:
        here = moment.tz_localize(zone if engine_name(frame) in SPARK_LIKE else "UTC"
                                  ).tz_convert(zone)
    elif zone is not None:
        here = moment.tz_convert(zone)
    else:
        here = (moment.tz_convert("UTC").tz_localize(None) if moment.tzinfo is not None
                else moment)
    if sig.schema[column] == nw.Date:
        return here.date()
    return here.to_pydatetime()


def _partitions(frame: Any, keys: list[str]) -> tuple[Any, list[str]]:
    """The frame and the columns its windows partition by: the keys, except PyArrow's
    dictionary-encoded keys, copied as text (Narwhals' PyArrow window leaves out their
    missing values); the keys themselves are still grouped by, in their own order."""
    if engine_name(frame) != "pyarrow" or not keys:
        return frame, keys
    eager = nw.from_native(frame, eager_only=True)
    schema = eager.collect_schema()
    copies = {f"__kpitools_part{i}": nw.col(k).cast(nw.String()) for i, k in enumerate(keys)
              if schema[k] in (nw.Categorical, nw.Enum)}
    if not copies:
        return frame, keys
    names = iter(copies)
    parts = [next(names) if schema[k] in (nw.Categorical, nw.Enum) else k for k in keys]
    return eager.with_columns(**copies).to_native(), parts


def _latest(frame: Any, column: str, partitions: list[str]) -> Any:
    """Each row's group's latest creation time, on the engine: a window maximum over the
    groups; over the whole table a broadcast maximum (Spark: a first small query and a
    literal, to keep the rows spread over the executors)."""
    if partitions:
        return nw.col(column).max().over(*partitions)
    if engine_name(frame) not in SPARK_LIKE:
        return nw.col(column).max()
    latest = as_lazy(frame).select(nw.col(column).max()).collect().to_pandas().iloc[0, 0]
    return None if pd.isna(latest) else pd.Timestamp(latest)


def _as_times(sig: _Signature, values: pd.Series, column: str) -> pd.Series:
    """Times of ``column`` brought back to pandas as the pandas code reads them: dates as
    their midnights, Spark's instants naive in the session's zone."""
    zone = _zone(sig, column)
    if sig.schema[column] == nw.Date:
        return pd.to_datetime(values.astype(object))
    if engine_name(sig.frame) in SPARK_LIKE and zone is not None and \
            getattr(values.dt, "tz", None) is not None:
        return values.dt.tz_convert(zone).dt.tz_localize(None)
    return values


def _ask_about_the_moment(sig: _Signature, frame: Any, created: str, resolved: str,
                          resolution: Any, at: Any, partitions: list[str]
                          ) -> pd.Timestamp | None:
    """Ask each row about the moment: is each timestamp at or before ``at`` — or, without
    ``at``, is the resolution at or before the group's latest creation (every creation is),
    that moment grouped by (``_LATEST``: constant within a group). Returns the moment as
    the pandas code reads it against the representative rows (NaT: after every time, the
    columns' missing values answer), or None for each group's own."""
    if at is None:
        latest = _latest(frame, created, partitions)
        if not isinstance(latest, pd.Timestamp | None):
            sig.groups[_LATEST] = latest
            sig.ask(_question(resolution <= latest))
            return None
        at = pd.NaT if latest is None else latest  # Spark, no keys: the table's latest
    stamp = BacklogRows.moment(at)  # as the pandas KPI reads it
    if pd.isna(stamp):
        return stamp
    moment = _moment(sig, frame, (created, resolved), stamp)
    for column in (created, resolved):
        sig.ask(_question(nw.col(column) <= nw.lit(_literal(sig, frame, column, moment))))
    return moment


def backlog_statistics(frame: Any, kpi: str, value: str | None, keys: list[str],
                       names: list[str], options: Mapping[str, Any]
                       ) -> SufficientStatistics:
    """`kpitools.engines.statistics.SufficientStatistics` of ``backlog``: family
    ``"rate"``, each group's open tickets (``n``) with exposure 1.

    Parameters
    ----------
    frame : Polars (eager or lazy), PyArrow, DuckDB, PySpark (or pandas) frame
    kpi : str
        ``"backlog"``.
    value : None
        The KPI reads its columns by role (``columns={"created_at": ..., ...}``).
    keys, names : list of str
        The ``by`` columns and the frame's columns.
    options : mapping
        ``at`` (one moment; default: each group's latest creation time), ``columns``,
        ``invalid``, ``missing``, ``method`` (Poisson, default ``"exact"``),
        ``alternative``.

    Raises
    ------
    TypeError
        Text timestamps, ``timestamp_format``, columns that are neither timestamps nor
        dates (or one of each), ``at`` given as several moments.
    DataValidationError
        What `kpitools.kpis.operations.backlog_rows` refuses (a resolution before the
        creation with ``invalid="raise"``, a missing creation with ``missing="raise"``,
        an aware column next to a naive one), with the numbers of the engine's rows.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from datetime import datetime
    >>> t = pa.table({"created_at": [datetime(2026, 7, 1, 9), datetime(2026, 7, 1, 10),
    ...                              datetime(2026, 7, 1, 11)],
    ...               "resolved_at": [datetime(2026, 7, 1, 10, 30), datetime(2026, 7, 1, 9),
    ...                               None]})
    >>> stats = backlog_statistics(t, "backlog", None, [], t.column_names,
    ...                            {"invalid": "exclude"})
    >>> int(stats.groups["n"].iloc[0]), int(stats.groups["n_excluded"].iloc[0])
    (1, 1)
    """
    from kpitools.engines.statistics import SufficientStatistics  # noqa: F811 (at run time)

    no_value(kpi, value)
    engine = engine_name(frame)
    rows, _ = _split(options)
    method = options.get("method") or "exact"
    check_choice("method", method, POISSON_METHODS)
    if rows.pop("timestamp_format", None) is not None:
        raise TypeError(f"kpi={kpi!r}, timestamp_format= on a {engine} frame: it parses text "
                        "timestamps in pandas; parse them on the engine first (or collect "
                        "the frame to pandas)")
    at = rows.pop("at", None)
    if at is not None:  # several moments refused as pandas refuses them, before any query
        at = BacklogRows.moment(at)
    cols = resolve_columns("tickets", rows.get("columns"))
    require_columns(pd.DataFrame(columns=names), cols, ["created_at", "resolved_at"])
    c_col, r_col = cols["created_at"], cols["resolved_at"]
    partitions = keys
    if at is None:
        frame, partitions = _partitions(frame, keys)
        names = [*names, *(p for p in partitions if p not in names)]
    sig = _Signature(frame, names)
    _check_kinds(sig, frame, c_col, r_col)
    resolved = _resolved(sig, frame, c_col, r_col)
    sig.ask(_question(resolved < nw.col(c_col)))
    moment = _ask_about_the_moment(sig, frame, c_col, r_col, resolved, at, partitions)
    table = sig.table(keys)
    probe = _probe_table(sig, table)
    for column in (c_col, r_col):
        probe[column] = _as_times(sig, probe[column], column)
    counts = table[_COUNT].to_numpy(dtype=np.int64)
    try:
        decided = backlog_rows(probe, **rows)
        is_open = (decided.open_at(moment) if moment is not None else decided.open_at_each(
            _as_times(sig, table[_LATEST], c_col).reset_index(drop=True)))
    except DataValidationError as err:
        _reraise(err, counts, engine)
        raise
    issues = decided.issues
    success = np.where(issues.mask, np.nan, is_open.astype(float))
    codes, groups = group_codes(table, keys)
    g = len(groups)
    used = ~np.isnan(success)
    w = counts.astype(float)
    k = np.bincount(codes[used], weights=w[used] * success[used], minlength=g)
    n_excl = np.bincount(codes[issues.mask], weights=w[issues.mask], minlength=g)
    out = groups.reset_index(drop=True).copy()
    out["n"] = np.rint(k).astype(np.int64)
    out["exposure"] = np.ones(g)
    out["n_excluded"] = np.rint(n_excl).astype(np.int64)
    out["rows"] = np.bincount(codes, weights=w, minlength=g).astype(np.int64)  # all of them
    frequencies = table.loc[used, keys].reset_index(drop=True)
    frequencies["group"] = codes[used]
    frequencies["value"] = success[used]
    frequencies["count"] = counts[used]
    details: dict[str, Any] = {"label": kpi, "method": method, "unit": "count",
                               "exposure": 1.0, "at": None if moment is None else str(moment)}
    return SufficientStatistics(kpi, "rate", keys, out, frequencies,
                                _excluded(issues.excluded(), counts, sig), engine, details)
