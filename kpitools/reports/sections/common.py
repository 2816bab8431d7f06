"""Shared by every report section: display objects, number formats, verdicts, quarters."""

from __future__ import annotations

import base64
import contextlib
import html
import io
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pandas.core.arrays import BaseMaskedArray

from kpitools.core.display import format_number, significance_mark
from kpitools.tables.schema import ANSWER_COUNT

__all__ = ["SURVEY_KPIS", "ReportTable", "ReportFigure", "ReportNote", "ReportSection",
           "section", "previous_quarter", "previous_period", "year_ago", "period_kind",
           "with_periods", "kind_word",
           "verdict", "has_values", "no_data", "label_missing", "date_period_codes"]


#: The survey KPIs of the reports: KPI, column, options for the KPI, label, digits, short name.
SURVEY_KPIS: tuple[dict[str, Any], ...] = (
    {"kpi": "nps", "value": "nps", "options": {}, "label": "NPS", "digits": 1, "name": "NPS"},
    {"kpi": "csat", "value": "csat", "options": {}, "label": "CSAT (% satisfied)",
     "digits": 1, "name": "CSAT"},
    {"kpi": "ces", "value": "ces", "options": {"variant": "ease_1_7_mean"},
     "label": "CES (ease, 1–7)", "digits": 2, "name": "CES"},
)


_SIG_NOTE = ("Stars: * adjusted p < 0.05, ** < 0.01, *** < 0.001 — exactly the rows whose "
             "interval excludes 0 (see How to read the tests).")


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
    absent: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the raw numbers."""
        return self.data.copy()

    def to_html(self) -> str:
        """The table as an HTML fragment (cells are trusted: built escaped)."""
        head = "".join(
            # a long header wraps (white-space:normal) rather than push the table off the page
            f'<th class="{"num" if c in self.numeric else ""}" style="white-space:normal">'
            f"{html.escape(str(c))}</th>"
            for c in self.display.columns)
        body = []
        for row in self.display.itertuples(index=False):
            cells = "".join(
                f'<td class="{"num" if c in self.numeric else "wrap"}">{v}</td>'
                for c, v in zip(self.display.columns, row, strict=True))
            body.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        notes = "".join(f'<p class="kt-note">{html.escape(n)}</p>' for n in self.notes)
        notes += _absent_html(self.absent)
        wide = " kt-wide" if len(self.display.columns) > 8 else ""
        return (f'<div class="kt-table kt-keep{wide}"><table>{caption}'
                f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{notes}</div>')

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # the raw numbers beside the HTML, for --format xlsx/csv (kpitools.reports.runner)
        from kpitools.reports.runner import table_bundle

        return table_bundle([self])

    def __repr__(self) -> str:
        text = self.display.map(_strip_tags) if len(self.display) else self.display
        return ((self.caption + "\n" if self.caption else "") + text.to_string(index=False)
                + "".join("\n" + a for a in self.absent))


@dataclass
class ReportFigure:
    """A matplotlib figure shown as an embedded image (no pyplot state, no duplicate output).

    ``image_format="svg"`` (the default) embeds a vector image, sharp at any zoom and in
    print; its text is text (matplotlib's ``svg.fonttype = "none"``: selectable and
    searchable in the PDF, and a smaller SVG that WeasyPrint draws faster than one glyph
    path per character) in matplotlib's font, DejaVu Sans, with the usual sans-serif
    fonts after it. ``"png"`` embeds a raster at ``dpi``.
    """

    figure: Any
    caption: str = ""
    dpi: int = 130
    absent: list[str] = field(default_factory=list)
    image_format: str = "svg"

    def to_png(self) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=self.dpi, facecolor="white")
        return buf.getvalue()

    def to_svg(self) -> bytes:
        """The figure as SVG bytes (text as text; no metadata date, so reproducible)."""
        import matplotlib

        buf = io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "kpitools"}):
            self.figure.savefig(buf, format="svg", facecolor="white",
                                metadata={"Date": None})
        return buf.getvalue()

    def _repr_html_(self) -> str:
        if self.image_format == "png":
            mime, data = "image/png", base64.b64encode(self.to_png()).decode("ascii")
        else:
            mime, data = "image/svg+xml", base64.b64encode(self.to_svg()).decode("ascii")
        cap = (f'<figcaption class="kt-note">{html.escape(self.caption)}</figcaption>'
               if self.caption else "")
        return (f'<figure class="kt-figure kt-keep" style="margin:0.4em 0">'
                f'<img src="data:{mime};base64,{data}" alt="{html.escape(self.caption)}">'
                f"{cap}</figure>{_absent_html(self.absent)}")

    def __repr__(self) -> str:
        return f"<ReportFigure {self.caption!r}>" + "".join("\n" + a for a in self.absent)


@dataclass
class ReportNote:
    """A section whose data are absent: one line of text (one per absent part), no table,
    no figure.

    Section functions return it instead of an empty table or chart, e.g.
    ``ReportNote("No ticket data in this folder.")``. ``data`` is an empty frame, so code
    that reads ``section.data`` works on every section.

    >>> ReportNote("No NPS answers in 2026Q3.")
    No NPS answers in 2026Q3.
    >>> ReportNote("No CES answers in this folder.")._repr_html_()
    '<p class="kt-nodata">No CES answers in this folder.</p>'
    """

    text: str
    data: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def absent(self) -> list[str]:
        """The lines (one per absent part, like `ReportTable.absent`)."""
        return self.text.splitlines()

    def _repr_html_(self) -> str:
        return _absent_html(self.absent)

    def __repr__(self) -> str:
        return self.text


@dataclass
class ReportSection:
    """Several outputs of one report section shown together, each absent-data line once.

    A section of three parts without data says "No survey data in this folder." once, not
    three times; a line already shown under an earlier part is not repeated under a later
    one. Built by `section`.
    """

    parts: list[Any]

    def _shown(self) -> list[Any]:
        seen: set[str] = set()
        out = []
        for part in self.parts:
            lines = list(getattr(part, "absent", []))
            new = [a for a in lines if a not in seen and not _said_by(a, seen)]
            seen.update(lines)
            if isinstance(part, ReportNote):
                if new:
                    out.append(ReportNote("\n".join(new)))
            elif len(new) != len(lines):
                import dataclasses

                out.append(dataclasses.replace(part, absent=new))
            else:
                out.append(part)
        return out

    def _repr_html_(self) -> str:
        return "".join(p._repr_html_() for p in self._shown())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # the raw numbers of its tables, for --format xlsx/csv (kpitools.reports.runner)
        from kpitools.reports.runner import table_bundle

        return table_bundle(p for p in self._shown() if isinstance(p, ReportTable))

    def __repr__(self) -> str:
        return "\n".join(repr(p) for p in self._shown())


def _said_by(line: str, seen: set[str]) -> bool:
    """Whether an absence line is already said by a broader one: "No ticket data in this
    folder." by "No ticket or call data in this folder."

    >>> _said_by("No ticket data in this folder.", {"No ticket or call data in this folder."})
    True
    >>> _said_by("No ticket data in 2026Q3.", {"No ticket or call data in this folder."})
    False
    """
    import re

    mine = re.fullmatch(r"No (\w+) data in this folder\.", line)
    if not mine:
        return False
    for other in seen:
        broad = re.fullmatch(r"No (.+) data in this folder\.", other)
        if broad and mine.group(1) in broad.group(1).split(" or "):
            return True
    return False


def section(*parts: Any) -> ReportSection:
    """Show the outputs of one report section together, each absent-data line once.

    >>> section(ReportNote("No survey data in this folder."),
    ...         ReportNote("No survey data in this folder."))
    No survey data in this folder.
    >>> section(ReportNote("No ticket or call data in this folder."),
    ...         ReportNote("No ticket data in this folder."))
    No ticket or call data in this folder.
    """
    return ReportSection(list(parts))


def _absent_html(lines: Sequence[str]) -> str:
    return "".join(f'<p class="kt-nodata">{html.escape(a)}</p>' for a in lines)


def weight_column(frame: pd.DataFrame) -> str | None:
    """The column of how many answers each row stands for — ``"answers"`` in a counted
    survey table (`count_answers`) — or None for one row per answer: the ``weight`` of
    `kpitools.summarize` / `kpitools.compare` that counts the answers of ``frame``.

    >>> weight_column(pd.DataFrame({"nps": [9], "answers": [3]})), weight_column(pd.DataFrame())
    ('answers', None)
    """
    return ANSWER_COUNT if ANSWER_COUNT in frame.columns else None


def with_weight(columns: Sequence[str], frame: pd.DataFrame) -> list[str]:
    """``columns`` and, for a counted survey table, its ``answers`` column: the columns to
    keep of ``frame`` for a KPI of its answers.

    >>> with_weight(["team", "nps"], pd.DataFrame({"answers": [1]}))
    ['team', 'nps', 'answers']
    """
    weight = weight_column(frame)
    return [*columns, weight] if weight is not None else list(columns)


def answer_weights(frame: pd.DataFrame) -> np.ndarray:
    """How many answers each row of ``frame`` stands for: its ``answers`` count in a counted
    survey table, else 1.

    >>> answer_weights(pd.DataFrame({"nps": [9, 7], "answers": [3, 1]})).tolist()
    [3, 1]
    """
    if ANSWER_COUNT in frame.columns:
        return frame[ANSWER_COUNT].to_numpy(dtype=np.int64)
    return np.ones(len(frame), dtype=np.int64)


def answer_count(frame: pd.DataFrame, column: str | None = None) -> int:
    """The number of answers in ``frame`` (with a value in ``column`` when given): its rows,
    or the sum of their ``answers`` in a counted survey table.

    >>> counted = pd.DataFrame({"nps": [9, None], "answers": [3, 2]})
    >>> answer_count(counted), answer_count(counted, "nps"), answer_count(counted, "csat")
    (5, 3, 0)
    """
    if column is not None and column not in frame.columns:
        return 0
    if ANSWER_COUNT not in frame.columns:
        return len(frame) if column is None else int(frame[column].notna().sum())
    weights = frame[ANSWER_COUNT].to_numpy(dtype=np.int64)
    if column is None:
        return int(weights.sum())
    return int(weights[frame[column].notna().to_numpy()].sum())


def answers_by(frame: pd.DataFrame, keys: str | list[str]) -> pd.Series:
    """The number of answers of each group of ``keys``: ``frame.groupby(keys).size()``, or
    the sum of a counted survey table's ``answers``.

    >>> answers_by(pd.DataFrame({"team": ["A", "A", "B"], "answers": [2, 3, 1]}), "team")
    team
    A    5
    B    1
    Name: answers, dtype: int64
    """
    if ANSWER_COUNT in frame.columns:
        return frame.groupby(keys)[ANSWER_COUNT].sum()
    return frame.groupby(keys).size()


def has_values(frame: pd.DataFrame, column: str) -> bool:
    """Whether ``frame`` has ``column`` with at least one value that is not missing.

    >>> has_values(pd.DataFrame({"nps": [None, 7]}), "nps"), has_values(pd.DataFrame(), "nps")
    (True, False)
    """
    return column in frame.columns and bool(frame[column].notna().any())


def no_data(what: str, period: str | None = None) -> str:
    """The one line a section shows when its data are absent.

    >>> no_data("ticket data")
    'No ticket data in this folder.'
    >>> no_data("NPS answers", "2026Q3")
    'No NPS answers in 2026Q3.'
    """
    return f"No {what} in {period if period else 'this folder'}."


def label_missing(frame: pd.DataFrame, column: str, label: str | None = None) -> pd.DataFrame:
    """``frame`` with missing values of the key ``column`` shown as ``"(no <column>)"``.

    Rows without a team still count in the company figures and form their own group in
    the per-team tables; they are neither dropped nor a reason to stop the report.

    >>> label_missing(pd.DataFrame({"team": ["A", None]}), "team")["team"].tolist()
    ['A', '(no team)']
    """
    if column not in frame.columns or not frame[column].isna().any():
        return frame
    name = label or f"(no {column})"
    return frame.assign(**{column: frame[column].astype(object).where(frame[column].notna(),
                                                                       name)})


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
              stacked: bool = False, marks: str | None = None) -> str:
    """A change with its marks and interval; ``marks`` (from
    `significance.significance_marks`) replaces the stars of ``p`` when given. A bound that
    excludes zero never prints as zero: it gets up to three more digits."""
    if diff is None or (isinstance(diff, float) and math.isnan(diff)):
        return "–"
    mark = significance_mark(p) if marks is None else marks
    lo_s, hi_s = _bound(lo, digits), _bound(hi, digits)
    return (f"{format_number(diff, digits=digits, signed=True)}{mark}{'<br>' if stacked else ' '}"
            f'<span class="kt-muted">[{lo_s}, {hi_s}]</span>')


def _bound(value: float, digits: int) -> str:
    """An interval bound at ``digits``, with more digits when it would read as zero but is
    not (so that ``[0.0, 1.4]`` is never printed for an interval excluding zero).

    >>> _bound(0.02, 1), _bound(-0.0004, 1), _bound(0.0, 1), _bound(1.26, 1)
    ('0.02', '-0.0004', '0.0', '1.3')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    d = digits
    while value != 0 and round(value, d) == 0 and d < digits + 3:
        d += 1
    return format_number(value, digits=d)


def _fmt_verdict(text: str, diff: float, p: float | bool, alpha: float,
                 higher_is_better: bool | None) -> str:
    """The verdict in colour: green for a significant change for the better, red for the
    worse. ``p`` is the row's significance (bool) or its p-value (significant when
    below ``alpha``)."""
    significant = p if isinstance(p, bool | np.bool_) else bool(p < alpha)
    if higher_is_better is None or not significant:
        return _esc(text)
    good = (diff > 0) == higher_is_better
    return f'<span class="{"kt-good" if good else "kt-bad"}">{_esc(text)}</span>'


def previous_quarter(period: str, lag: int = 1) -> str:
    """The quarter ``lag`` quarters before ``period`` (for any kind of period, the period
    ``lag`` periods of its kind before it: see `previous_period`).

    >>> previous_quarter("2026Q1"), previous_quarter("2026Q3", 4)
    ('2025Q4', '2025Q3')
    """
    return previous_period(period, lag)


def period_kind(period: str) -> str:
    """The kind of a report period label: ``"quarter"``, ``"month"`` or ``"week"``.

    >>> period_kind("2026Q3"), period_kind("2026-03"), period_kind("2026-W14")
    ('quarter', 'month', 'week')
    """
    from kpitools.tables.periods import parse_report_period

    return parse_report_period(period).kind


def kind_word(period: str) -> str:
    """The word for ``period``'s kind, for the text of a table (``"quarter"``, ``"month"``,
    ``"week"``).

    >>> kind_word("2026-03")
    'month'
    """
    return period_kind(period)


def previous_period(period: str, lag: int = 1) -> str:
    """The period ``lag`` periods of the same kind before ``period`` (quarter, month or ISO
    week).

    >>> previous_period("2026Q1"), previous_period("2026-01"), previous_period("2026-W01")
    ('2025Q4', '2025-12', '2025-W52')
    >>> previous_period("2026-03", 2)
    '2026-01'
    """
    from kpitools.tables.periods import parse_report_period

    return str(parse_report_period(period).shift(-lag))


def year_ago(period: str) -> str:
    """The same quarter, month or ISO week one year before ``period`` (week 53 of a year
    whose previous year has 52 weeks: week 52, see
    `kpitools.tables.periods.Period.same_period_last_year`).

    >>> year_ago("2026Q3"), year_ago("2026-03"), year_ago("2026-W53")
    ('2025Q3', '2025-03', '2025-W52')
    """
    from kpitools.tables.periods import parse_report_period

    return str(parse_report_period(period).same_period_last_year())


#: The column saying when a row happened, per table (surveys: a quarter label or a date).
TIME_COLUMNS: dict[str, str] = {"tickets": "created_at", "calls": "offered_at"}


def with_periods(frame: pd.DataFrame, period: str, column: str | None = None) -> pd.DataFrame:
    """``frame`` with a ``period`` column: each row's period of the same kind as ``period``.

    ``column`` names a timestamp column (``created_at`` of tickets, ``offered_at`` of
    calls). Without it the frame is survey-like: for a quarter, its ``quarter`` label (else
    its ``date``); for a month or week, its ``date`` (a row without one, or a table with
    quarter labels only, has no period: missing).

    >>> s = pd.DataFrame({"quarter": ["2026Q1", "2026Q1"], "date": ["2026-01-05", "2026-02-27"]})
    >>> with_periods(s, "2026-02")["period"].tolist()
    ['2026-01', '2026-02']
    >>> with_periods(s, "2026Q1")["period"].tolist()
    ['2026Q1', '2026Q1']
    """
    kind = period_kind(period)
    if column is None:
        if kind == "quarter" and "quarter" in frame.columns:
            return frame.assign(period=quarter_labels(frame["quarter"]))
        column = "date"
    if column not in frame.columns:
        return frame.assign(period=pd.Series(None, index=frame.index, dtype=object))
    return frame.assign(period=date_period_labels(frame[column], kind))


def content_key(frame: pd.DataFrame) -> tuple[Any, ...] | None:
    """A key equal for two frames of equal content (columns, dtypes, index and values), or
    None when pandas cannot hash a column.

    Two frames with the same key hold the same values: numeric, boolean, date and
    categorical columns are keyed by their bytes (a categorical by its categories, order
    and codes), any other column by pandas' hash of each value, all through SHA-256
    (`_digest`). Equal values in other bytes (``-0.0`` and ``0.0``) may give other keys:
    a result is then computed again, never taken for another input.

    >>> content_key(pd.DataFrame({"a": [1]})) == content_key(pd.DataFrame({"a": [1]}))
    True
    >>> content_key(pd.DataFrame({"a": [1]})) == content_key(pd.DataFrame({"a": [2]}))
    False
    """
    import hashlib

    digest = hashlib.sha256()
    try:
        _digest(digest, frame.index)
        for i in range(frame.shape[1]):
            _digest(digest, frame.iloc[:, i])
    except (TypeError, ValueError):
        return None
    return (tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)), len(frame),
            digest.hexdigest())


def _digest(digest: Any, values: pd.Series | pd.Index) -> None:
    """Feed one column (or an index) to ``digest``: its dtype, length and values."""
    dtype = values.dtype
    digest.update(f"|{dtype}|{len(values)}|".encode())
    if isinstance(values, pd.RangeIndex):
        digest.update(f"range {values.start} {values.stop} {values.step}".encode())
        return
    array = values.array
    if isinstance(array, pd.Categorical):
        digest.update(b"ordered" if array.ordered else b"unordered")
        _digest(digest, array.categories)
        _feed_array(digest, array.codes)
        return
    if isinstance(dtype, np.dtype) and dtype.kind in "biufcmM":
        _feed_array(digest, values.to_numpy())
        return
    if isinstance(array, BaseMaskedArray):  # nullable integers, floats, booleans
        _feed_array(digest, array._mask)
        _feed_array(digest, array._data)
        return
    # each value hashed as it is: ``categorize=True`` would factorize them first, ten times
    # slower for ids (5M ticket ids: 2.5 s against 0.25)
    hashed = (pd.util.hash_pandas_object(values, categorize=False)
              if isinstance(values, pd.Index)
              else pd.util.hash_pandas_object(values, index=False, categorize=False))
    _feed_array(digest, hashed.to_numpy())


def _feed_array(digest: Any, values: np.ndarray) -> None:
    """Feed the bytes of a numpy array to ``digest``, integers in the narrowest type that
    holds them all (its name first): the same values give the same bytes, fewer of them.

    >>> import hashlib
    >>> a, b = hashlib.sha256(), hashlib.sha256()
    >>> _feed_array(a, np.array([1, 300])); _feed_array(b, np.array([1, 300], np.int16))
    >>> a.hexdigest() == b.hexdigest()
    True
    """
    if values.dtype.kind in "iu" and values.dtype.itemsize > 1 and values.size:
        low, high = values.min(), values.max()
        for narrow in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32):
            info = np.iinfo(narrow)
            if info.min <= low and high <= info.max:
                if np.dtype(narrow).itemsize < values.dtype.itemsize:
                    values = values.astype(narrow)
                break
    digest.update(f"{values.dtype.str}|".encode())
    digest.update(np.ascontiguousarray(values).view(np.uint8))


class _Unkeyed(Exception):
    """An argument without a content key: the call is computed, not remembered."""


#: While `keys_once` runs: each frame's key by (id, slim), with the frame (so its id stays
#: its own). None outside.
_KEYS_ONCE: dict[tuple[int, bool], tuple[pd.DataFrame, Any]] | None = None


@contextlib.contextmanager
def keys_once() -> Iterator[None]:
    """Within this block each frame's content key (`frame_key`) is computed once: for
    section code that passes the same frames, unchanged, to several remembered sections
    (`executive_summary`). Outside it every call hashes its frames.
    """
    global _KEYS_ONCE
    outer = _KEYS_ONCE
    _KEYS_ONCE = {} if outer is None else outer
    try:
        yield
    finally:
        _KEYS_ONCE = outer


def frame_key(frame: pd.DataFrame, slim: bool) -> Any:
    """`content_key` of ``frame`` (without its identifier columns when ``slim``,
    `section_frame`), once per frame inside `keys_once`."""
    if _KEYS_ONCE is not None and (id(frame), slim) in _KEYS_ONCE:
        return _KEYS_ONCE[id(frame), slim][1]
    key = content_key(section_frame(frame) if slim else frame)
    if _KEYS_ONCE is not None:
        _KEYS_ONCE[id(frame), slim] = (frame, key)
    return key


def _argument_key(value: Any, slim: bool) -> Any:
    if isinstance(value, pd.DataFrame):
        key = frame_key(value, slim)
        if key is None:
            raise _Unkeyed
        return ("frame", key)
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _argument_key(v, slim))
                                     for k, v in value.items())))
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise _Unkeyed


_F = TypeVar("_F", bound=Callable[..., Any])


def remember_results(*, slim: bool = False, kept: int = 8) -> Callable[[_F], _F]:
    """A section of data frames and plain options that returns a copy of its last results
    for input of equal content (`content_key`): the executive summary and the tables under
    it compute each table once. ``slim``: the section reads no identifier column
    (`section_frame`), so they are not part of the key.

    A call with another kind of argument, or a frame pandas cannot hash, is computed every
    time.
    """
    import copy
    import functools
    from collections import OrderedDict

    def decorate(function: _F) -> _F:
        results: OrderedDict[Any, Any] = OrderedDict()

        @functools.wraps(function)
        def remembered(*args: Any, **kwargs: Any) -> Any:
            try:
                key = (tuple(_argument_key(a, slim) for a in args),
                       tuple((k, _argument_key(v, slim)) for k, v in sorted(kwargs.items())))
            except _Unkeyed:
                return function(*args, **kwargs)
            if key not in results:
                results[key] = function(*args, **kwargs)
                while len(results) > kept:
                    results.popitem(last=False)
            results.move_to_end(key)
            return copy.deepcopy(results[key])

        remembered.cache_clear = results.clear  # type: ignore[attr-defined]
        return remembered  # type: ignore[return-value]

    return decorate


#: Survey columns that no section reads (identifiers): a section's working frame leaves them
#: out, so that its filters copy the KPI and label columns only.
UNREAD_SURVEY_COLUMNS: tuple[str, ...] = ("response_id", "customer_id")


def section_frame(surveys: pd.DataFrame) -> pd.DataFrame:
    """``surveys`` without the identifier columns no section reads (`UNREAD_SURVEY_COLUMNS`).

    >>> section_frame(pd.DataFrame({"response_id": ["R1"], "nps": [9]})).columns.tolist()
    ['nps']
    """
    unread = [c for c in UNREAD_SURVEY_COLUMNS if c in surveys.columns]
    return surveys.drop(columns=unread) if unread else surveys


#: Up to this many values, `split_by` finds each value's rows by one comparison per value.
_FEW_VALUES = 8


def split_by(frame: pd.DataFrame, column: str) -> Any:
    """A function of a value giving the rows of ``frame`` whose ``column`` equals it, as
    ``frame[frame[column] == value]`` would (same rows, order and index), from one grouping
    of the frame instead of one scan per value.

    >>> f = pd.DataFrame({"team": ["A", "B", "A"], "x": [1, 2, 3]})
    >>> split_by(f, "team")("A")["x"].tolist(), len(split_by(f, "team")("C"))
    ([1, 3], 0)
    """
    positions: dict[Any, np.ndarray] = {}
    if len(frame):
        codes, uniques = pd.factorize(frame[column], sort=False)
        if len(uniques) <= _FEW_VALUES:  # a few values: one comparison each, no sort
            for i, value in enumerate(uniques):
                positions[value] = np.flatnonzero(codes == i)
        else:
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
            for i, value in enumerate(uniques):
                positions[value] = order[bounds[i]:bounds[i + 1]]
    empty = frame.iloc[:0]

    def rows(value: Any) -> pd.DataFrame:
        where = positions.get(value)
        return empty if where is None else frame.iloc[where]

    return rows


def quarter_labels(values: pd.Series) -> pd.Series:
    """The quarter labels of a ``quarter`` column as text (object dtype), missing where
    missing: each distinct label is converted once (a categorical column by its categories).

    >>> quarter_labels(pd.Series(["2026Q1", None], dtype="category")).tolist()
    ['2026Q1', nan]
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Series(values.cat.categories).astype(object)
        names = categories.where(categories.isna(), categories.astype(str)).to_numpy(object)
        table = np.append(names, np.nan).astype(object)  # code -1 (missing) is the last
        return pd.Series(table[values.cat.codes.to_numpy()], index=values.index,
                         name=values.name, dtype=object)
    labels = values.astype(object)
    return labels.where(labels.isna(), labels.astype(str))


def quarter_codes(frame: pd.DataFrame, period: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The codes of a categorical ``quarter`` column and the quarter label of each code
    (`quarter_labels` of its categories), when the periods of ``period`` are quarters and
    ``frame`` has such a column; None otherwise (the sections then read the ``period``
    labels). Missing quarters have code −1.

    >>> codes, names = quarter_codes(pd.DataFrame({"quarter": pd.Categorical(
    ...     ["2026Q1", None])}), "2026Q1")
    >>> codes.tolist(), names.tolist()
    ([0, -1], ['2026Q1'])
    """
    quarter = frame["quarter"] if "quarter" in frame.columns else None
    if (quarter is None or not isinstance(quarter.dtype, pd.CategoricalDtype)
            or period_kind(period) != "quarter"):
        return None
    names = quarter_labels(pd.Series(quarter.cat.categories)).to_numpy(object)
    return quarter.cat.codes.to_numpy(), names


def period_rows(frame: pd.DataFrame, period: str, wanted: str | Sequence[str], *,
                categories: bool = False) -> pd.DataFrame:
    """The rows of ``frame`` in ``wanted`` (a period or several), with their ``period``
    column: ``with_periods(frame, period)`` then `in_periods`, the same rows, order, index
    and columns; when the periods are quarters of a categorical ``quarter`` column the rows
    are chosen first and only they are labelled.

    ``categories``: the ``period`` column as categories ``wanted`` (`period_categories`,
    for code that groups or compares by it), not as text: no text per row.

    >>> f = pd.DataFrame({"quarter": pd.Categorical(["2026Q1", "2026Q2", None]), "x": [1, 2, 3]})
    >>> period_rows(f, "2026Q2", "2026Q2")
      quarter  x  period
    1  2026Q2  2  2026Q2
    """
    periods = [wanted] if isinstance(wanted, str) else list(wanted)
    if quarter_codes(frame, period) is not None:
        rows = frame[in_periods(frame, period, periods)]
        if categories:
            return rows.assign(period=period_categories(rows, period, periods))
        return with_periods(rows, period)
    labelled = with_periods(frame, period)
    rows = labelled[in_periods(labelled, period, periods)]
    if categories:
        return rows.assign(period=period_categories(rows, period, periods))
    return rows


def period_categories(frame: pd.DataFrame, period: str,
                      wanted: Sequence[str]) -> pd.Categorical:
    """The ``period`` labels of ``frame`` (labelled by `with_periods` for ``period``) as
    categories ``wanted`` (a label not among them is missing): what
    ``pd.Categorical(frame["period"], categories=wanted)`` gives, read from the codes of a
    categorical ``quarter`` column when the periods are quarters. A group column of
    categories is coded without comparing text per row (`kpitools.compare`, `split_by`).

    >>> f = with_periods(pd.DataFrame({"quarter": pd.Categorical(["2026Q1", "2026Q2"])}),
    ...                  "2026Q2")
    >>> period_categories(f, "2026Q2", ["2026Q2", "2026Q1"]).codes.tolist()
    [1, 0]
    """
    wanted = list(wanted)
    quarters = quarter_codes(frame, period)
    if quarters is not None:
        codes, names = quarters
        place = {w: i for i, w in enumerate(wanted)}
        table = np.array([place.get(n, -1) for n in names] + [-1], dtype=np.int64)
        return pd.Categorical.from_codes(table[codes], categories=wanted)
    codes = pd.Index(wanted, dtype=object).get_indexer(frame["period"].astype(object))
    return pd.Categorical.from_codes(codes, categories=wanted)


def distinct_periods(frame: pd.DataFrame, period: str) -> int:
    """How many periods the rows of ``frame`` (labelled by `with_periods` for ``period``)
    lie in: ``frame["period"].nunique()``, from the codes of a categorical ``quarter``
    column when the periods are quarters.

    >>> distinct_periods(with_periods(pd.DataFrame({"quarter": pd.Categorical(
    ...     ["2026Q1", None, "2026Q1"], categories=["2025Q4", "2026Q1"])}), "2026Q1"), "2026Q1")
    1
    """
    quarters = quarter_codes(frame, period)
    if quarters is not None:
        codes, names = quarters
        seen = np.bincount(codes[codes >= 0], minlength=len(names)) > 0
        return len({n for n in names[seen] if isinstance(n, str)})
    return int(frame["period"].nunique())


def text_equals(values: pd.Series, text: str) -> np.ndarray:
    """Which values read ``text`` as text: ``(values.astype(str) == text).to_numpy()``, from
    the categories of a categorical column (each converted once; missing is never equal).

    >>> text_equals(pd.Series(["2026Q1", None, "2026Q2"], dtype="category"), "2026Q1").tolist()
    [True, False, False]
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = pd.Series(values.cat.categories).astype(str).to_numpy(object)
        return code_in(values.cat.codes.to_numpy(), np.asarray(names == text, dtype=bool))
    return np.asarray(values.astype(str) == text, dtype=bool)


def in_periods(frame: pd.DataFrame, period: str, wanted: str | Sequence[str]) -> np.ndarray:
    """Which rows of ``frame`` (labelled by `with_periods` for ``period``) lie in ``wanted``
    (a period or several): ``frame["period"].isin(wanted)``, read from the codes of a
    categorical ``quarter`` column when the periods are quarters (no text compared per row).

    >>> f = with_periods(pd.DataFrame({"quarter": pd.Categorical(["2026Q1", "2026Q2", None])}),
    ...                  "2026Q2")
    >>> in_periods(f, "2026Q2", ["2026Q1", "2026Q2"]).tolist()
    [True, True, False]
    """
    periods = [wanted] if isinstance(wanted, str) else list(wanted)
    quarters = quarter_codes(frame, period)
    if quarters is not None:
        codes, names = quarters
        return code_in(codes, np.array([n in periods for n in names], dtype=bool))
    return frame["period"].isin(periods).to_numpy()


def code_in(codes: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """``hit[codes]`` for the codes of a categorical column (-1, missing: False), by a few
    comparisons when few categories hit or few miss (faster than indexing).

    >>> code_in(np.array([0, 2, -1, 1], dtype=np.int8), np.array([True, False, True])).tolist()
    [True, True, False, False]
    """
    yes, no = np.flatnonzero(hit), np.flatnonzero(~hit)
    if len(yes) <= 3:
        out = np.zeros(len(codes), dtype=bool)
        for code in yes:
            out |= codes == code
        return out
    if len(no) <= 2:
        out = codes >= 0
        for code in no:
            out &= codes != code
        return out
    return np.append(hit, False)[codes]


def date_period_labels(values: pd.Series, kind: str) -> pd.Series:
    """`kpitools.tables.periods.period_labels` of a date or timestamp column (unparseable
    values are missing), labelling each distinct day once."""
    from kpitools.tables.periods import period_labels

    when = pd.to_datetime(values, errors="coerce")
    if len(when) < 10_000 or not isinstance(when, pd.Series):
        return period_labels(when, kind)  # type: ignore[arg-type]
    codes, uniques = _distinct_days(when)
    distinct = pd.Series(uniques).reindex(np.arange(len(uniques) + 1))  # last: missing
    labels = period_labels(distinct, kind)  # type: ignore[arg-type]
    codes = np.where(codes < 0, len(uniques), codes)
    out = labels.take(codes)
    out.index = when.index
    return out


def _distinct_days(when: pd.Series) -> tuple[np.ndarray, Any]:
    """Each timestamp's day (its midnight, in its own time zone) factorized: a period is a
    set of days, so millions of timestamps need a label for each of a few thousand days."""
    if not pd.api.types.is_datetime64_any_dtype(when):
        return pd.factorize(when, use_na_sentinel=True)
    if getattr(when.dt, "tz", None) is not None:  # its own calendar: the wall time
        when = when.dt.tz_localize(None)
    return pd.factorize(when.dt.normalize(), use_na_sentinel=True)


def date_period_codes(values: pd.Series, kind: str, periods: Sequence[str]) -> np.ndarray:
    """Each row's position in ``periods`` (−1: another period, or no date) of the period
    of ``kind`` its date falls in: `date_period_labels` compared with ``periods`` without
    a label per row.

    >>> when = pd.Series(pd.to_datetime(["2026-07-15", "2026-01-02", None, "2026-04-01"]))
    >>> date_period_codes(when, "quarter", ["2026Q3", "2026Q2"]).tolist()
    [0, -1, -1, 1]
    """
    from kpitools.tables.periods import period_labels

    when = pd.to_datetime(values, errors="coerce")
    if not isinstance(when, pd.Series):
        when = pd.Series(when)
    codes, uniques = _distinct_days(when)
    labels = period_labels(pd.Series(uniques), kind)  # type: ignore[arg-type]
    position = pd.Index(list(periods), dtype=object).get_indexer(labels.astype(object))
    return np.where(codes >= 0, np.append(position, -1)[codes], -1)


def verdict(difference: float, pvalue: float, *, unit: str = "points", alpha: float = 0.05,
            digits: int = 1, significant: bool | None = None,
            detectable: float | None = None) -> str:
    """Plain words for a change: ``"up 6.2 points, significant"`` or ``"not significant"``.

    ``significant`` (the row's adjusted interval excludes zero, see
    `kpitools.reports.sections.significance`) decides when given; otherwise ``pvalue <
    alpha``. A change that is not significant reads "not significant", or, with
    ``detectable`` (the minimum detectable change at 80 % power), "inconclusive (could not
    detect less than ±X)": the data cannot tell the change from noise, which is not to say
    that nothing changed.

    >>> verdict(6.23, 0.01)
    'up 6.2 points, significant'
    >>> verdict(-3.0, 0.4)
    'not significant'
    >>> verdict(-3.0, 0.4, detectable=8.04)
    'inconclusive (could not detect less than ±8.0 points)'
    >>> verdict(2.5, 0.001, unit="%")  # percentage points
    'up 2.5 points, significant'
    >>> verdict(-0.25, 0.001, unit="score", digits=2)
    'down 0.25, significant'
    >>> verdict(0.7, 0.04, significant=False)
    'not significant'
    """
    if difference is None or pvalue is None or math.isnan(difference) or math.isnan(pvalue):
        return "no comparison"
    words = {"points": "points", "%": "points", "percentage points": "points",
             "score": ""}.get(unit, unit)
    sig = bool(pvalue < alpha) if significant is None else bool(significant)
    if not sig:
        if detectable is None or math.isnan(detectable):
            return "not significant"
        amount = format_number(abs(detectable), digits=digits)
        return f"inconclusive (could not detect less than ±{amount} {words}".rstrip() + ")"
    direction = "up" if difference > 0 else "down"
    amount = format_number(abs(difference), digits=digits)
    return f"{direction} {amount} {words}".rstrip() + ", significant"


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def present_kpis(surveys: pd.DataFrame) -> list[dict[str, Any]]:
    """The `SURVEY_KPIS` whose column has at least one answer in ``surveys``.

    >>> [s["kpi"] for s in present_kpis(pd.DataFrame({"nps": [None], "csat": [4]}))]
    ['csat']
    """
    return [spec for spec in SURVEY_KPIS if has_values(surveys, spec["value"])]


def survey_absence(surveys: pd.DataFrame, period: str, team: str | None = None) -> str | None:
    """The one line for a survey section without answers, or None when there are some.

    >>> survey_absence(pd.DataFrame(columns=["quarter", "nps"]), "2026Q3")
    'No survey data in this folder.'
    """
    if not len(surveys) or not present_kpis(surveys):
        return no_data("survey data")
    frame = surveys if team is None else surveys[surveys["team"] == team]
    if not len(frame) or not present_kpis(frame):
        return no_data(f"survey answers from team {team}")
    if not _answers_in(frame, period):
        if period_kind(period) != "quarter" and not has_values(frame, "date"):
            return (f"No survey dates in this folder (quarter labels only): no figures for "
                    f"the {kind_word(period)} {period}.")
        return no_data("survey answers", period)
    return None


def _answers_in(frame: pd.DataFrame, period: str) -> bool:
    """Whether ``frame`` has an answer to a survey KPI in ``period``: ``present_kpis`` of
    its rows in ``period`` (`period_rows`), from a mask of the rows when the periods are
    quarters of a categorical ``quarter`` column (no rows taken)."""
    if quarter_codes(frame, period) is not None:
        mine = in_periods(frame, period, period)
        return any(bool(frame[spec["value"]].notna().to_numpy()[mine].any())
                   for spec in SURVEY_KPIS if spec["value"] in frame.columns)
    cur = period_rows(frame[[c for c in frame.columns if c in (
        "quarter", "date", *(spec["value"] for spec in SURVEY_KPIS))]], period, period)
    return bool(present_kpis(cur))


def enough(frame: pd.DataFrame, column: str, minimum: int = 2) -> bool:
    """Whether ``column`` has at least ``minimum`` answers in ``frame`` (to compare with);
    a counted survey table's rows count their ``answers`` (`answer_count`)."""
    return answer_count(frame, column) >= minimum


def _higher_is_better(spec: dict[str, Any]) -> bool:
    """Whether a higher value of a `SURVEY_KPIS` entry is better (CES by its variant)."""
    if spec["kpi"] == "ces":
        from kpitools.kpis.survey import CES_VARIANTS

        return bool(CES_VARIANTS[spec["options"].get("variant", "ease_1_7_mean")]
                    ["higher_is_better"])
    return True
