"""Calendar periods: ISO weeks ("2026-W14"), months ("2026-07"), quarters ("2026Q3") and
years ("2026").

A `Period` knows its first instant (``start``), the first instant after it (``end``, so a
period is the half-open interval ``[start, end)``), the previous period and the same period
one year earlier. `period_labels` turns a column of timestamps into period labels in one
vectorised call.

>>> p = parse_period("2026Q3")
>>> p.start, p.end
(Timestamp('2026-07-01 00:00:00'), Timestamp('2026-10-01 00:00:00'))
>>> str(p.previous()), str(p.same_period_last_year()), p.days
('2026Q2', '2025Q3', 92)
>>> str(parse_period("2026-01").previous())
'2025-12'

Weeks are ISO 8601 weeks (Monday to Sunday; week 1 is the week with the year's first
Thursday), as `datetime.date.isocalendar` and pandas' ``Series.dt.isocalendar`` number them:

>>> w = parse_period("2026-W01")
>>> w.start, str(w.previous()), str(w.same_period_last_year())
(Timestamp('2025-12-29 00:00:00'), '2025-W52', '2025-W01')
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

# pandas, numpy and kpitools.core.validation (which loads pandas) are imported inside the
# functions that use them: parsing a quarter (``kpitools report --period``) stays pure Python,
# so that the command line refuses a bad --period without loading pandas.
if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "Period",
    "PERIOD_KINDS",
    "parse_period",
    "parse_quarter",
    "parse_report_period",
    "QUARTER_FORMS",
    "REPORT_PERIOD_FORMS",
    "iso_weeks_in_year",
    "period_labels",
    "period_range",
]

PeriodKind = Literal["week", "month", "quarter", "year"]
PERIOD_KINDS: tuple[str, ...] = ("week", "month", "quarter", "year")

_PATTERNS = (
    (re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$"), "week"),
    (re.compile(r"^(\d{4})Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"^(\d{4})$"), "year"),
)
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
#: The spellings of a quarter that `parse_quarter` accepts (case-insensitive ``Q``).
QUARTER_FORMS: tuple[str, ...] = ("2026Q3", "2026-Q3")
#: The forms of a report period that `parse_report_period` accepts.
REPORT_PERIOD_FORMS: tuple[str, ...] = ("2026Q3", "2026-Q3", "2026-07", "2026-W14")
_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}


def iso_weeks_in_year(year: int) -> int:
    """Number of ISO weeks (52 or 53) of ISO year ``year``.

    >>> iso_weeks_in_year(2026), iso_weeks_in_year(2020)
    (53, 53)
    >>> iso_weeks_in_year(2025)
    52
    """
    return _dt.date(year, 12, 28).isocalendar()[1]


@dataclass(frozen=True, order=True)
class Period:
    """One ISO week, calendar month, quarter or year.

    Attributes
    ----------
    kind : {"week", "month", "quarter", "year"}
    year : int
        The calendar year; for a week the ISO year (2026-W01 starts on 2025-12-29).
    number : int
        ISO week 1–52 (or 53), month 1–12, quarter 1–4, or 1 for a year.

    Periods of one kind sort in time order (``order=True`` compares kind, year, number).
    """

    kind: str
    year: int
    number: int = 1

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_KINDS:
            from kpitools.core.validation import check_choice

            check_choice("kind", self.kind, PERIOD_KINDS)
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year must be in 1–9999, got {self.year!r}")
        top = (iso_weeks_in_year(self.year) if self.kind == "week"
               else {"month": 12, "quarter": 4, "year": 1}[self.kind])
        if not 1 <= self.number <= top:
            where = f" of {self.year}" if self.kind == "week" else ""
            raise ValueError(f"{self.kind} number{where} must be in 1–{top}, got "
                             f"{self.number!r}")

    def __str__(self) -> str:
        if self.kind == "week":
            return f"{self.year}-W{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.number}"
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        return f"{self.year}"

    @property
    def _first_month(self) -> int:
        return (self.number - 1) * _MONTHS_PER[self.kind] + 1

    @property
    def start(self) -> pd.Timestamp:
        """First instant of the period (midnight of its first day, time-zone naive)."""
        import pandas as pd

        if self.kind == "week":
            return pd.Timestamp(_dt.date.fromisocalendar(self.year, self.number, 1))
        return pd.Timestamp(year=self.year, month=self._first_month, day=1)

    @property
    def months(self) -> int:
        """Number of calendar months in the period (1, 3 or 12).

        >>> parse_period("2026Q3").months
        3

        Raises
        ------
        ValueError
            For a week, which is no whole number of months.
        """
        if self.kind == "week":
            raise ValueError(f"period {str(self)!r} is a week, not a whole number of months")
        return _MONTHS_PER[self.kind]

    @property
    def end(self) -> pd.Timestamp:
        """First instant *after* the period (the period is ``[start, end)``)."""
        import pandas as pd

        if self.kind == "week":
            return self.start + pd.Timedelta(days=7)
        return self.start + pd.DateOffset(months=_MONTHS_PER[self.kind])

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return int((self.end - self.start).days)

    def shift(self, n: int) -> Period:
        """The period ``n`` steps later (earlier for negative ``n``), of the same kind.

        >>> str(parse_period("2026-W53").shift(1)), str(parse_period("2026-03").shift(-3))
        ('2027-W01', '2025-12')
        """
        if self.kind == "week":
            monday = _dt.date.fromisocalendar(self.year, self.number, 1)
            year, week, _ = (monday + _dt.timedelta(weeks=int(n))).isocalendar()
            return Period("week", int(year), int(week))
        per_year = 12 // _MONTHS_PER[self.kind]
        index = self.year * per_year + (self.number - 1) + int(n)
        return Period(self.kind, index // per_year, index % per_year + 1)

    def previous(self) -> Period:
        """The period just before this one (2026Q1 → 2025Q4)."""
        return self.shift(-1)

    def same_period_last_year(self) -> Period:
        """The same week/month/quarter one year earlier (2026Q3 → 2025Q3, 2026-W14 →
        2025-W14).

        For a week, the week of the same ISO number in the previous ISO year; week 53 of a
        year whose previous year has only 52 weeks maps to week 52 of that year.

        >>> str(parse_period("2026-W53").same_period_last_year())
        '2025-W52'
        """
        if self.kind == "week":
            return Period("week", self.year - 1,
                          min(self.number, iso_weeks_in_year(self.year - 1)))
        return Period(self.kind, self.year - 1, self.number)

    def contains(self, timestamps: Any) -> np.ndarray:
        """Boolean mask: which (time-zone-naive) timestamps fall in ``[start, end)``."""
        import pandas as pd

        t = pd.to_datetime(pd.Series(timestamps))
        return ((t >= self.start) & (t < self.end)).to_numpy(dtype=bool)


def parse_period(value: Any, *, kind: PeriodKind | None = None) -> Period:
    """Parse ``"2026-W14"``, ``"2026Q3"``, ``"2026-07"`` or ``"2026"`` into a `Period`.

    Parameters
    ----------
    value : str or Period
        An ISO week ``YYYY-Www``, a quarter ``YYYYQn``, a month ``YYYY-MM`` or a year
        ``YYYY``. Nothing else is accepted (no "Q3 2026", no "2026-7", no "2026W14"): a label
        that could mean two things is an error.
    kind : {"week", "month", "quarter", "year"}, optional
        Require this kind of period.

    Raises
    ------
    ValueError
        A label in none of the four forms (or a week 53 of a year with 52 weeks), or of the
        wrong kind.

    Examples
    --------
    >>> parse_period("2026-07")
    Period(kind='month', year=2026, number=7)
    >>> parse_period("2026-W14")
    Period(kind='week', year=2026, number=14)
    >>> parse_period("2026q3")
    Traceback (most recent call last):
    ...
    ValueError: period '2026q3' is not valid; use a quarter '2026Q3', a month '2026-07', ...
    """
    if kind is not None:
        from kpitools.core.validation import check_choice

        check_choice("kind", kind, PERIOD_KINDS)
    period = value if isinstance(value, Period) else _match_period(value)
    if kind is not None and period.kind != kind:
        raise ValueError(f"period {str(period)!r} is a {period.kind}, expected a {kind}")
    return period


def _match_period(value: Any) -> Period:
    text = value.strip() if isinstance(value, str) else ""
    for pattern, found_kind in _PATTERNS:
        match = pattern.match(text)
        if match:
            number = int(match.group(2)) if found_kind != "year" else 1
            try:
                return Period(found_kind, int(match.group(1)), number)
            except ValueError as err:  # 2025-W53: 2025 has 52 ISO weeks
                raise ValueError(f"period {value!r} is not valid: {err}") from None
    raise ValueError(f"period {value!r} is not valid; use a quarter '2026Q3', a month "
                     "'2026-07', an ISO week '2026-W14' or a year '2026'")


def parse_quarter(value: Any) -> Period:
    """Parse a quarter label, refusing anything that is not plainly one quarter.

    Parameters
    ----------
    value : str or Period
        ``"2026Q3"`` or ``"2026-Q3"`` (the ``Q`` in either case; surrounding blanks are
        ignored), or a quarter `Period`.

    Returns
    -------
    Period
        A period of kind ``"quarter"``.

    Raises
    ------
    ValueError
        For a year (``"2026"``: which quarter?), a month (``"2026-07"``), a date, a
        two-digit year (``"26Q3"``) or anything else; the message lists the accepted forms.
        pandas (``pd.Period("2026", freq="Q")``) would silently read the first three as a
        quarter (2026Q1, 2026Q3, 2026Q3).

    Examples
    --------
    >>> str(parse_quarter("2026-Q3")), str(parse_quarter("2026q4"))
    ('2026Q3', '2026Q4')
    >>> parse_quarter("2026")
    Traceback (most recent call last):
    ...
    ValueError: period '2026' is a year, not a quarter: give the quarter, as 2026Q3 or 2026-Q3
    """
    if isinstance(value, Period):
        if value.kind != "quarter":
            raise ValueError(f"period {str(value)!r} is a {value.kind}, not a quarter: "
                             f"{_QUARTER_HELP}")
        return value
    text = value.strip() if isinstance(value, str) else None
    match = _QUARTER.match(text) if text is not None else None
    if match:
        return Period("quarter", int(match.group(1)), int(match.group(2)))
    what = "not a quarter"
    if text is not None:
        for pattern, found_kind in _PATTERNS:
            if found_kind != "quarter" and pattern.match(text):
                what = f"a {found_kind}, not a quarter"
        if re.match(r"^\d{4}-\d{1,2}-\d{1,2}", text):
            what = "a date, not a quarter"
    raise ValueError(f"period {value!r} is {what}: {_QUARTER_HELP}")


_QUARTER_HELP = "give the quarter, as " + " or ".join(QUARTER_FORMS)
_REPORT_HELP = ("give a quarter (2026Q3 or 2026-Q3), a month (2026-07) or an ISO week "
                "(2026-W14)")


def parse_report_period(value: Any) -> Period:
    """Parse a report period: one quarter, month or ISO week, never a year or a date.

    Pure Python (no pandas), for ``kpitools report --period``.

    Parameters
    ----------
    value : str or Period
        A quarter (``"2026Q3"``, ``"2026-Q3"``, the ``Q`` in either case), a month
        (``"2026-07"``) or an ISO week (``"2026-W14"``, also ``"2026W14"`` and ``"2026-w14"``);
        surrounding blanks are ignored.

    Returns
    -------
    Period
        Of kind ``"quarter"``, ``"month"`` or ``"week"``; ``str()`` gives the canonical label.

    Raises
    ------
    ValueError
        For a year (``"2026"``: which quarter, month or week?), a date, a week that the year
        does not have (``"2025-W53"``) or anything else; the message lists the accepted forms.

    Examples
    --------
    >>> [str(parse_report_period(v)) for v in ("2026-q3", "2026-03", "2026w14")]
    ['2026Q3', '2026-03', '2026-W14']
    >>> parse_report_period("2026")
    Traceback (most recent call last):
    ...
    ValueError: period '2026' is a year, which is ambiguous here: give a quarter (2026Q3 or ...
    """
    if isinstance(value, Period):
        if value.kind == "year":
            raise ValueError(f"period {str(value)!r} is a year, which is ambiguous here: "
                             f"{_REPORT_HELP}")
        return value
    text = value.strip() if isinstance(value, str) else None
    if text is not None:
        if _QUARTER.match(text):
            return parse_quarter(text)
        week = _WEEK.match(text)
        if week:
            try:
                return Period("week", int(week.group(1)), int(week.group(2)))
            except ValueError as err:
                raise ValueError(f"period {value!r} is not a week: {err}") from None
        if re.match(r"^(\d{4})-(0[1-9]|1[0-2])$", text):
            return _match_period(text)
        if re.match(r"^\d{4}$", text):
            raise ValueError(f"period {value!r} is a year, which is ambiguous here: "
                             f"{_REPORT_HELP}")
        if re.match(r"^\d{4}-\d{1,2}-\d{1,2}", text):
            raise ValueError(f"period {value!r} is a date, not a period: {_REPORT_HELP}")
    raise ValueError(f"period {value!r} is not a quarter, month or week: {_REPORT_HELP}")


def period_labels(timestamps: Any, kind: PeriodKind = "quarter") -> pd.Series:
    """Label each timestamp with its calendar period (vectorised).

    Parameters
    ----------
    timestamps : Series or array-like of datetime
        Time-zone-aware values are labelled in their own time zone's calendar.
    kind : {"week", "month", "quarter", "year"}, default "quarter"
        ``"week"`` gives ISO weeks (``"2026-W14"``), numbered as pandas'
        ``Series.dt.isocalendar`` does (the ISO year of 2025-12-29 is 2026).

    Returns
    -------
    Series of str (missing timestamps give missing labels), with the input's index.

    Examples
    --------
    >>> import pandas as pd
    >>> period_labels(pd.Series(pd.to_datetime(["2026-07-15", "2026-12-31"]))).tolist()
    ['2026Q3', '2026Q4']
    >>> period_labels(pd.to_datetime(["2026-07-15"]), "month").tolist()
    ['2026-07']
    >>> period_labels(pd.to_datetime(["2025-12-29", "2026-04-05"]), "week").tolist()
    ['2026-W01', '2026-W14']
    """
    import pandas as pd

    from kpitools.core.validation import check_choice

    check_choice("kind", kind, PERIOD_KINDS)
    series = pd.Series(timestamps) if not isinstance(timestamps, pd.Series) else timestamps
    t = pd.to_datetime(series)
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    year = t.dt.year
    month = t.dt.month
    if kind == "week":
        iso = t.dt.isocalendar()
        labels = iso["year"].astype("Int64").astype(str) + "-W" + iso["week"].astype(
            "Int64").astype(str).str.zfill(2)
    elif kind == "quarter":
        labels = year.astype("Int64").astype(str) + "Q" + ((month - 1) // 3 + 1).astype(
            "Int64").astype(str)
    elif kind == "month":
        labels = year.astype("Int64").astype(str) + "-" + month.astype("Int64").astype(
            str).str.zfill(2)
    else:
        labels = year.astype("Int64").astype(str)
    values = labels.to_numpy(dtype=object)
    values[t.isna().to_numpy()] = None
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def period_range(first: Any, last: Any) -> list[Period]:
    """Every period from ``first`` to ``last`` inclusive (both of the same kind).

    >>> [str(p) for p in period_range("2025Q4", "2026Q2")]
    ['2025Q4', '2026Q1', '2026Q2']
    """
    a, b = parse_period(first), parse_period(last)
    if a.kind != b.kind:
        raise ValueError(f"period_range needs two periods of the same kind, got {a.kind} "
                         f"{str(a)!r} and {b.kind} {str(b)!r}")
    if b < a:
        raise ValueError(f"period_range: {str(b)!r} is before {str(a)!r}")
    out = [a]
    while out[-1] != b:
        out.append(out[-1].shift(1))
    return out
