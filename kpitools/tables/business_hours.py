"""Business-hours durations: elapsed time counted only while the service desk is open.

Support teams are often judged on first response time in *business* hours: a ticket created
on Friday at 18:00 and answered on Monday at 09:30 waited 30 business minutes (with a
Monday–Friday 09:00–17:00 schedule), not 63.5 hours. A `BusinessHours` calendar holds the
weekly schedule (one or more opening intervals per weekday), the holidays and the time zone.

Algorithm (vectorised, no loop over tickets): let ``B(t)`` be the number of business seconds
from a fixed day up to instant ``t``. Then the business duration of ``[start, end]`` is
``B(end) − B(start)``. ``B`` is the cumulative sum of each day's opening seconds up to the
day of ``t`` plus the open seconds of that day before ``t``'s time of day; both are array
look-ups, so 100,000 tickets take milliseconds.

Time zones: time-zone-aware timestamps are converted to the calendar's zone; naive
timestamps are taken to be wall-clock times in that zone already. Opening hours are wall-clock
hours, so a daylight-saving change (which happens at night) does not change them.

>>> hours = BusinessHours.weekdays("09:00", "17:00", holidays=["2026-12-25"],
...                                tz="Europe/Berlin")
>>> start = pd.Series(pd.to_datetime(["2026-07-03 18:00", "2026-07-06 08:00"]))  # Fri, Mon
>>> end = pd.Series(pd.to_datetime(["2026-07-06 09:30", "2026-07-06 10:00"]))
>>> business_seconds(start, end, hours) / 60
array([30., 60.])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BusinessHours", "business_seconds"]

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS = 366 * 200


def _clock(text: Any) -> int:
    """'09:30' → seconds after midnight; '24:00' is allowed as a closing time."""
    if isinstance(text, dt.time):
        return text.hour * 3600 + text.minute * 60 + text.second
    if not isinstance(text, str):
        raise ValueError(f"opening times must be 'HH:MM' strings, got {text!r}")
    parts = text.strip().split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        h, m = int(parts[0]), int(parts[1])
        s = int(parts[2]) if len(parts) == 3 else 0
    except ValueError:
        raise ValueError(f"opening time {text!r} is not 'HH:MM'") from None
    if not (0 <= h <= 24 and 0 <= m < 60 and 0 <= s < 60) or (h == 24 and (m or s)):
        raise ValueError(f"opening time {text!r} is not a clock time 00:00–24:00")
    return h * 3600 + m * 60 + s


def _weekday(key: Any) -> int:
    if isinstance(key, int | np.integer) and 0 <= int(key) <= 6:
        return int(key)
    if isinstance(key, str) and key.strip().lower()[:3] in _DAY_NAMES:
        return _DAY_NAMES.index(key.strip().lower()[:3])
    raise ValueError(f"weekday {key!r} is not valid; use 0–6 (Monday = 0) or a day name "
                     "such as 'mon'")


@dataclass(frozen=True)
class BusinessHours:
    """A weekly opening schedule with holidays, in one time zone.

    Parameters
    ----------
    schedule : mapping
        Weekday (0 = Monday … 6 = Sunday, or ``"mon"`` … ``"sun"``) → one ``("09:00",
        "17:00")`` interval or a list of them (e.g. a lunch break). Weekdays not listed are
        closed.
    holidays : sequence of date-like, default ()
        Days on which the desk is closed all day (local dates).
    tz : str, optional
        IANA time zone of the schedule (e.g. ``"Europe/Berlin"``). Time-zone-aware
        timestamps are converted to it; naive timestamps are assumed to be in it.

    Examples
    --------
    >>> BusinessHours({"mon": [("09:00", "12:00"), ("13:00", "17:00")]}).weekly_hours
    7.0
    """

    schedule: Mapping[Any, Any]
    holidays: Sequence[Any] = ()
    tz: str | None = None
    _starts: np.ndarray = field(init=False, repr=False, compare=False)
    _ends: np.ndarray = field(init=False, repr=False, compare=False)
    _holidays: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        per_day: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
        for key, spans in self.schedule.items():
            day = _weekday(key)
            if isinstance(spans, tuple) and len(spans) == 2 and isinstance(spans[0], str):
                spans = [spans]
            for span in spans:
                if len(span) != 2:
                    raise ValueError(f"opening interval {span!r} must be (open, close)")
                a, b = _clock(span[0]), _clock(span[1])
                if b <= a:
                    raise ValueError(f"opening interval {span!r}: closing time must be after "
                                     "opening time")
                per_day[day].append((a, b))
        width = max(1, max(len(v) for v in per_day.values()))
        starts = np.zeros((7, width))
        ends = np.zeros((7, width))
        for day, spans in per_day.items():
            spans.sort()
            for i in range(1, len(spans)):
                if spans[i][0] < spans[i - 1][1]:
                    raise ValueError(f"opening intervals overlap on {_DAY_NAMES[day]}: "
                                     f"{spans}")
            for i, (a, b) in enumerate(spans):
                starts[day, i], ends[day, i] = a, b
        if self.tz is not None:
            pd.Timestamp("2026-01-01").tz_localize(self.tz)  # raises on an unknown zone
        hol = pd.to_datetime(pd.Series(list(self.holidays), dtype=object), errors="raise")
        hol_days = np.unique(hol.dt.normalize().to_numpy(dtype="datetime64[D]"))
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_ends", ends)
        object.__setattr__(self, "_holidays", hol_days)

    @classmethod
    def weekdays(cls, open: str = "09:00", close: str = "17:00", *,
                 holidays: Iterable[Any] = (), tz: str | None = None) -> BusinessHours:
        """Monday–Friday from ``open`` to ``close``."""
        return cls({d: (open, close) for d in range(5)}, holidays=tuple(holidays), tz=tz)

    @property
    def weekly_hours(self) -> float:
        """Opening hours in a week without holidays."""
        return float((self._ends - self._starts).sum() / 3600.0)

    def _local_naive(self, values: pd.Series) -> pd.Series:
        t = pd.to_datetime(values)
        if getattr(t.dt, "tz", None) is not None:
            t = t.dt.tz_convert(self.tz or "UTC").dt.tz_localize(None)
        return t

    def _cumulative(self, t: pd.Series, day0: np.datetime64, cum: np.ndarray,
                    holiday: np.ndarray) -> np.ndarray:
        values = t.to_numpy(dtype="datetime64[ns]")
        missing = np.isnat(values)
        days = values.astype("datetime64[D]")
        idx = (days - day0).astype(np.int64)
        idx[missing] = 0
        tod = (values - days.astype("datetime64[ns]")).astype(np.int64) / 1e9
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        weekday[missing] = 0
        spans = self._ends[weekday] - self._starts[weekday]
        within = np.clip(tod[:, None] - self._starts[weekday], 0.0, spans).sum(axis=1)
        within = np.where(holiday[idx], 0.0, within)
        out = cum[idx] + within
        out[missing] = np.nan
        return out

    def seconds(self, start: Any, end: Any) -> np.ndarray:
        """Business seconds between ``start`` and ``end`` (element-wise; NaN if missing)."""
        return business_seconds(start, end, self)


def business_seconds(start: Any, end: Any, hours: BusinessHours) -> np.ndarray:
    """Business seconds elapsed from each ``start`` to its ``end``.

    Parameters
    ----------
    start, end : Series or array-like of datetime
        Same length. Missing values give NaN. An ``end`` before its ``start`` gives a
        negative number (the KPI functions reject those rows first).
    hours : BusinessHours

    Returns
    -------
    numpy.ndarray of float seconds.

    Notes
    -----
    ``B(end) − B(start)`` with ``B(t) = Σ_{days d < day(t)} open(d) + open seconds of day(t)
    before t``, where ``open(d)`` is 0 on holidays. Vectorised over all rows.
    """
    s = hours._local_naive(pd.Series(start).reset_index(drop=True))
    e = hours._local_naive(pd.Series(end).reset_index(drop=True))
    if len(s) != len(e):
        raise ValueError(f"start and end must have the same length, got {len(s)} and {len(e)}")
    both = pd.concat([s, e])
    if both.notna().sum() == 0:
        return np.full(len(s), np.nan)
    first = both.min().to_datetime64().astype("datetime64[D]")
    last = both.max().to_datetime64().astype("datetime64[D]")
    n_days = int((last - first).astype(np.int64)) + 1
    if n_days > _MAX_DAYS:
        raise ValueError(f"timestamps span {n_days} days (from {first} to {last}); check for "
                         "mis-parsed dates")
    days = first + np.arange(n_days)
    weekday = (days.astype(np.int64) + 3) % 7
    holiday = np.isin(days, hours._holidays)
    daily = np.where(holiday, 0.0, (hours._ends - hours._starts).sum(axis=1)[weekday])
    cum = np.concatenate([[0.0], np.cumsum(daily)[:-1]])
    b_start = hours._cumulative(s, first, cum, holiday)
    b_end = hours._cumulative(e, first, cum, holiday)
    return b_end - b_start
