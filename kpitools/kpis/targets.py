"""Interpretation bands and targets: plain-words context for a KPI value.

The default bands are the ones quoted by the catalogue's sources; every report owner can
replace them with their own targets.

>>> interpret("nps", 35.0)
'fine but not satisfying'
>>> Target("csat", 80.0).status(83.2)
'met'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Band", "DEFAULT_BANDS", "interpret", "Target", "GroupTargets", "as_seconds"]


@dataclass(frozen=True)
class Band:
    """A half-open range ``[low, high)`` of KPI values and its label."""

    low: float
    high: float
    label: str


#: Bands quoted by the catalogue's sources (NPS in points, CSAT and answer rate in %).
DEFAULT_BANDS: dict[str, tuple[Band, ...]] = {
    "nps": (
        Band(-100.0, 0.0, "very bad"),
        Band(0.0, 45.0, "fine but not satisfying"),
        Band(45.0, 70.0, "strong loyalty"),
        Band(70.0, 100.0001, "near perfect"),
    ),
    "enps": (
        Band(-100.0, 0.0, "very bad"),
        Band(0.0, 45.0, "fine but not satisfying"),
        Band(45.0, 70.0, "strong loyalty"),
        Band(70.0, 100.0001, "near perfect"),
    ),
    "csat": (Band(0.0, 80.0, "below 80 %"), Band(80.0, 100.0001, "very good")),
    "answer_rate": (Band(0.0, 80.0, "below the 80 % ideal"), Band(80.0, 100.0001, "ideal")),
}


def interpret(kpi: str, value: float, bands: Sequence[Band] | None = None) -> str:
    """Label ``value`` with the band it falls in (``""`` when no band covers it).

    Parameters
    ----------
    kpi : str
        KPI name, used to pick the default bands.
    value : float
        The KPI value in its unit.
    bands : sequence of Band, optional
        Your own bands; defaults to ``DEFAULT_BANDS[kpi]``.
    """
    chosen = bands if bands is not None else DEFAULT_BANDS.get(kpi, ())
    for band in chosen:
        if band.low <= value < band.high:
            return band.label
    return ""


@dataclass(frozen=True)
class Target:
    """A target for a KPI, with the direction in which it is better.

    ``status`` says ``"met"`` or ``"missed"`` for a point estimate; ``status_ci`` uses the
    interval: ``"met"`` when the whole interval is on the good side, ``"missed"`` when it is
    wholly on the bad side, ``"unclear"`` otherwise.

    >>> t = Target("frt_median", 60.0, higher_is_better=False)
    >>> t.status(45.0), t.status_ci(50.0, 70.0)
    ('met', 'unclear')
    """

    kpi: str
    value: float
    higher_is_better: bool = True

    def _good(self, x: float) -> bool:
        return x >= self.value if self.higher_is_better else x <= self.value

    def status(self, estimate: float) -> str:
        """``"met"`` or ``"missed"`` for a point estimate."""
        return "met" if self._good(estimate) else "missed"

    def status_ci(self, ci_low: float, ci_high: float) -> str:
        """``"met"``, ``"missed"`` or ``"unclear"`` from a confidence interval."""
        if self._good(ci_low) and self._good(ci_high):
            return "met"
        if not self._good(ci_low) and not self._good(ci_high):
            return "missed"
        return "unclear"


_UNIT_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}


@dataclass(frozen=True)
class GroupTargets:
    """Targets that differ by group: one per value of the column ``by``, and a default.

    Used as the SLA threshold of `kpitools.sla_attainment` (``target=GroupTargets(...)``, or
    ``target={"P1": "1h", "P2": "4h"}, target_by="priority"``), and built from the
    ``[targets]`` table of a data folder with `from_table`.

    Attributes
    ----------
    by : str
        The column whose values pick the target (e.g. ``"priority"``).
    values : mapping
        Group value → target: a number (in ``unit``) or a duration text that
        ``pandas.Timedelta`` reads (``"1h"``, ``"30min"``, ``"2 days"``).
    default : number or str, optional
        The target of every group not in ``values``; without it such rows have no target.
    unit : {"seconds", "minutes", "hours", "days"}, optional
        Unit of the numbers; None leaves it to the caller (``target_unit``).
    kpi : str, optional
        The name of the target in the ``[targets]`` table.

    >>> t = GroupTargets("priority", {"P1": "1h", "P2": 240}, unit="minutes")
    >>> t.seconds_for(["P1", "P2", "P3"]).tolist()
    [3600.0, 14400.0, nan]
    """

    by: str
    values: Mapping[Any, float | str]
    default: float | str | None = None
    unit: str | None = None
    kpi: str | None = None

    @classmethod
    def from_table(cls, targets: Any, kpi: str) -> GroupTargets:
        """The targets named ``kpi`` of a targets table (``ServiceData.targets``: columns
        ``kpi, table, by, group, target, unit``; a row with no ``group`` is the default).

        Raises
        ------
        ValueError
            No row of that name (the message lists the names there are), or rows that
            disagree on ``by`` or ``unit``.

        >>> import pandas as pd
        >>> table = pd.DataFrame({"kpi": ["resolution_hours"] * 3, "table": "tickets",
        ...                       "by": "priority", "group": ["1 - Critical", "2 - High", None],
        ...                       "target": [4.0, 8.0, 48.0], "unit": "hours"})
        >>> GroupTargets.from_table(table, "resolution_hours").seconds_for(
        ...     ["2 - High", "3 - Moderate"]).tolist()
        [28800.0, 172800.0]
        """
        import pandas as pd

        rows = targets[targets["kpi"] == kpi]
        if not len(rows):
            names = sorted(set(targets["kpi"].dropna().astype(str)))
            raise ValueError(f"no target named {kpi!r} in the targets table; names there: "
                             f"{names}")
        by = {v for v in rows["by"] if pd.notna(v)}
        unit = {v for v in rows["unit"] if pd.notna(v)}
        if len(by) != 1:
            raise ValueError(f"targets {kpi!r}: per-group targets need one by column, got "
                             f"{sorted(by)}")
        if len(unit) > 1:
            raise ValueError(f"targets {kpi!r}: the rows disagree on the unit: {sorted(unit)}")
        has_group = rows["group"].notna()
        default = rows.loc[~has_group, "target"]
        return cls(by=by.pop(), values=dict(zip(rows.loc[has_group, "group"],
                                                rows.loc[has_group, "target"], strict=True)),
                   default=float(default.iloc[-1]) if len(default) else None,
                   unit=unit.pop() if unit else None, kpi=kpi)

    def seconds_for(self, groups: Any, unit: str | None = None) -> Any:
        """The target in seconds of each group value (NaN where there is none).

        Numbers are read in ``self.unit``, else in ``unit`` (default minutes).
        """
        import numpy as np

        chosen = self.unit or unit or "minutes"
        if chosen not in _UNIT_SECONDS:
            raise ValueError(f"unit={chosen!r} is not valid; choose one of "
                             f"{', '.join(_UNIT_SECONDS)}")
        table = {k: as_seconds(v, chosen, what=f"target of {self.by}={k!r}")
                 for k, v in self.values.items()}
        fallback = (np.nan if self.default is None
                    else as_seconds(self.default, chosen, what="default target"))
        return np.array([table.get(g, fallback) if not _is_missing(g) else np.nan
                         for g in groups], dtype=float)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def as_seconds(value: Any, unit: str, *, what: str = "target") -> float:
    """A threshold in seconds: a number in ``unit``, or a duration text (``"1h"``,
    ``"30min"``, ``"2 days"``) read by ``pandas.Timedelta``.

    >>> as_seconds("1h", "minutes"), as_seconds(90, "minutes"), as_seconds("1h30m", "hours")
    (3600.0, 5400.0, 5400.0)
    """
    import pandas as pd

    if isinstance(value, str):
        try:
            seconds = pd.Timedelta(value.strip()).total_seconds()
        except ValueError:
            raise ValueError(f"{what}: {value!r} is not a duration such as '1h', '30min' or "
                             "'2 days'") from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number or a duration text, got {value!r}")
    else:
        seconds = float(value) * _UNIT_SECONDS[unit]
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"{what} must be a non-negative duration, got {value!r}")
    return float(seconds)
