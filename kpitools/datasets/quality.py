"""The data-quality table: every problem found while reading a data folder, one row each.

Reading a folder (`kpitools.datasets.read_service_data`) and checking it
(`kpitools.datasets.validate_data`, ``kpitools validate``) record what they find in one tidy
table with the columns `QUALITY_COLUMNS`:

``table, column, severity, reason, count, n_rows, share, rows, values, action, file``

* ``severity`` — ``"error"`` (the table cannot be used: an unreadable file, a missing required
  column, a duplicate header, too many excluded rows), ``"warning"`` (rows or values that are
  excluded, each counted) or ``"note"`` (information, e.g. an optional column the source lacks);
* ``count`` — rows with this problem; ``n_rows`` — rows of the table as read; ``share`` —
  ``count / n_rows``;
* ``rows``, ``values`` — the first few rows (file lines when each record is one line) and their
  values, as text, e.g. ``"lines 5, 9"`` and ``"'yesterday', '31/02/2020'"``;
* ``action`` — what was done: ``"row excluded"``, ``"value set to missing"`` or ``""``.

>>> problems = Problems()
>>> problems.add(table="tickets", column="created_at", severity="warning",
...              reason="not a date", rows=[5, 9], values=["x", "y"], row_label="line",
...              n_rows=200, action="row excluded")
>>> problems.frame()[["table", "column", "count", "rows", "values"]]
     table      column  count        rows     values
0  tickets  created_at      2  lines 5, 9  'x', 'y'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "QUALITY_COLUMNS",
    "SEVERITIES",
    "MAX_SHOWN",
    "NO_FILE_REASON",
    "Problems",
    "empty_quality_frame",
    "format_problem_line",
]

#: Columns of the data-quality table, in order.
QUALITY_COLUMNS: tuple[str, ...] = ("table", "column", "severity", "reason", "count", "n_rows",
                                    "share", "rows", "values", "action", "file")
#: Severities, most serious first.
SEVERITIES: tuple[str, ...] = ("error", "warning", "note")
#: Rows and values shown per problem.
MAX_SHOWN = 5
#: How the note of a table without a file starts, from every reader (CSV folder, Parquet
#: folder, DuckDB file): the report's data-quality appendix lists these tables on one line.
NO_FILE_REASON = "no file for this table"


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str):
        try:
            return item()
        except (ValueError, TypeError):
            return value
    return value


def _rows_text(rows: Sequence[Any], row_label: str, count: int) -> str:
    if not len(rows):
        return ""
    label = row_label if len(rows) == 1 else f"{row_label}s"
    shown = ", ".join(str(_plain(r)) for r in list(rows)[:MAX_SHOWN])
    more = f", … {count - MAX_SHOWN} more" if count > MAX_SHOWN else ""
    return f"{label} {shown}{more}"


def _values_text(values: Sequence[Any]) -> str:
    return ", ".join(repr(_plain(v)) for v in list(values)[:MAX_SHOWN])


def empty_quality_frame() -> pd.DataFrame:
    """A data-quality table without rows (every column present)."""
    return Problems().frame()


class Problems:
    """Collects problems; `frame` returns them as the tidy data-quality table."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def add(self, *, table: str, column: str | None, severity: str, reason: str,
            count: int | None = None, n_rows: int | None = None, rows: Sequence[Any] = (),
            values: Sequence[Any] = (), row_label: str = "row", action: str = "",
            file: str | None = None) -> None:
        """Record one problem (``count`` defaults to the number of ``rows``)."""
        if severity not in SEVERITIES:
            raise ValueError(f"severity={severity!r} is not valid; choose one of "
                             f"{', '.join(repr(s) for s in SEVERITIES)}")
        n = len(rows) if count is None else int(count)
        share = (n / n_rows) if n_rows else np.nan
        self.records.append({
            "table": table, "column": column, "severity": severity, "reason": reason,
            "count": n, "n_rows": n_rows, "share": share,
            "rows": _rows_text(rows, row_label, n), "values": _values_text(values),
            "action": action, "file": file,
        })

    def add_missing_table(self, table: str, *, looked_for: str) -> None:
        """Note that ``table`` has no file (its report sections are left out), saying where the
        reader ``looked_for`` it; the same note from every reader.

        >>> p = Problems()
        >>> p.add_missing_table("calls", looked_for="calls.csv, calls.csv.gz")
        >>> print(p.frame()["reason"].iloc[0])  # doctest: +NORMALIZE_WHITESPACE
        no file for this table (looked for calls.csv, calls.csv.gz); its report sections
        are left out
        """
        self.add(table=table, column=None, severity="note",
                 reason=f"{NO_FILE_REASON} (looked for {looked_for}); its report sections "
                        f"are left out")

    def promote_large(self, *, table: str, file: str | None, n_rows: int,
                      max_excluded_share: float, check: str) -> bool:
        """Make each warning of ``table`` (from ``file``) that affects more than
        ``max_excluded_share`` of its ``n_rows`` rows an error — one problem this large is a
        mistake in reading, not noise — saying what to ``check``; whether any was made."""
        promoted = False
        for record in self.records:
            if (record["table"] == table and record["file"] == file
                    and record["severity"] == "warning" and n_rows
                    and record["count"] / n_rows > max_excluded_share):
                record["severity"] = "error"
                record["reason"] += (f" (more than the {100 * max_excluded_share:g} % of "
                                     f"rows allowed: check {check})")
                promoted = True
        return promoted

    def extend(self, other: Problems) -> None:
        self.records.extend(other.records)

    def __len__(self) -> int:
        return len(self.records)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.records, columns=list(QUALITY_COLUMNS))
        frame["count"] = frame["count"].astype("int64")
        frame["n_rows"] = frame["n_rows"].astype("Int64")
        frame["share"] = frame["share"].astype("float64")
        for col in ("table", "column", "severity", "reason", "rows", "values", "action", "file"):
            frame[col] = frame[col].astype(object)
        return frame


def format_problem_line(row: Any) -> str:
    """One problem as one line of text (``row`` is a row of the data-quality table).

    >>> p = Problems()
    >>> p.add(table="surveys", column="csat", severity="warning", reason="outside 1–5",
    ...       rows=[7], values=[9], row_label="line", n_rows=50, action="value set to missing",
    ...       file="data/surveys.csv")
    >>> print(format_problem_line(p.frame().iloc[0]))  # doctest: +NORMALIZE_WHITESPACE
    warning: surveys (data/surveys.csv): column 'csat': outside 1–5: 1 of 50 rows
    (line 7: 9); value set to missing
    """
    where = f"{row['severity']}: {row['table']}"
    if isinstance(row["file"], str) and row["file"]:
        where += f" ({row['file']})" if row["table"] else row["file"]
    column = row["column"]
    col = f"column {column!r}: " if isinstance(column, str) and column else ""
    text = f"{where}: {col}{row['reason']}"
    count, n_rows = int(row["count"]), row["n_rows"]
    if count and row["severity"] != "note":
        of = f" of {int(n_rows)}" if pd.notna(n_rows) else ""
        text += f": {count}{of} row{'s' if (count != 1 or pd.notna(n_rows)) else ''}"
    if row["rows"]:
        text += f" ({row['rows']}: {row['values']})"
    if row["action"]:
        text += f"; {row['action']}"
    return text
