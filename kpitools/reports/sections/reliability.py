"""Scale reliability: Cronbach's alpha with Feldt's interval for each multi-item scale of the
survey answers — one line in a report, nothing when the data have no such scale.

A scale is either given (``scales``: name → item columns) or found among the survey
columns that are not ours (the ``extra`` columns of a mapping): numeric items on a small
scale (whole numbers from 0 to 10) whose names differ only by a trailing number
(``q1, q2, q3``; ``reliability_1, reliability_2``; SERVQUAL's ``e_r1, e_r2``), at least two
per scale. `kpitools.kpis.survey.cronbach_alpha` computes alpha and its interval (Feldt
1965; Feldt, Woodruff & Salih 1987).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from kpitools.core.display import format_number
from kpitools.tables.schema import ANSWER_COUNT

__all__ = ["ScaleReliability", "find_scales", "scale_reliability"]


@dataclass
class ScaleReliability:
    """The "Scale reliability" line of a report and its numbers.

    ``data``: one row per scale — ``scale``, then the columns of
    `kpitools.kpis.survey.ReliabilityEstimate.to_frame` (``estimate, ci_low, ci_high,
    confidence_level, method, n, k, n_excluded``).
    """

    text: str
    data: pd.DataFrame = field(default_factory=pd.DataFrame)

    def _repr_html_(self) -> str:
        return f'<p class="kt-note kt-reliability">{html.escape(self.text)}</p>'

    def __repr__(self) -> str:
        return self.text

#: Survey columns that are never scale items.
_OURS = {"response_id", "customer_id", "team", "channel", "quarter", "date", "nps", "csat",
         "ces", "period", "agent", "ticket_id", "competitor", ANSWER_COUNT}
_STEM = re.compile(r"^(?P<stem>.*?\D)[ _\-.]?(?P<number>\d+)$")


def _likert(values: pd.Series) -> pd.Series | None:
    """The column as numbers when it is whole numbers within 0–10 (text allowed), else None."""
    present = values.dropna()
    if not len(present):
        return None
    numbers = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
    if numbers.isna().any() or not ((numbers >= 0) & (numbers <= 10)).all() or not (
            numbers == numbers.round()).all():
        return None
    return pd.to_numeric(values.astype(object).where(values.notna(), None), errors="coerce")


def find_scales(surveys: pd.DataFrame) -> dict[str, list[str]]:
    """Multi-item scales among the columns of ``surveys`` that are not ours: numbered item
    columns (``q1, q2``; ``reliability_1, reliability_2``) of whole numbers 0–10, two or
    more per scale.

    >>> df = pd.DataFrame({"nps": [9, 7], "q1": [4, 5], "q2": ["3", "5"], "note": ["a", "b"]})
    >>> find_scales(df)
    {'q': ['q1', 'q2']}
    """
    groups: dict[str, list[str]] = {}
    for col in surveys.columns:
        name = str(col)
        m = _STEM.match(name)
        if name in _OURS or m is None or _likert(surveys[col]) is None:
            continue
        groups.setdefault(m.group("stem").rstrip(" _-."), []).append(name)
    return {stem: cols for stem, cols in groups.items() if len(cols) >= 2}


def scale_reliability(surveys: pd.DataFrame, *, period: str | None = None,
                      team: str | None = None,
                      scales: Mapping[str, Sequence[str]] | None = None,
                      confidence_level: float = 0.95) -> ScaleReliability | None:
    """One "Scale reliability" line: Cronbach's alpha of each multi-item scale with its
    Feldt interval, on the answers of ``period`` (all answers when None) and ``team``; None
    (nothing to show) when there is no multi-item scale.

    ``scales`` names the scales and their item columns (e.g. the SERVQUAL items of a
    dimension, or the airline survey's 1–5 service ratings); without it they are found by
    `find_scales`. A respondent missing an item is left out of that scale (their number is
    in the line).

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> base = rng.integers(1, 6, 200)
    >>> df = pd.DataFrame({f"q{i}": np.clip(base + rng.integers(-1, 2, 200), 1, 5)
    ...                    for i in range(1, 4)})
    >>> print(scale_reliability(df))
    Scale reliability: q (3 items, n = 200): Cronbach's α = 0.92, 95 % CI 0.90 to 0.94 (Feldt).
    >>> scale_reliability(df[["q1"]]) is None
    True
    """
    from kpitools.kpis.survey import cronbach_alpha

    frame = surveys
    if team is not None and "team" in frame.columns:
        frame = frame[frame["team"] == team]
    if period is not None:
        from kpitools.reports.sections import common

        if hasattr(common, "with_periods"):  # quarters, months and weeks
            labelled = common.with_periods(frame, period)
            frame = frame[(labelled["period"] == period).to_numpy()]
        elif "quarter" in frame.columns:
            frame = frame[frame["quarter"].astype(str) == period]
    found = ({k: list(v) for k, v in scales.items()} if scales is not None
             else find_scales(surveys))
    if found and ANSWER_COUNT in frame.columns:  # a counted survey table: one row per answer
        frame = frame.loc[frame.index.repeat(frame[ANSWER_COUNT].to_numpy())]
    parts, rows = [], []
    for name, cols in found.items():
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise KeyError(f"scale {name!r}: no column {missing[0]!r} in the survey answers")
        if len(cols) < 2:
            continue
        items = pd.DataFrame({c: _likert(frame[c]) if _likert(frame[c]) is not None
                              else frame[c] for c in cols})
        res = cronbach_alpha(items, confidence_level=confidence_level)
        rows.append(res.to_frame().drop(columns="kpi").assign(scale=name))
        if res.estimate != res.estimate:
            parts.append(f"{name} ({res.k} items, n = {res.n:,}): Cronbach's α cannot be "
                         "computed (too few complete answers or no variation)")
            continue
        left = f", {res.n_excluded:,} with a missing item left out" if res.n_excluded else ""
        parts.append(f"{name} ({res.k} items, n = {res.n:,}{left}): Cronbach's α = "
                     f"{format_number(res.estimate, digits=2)}, "
                     f"{confidence_level:.0%} CI {format_number(res.ci_low, digits=2)} to "
                     f"{format_number(res.ci_high, digits=2)} (Feldt)".replace("% CI",
                                                                              " % CI"))
    if not parts:
        return None
    data = pd.concat(rows, ignore_index=True)
    data = data[["scale", *[c for c in data.columns if c != "scale"]]]
    return ScaleReliability("Scale reliability: " + "; ".join(parts) + ".", data)
