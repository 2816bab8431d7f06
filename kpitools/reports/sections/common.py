"""Shared by every report section: display objects, number formats, verdicts, quarters."""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kpitools.core.display import format_number, significance_mark

__all__ = ["SURVEY_KPIS", "ReportTable", "ReportFigure", "previous_quarter", "verdict"]


#: The survey KPIs of the reports: name, column, options for the KPI, label, digits, target
#: direction.
SURVEY_KPIS: tuple[dict[str, Any], ...] = (
    {"kpi": "nps", "value": "nps", "options": {}, "label": "NPS", "digits": 1},
    {"kpi": "csat", "value": "csat", "options": {}, "label": "CSAT (% satisfied)",
     "digits": 1},
    {"kpi": "ces", "value": "ces", "options": {"variant": "ease_1_7_mean"},
     "label": "CES (ease, 1–7)", "digits": 2},
)


_SIG_NOTE = "Significance: * p < 0.05, ** p < 0.01, *** p < 0.001."


@dataclass
class ReportTable:
    """A report table: raw numbers in ``data`` and a formatted, escaped HTML rendering.

    Attributes
    ----------
    data : pandas.DataFrame
        Tidy, unrounded numbers (what tests and further analysis use).
    display : pandas.DataFrame
        One HTML fragment per cell, already escaped/formatted; its columns are the headers.
    caption : str
        Plain-text caption (escaped when rendered).
    notes : list of str
        Plain-text notes printed under the table.
    numeric : list of str
        Display columns aligned right.
    """

    data: pd.DataFrame
    display: pd.DataFrame
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the raw numbers."""
        return self.data.copy()

    def to_html(self) -> str:
        """The table as an HTML fragment (cells are trusted: built escaped)."""
        head = "".join(
            f'<th class="{"num" if c in self.numeric else ""}">{html.escape(str(c))}</th>'
            for c in self.display.columns)
        body = []
        for row in self.display.itertuples(index=False):
            cells = "".join(
                f'<td class="{"num" if c in self.numeric else "wrap"}">{v}</td>'
                for c, v in zip(self.display.columns, row, strict=True))
            body.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        notes = "".join(f'<p class="kt-note">{html.escape(n)}</p>' for n in self.notes)
        wide = " kt-wide" if len(self.display.columns) > 8 else ""
        return (f'<div class="kt-table kt-keep{wide}"><table>{caption}'
                f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{notes}</div>')

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = self.display.map(_strip_tags) if len(self.display) else self.display
        return (self.caption + "\n" if self.caption else "") + text.to_string(index=False)


@dataclass
class ReportFigure:
    """A matplotlib figure shown as an embedded PNG (no pyplot state, no duplicate output)."""

    figure: Any
    caption: str = ""
    dpi: int = 130

    def to_png(self) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=self.dpi, facecolor="white")
        return buf.getvalue()

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.to_png()).decode("ascii")
        cap = (f'<figcaption class="kt-note">{html.escape(self.caption)}</figcaption>'
               if self.caption else "")
        return (f'<figure class="kt-figure kt-keep" style="margin:0.4em 0">'
                f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.caption)}">'
                f"{cap}</figure>")

    def __repr__(self) -> str:
        return f"<ReportFigure {self.caption!r}>"


def _strip_tags(value: Any) -> str:
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", str(value)))


def _new_figure(width: float, height: float, nrows: int = 1, ncols: int = 1) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    with_style(fig)
    return fig, axes


def with_style(fig: Any) -> None:
    """Readable print sizes for a report figure."""
    for ax in fig.axes:
        ax.tick_params(labelsize=8)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _fmt_ci(est: float, lo: float, hi: float, digits: int, stacked: bool = False) -> str:
    if est is None or (isinstance(est, float) and math.isnan(est)):
        return "–"
    return (f"{format_number(est, digits=digits)}{'<br>' if stacked else ' '}"
            f'<span class="kt-muted">[{format_number(lo, digits=digits)}, '
            f"{format_number(hi, digits=digits)}]</span>")


def _fmt_diff(diff: float, lo: float, hi: float, p: float, digits: int,
              stacked: bool = False) -> str:
    if diff is None or (isinstance(diff, float) and math.isnan(diff)):
        return "–"
    mark = significance_mark(p)
    return (f"{format_number(diff, digits=digits, signed=True)}{mark}{'<br>' if stacked else ' '}"
            f'<span class="kt-muted">[{format_number(lo, digits=digits)}, '
            f"{format_number(hi, digits=digits)}]</span>")


def _fmt_verdict(text: str, diff: float, p: float, alpha: float,
                 higher_is_better: bool | None) -> str:
    if higher_is_better is None or not (p < alpha):
        return _esc(text)
    good = (diff > 0) == higher_is_better
    return f'<span class="{"kt-good" if good else "kt-bad"}">{_esc(text)}</span>'


def previous_quarter(period: str, lag: int = 1) -> str:
    """The quarter ``lag`` quarters before ``period``.

    >>> previous_quarter("2026Q1"), previous_quarter("2026Q3", 4)
    ('2025Q4', '2025Q3')
    """
    return str(pd.Period(period, freq="Q") - lag)


def verdict(difference: float, pvalue: float, *, unit: str = "points", alpha: float = 0.05,
            digits: int = 1) -> str:
    """Plain words for a change: ``"up 6.2 points, significant"`` or ``"no real change"``.

    >>> verdict(6.23, 0.01)
    'up 6.2 points, significant'
    >>> verdict(-3.0, 0.4)
    'no real change'
    >>> verdict(2.5, 0.001, unit="%")  # percentage points
    'up 2.5 points, significant'
    >>> verdict(-0.25, 0.001, unit="score", digits=2)
    'down 0.25, significant'
    """
    if difference is None or pvalue is None or math.isnan(difference) or math.isnan(pvalue):
        return "no comparison"
    if pvalue >= alpha:
        return "no real change"
    words = {"points": "points", "%": "points", "percentage points": "points",
             "score": ""}.get(unit, unit)
    direction = "up" if difference > 0 else "down"
    amount = format_number(abs(difference), digits=digits)
    return f"{direction} {amount} {words}".rstrip() + ", significant"


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)
