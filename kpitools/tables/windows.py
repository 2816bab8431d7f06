"""Tables of events kept to the periods a report reads, and what the rest held.

A report reads its period, the one before and the one a year before from the tickets and
calls (`kpitools.reports.sections.operations_table`), so a long history need not come to
pandas (`kpitools.engines.warehouse.read_warehouse` with ``within=``). Its sections still
say whether the *folder* has such rows at all ("No first response times in 2026Q3" against
"No first response data in this folder"): the rows left out are summed up as their
*patterns* — one per team and set of filled columns (a yes/no column: its value) — kept in
the frame's ``attrs`` (`OUTSIDE`), and `in_folder` asks them too.

Layer 1 (tables): pandas only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = ["OUTSIDE", "Outside", "presence_patterns", "with_outside", "outside_rows",
           "in_folder", "rows_in_folder", "rows_left_out", "dates_in_folder",
           "period_ranges"]

#: The ``attrs`` key of a frame's rows left out (an `Outside`).
OUTSIDE = "kpitools_rows_outside"


class Outside(NamedTuple):
    """The rows left out of a frame, summed up."""

    #: The frame's columns
    columns: tuple[str, ...]
    #: One per distinct pattern: the team (its label, or None) and, for every other
    #: column, None (missing), its value (a yes/no column) or True (filled)
    patterns: tuple[tuple[Any, ...], ...]
    #: How many rows
    rows: int = 0
    #: The earliest and latest date of the table's date column among them (None: none)
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Outside:
        """Itself: it holds only immutable values, and pandas deep-copies a frame's
        ``attrs`` on every operation."""
        return self


def presence_patterns(frame: pd.DataFrame, date: str | None = None) -> Outside:
    """The distinct patterns of ``frame``'s rows (see `Outside`), in the order met, their
    number and the span of column ``date``.

    >>> f = pd.DataFrame({"team": ["A", "A", "B"], "answered": [True, True, None],
    ...                   "wait_seconds": [3.0, 5.0, None]})
    >>> presence_patterns(f)[:3]
    (('team', 'answered', 'wait_seconds'), (('A', True, True), ('B', None, None)), 3)
    """
    columns = tuple(str(c) for c in frame.columns)
    first = last = None
    if date is not None and date in frame.columns and frame[date].notna().any():
        first, last = pd.Timestamp(frame[date].min()), pd.Timestamp(frame[date].max())
    if not len(frame):
        return Outside(columns, ())
    parts: dict[str, pd.Series] = {}
    for column in frame.columns:
        values = frame[column]
        if column == "team":
            parts[column] = values.astype(object).where(values.notna(), None)
        elif pd.api.types.is_bool_dtype(values.dtype):
            parts[column] = values.astype(object).where(values.notna(), None)
        else:
            filled = values.notna().to_numpy()
            marks = np.full(len(values), None, dtype=object)
            marks[filled] = True
            parts[column] = pd.Series(marks, index=frame.index, dtype=object)
    patterns = pd.DataFrame(parts).drop_duplicates()
    return Outside(columns, tuple(tuple(None if v is None or v is pd.NA else v for v in row)
                                  for row in patterns.itertuples(index=False, name=None)),
                   len(frame), first, last)


def with_outside(frame: pd.DataFrame, outside: Outside) -> pd.DataFrame:
    """``frame`` with the patterns of its rows left out in ``attrs[OUTSIDE]`` (in place)."""
    frame.attrs[OUTSIDE] = outside
    return frame


def outside_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One stand-in row per pattern of the rows left out of ``frame`` (`OUTSIDE`; none for a
    whole table), with ``frame``'s columns: what says whether the folder holds any row of a
    team, with a column filled or a yes/no value. The stand-ins hold the team, True for a
    filled column and the value of a yes/no column, nothing else: test them, never compute
    with them.

    >>> f = pd.DataFrame({"team": ["A"], "wait_seconds": [3.0]})
    >>> f.attrs[OUTSIDE] = Outside(("team", "wait_seconds"), (("B", None),), 4)
    >>> outside_rows(f)["team"].tolist(), len(outside_rows(f.iloc[0:0].copy()))
    (['B'], 1)
    """
    outside = frame.attrs.get(OUTSIDE)
    if not outside or not outside.patterns:
        return frame.iloc[0:0]
    columns, patterns = outside.columns, outside.patterns
    stand_ins = pd.DataFrame(list(patterns), columns=list(columns), dtype=object)
    return stand_ins.reindex(columns=frame.columns)


def in_folder(frame: pd.DataFrame, test: Callable[[pd.DataFrame], Any]) -> bool:
    """Whether ``test`` (rows → rows, or a truth) finds any row in ``frame`` or among the
    stand-ins of the rows left out of it (`outside_rows`).

    >>> f = pd.DataFrame({"team": ["A"], "wait_seconds": [None]})
    >>> f.attrs[OUTSIDE] = Outside(("team", "wait_seconds"), (("B", True),), 1)
    >>> in_folder(f, lambda r: r["wait_seconds"].notna().any())
    True
    """
    def found(rows: pd.DataFrame) -> bool:
        got = test(rows)
        return bool(len(got)) if isinstance(got, pd.DataFrame) else bool(got)
    return found(frame) or found(outside_rows(frame))


def rows_in_folder(frame: pd.DataFrame) -> int:
    """``frame``'s rows and those left out of it (`OUTSIDE`): the whole table's.

    >>> f = pd.DataFrame({"team": ["A"]})
    >>> f.attrs[OUTSIDE] = Outside(("team",), (("B",),), 4)
    >>> rows_in_folder(f), rows_in_folder(pd.DataFrame({"team": ["A"]}))
    (5, 1)
    """
    return len(frame) + rows_left_out(frame)


def rows_left_out(frame: pd.DataFrame) -> int:
    """How many rows were left out of ``frame`` (`OUTSIDE`; 0 for a whole table)."""
    outside = frame.attrs.get(OUTSIDE)
    return int(outside.rows) if outside else 0


def dates_in_folder(frame: pd.DataFrame, column: str) -> pd.Series:
    """The dates of ``column`` of ``frame``, with the earliest and latest of the rows left
    out of it (`OUTSIDE`): what the whole table's first and last dates are read from."""
    when = pd.to_datetime(frame[column], errors="coerce")
    outside = frame.attrs.get(OUTSIDE)
    if not outside or outside.first is None:
        return when
    ends = pd.Series([outside.first, outside.last])  # taken from this column: its zone
    return pd.concat([when.reset_index(drop=True), ends], ignore_index=True)


def period_ranges(periods: Sequence[str]) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """``[start, end)`` of each period (a quarter, month or ISO week), distinct, in order.

    >>> period_ranges(["2026Q3", "2026Q2", "2026Q3"])  # doctest: +NORMALIZE_WHITESPACE
    [(Timestamp('2026-07-01 00:00:00'), Timestamp('2026-10-01 00:00:00')),
     (Timestamp('2026-04-01 00:00:00'), Timestamp('2026-07-01 00:00:00'))]
    """
    from kpitools.tables.periods import parse_report_period

    out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for label in dict.fromkeys(periods):
        p = parse_report_period(label)
        out.append((pd.Timestamp(p.start), pd.Timestamp(p.end)))
    return out
