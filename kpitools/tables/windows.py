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
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["OUTSIDE", "presence_patterns", "with_outside", "outside_rows", "in_folder",
           "period_ranges"]

#: The ``attrs`` key of a frame's rows left out: ``(columns, patterns)``, each pattern a
#: tuple with the team (its label, or None) and, for every other column, None (missing),
#: its value (a yes/no column) or True (filled).
OUTSIDE = "kpitools_rows_outside"

Patterns = tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]]


def presence_patterns(frame: pd.DataFrame) -> Patterns:
    """The distinct patterns of ``frame``'s rows (see `OUTSIDE`), in the order met.

    >>> f = pd.DataFrame({"team": ["A", "A", "B"], "answered": [True, True, None],
    ...                   "wait_seconds": [3.0, 5.0, None]})
    >>> presence_patterns(f)
    (('team', 'answered', 'wait_seconds'), (('A', True, True), ('B', None, None)))
    """
    columns = tuple(str(c) for c in frame.columns)
    if not len(frame):
        return columns, ()
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
    return columns, tuple(tuple(None if v is None or v is pd.NA else v for v in row)
                          for row in patterns.itertuples(index=False, name=None))


def with_outside(frame: pd.DataFrame, outside: Patterns) -> pd.DataFrame:
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
    >>> f.attrs[OUTSIDE] = (("team", "wait_seconds"), (("B", None),))
    >>> outside_rows(f)["team"].tolist(), len(outside_rows(f.iloc[0:0].copy()))
    (['B'], 1)
    """
    outside = frame.attrs.get(OUTSIDE)
    if not outside or not outside[1]:
        return frame.iloc[0:0]
    columns, patterns = outside
    stand_ins = pd.DataFrame(list(patterns), columns=list(columns), dtype=object)
    return stand_ins.reindex(columns=frame.columns)


def in_folder(frame: pd.DataFrame, test: Callable[[pd.DataFrame], Any]) -> bool:
    """Whether ``test`` (rows → rows, or a truth) finds any row in ``frame`` or among the
    stand-ins of the rows left out of it (`outside_rows`).

    >>> f = pd.DataFrame({"team": ["A"], "wait_seconds": [None]})
    >>> f.attrs[OUTSIDE] = (("team", "wait_seconds"), (("B", True),))
    >>> in_folder(f, lambda r: r["wait_seconds"].notna().any())
    True
    """
    def found(rows: pd.DataFrame) -> bool:
        got = test(rows)
        return bool(len(got)) if isinstance(got, pd.DataFrame) else bool(got)
    return found(frame) or found(outside_rows(frame))


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
