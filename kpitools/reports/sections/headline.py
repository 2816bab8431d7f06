"""Headline section: the survey KPIs of the quarter against the previous quarter and a year
before, with verdicts and target status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_number, format_pvalue
from kpitools.grouping.frames import compare, summarize
from kpitools.reports.sections.common import (
    _SIG_NOTE,
    SURVEY_KPIS,
    ReportNote,
    ReportTable,
    _esc,
    _fmt_ci,
    _fmt_diff,
    _fmt_verdict,
    enough,
    has_values,
    no_data,
    present_kpis,
    previous_quarter,
    survey_absence,
    verdict,
)

__all__ = ["headline_table"]


def _compare_periods(frame: pd.DataFrame, spec: Mapping[str, Any], a: str, b: str,
                     confidence_level: float) -> dict[str, float]:

    quarter = frame["quarter"].astype(str)
    if not (enough(frame[quarter == a], spec["value"])
            and enough(frame[quarter == b], spec["value"])):
        return {"difference": np.nan, "ci_low": np.nan, "ci_high": np.nan, "pvalue": np.nan}
    out = compare(frame, kpi=spec["kpi"], value=spec["value"], group="quarter", baseline=a,
                     levels=[a, b], confidence_level=confidence_level, **spec["options"])
    row = out.iloc[0]
    return {"difference": float(row["difference"]), "ci_low": float(row["ci_low"]),
            "ci_high": float(row["ci_high"]), "pvalue": float(row["pvalue"])}


def _higher_is_better(kpi: str, options: Mapping[str, Any]) -> bool | None:
    from kpitools.kpis.catalogue import get_kpi

    if kpi == "ces":
        from kpitools.kpis.survey import CES_VARIANTS

        return CES_VARIANTS[options.get("variant", "ease_1_7_mean")]["higher_is_better"]
    return get_kpi(kpi).higher_is_better


def headline_table(
    surveys: pd.DataFrame,
    *,
    period: str,
    targets: Mapping[str, float] | None = None,
    team: str | None = None,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
) -> ReportTable | ReportNote:
    """Headline KPIs of ``period`` against the previous quarter and the same quarter a year ago.

    Parameters
    ----------
    surveys : DataFrame
        Survey answers (``quarter, team, nps, csat, ces``).
    period : str
        The quarter reported.
    targets : mapping of KPI name to value, optional
        E.g. ``{"nps": 30, "csat": 75, "ces": 5.5}``; the status is "met" when the whole
        confidence interval is on the good side, "missed" when it is wholly on the bad side,
        "unclear" otherwise (`kpitools.kpis.targets.Target.status_ci`).
    team : str, optional
        Restrict to one team.
    confidence_level : float, default 0.95
    alpha : float, default 0.05
        Threshold of the verdict.

    Returns
    -------
    ReportTable or ReportNote
        ``data`` has one row per KPI with answers in ``period``: ``kpi, label, period,
        estimate, ci_low, ci_high, n, unit``, then for ``previous`` and ``year_ago``:
        ``difference_*, ci_low_*, ci_high_*, pvalue_*, verdict_*``, and ``target, status``.
        A KPI without answers has no row (so no target status) but one line in ``absent``
        ("No CES answers in this folder."); without any answer the result is a
        `ReportNote` of one line.
    """
    from kpitools.kpis.targets import Target

    missing = survey_absence(surveys, period, team)
    if missing:
        return ReportNote(missing)
    frame = surveys if team is None else surveys[surveys["team"] == team]
    prev, yago = previous_quarter(period), previous_quarter(period, 4)
    frame = frame[frame["quarter"].astype(str).isin([prev, yago, period])]
    targets = dict(targets or {})
    rows, specs, absent = [], [], []
    cur = frame[frame["quarter"].astype(str) == period]
    for spec in SURVEY_KPIS:
        if not has_values(surveys, spec["value"]):
            absent.append(no_data(f"{spec['name']} answers"))
            continue
        if not has_values(cur, spec["value"]):
            absent.append(no_data(f"{spec['name']} answers", period))
            continue
        specs.append(spec)
        est = summarize(cur, kpi=spec["kpi"], value=spec["value"],
                           confidence_level=confidence_level, **spec["options"]).iloc[0]
        row: dict[str, Any] = {"kpi": spec["kpi"], "label": spec["label"], "period": period,
                               "estimate": float(est["estimate"]),
                               "ci_low": float(est["ci_low"]), "ci_high": float(est["ci_high"]),
                               "n": int(est["n"]), "unit": str(est["unit"])}
        for key, base in (("previous", prev), ("year_ago", yago)):
            c = _compare_periods(frame, spec, base, period, confidence_level)
            for k, v in c.items():
                row[f"{k}_{key}"] = v
            row[f"verdict_{key}"] = verdict(c["difference"], c["pvalue"], unit=row["unit"],
                                            alpha=alpha, digits=spec["digits"])
        hib = _higher_is_better(spec["kpi"], spec["options"])
        target = targets.get(spec["kpi"])
        claim = (target is not None and hib is not None
                 and bool(np.isfinite([row["ci_low"], row["ci_high"]]).all()))
        row["target"] = float(target) if target is not None else np.nan
        row["status"] = (Target(spec["kpi"], float(target), higher_is_better=bool(hib))
                         .status_ci(row["ci_low"], row["ci_high"])
                         if claim and target is not None else "")
        row["higher_is_better"] = hib
        rows.append(row)
    data = pd.DataFrame(rows)
    level = f"{confidence_level:.0%}"
    disp = []
    for r, spec in zip(rows, specs, strict=True):
        d = spec["digits"]
        status = r["status"]
        status_html = (f'<span class="{ {"met": "kt-good", "missed": "kt-bad"}.get(status, "")}">'
                       f"{_esc(status)}</span><br>target {format_number(r['target'], digits=d)}"
                       if status else "–")
        disp.append({
            "KPI": _esc(r["label"]),
            f"{period} [{level} CI]": _fmt_ci(r["estimate"], r["ci_low"], r["ci_high"], d, True),
            "n": f"{r['n']:,}",
            f"vs {prev}": _fmt_diff(r["difference_previous"], r["ci_low_previous"],
                                    r["ci_high_previous"], r["pvalue_previous"], d, True),
            "p": format_pvalue(r["pvalue_previous"]),
            "Verdict": _fmt_verdict(r["verdict_previous"], r["difference_previous"],
                                    r["pvalue_previous"], alpha, r["higher_is_better"]),
            f"vs {yago}": _fmt_diff(r["difference_year_ago"], r["ci_low_year_ago"],
                                    r["ci_high_year_ago"], r["pvalue_year_ago"], d, True),
            "p ": format_pvalue(r["pvalue_year_ago"]),
            "Verdict ": _fmt_verdict(r["verdict_year_ago"], r["difference_year_ago"],
                                     r["pvalue_year_ago"], alpha, r["higher_is_better"]),
            "Target": status_html,
        })
    display = pd.DataFrame(disp)
    who = f" — {team}" if team else ""
    methods = {"nps": "NPS: adjusted-Wald interval and z test",
               "csat": "CSAT (4–5 on 1–5): Wilson interval, Newcombe difference",
               "ces": "CES 2.0: mean with t interval, Welch test"}
    notes = [f"Differences are {period} minus the earlier quarter, with {level} CIs; "
             f"verdicts call a change real when p < {alpha:g}. "
             + "; ".join(methods[s["kpi"]] for s in specs) + ".", _SIG_NOTE]
    quarter = frame["quarter"].astype(str)
    for base in (prev, yago):
        if not present_kpis(frame[quarter == base]):
            absent.append(f"No survey answers in {base} to compare with.")
    return ReportTable(data, display, caption=f"Headline KPIs{who}, {period}", notes=notes,
                       absent=absent,
                       numeric=[c for c in display.columns
                                if c not in ("KPI", "Verdict", "Verdict ", "Target")])
