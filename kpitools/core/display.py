"""Number formats for display. Returned data is never rounded; only display code uses these."""

from __future__ import annotations

import math

__all__ = ["format_number", "format_ci", "format_pvalue", "significance_mark"]


def format_number(value: float, *, digits: int = 1, signed: bool = False) -> str:
    """Format a number for display: ``format_number(12.345) == '12.3'``.

    >>> format_number(-3.14159, digits=2, signed=True)
    '-3.14'
    >>> format_number(float("nan"))
    '–'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "+" if signed else ""
    return f"{value:{sign},.{digits}f}"


def format_ci(low: float, high: float, *, digits: int = 1) -> str:
    """Format an interval as ``[low, high]``.

    >>> format_ci(1.234, 5.678)
    '[1.2, 5.7]'
    """
    return f"[{format_number(low, digits=digits)}, {format_number(high, digits=digits)}]"


def format_pvalue(p: float) -> str:
    """Format a p-value: three significant figures, ``<0.001`` below that.

    >>> format_pvalue(0.04567)
    '0.0457'
    >>> format_pvalue(1e-6)
    '<0.001'
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    if p < 0.001:
        return "<0.001"
    return f"{p:.3g}"


def significance_mark(p: float) -> str:
    """Stars for a p-value: ``***`` < 0.001, ``**`` < 0.01, ``*`` < 0.05, else ``''``.

    >>> significance_mark(0.003)
    '**'
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    if p < 0.001:
        return "***"
    if p < 0.01:
        return "**"
    if p < 0.05:
        return "*"
    return ""
