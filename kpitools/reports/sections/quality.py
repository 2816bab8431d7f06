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
from kpitools.reports.sections.common import ReportNote, ReportTable, _esc, answer_count
from kpitools.tables.windows import rows_left_out

__all__ = ["QUALITY_COLUMNS", "DEFAULT_MAX_EXCLUDED_SHARE", "quality_frame",
           "excluded_shares", "data_quality_table", "check_data_quality"]

#: Columns of the data-quality table the appendix reads (`kpitools.datasets.quality`); a
#: table holding only some of them (``table, column, reason, count, rows, values``) is read too.
QUALITY_COLUMNS: tuple[str, ...] = ("table", "column", "severity", "reason", "count", "n_rows",
                                    "share", "rows", "values", "action", "file")
#: Share of a table's rows that may be excluded before a report stops (5 %).
DEFAULT_MAX_EXCLUDED_SHARE = 0.05
#: Examples shown per problem.
_EXAMPLES = 3


def quality_frame(data: Any) -> pd.DataFrame:
    """The data-quality table of ``data``: one row per table, column and reason, with
    ``table, column, severity, reason, count, n_rows, share, rows, values, action, file``
    (no rows when nothing was found).

    ``data`` is a `ServiceData` (its ``quality`` attribute is read, if there is one) or the
    quality table itself. A missing ``severity`` reads as ``"warning"`` and a missing
    ``action`` as ``"row excluded"``.

    >>> quality_frame(object()).columns.tolist()[:5]
    ['table', 'column', 'severity', 'reason', 'count']
    """
    quality = data if isinstance(data, pd.DataFrame) else getattr(data, "quality", None)
    if quality is not None and not isinstance(quality, pd.DataFrame):
        quality = getattr(quality, "quality", None)  # a report object holding the table
    if quality is None or not len(quality):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in QUALITY_COLUMNS})
    frame = pd.DataFrame(quality).copy()
    defaults = {"severity": "warning", "action": "row excluded"}
    for column in QUALITY_COLUMNS:
        if column not in frame.columns:
            frame[column] = defaults.get(column)
    frame["count"] = pd.to_numeric(frame["count"], errors="coerce").fillna(0).astype(int)
    return frame[[*QUALITY_COLUMNS, *[c for c in frame.columns if c not in QUALITY_COLUMNS]]]


def _text(cell: Any) -> str:
    """A ``rows`` or ``values`` cell as text (a list is joined with commas)."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, Sequence) or hasattr(cell, "tolist"):
        return ", ".join(str(v) for v in list(cell)[:_EXAMPLES])
    return str(cell)


def _problems(quality: pd.DataFrame) -> pd.DataFrame:
    """The rows that are problems (warnings and errors, each with a count), not notes."""
    return quality[(quality["severity"] != "note") & (quality["count"] > 0)]


def excluded_shares(data: Any) -> pd.DataFrame:
    """Excluded rows per table and their share of the table's rows as read.

    Counts of every reason that excluded rows are added: a row excluded for two reasons
    counts twice, so the share is an upper bound and a check errs on the side of stopping.

    Returns
    -------
    DataFrame
        ``table, excluded, rows_read, share`` (``share`` = excluded / rows read, 0–1).
    """
    quality = _problems(quality_frame(data))
    quality = quality[quality["action"].astype(str).str.contains("excluded")]
    out = []
    for table, part in quality.groupby("table", sort=True):
        excluded = int(part["count"].sum())
        n_rows = pd.to_numeric(part["n_rows"], errors="coerce").dropna()
        if len(n_rows):
            read = int(n_rows.max())
        else:
            kept = getattr(data, str(table), None)
            read = (answer_count(kept) + rows_left_out(kept)
                    if isinstance(kept, pd.DataFrame) else 0) + excluded
        out.append({"table": str(table), "excluded": excluded, "rows_read": read,
                    "share": min(excluded / read, 1.0) if read else 0.0})
    return pd.DataFrame(out, columns=["table", "excluded", "rows_read", "share"])


def _problem(row: Any) -> str:
    """One problem in a few words: ``tickets.created_at: 2 not a date (lines 7, 9)``."""
    rows = _text(row.rows)
    where = f" ({rows})" if rows else ""
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
    quality = _problems(quality_frame(data))
    if not len(quality):
        return
    if strict:
        listed = "; ".join(_problem(r) for r in quality.itertuples(index=False))
        raise DataValidationError(
            f"strict: {len(quality)} data problem{'s' if len(quality) > 1 else ''} "
            f"({int(quality['count'].sum())} rows): {listed}")
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
    """The "Data quality" appendix: every excluded row's (or value's) table, column, reason,
    count and the first examples; ``"No rows were excluded."`` when there are none.

    What the reader assumed (``severity`` ``"note"``: a table without a file, an optional
    column the source lacks) is listed under the table, one line each.

    >>> from kpitools.datasets import load_sample_data
    >>> data_quality_table(load_sample_data())
    No rows were excluded.
    """
    quality = quality_frame(data)
    notes_rows = quality[quality["severity"] == "note"]
    no_file = notes_rows["reason"].astype(str).str.startswith("no file for this table")
    assumed = [f"Note: {r.table}{'.' + r.column if isinstance(r.column, str) else ''}: "
               f"{str(r.reason).rstrip('.')}."
               for r in notes_rows[~no_file].itertuples(index=False)]
    if no_file.any():
        assumed.append("Tables not in the data (their sections say so): "
                       + ", ".join(notes_rows.loc[no_file, "table"].astype(str)) + ".")
    quality = _problems(quality).reset_index(drop=True)
    if not len(quality):
        return ReportNote("\n".join(["No rows were excluded.", *assumed]))
    examples = []
    for rows, values in zip(quality["rows"], quality["values"], strict=True):
        r, v = _text(rows), _text(values)
        examples.append(f"{_esc(r)}{': ' if r and v else ''}"
                        f"{f'<code>{_esc(v)}</code>' if v else ''}" or "–")
    display = pd.DataFrame({
        "Table": quality["table"].map(_esc),
        "Column": quality["column"].map(lambda c: _esc(c) if isinstance(c, str) else "–"),
        "Reason": quality["reason"].map(_esc),
        "Rows": quality["count"].map(lambda n: f"{int(n):,}"),
        "Examples": examples,
        "Done": quality["action"].map(lambda a: _esc(a) if isinstance(a, str) else ""),
    })
    shares = excluded_shares(data)
    notes = ["These rows (or values) were left out of every KPI of this report; row numbers "
             "and values as the reader reports them."]
    notes += [f"{r.table}: {r.excluded:,} of {r.rows_read:,} rows excluded ({r.share:.2%})."
              for r in shares.itertuples(index=False)]
    return ReportTable(quality, display, caption="Excluded rows and values",
                       notes=notes + assumed, numeric=["Rows"])
