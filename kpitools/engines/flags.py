"""The yes/no KPIs of tickets on any engine: the flag column and the check of the ids.

``escalation_rate``, ``reopen_rate`` and ``conversion_rate`` decide each ticket from one
yes/no column, so they are classified value by value like the answer scales
(`kpitools.engines.statistics`): each distinct flag value through the KPI's own code. Two
things stay on the engine: which column holds the flag (``value=``, else ``columns=``, else
the default name), and that no ticket id repeats — pandas leaves out every repeat after the
first, which depends on the order of the rows, and an engine's rows have none: a repeated id
is refused, saying how many.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from kpitools.core.errors import DataValidationError
from kpitools.engines.frames import as_lazy, engine_name
from kpitools.tables.columns import resolve_columns

__all__ = ["FLAG_KPIS", "check_unique_ids_on_engine", "flag_column"]

#: The ticket KPIs decided from one yes/no column, and the role of that column.
FLAG_KPIS: dict[str, str] = {"escalation_rate": "escalated", "reopen_rate": "reopened",
                             "conversion_rate": "converted"}


def flag_column(frame: Any, kpi: str, value: str | None, names: list[str],
                options: dict[str, Any]) -> str:
    """The flag column of ``kpi`` (after checking on the engine that no ticket id repeats).

    Raises
    ------
    DataValidationError
        The flag column is missing, or a ticket id appears more than once.
    """
    cols = resolve_columns("tickets", options.get("columns"))
    column = value if value is not None else cols[FLAG_KPIS[kpi]]
    if column not in names:
        raise DataValidationError(f"column not found for KPI {kpi!r}; columns are "
                                  f"{names[:20]}", column=column)
    check_unique_ids_on_engine(frame, cols["ticket_id"], names)
    return column


def check_unique_ids_on_engine(frame: Any, ids: str, names: list[str]) -> None:
    """Refuse a repeated id in column ``ids`` (if the frame has it), counted on the engine.

    Raises
    ------
    DataValidationError
        An id appears more than once (saying how many repeats).
    """
    if ids not in names:
        return
    counted = (as_lazy(frame).filter(~nw.col(ids).is_null())
               .select(nw.len().alias("rows"), nw.col(ids).n_unique().alias("ids"))
               .collect().to_pandas())
    rows, distinct = int(counted["rows"].iloc[0]), int(counted["ids"].iloc[0])
    if rows != distinct:
        raise DataValidationError(
            f"column {ids!r}: {rows - distinct} repeated ids (each id must appear once); "
            f"pandas leaves out each repeat after the first, which depends on the order "
            f"of the rows, and a {engine_name(frame)} frame has none: deduplicate on the "
            "engine first (or collect the frame to pandas)", column=ids)
