"""Calendar periods: months ("2026-07"), quarters ("2026Q3") and years ("2026").

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
"""

from __future__ import annotations

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
    "QUARTER_FORMS",
    "period_labels",
    "period_range",
]

PeriodKind = Literal["month", "quarter", "year"]
PERIOD_KINDS: tuple[str, ...] = ("month", "quarter", "year")

_PATTERNS = (
    (re.compile(r"^(\d{4})Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"^(\d{4})$"), "year"),
)
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
#: The spellings of a quarter that `parse_quarter` accepts (case-insensitive ``Q``).
QUARTER_FORMS: tuple[str, ...] = ("2026Q3", "2026-Q3")
_PANDAS_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}
_MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True, order=True)
class Period:
    """One calendar month, quarter or year.

    Attributes
    ----------
    kind : {"month", "quarter", "year"}
    year : int
    number : int
        Month 1–12, quarter 1–4, or 1 for a year.
    """

    kind: str
    year: int
    number: int = 1

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_KINDS:
            from kpitools.core.validation import check_choice

            check_choice("kind", self.kind, PERIOD_KINDS)
        top = {"month": 12, "quarter": 4, "year": 1}[self.kind]
        if not 1 <= self.number <= top:
            raise ValueError(f"{self.kind} number must be in 1–{top}, got {self.number!r}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year must be in 1–9999, got {self.year!r}")

    def __str__(self) -> str:
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

        return pd.Timestamp(year=self.year, month=self._first_month, day=1)

    @property
    def months(self) -> int:
        """Number of calendar months in the period (1, 3 or 12).

        >>> parse_period("2026Q3").months
        3
        """
        return _MONTHS_PER[self.kind]

    @property
    def end(self) -> pd.Timestamp:
        """First instant *after* the period (the period is ``[start, end)``)."""
        import pandas as pd

        return self.start + pd.DateOffset(months=_MONTHS_PER[self.kind])

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return int((self.end - self.start).days)

    def shift(self, n: int) -> Period:
        """The period ``n`` steps later (earlier for negative ``n``), of the same kind."""
        per_year = 12 // _MONTHS_PER[self.kind]
        index = self.year * per_year + (self.number - 1) + int(n)
        return Period(self.kind, index // per_year, index % per_year + 1)

    def previous(self) -> Period:
        """The period just before this one (2026Q1 → 2025Q4)."""
        return self.shift(-1)

    def same_period_last_year(self) -> Period:
        """The same month/quarter one year earlier (2026Q3 → 2025Q3)."""
        return Period(self.kind, self.year - 1, self.number)

    def contains(self, timestamps: Any) -> np.ndarray:
        """Boolean mask: which (time-zone-naive) timestamps fall in ``[start, end)``."""
        import pandas as pd

        t = pd.to_datetime(pd.Series(timestamps))
        return ((t >= self.start) & (t < self.end)).to_numpy(dtype=bool)


def parse_period(value: Any, *, kind: PeriodKind | None = None) -> Period:
    """Parse ``"2026Q3"``, ``"2026-07"`` or ``"2026"`` into a `Period`.

    Parameters
    ----------
    value : str or Period
        A quarter ``YYYYQn``, a month ``YYYY-MM`` or a year ``YYYY``. Nothing else is
        accepted (no "Q3 2026", no "2026-7"): a label that could mean two things is an error.
    kind : {"month", "quarter", "year"}, optional
        Require this kind of period.

    Raises
    ------
    ValueError
        A label in none of the three forms, or of the wrong kind.

    Examples
    --------
    >>> parse_period("2026-07")
    Period(kind='month', year=2026, number=7)
    >>> parse_period("2026q3")
    Traceback (most recent call last):
    ...
    ValueError: period '2026q3' is not valid; use a quarter '2026Q3', a month '2026-07' or ...
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
            return Period(found_kind, int(match.group(1)), number)
    raise ValueError(f"period {value!r} is not valid; use a quarter '2026Q3', a month "
                     "'2026-07' or a year '2026'")


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


def period_labels(timestamps: Any, kind: PeriodKind = "quarter") -> pd.Series:
    """Label each timestamp with its calendar period (vectorised).

    Parameters
    ----------
    timestamps : Series or array-like of datetime
        Time-zone-aware values are labelled in their own time zone's calendar.
    kind : {"month", "quarter", "year"}, default "quarter"

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
    if kind == "quarter":
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
