"""Next issue avoidance on any engine: each contact's follow-up found by a window there.

``nia`` asks of each contact whether the same customer made a further contact within
``days`` after it: the next contact of the customer in time order. The engine finds it with a
window (``LEAD(created_at) OVER (PARTITION BY customer_id ORDER BY created_at)``, Narwhals'
``shift(-1).over(..., order_by=...)``), and answers the questions the KPI asks of a contact:
is its creation time or its customer missing, was it followed within ``days``, is its window
still open at the window's end (``as_of``, or the latest usable creation time). It returns
one row per group and answers with its number of rows; the KPI's own code
(`kpitools.kpis.operations.nia_decisions`) decides those rows — same exclusions and reasons,
in the same order — and the successes are summed with the numbers of rows as weights: the
estimate, interval and comparisons are those of a proportion, as on pandas.

Two contacts of a customer at the same moment follow each other (a gap of 0) in the order of
their ticket ids, on pandas and here (the window orders by the creation time, then the id).
Without a ``ticket_id`` column pandas takes the order of the rows, which an engine's rows do
not have: within one group it makes no difference to the counts, but when such contacts lie
in different groups (``by``) it would, and the engine refuses them, saying how many (as when
a missing id leaves them unordered). Repeated
ticket ids are refused as for the other ticket KPIs (`kpitools.engines.flags`). A PyArrow
table is read through DuckDB (Narwhals has no ordered window for it).

>>> import polars as pl
>>> df = pl.DataFrame({"team": ["x", "x", "y", "y"], "customer_id": ["a", "a", "b", "c"],
...                    "created_at": pl.Series(["2026-07-01", "2026-07-03", "2026-07-02",
...                                             "2026-07-20"]).str.to_datetime()})
>>> stats = nia_statistics(df.lazy(), "nia", None, ["team"], df.columns, {"days": 7})
>>> stats.groups[["team", "successes", "trials", "n_excluded"]]
  team  successes  trials  n_excluded
0    x          1      2           0
1    y          1      1           1
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import narwhals as nw
import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.validation import check_choice
from kpitools.engines.flags import check_unique_ids_on_engine
from kpitools.engines.frames import (
    as_lazy,
    categoricals_as_values,
    duration_seconds,
    engine_name,
)
from kpitools.engines.outcomes import (
    _COUNT,
    _as_of_moment,
    _excluded,
    _reraise,
    _Signature,
    _split,
)
from kpitools.kpis.common import no_value
from kpitools.kpis.operations import nia_decisions
from kpitools.stats.intervals import PROPORTION_METHODS
from kpitools.tables.columns import require_columns, resolve_columns
from kpitools.tables.events import RowIssues
from kpitools.tables.keys import group_codes

if TYPE_CHECKING:
    from kpitools.engines.statistics import SufficientStatistics

__all__ = ["nia_statistics"]

_NEXT = "__kpitools_next"
#: The answers asked of each contact, grouped by on the engine.
_ANSWERS = ("__kpitools_no_time", "__kpitools_no_customer", "__kpitools_followed",
            "__kpitools_late")


def _ordered_frame(frame: Any) -> Any:
    """``frame`` on an engine with ordered windows: a PyArrow table through DuckDB."""
    if engine_name(frame) == "pyarrow":
        import duckdb

        return duckdb.from_arrow(frame)
    return frame


def _window_end(frame: Any, sig: _Signature, created: str, usable: Any,
                options: dict[str, Any]) -> Any:
    """The end of the follow-up windows as a literal: ``as_of``, or the latest creation
    time of the usable contacts (None when there is none)."""
    if options.get("as_of") is not None:
        return _as_of_moment(sig, frame, created, options)
    latest = (as_lazy(frame).filter(usable).select(nw.col(created).max().alias("end"))
              .collect().to_pandas()["end"].iloc[0])
    return None if pd.isna(latest) else pd.Timestamp(latest).to_pydatetime()


def _refuse_ties_across_groups(lazy: Any, customer: str, created: str, ids: str | None,
                               keys: list[str], usable: Any, engine: str) -> None:
    """Refuse contacts of one customer at one moment that lie in different groups and that
    their ticket ids do not order (no id column, or a missing id among them)."""
    if not keys:
        return
    rows = lazy.filter(usable)
    if ids is not None:
        rows = rows.with_columns(__no_id=nw.col(ids).is_null().cast(nw.Int64))
    tied = (rows.group_by([customer, created])
            .agg(nw.len().alias("rows"), *(nw.col(k).n_unique().alias(f"__k{i}")
                                           for i, k in enumerate(keys)),
                 *([nw.col("__no_id").sum()] if ids is not None else []))
            .filter(nw.any_horizontal(*(nw.col(f"__k{i}") > 1 for i in range(len(keys))),
                                      ignore_nulls=True),
                    *([nw.col("__no_id") > 0] if ids is not None else []))
            .select(nw.len().alias("ties"), nw.col("rows").sum().alias("rows"))
            .collect().to_pandas())
    if int(tied["ties"].iloc[0]):
        why = ("some without a ticket id to order them" if ids is not None
               else "and no ticket_id column orders them")
        raise DataValidationError(
            f"{int(tied['rows'].iloc[0])} contacts share their customer and creation time "
            f"with a contact of another group ({', '.join(keys)}), {why}: which one follows "
            f"the other depends on the order of the rows, and a {engine} frame has none; "
            "collect the frame to pandas, or group by a column they share", column=created)


def nia_statistics(frame: Any, kpi: str, value: str | None, keys: list[str],
                   names: list[str], options: Mapping[str, Any]) -> SufficientStatistics:
    """`kpitools.engines.statistics.SufficientStatistics` of ``nia``: family
    ``"proportion"`` (contacts not followed within ``days``, of the contacts whose window
    is complete).

    Raises
    ------
    TypeError
        A creation time that is not a timestamp on the engine, or ``timestamp_format=``.
    ValueError
        ``days`` is not positive.
    DataValidationError
        A repeated ticket id, contacts of one customer at one moment in different groups,
        or a missing value under ``missing="raise"``.
    """
    from kpitools.engines.statistics import SufficientStatistics  # noqa: F811 (at run time)

    no_value(kpi, value)
    engine = engine_name(frame)
    rows, _ = _split(options)
    method = options.get("method") or "wilson"
    check_choice("method", method, PROPORTION_METHODS)
    days = float(rows.get("days", 7))
    if not days > 0:
        raise ValueError(f"days must be positive, got {rows.get('days')!r}")
    if rows.get("timestamp_format") is not None:
        raise TypeError(f"kpi={kpi!r}, timestamp_format= on a {engine} frame: it parses "
                        "text in pandas; parse the column on the engine first (or collect "
                        "the frame to pandas)")
    cols = resolve_columns("tickets", rows.get("columns"))
    require_columns(pd.DataFrame(columns=names), cols, ["customer_id", "created_at"])
    created, customer = cols["created_at"], cols["customer_id"]
    frame = _ordered_frame(frame)
    sig = _Signature(frame, names)
    sig.timestamp(created, kpi)  # refuses text timestamps, with the engine's type
    check_unique_ids_on_engine(frame, cols["ticket_id"], names)
    usable = ~nw.col(created).is_null() & ~nw.col(customer).is_null()
    end = _window_end(frame, sig, created, usable, rows)
    lazy = as_lazy(frame)
    ids = cols["ticket_id"] if cols["ticket_id"] in names else None
    _refuse_ties_across_groups(lazy, customer, created, ids, keys, usable, engine)
    seconds, per_second = duration_seconds(frame, created, _NEXT)
    followed = (~nw.col(_NEXT).is_null() & (seconds <= days * 86400 * per_second))
    late = (nw.col(created) > nw.lit(end - pd.Timedelta(days=days).to_pytimedelta())
            if end is not None else nw.lit(False))
    answers = dict(zip(_ANSWERS, (nw.col(created).is_null(), nw.col(customer).is_null(),
                                  followed.fill_null(False), late.fill_null(False)),
                       strict=True))
    table = (lazy.filter(~nw.col(customer).is_null())
             .with_columns(nw.col(created).shift(-1)
                           .over(customer, order_by=[created, *([ids] if ids else [])])
                           .alias(_NEXT))
             .with_columns(**answers)
             .group_by([*keys, *_ANSWERS], drop_null_keys=False)
             .agg(nw.len().alias(_COUNT))
             .collect().to_pandas())
    no_customer = (lazy.filter(nw.col(customer).is_null())
                   .with_columns(**{_ANSWERS[0]: nw.col(created).is_null(),
                                    _ANSWERS[1]: nw.lit(True), _ANSWERS[2]: nw.lit(False),
                                    _ANSWERS[3]: nw.lit(False)})
                   .group_by([*keys, *_ANSWERS], drop_null_keys=False)
                   .agg(nw.len().alias(_COUNT)).collect().to_pandas())
    table = pd.concat([t for t in (table, no_customer) if len(t)] or [table],
                      ignore_index=True)
    if engine == "polars":
        categoricals_as_values(table, keys, sig.schema)
    counts = table[_COUNT].to_numpy(dtype=np.int64)
    flags = {a: table[a].to_numpy(dtype=bool) for a in _ANSWERS}
    when = pd.Series(pd.Timestamp(0), index=table.index).where(~flags[_ANSWERS[0]])
    who = pd.Series("", index=table.index, dtype=object).where(~flags[_ANSWERS[1]], None)
    issues = RowIssues(table.index, invalid=rows.get("invalid", "raise"),
                       missing=rows.get("missing", "exclude"))
    try:
        success = nia_decisions(issues, created=when, created_values=when, customers=who,
                                followed=flags[_ANSWERS[2]], late=flags[_ANSWERS[3]],
                                days=days, created_column=created, customer_column=customer)
    except DataValidationError as err:
        _reraise(err, counts, engine)
        raise
    codes, groups = group_codes(table, keys)
    g = len(groups)
    used = ~np.isnan(success)
    w = counts.astype(float)
    out = groups.reset_index(drop=True).copy()
    out["successes"] = np.rint(np.bincount(codes[used], weights=w[used] * success[used],
                                           minlength=g)).astype(np.int64)
    out["trials"] = np.rint(np.bincount(codes[used], weights=w[used], minlength=g)
                            ).astype(np.int64)
    out["n_excluded"] = np.rint(np.bincount(codes[issues.mask], weights=w[issues.mask],
                                            minlength=g)).astype(np.int64)
    frequencies = table.loc[used, keys].reset_index(drop=True)
    frequencies["group"] = codes[used]
    frequencies["value"] = 100.0 * success[used]
    frequencies["count"] = counts[used]
    details = {"label": "nia", "method": method, "unit": "%"}
    out["rows"] = np.bincount(codes, weights=w, minlength=g).astype(np.int64)
    # no value is shown with the excluded rows (times and customers are not grouped by)
    return SufficientStatistics(kpi, "proportion", keys, out, frequencies,
                                _excluded(issues.excluded(), counts, sig), engine, details)
