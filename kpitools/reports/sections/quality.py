"""Data-quality section: the rows the reader excluded, and the checks run before a report.

The reader (`kpitools.datasets.read_service_data`) excludes invalid rows (an unreadable date,
a score out of range, ...) instead of stopping, and records them in ``data.quality``: one
row per table, column and reason with the count, the first rows and their values. The
report lists them in a "Data quality" appendix (`data_quality_table`), and
`check_data_quality` turns them into an error before any notebook runs when the user asks
for ``strict`` checking or when they exceed a share of a table (a mapping mistake, not noise).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.reports.sections.common import ReportNote, ReportTable, _esc

__all__ = ["QUALITY_COLUMNS", "DEFAULT_MAX_EXCLUDED_SHARE", "quality_frame",
           "excluded_shares", "data_quality_table", "check_data_quality"]

#: Columns of the excluded-rows table read from ``data.quality``.
QUALITY_COLUMNS: tuple[str, ...] = ("table", "column", "reason", "count", "rows", "values")
#: Share of a table's rows that may be excluded before a report stops (5 %).
DEFAULT_MAX_EXCLUDED_SHARE = 0.05
#: Examples shown per problem.
_EXAMPLES = 3


def quality_frame(data: Any) -> pd.DataFrame:
    """The excluded rows of ``data`` as a tidy table ``table, column, reason, count, rows,
    values`` (no rows when nothing was excluded or the reader records nothing).

    ``data`` is a `ServiceData` (its ``quality`` attribute is read, if there is one) or the
    quality table itself.

    >>> quality_frame(object()).columns.tolist()
    ['table', 'column', 'reason', 'count', 'rows', 'values']
    """
    quality = data if isinstance(data, pd.DataFrame) else getattr(data, "quality", None)
    if quality is not None and not isinstance(quality, pd.DataFrame):
        quality = getattr(quality, "excluded", None)  # a result object holding the table
    if quality is None or not len(quality):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in QUALITY_COLUMNS})
    frame = pd.DataFrame(quality).copy()
    for column in QUALITY_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame["count"] = pd.to_numeric(frame["count"], errors="coerce").fillna(0).astype(int)
    return frame[[*QUALITY_COLUMNS, *[c for c in frame.columns if c not in QUALITY_COLUMNS]]]


def _as_items(cell: Any) -> list[Any]:
    """A cell of ``rows`` or ``values`` as a list (a list, tuple, array or a text list)."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    if isinstance(cell, str):
        return [p.strip() for p in cell.split(",") if p.strip()] if cell else []
    if isinstance(cell, Sequence) or hasattr(cell, "tolist"):
        return list(cell)
    return [cell]


def excluded_shares(data: Any) -> pd.DataFrame:
    """Excluded rows per table and their share of the table's rows as read.

    A row excluded for two reasons counts once when the listed rows are complete; otherwise
    the counts are added (an upper bound, so a check errs on the side of stopping).

    Returns
    -------
    DataFrame
        ``table, excluded, rows_read, share`` (``share`` = excluded / rows read, 0–1).
    """
    quality = quality_frame(data)
    out = []
    for table, part in quality.groupby("table", sort=True):
        listed = [_as_items(r) for r in part["rows"]]
        if all(len(items) == n for items, n in zip(listed, part["count"], strict=True)):
            excluded = len({str(r) for items in listed for r in items})
        else:
            excluded = int(part["count"].sum())
        kept = len(getattr(data, str(table))) if hasattr(data, str(table)) else 0
        read = kept + excluded
        out.append({"table": str(table), "excluded": excluded, "rows_read": read,
                    "share": excluded / read if read else 0.0})
    return pd.DataFrame(out, columns=["table", "excluded", "rows_read", "share"])


def _problem(row: Any) -> str:
    """One problem in a few words: ``tickets.created_at: 2 unreadable date (rows 7, 9)``."""
    rows = _as_items(row.rows)[:_EXAMPLES]
    where = f" (rows {', '.join(str(r) for r in rows)})" if rows else ""
    column = f".{row.column}" if isinstance(row.column, str) and row.column else ""
    return f"{row.table}{column}: {row.count} {row.reason}{where}"


def check_data_quality(data: Any, *, strict: bool = False,
                       max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE) -> None:
    """Refuse data whose excluded rows are an error rather than noise.

    Parameters
    ----------
    data : ServiceData
        As read by `kpitools.datasets.read_service_data`.
    strict : bool, default False
        Any excluded row is an error.
    max_excluded_share : float, default 0.05
        Largest share (0–1) of a table's rows that may be excluded; above it the mapping of
        that table is most likely wrong (a date format, a scale) and the report stops.

    Raises
    ------
    DataValidationError
        One line listing every problem (``strict``) or every table over the share.

    Examples
    --------
    >>> from kpitools.datasets import load_sample_data
    >>> check_data_quality(load_sample_data(), strict=True)  # clean: nothing raised
    """
    if not 0 <= max_excluded_share <= 1:
        raise ValueError(f"max_excluded_share={max_excluded_share!r} is not a share between "
                         "0 and 1 (5 % is 0.05)")
    quality = quality_frame(data)
    if not len(quality) or not quality["count"].sum():
        return
    quality = quality[quality["count"] > 0]
    if strict:
        listed = "; ".join(_problem(r) for r in quality.itertuples(index=False))
        raise DataValidationError(
            f"--strict: {int(quality['count'].sum())} rows would be excluded: {listed}",
            column=str(quality["column"].iloc[0]))
    shares = excluded_shares(data)
    over = shares[shares["share"] > max_excluded_share]
    if len(over):
        listed = "; ".join(
            f"{r.table}: {r.excluded} of {r.rows_read} rows ({r.share:.1%})"
            for r in over.itertuples(index=False))
        problems = "; ".join(_problem(r) for r in quality[quality["table"].isin(
            over["table"])].itertuples(index=False))
        raise DataValidationError(
            f"too many rows excluded, above {max_excluded_share:.1%} of a table ({listed}): "
            f"most likely a mapping mistake (date format, scale, column); {problems}")


def data_quality_table(data: Any) -> ReportTable | ReportNote:
    """The "Data quality" appendix: every excluded row's table, column, reason, count and
    the first examples (row and value); ``"No rows were excluded."`` when there are none.

    >>> from kpitools.datasets import load_sample_data
    >>> data_quality_table(load_sample_data())
    No rows were excluded.
    """
    quality = quality_frame(data)
    quality = quality[quality["count"] > 0].reset_index(drop=True)
    if not len(quality):
        return ReportNote("No rows were excluded.")
    examples = []
    for rows, values in zip(quality["rows"], quality["values"], strict=True):
        r, v = _as_items(rows)[:_EXAMPLES], _as_items(values)[:_EXAMPLES]
        if len(v) == len(r) and r:
            examples.append(", ".join(f"row {_esc(a)}: <code>{_esc(repr(b))}</code>"
                                      for a, b in zip(r, v, strict=True)))
        else:
            parts = ([f"rows {_esc(', '.join(str(a) for a in r))}"] if r else []) + (
                [f"values <code>{_esc(', '.join(repr(b) for b in v))}</code>"] if v else [])
            examples.append("; ".join(parts) or "–")
    display = pd.DataFrame({
        "Table": quality["table"].map(_esc),
        "Column": quality["column"].map(lambda c: _esc(c if c is not None else "–")),
        "Reason": quality["reason"].map(_esc),
        "Rows": quality["count"].map(lambda n: f"{int(n):,}"),
        "Examples": examples,
    })
    shares = excluded_shares(data)
    notes = ["These rows were left out of every KPI of this report (row numbers and values as "
             "the reader reports them)."]
    notes += [f"{r.table}: {r.excluded:,} of {r.rows_read:,} rows excluded ({r.share:.2%})."
              for r in shares.itertuples(index=False)]
    return ReportTable(quality[list(QUALITY_COLUMNS)], display, caption="Excluded rows",
                       notes=notes, numeric=["Rows"])
