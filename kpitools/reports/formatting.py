"""Any tidy frame or result as a report table formatted like the quarterly report's.

The report sections build their tables cell by cell; the research and explore notebooks show
library output (`kpitools.summarize`, ``result.to_frame()``, regression tables) whose raw
form prints six-decimal floats, ``4.426228e-07`` and columns cut off the page. `format_table`
turns such a frame into a `ReportTable` with the same look and the same number rules:

- ``ci_low``/``ci_high`` become one interval column ``[a, b]`` headed "95% CI" (the level
  from the ``confidence_level`` column);
- p-values (``pvalue``, ``pvalue_adjusted``, ``*_pvalue``) read ``< 0.001`` below 0.001,
  else three decimals;
- other numbers get a fixed number of decimals chosen per column from its size (none for
  whole numbers, thousands separated), tiny ones as ``4.43 × 10⁻⁷``; missing is "–";
- columns that hold one value in every row and only describe the method
  (``confidence_level``, ``method``, ``ci_method``, ``unit``, ``alternative``,
  ``p_adjust_method``, ``p_adjust_scope``, ``measure``, ``test``, ``null_value``, ``kpi``)
  move to a note under the table, so that the table fits the page; ``pvalue_adjusted`` equal
  to ``pvalue`` in every row (one test) is not repeated; a single row of more than eight
  columns is shown as an item/value list; tables of more than eight columns print in a
  smaller font.

``table.data`` keeps the raw, unrounded frame (all columns): that is what ``--format xlsx``
and ``--format csv`` write.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"team": ["A", "B"], "estimate": [12.3456, -4.0],
...                       "ci_low": [2.5, -14.25], "ci_high": [22.1, 6.0],
...                       "pvalue": [4.426228e-07, 0.34412], "n": [1200, 80],
...                       "confidence_level": [0.95, 0.95], "method": ["wilson", "wilson"]})
>>> table = format_table(frame, caption="NPS by team")
>>> table
NPS by team
Team Estimate         95% CI       p     n
   A    12.35  [2.50, 22.10] < 0.001 1,200
   B    -4.00 [-14.25, 6.00]   0.344    80
>>> table.notes
['95% confidence; method: wilson.']
>>> table.data["pvalue"].iloc[0]  # the raw numbers stay
np.float64(4.426228e-07)
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from kpitools.reports.sections.common import ReportFigure, ReportTable

__all__ = ["format_table", "format_value", "format_p", "show_figure", "METHOD_COLUMNS"]

#: Columns that describe how a row was computed; one value in every row moves to a note.
METHOD_COLUMNS: tuple[str, ...] = ("kpi", "confidence_level", "method", "ci_method", "unit",
                                   "alternative", "p_adjust_method", "p_adjust_scope",
                                   "measure", "test", "null_value")

#: More display columns than this in one row: the row is shown as an item/value list.
_MAX_COLUMNS = 8
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_HEADERS = {"pvalue": "p", "pvalue_adjusted": "p (adjusted)", "n_excluded": "excluded",
            "ci_method": "CI method", "n": "n", "df": "df"}


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_p(p: Any) -> str:
    """A p-value for a report: ``"< 0.001"`` below 0.001, else three decimals.

    >>> format_p(4.426228e-07), format_p(0.0449), format_p(float("nan"))
    ('< 0.001', '0.045', '–')
    """
    if _missing(p):
        return "–"
    p = float(p)
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _is_pvalue(column: str) -> bool:
    return column in ("p", "pvalue", "p_value") or column.startswith("pvalue") \
        or column.endswith("_pvalue")


def _digits(values: pd.Series) -> int:
    """Decimals for a column of floats: none for whole numbers, else by typical size."""
    finite = pd.to_numeric(values, errors="coerce").astype(float)
    finite = finite[finite.map(math.isfinite)]
    if not len(finite):
        return 1
    if bool((finite == finite.round()).all()) and float(finite.abs().max()) < 1e15:
        return 0
    size = float(finite.abs().median())
    if size >= 100:
        return 1
    if size >= 0.1:
        return 2
    return 3


def format_value(value: Any, digits: int = 2) -> str:
    """One cell as text: numbers with ``digits`` decimals and thousands separators, tiny
    numbers as ``a.bc × 10⁻ᵏ``, infinity as ``∞``, missing as ``–``, booleans yes/no,
    dates in ISO 8601.

    >>> format_value(1234567.891, 1), format_value(4.426228e-07), format_value(None)
    ('1,234,567.9', '4.43 × 10⁻⁷', '–')
    >>> format_value(float("-inf")), format_value(True), format_value(3, 0)
    ('−∞', 'yes', '3')
    >>> format_value(0.0027, 2)  # not "0.00": two significant digits
    '0.0027'
    """
    if _missing(value):
        return "–"
    if isinstance(value, bool) or (hasattr(value, "dtype") and str(value.dtype) == "bool"):
        return "yes" if bool(value) else "no"
    if isinstance(value, pd.Timestamp | _dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M")
    if isinstance(value, _dt.date):
        return value.isoformat()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if isinstance(value, str):
        return value
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    if number != 0 and abs(number) < 0.001 and (digits > 0 or not float(number).is_integer()):
        mantissa, exponent = f"{number:.2e}".split("e")
        return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    if number != 0 and round(number, digits) == 0:  # would print as 0: two significant digits
        return f"{number:.2g}"
    return f"{number:,.{digits}f}"


def _format_any(value: Any) -> str:
    """A cell of a text column, which may also hold numbers (an ``item, value`` table)."""
    if isinstance(value, bool) or _missing(value) or isinstance(value, str):
        return format_value(value)
    if isinstance(value, int | float) or hasattr(value, "dtype"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        if number.is_integer():
            return format_value(number, 0)
        return format_value(number, _digits(pd.Series([number])))
    return format_value(value)


def _header(column: str) -> str:
    if column in _HEADERS:
        return _HEADERS[column]
    text = column.replace("_", " ")
    return text[:1].upper() + text[1:]


def format_table(table: Any, *, caption: str = "", notes: Sequence[str] = (),
                 digits: dict[str, int] | None = None, index: bool | None = None) -> ReportTable:
    """A `ReportTable` of a tidy frame (or of any result with ``to_frame()``), formatted
    like the quarterly report's tables (see the module notes for the rules).

    Parameters
    ----------
    table : DataFrame or object with ``to_frame()``
        The raw numbers; kept unchanged as ``.data``.
    caption : str, default ""
        Caption above the table.
    notes : sequence of str, default ()
        Notes under the table (a note listing the constant method columns is added).
    digits : dict of str to int, optional
        Decimals for given columns, instead of the automatic choice.
    index : bool, optional
        Keep the frame's index as leading columns; default only when it is named or not a
        plain 0..n-1 range.

    Returns
    -------
    ReportTable
    """
    frame = table.to_frame() if hasattr(table, "to_frame") and not isinstance(
        table, pd.DataFrame | pd.Series) else table
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"format_table needs a DataFrame or a result with to_frame(), got "
                        f"{type(table).__name__}")
    keep_index = index if index is not None else (
        not isinstance(frame.index, pd.RangeIndex) or any(n is not None
                                                         for n in frame.index.names))
    raw = frame.reset_index() if keep_index else frame.reset_index(drop=True)
    raw.columns = ["_".join(map(str, c)) if isinstance(c, tuple) else str(c)
                   for c in raw.columns]
    digits = dict(digits or {})
    note_parts = []
    shown = list(raw.columns)
    single_test = ({"pvalue", "pvalue_adjusted"} <= set(shown)
                   and raw["pvalue"].equals(raw["pvalue_adjusted"]))
    if single_test:
        # one test: nothing to adjust, so neither the adjusted p-value nor its method
        shown = [c for c in shown
                 if c not in ("pvalue_adjusted", "p_adjust_method", "p_adjust_scope")]
    for column in METHOD_COLUMNS:
        if column in shown and len(raw) and raw[column].nunique(dropna=False) == 1:
            value = raw[column].iloc[0]
            shown.remove(column)
            if _missing(value):
                continue
            if column == "confidence_level":
                note_parts.append(f"{float(value):.0%} confidence")
            else:
                name = {"kpi": "KPI", "ci_method": "CI method",
                        "p_adjust_method": "p-value adjustment",
                        "p_adjust_scope": "adjusted within",
                        "null_value": "null value"}.get(column, column)
                note_parts.append(f"{name}: {value}")
    level = (raw["confidence_level"].iloc[0] if "confidence_level" in raw.columns and len(raw)
             and raw["confidence_level"].nunique() == 1 else None)
    cells: dict[str, list[str]] = {}
    numeric: list[str] = []
    for column in shown:
        values = raw[column]
        if column == "ci_high" and "ci_low" in shown:
            continue
        if column == "ci_low" and "ci_high" in shown:
            d = digits.get(column, _digits(pd.concat([values, raw["ci_high"]])))
            head = f"{float(level):.0%} CI" if level is not None and not _missing(level) \
                else "CI"
            cells[head] = [
                "–" if _missing(lo) and _missing(hi)
                else f"[{format_value(lo, d)}, {format_value(hi, d)}]"
                for lo, hi in zip(values, raw["ci_high"], strict=True)]
            numeric.append(head)
            continue
        head = _header(column)
        if _is_pvalue(column):
            cells[head] = [format_p(v) for v in values]
            numeric.append(head)
        elif pd.api.types.is_bool_dtype(values.dtype):
            cells[head] = [format_value(bool(v)) if not _missing(v) else "–" for v in values]
        elif pd.api.types.is_integer_dtype(values.dtype):
            cells[head] = [format_value(v, 0) for v in values]
            numeric.append(head)
        elif pd.api.types.is_numeric_dtype(values.dtype):
            d = digits.get(column, _digits(values))
            cells[head] = [format_value(v, d) for v in values]
            numeric.append(head)
        else:
            cells[head] = [_format_any(v) for v in values]
    display = pd.DataFrame(cells, index=range(len(raw)))
    if len(display) == 1 and len(display.columns) > _MAX_COLUMNS:
        # one wide row (a test result) reads better, and fits the page, as a list
        display = pd.DataFrame({"Item": list(display.columns),
                                "Value": list(display.iloc[0])})
        numeric = []
    escaped = display.map(html.escape) if len(display) else display
    text_notes = list(notes)
    if note_parts:
        text_notes.append("; ".join(note_parts) + ".")
    return ReportTable(data=frame if not keep_index else raw, display=escaped,
                       caption=caption, notes=text_notes, numeric=numeric)


def show_figure(plot: Any, caption: str = "") -> ReportFigure:
    """A matplotlib Axes or Figure as a report figure (SVG), closed in pyplot so that the
    notebook does not show it a second time.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> show_figure(ax, "A plot").to_svg()[:5]
    b'<?xml'
    """
    figure = plot.get_figure() if hasattr(plot, "get_figure") and not hasattr(
        plot, "savefig") else plot
    figure = getattr(figure, "figure", figure) if not hasattr(figure, "savefig") else figure
    try:
        import matplotlib.pyplot as plt

        plt.close(figure)
    except Exception:  # noqa: BLE001 - a figure outside pyplot has nothing to close
        pass
    return ReportFigure(figure, caption=caption)
