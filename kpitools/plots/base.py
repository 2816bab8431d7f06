"""Helpers shared by every plot module: the palette, the Axes to draw on, input checks.

The KPI plots (`kpitools.plots.kpis`) and the research plots (`kpitools.research.plots`)
both build on these, so that every figure looks and fails the same way.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> ax = get_axes(None, (4.0, 3.0))
>>> get_axes(ax, (1.0, 1.0)) is ax
True
>>> require_frame([1, 2], ["x"], "plot_x")
Traceback (most recent call last):
...
TypeError: plot_x needs a pandas DataFrame, got list
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpitools.core.errors import DataValidationError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["PALETTE", "get_axes", "plain_text", "require_frame"]

#: Colours used across the plots (colour-blind safe, Okabe–Ito).
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                            "#F0E442", "#000000")


def get_axes(ax: Any, figsize: tuple[float, float]) -> Axes:
    """Return ``ax``, or the Axes of a new constrained-layout figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return new_ax


def require_frame(df: Any, columns: Sequence[str], what: str) -> pd.DataFrame:
    """Return ``df`` if it is a DataFrame holding ``columns``; otherwise raise.

    Raises
    ------
    TypeError
        ``df`` is not a pandas DataFrame.
    DataValidationError
        A column is missing (``column`` names the first one); ``what`` names the caller.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} needs a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataValidationError(f"{what} needs the columns {', '.join(missing)}; the frame has "
                                  f"{', '.join(map(str, df.columns))}", column=missing[0])
    return df


#: Control characters other than newline (C0, DEL, C1): no font has a glyph for them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")




def plain_text(value: Any) -> str:
    r"""``value`` as text that matplotlib draws literally (for labels, ticks, legends, titles).

    matplotlib typesets text with an even number of unescaped ``$`` as mathtext: ``$x$``
    would be drawn as an italic x and ``$\invalidcommand$`` raises a parse error when the
    figure is drawn. Every ``$`` is therefore escaped as ``\$``, which matplotlib draws as a
    plain dollar sign; a backslash is special only before ``$``, so an existing ``\$`` is
    kept too (``\`` then ``\$``). Tabs become spaces and other control characters (no font
    has a glyph for them; matplotlib warns) become U+FFFD "�"; newlines are kept.

    Parameters
    ----------
    value : Any
        A name or label; non-strings are converted with ``str``.

    Returns
    -------
    str

    Notes
    -----
    With ``rcParams["text.usetex"] = True`` all text is LaTeX and this escaping is not
    enough; kpitools never sets that option.

    Examples
    --------
    >>> plain_text("$x$")
    '\\$x\\$'
    >>> plain_text("Returns & Co\tLtd")
    'Returns & Co Ltd'
    """
    text = str(value).replace("\t", " ")
    return _CONTROL.sub("\ufffd", text).replace("$", "\\$")
