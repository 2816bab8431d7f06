"""Interpretation bands and targets: plain-words context for a KPI value.

The default bands are the ones quoted by the catalogue's sources; every report owner can
replace them with their own targets.

>>> interpret("nps", 35.0)
'fine but not satisfying'
>>> Target("csat", 80.0).status(83.2)
'met'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Band", "DEFAULT_BANDS", "interpret", "Target"]


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
