"""Column names of the tables (from `kpitools.tables.schema`), and the user's mapping onto them.

Every operations and customer KPI reads its columns through `resolve_columns`: the canonical
names below are the defaults (they are the names the sample-data generator writes), and a
user whose columns are named differently passes ``columns={"created_at": "opened_at"}`` —
*canonical name → your name*. Only the roles that differ need to be mapped.

>>> resolve_columns("tickets", {"created_at": "opened_at"})["created_at"]
'opened_at'
>>> resolve_columns("calls")["answered_at"]
'answered_at'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.tables.schema import TABLE_COLUMNS, table_schema

__all__ = [
    "TABLE_COLUMNS",
    "resolve_columns",
    "require_columns",
]

# TABLE_COLUMNS (our column names of each table) is `kpitools.tables.schema.TABLE_COLUMNS`:
# one list, in one place.


def resolve_columns(table: str, columns: Mapping[str, str] | None = None) -> dict[str, str]:
    """Canonical name → actual column name for one kind of table.

    Parameters
    ----------
    table : str
        A table of `kpitools.tables.schema.SCHEMA` (``"tickets"``, ``"calls"``,
        ``"customers"``, ``"agents"``, ``"agent_availability"``, ...); ``"availability"`` is
        accepted for ``"agent_availability"``.
    columns : mapping, optional
        ``{canonical name: your column name}`` for the columns whose names differ.

    Returns
    -------
    dict
        Every canonical name of the table mapped to the column to read.

    Raises
    ------
    ValueError
        An unknown table, or a mapping key that is not a canonical name of that table.
    """
    names = table_schema(table).names
    out = {name: name for name in names}
    for key, actual in (columns or {}).items():
        if key not in out:
            listed = ", ".join(repr(n) for n in names)
            raise ValueError(f"columns: {key!r} is not a column role of the {table} table; "
                             f"valid roles are {listed}")
        if not isinstance(actual, str):
            raise TypeError(f"columns[{key!r}] must be a column name (str), got {actual!r}")
        out[key] = actual
    return out


def require_columns(data: pd.DataFrame, mapping: Mapping[str, str],
                    roles: Iterable[str]) -> None:
    """Raise a `DataValidationError` naming the first of ``roles`` whose column is absent."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(data).__name__}")
    for role in roles:
        actual = mapping[role]
        if actual not in data.columns:
            hint = "" if actual != role else f" (map yours with columns={{{role!r}: ...}})"
            shown = ", ".join(repr(c) for c in list(data.columns)[:20])
            raise DataValidationError(f"column not found{hint}; the data has {shown}",
                                      column=actual)
