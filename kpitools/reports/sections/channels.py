"""Channels section: the survey KPIs per channel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools.grouping.frames import compare, summarize
from kpitools.reports.sections.common import (
    _SIG_NOTE,
    SURVEY_KPIS,
    ReportTable,
    _esc,
    _fmt_ci,
    _fmt_diff,
    _fmt_verdict,
    previous_quarter,
    verdict,
)

__all__ = ["channel_table"]


def channel_table(surveys: pd.DataFrame, *, period: str, team: str | None = None,
                  confidence_level: float = 0.95, alpha: float = 0.05) -> ReportTable:
    """NPS, CSAT and CES by channel in ``period``, with the NPS change since last quarter."""

    frame = surveys if team is None else surveys[surveys["team"] == team]
    prev = previous_quarter(period)
    cur = frame[frame["quarter"] == period]
    parts = []
    for spec in SURVEY_KPIS:
        t = summarize(cur, kpi=spec["kpi"], value=spec["value"], by="channel",
                         confidence_level=confidence_level, **spec["options"])
        t = t[["channel", "estimate", "ci_low", "ci_high", "n"]].rename(columns={
            "estimate": spec["kpi"], "ci_low": f"{spec['kpi']}_ci_low",
            "ci_high": f"{spec['kpi']}_ci_high", "n": f"{spec['kpi']}_n"})
        parts.append(t)
    data = parts[0]
    for t in parts[1:]:
        data = data.merge(t, on="channel", how="outer")
    both = frame[frame["quarter"].isin([prev, period])]
    ch_ok = both.groupby("channel")["quarter"].nunique()
    ch_ok = ch_ok[ch_ok == 2].index
    if len(ch_ok):
        change = compare(both[both["channel"].isin(ch_ok)], kpi="nps", value="nps",
                            group="quarter", baseline=prev, levels=[prev, period], by="channel",
                            confidence_level=confidence_level)
        data = data.merge(change[["channel", "difference", "ci_low", "ci_high", "pvalue"]],
                          on="channel", how="left")
    else:
        data = data.assign(difference=np.nan, ci_low=np.nan, ci_high=np.nan, pvalue=np.nan)
    data["verdict"] = [verdict(d, p, alpha=alpha) for d, p in
                       zip(data["difference"], data["pvalue"], strict=True)]
    level = f"{confidence_level:.0%}"
    display = pd.DataFrame({
        "Channel": data["channel"].map(_esc),
        f"NPS [{level} CI]": [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                              zip(data["nps"], data["nps_ci_low"], data["nps_ci_high"],
                                  strict=True)],
        "n": data["nps_n"].map(lambda v: f"{int(v):,}"),
        "CSAT %": [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                   zip(data["csat"], data["csat_ci_low"], data["csat_ci_high"], strict=True)],
        "CES (1–7)": [_fmt_ci(e, lo, hi, 2) for e, lo, hi in
                      zip(data["ces"], data["ces_ci_low"], data["ces_ci_high"], strict=True)],
        f"NPS vs {prev}": [_fmt_diff(d, lo, hi, p, 1) for d, lo, hi, p in
                           zip(data["difference"], data["ci_low"], data["ci_high"],
                               data["pvalue"], strict=True)],
        "Verdict": [_fmt_verdict(v, d, p, alpha, True) for v, d, p in
                    zip(data["verdict"], data["difference"], data["pvalue"], strict=True)],
    })
    who = f" — {team}" if team else ""
    return ReportTable(data, display, caption=f"Channels{who}, {period}", notes=[_SIG_NOTE],
                       numeric=[c for c in display.columns if c not in ("Channel", "Verdict")])
