"""Exceptions and warnings raised by kpitools.

Every error about the data names the column, the rows and the offending values, so that a
user can find and fix them::

    column 'score': 2 values outside 0–10 (rows 17, 52: 11, -1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "KpiToolsError",
    "DataValidationError",
    "ReportExecutionError",
    "ReportParameterError",
    "KpiToolsWarning",
    "SmallSampleWarning",
    "ExcludedRowsWarning",
]

_MAX_SHOWN = 5


class KpiToolsError(Exception):
    """Base class of every error raised by kpitools."""


class DataValidationError(KpiToolsError, ValueError):
    """Input data that cannot be used as given.

    Attributes
    ----------
    column : str or None
        The column that holds the bad values (None for plain arrays without a name).
    rows : list
        Index labels (or positions) of the offending rows; empty when the problem is not
        about particular rows (an empty sample, say).
    values : list
        The offending values, in the same order as ``rows``.
    path : str or None
        The file the data were read from, when the error is about a file (it then starts
        the message: ``data/tickets.csv: column 'created_at': ...``).
    row_label : str
        What ``rows`` count: ``"row"`` (index labels, the default) or, for errors about a
        file, ``"line"`` (line numbers of the file, the header being line 1).
    """

    def __init__(
        self,
        problem: str,
        *,
        column: str | None = None,
        rows: Sequence[Any] = (),
        values: Sequence[Any] = (),
        path: str | None = None,
        row_label: str = "row",
    ) -> None:
        self.column = column
        self.rows = list(rows)
        self.values = list(values)
        self.problem = problem
        self.path = None if path is None else str(path)
        self.row_label = row_label
        super().__init__(format_problem(problem, column=column, rows=self.rows, values=self.values,
                                        path=self.path, row_label=row_label))


def format_problem(
    problem: str, *, column: str | None, rows: Sequence[Any], values: Sequence[Any],
    path: str | None = None, row_label: str = "row",
) -> str:
    """Build the one-line message ``[file: ]column 'x': problem (rows 1, 2: 'a', 11)``."""
    where = f"{path}: " if path is not None else ""
    where += f"column {column!r}: " if column is not None else ""
    detail = ""
    if rows:
        shown_rows = ", ".join(str(r) for r in rows[:_MAX_SHOWN])
        shown_values = ", ".join(repr(_plain(v)) for v in values[:_MAX_SHOWN])
        more = f", … {len(rows) - _MAX_SHOWN} more" if len(rows) > _MAX_SHOWN else ""
        label = row_label if len(rows) == 1 else f"{row_label}s"
        detail = f" ({label} {shown_rows}{more}: {shown_values})"
    return f"{where}{problem}{detail}"


def _plain(value: Any) -> Any:
    """Turn numpy scalars into Python ones so that messages read naturally."""
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (ValueError, TypeError):
            return value
    return value


class ReportParameterError(KpiToolsError, ValueError):
    """A report was asked for with an unknown parameter or a value of the wrong type."""


class ReportExecutionError(KpiToolsError):
    """A report notebook failed while executing.

    Attributes
    ----------
    notebook : str
        The notebook that failed.
    cell_index : int or None
        Index of the failing cell, when known.
    ename, evalue : str
        The exception's name and value.
    kept_notebook : str or None
        Path of the executed notebook, kept for debugging.
    """

    def __init__(
        self,
        notebook: str,
        *,
        cell_index: int | None,
        ename: str,
        evalue: str,
        kept_notebook: str | None,
    ) -> None:
        self.notebook = notebook
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        self.kept_notebook = kept_notebook
        cell = f"cell {cell_index}" if cell_index is not None else "an unknown cell"
        kept = f"; executed notebook kept at {kept_notebook}" if kept_notebook else ""
        super().__init__(f"{notebook}: {cell} failed: {ename}: {evalue}{kept}")


class KpiToolsWarning(UserWarning):
    """Base class of every warning issued by kpitools."""


class SmallSampleWarning(KpiToolsWarning):
    """The sample is so small that the interval or test is unreliable."""


class ExcludedRowsWarning(KpiToolsWarning):
    """Rows were excluded from a computation (they are also counted in ``n_excluded``)."""
