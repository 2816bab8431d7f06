"""Channels section: the survey KPIs per channel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_pvalue
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
    _higher_is_better,
    answers_by,
    has_values,
    in_periods,
    label_missing,
    no_data,
    period_rows,
    present_kpis,
    previous_period,
    section_frame,
    split_by,
    survey_absence,
    verdict,
    weight_column,
    with_weight,
)
from kpitools.reports.sections.significance import (
    adjust_family,
    family_note,
    interval_of,
    significance_marks,
)

__all__ = ["channel_table"]


def channel_table(surveys: pd.DataFrame, *, period: str, team: str | None = None,
                  confidence_level: float = 0.95,
                  alpha: float = 0.05) -> ReportTable | ReportNote:
    """NPS, CSAT and CES by channel in ``period``, with the NPS change since the previous
    period of the same kind (quarter, month or ISO week).

    Only the KPIs with answers get a column (a missing one is said in one line under the
    table); without NPS the change is CSAT's (then CES's). Answers without a channel form
    the group ``"(no channel)"``. A `ReportNote` of one line when ``period`` has no answers, or
    when the answers have no channel ("No channel in the survey data.").
    """
    missing = survey_absence(surveys, period, team)
    if missing:
        return ReportNote(missing)
    if not has_values(surveys, "channel"):
        return ReportNote("No channel in the survey data.")
    surveys = section_frame(surveys)
    frame = surveys if team is None else surveys[surveys["team"] == team]
    frame = label_missing(frame, "channel")
    prev = previous_period(period)
    # the answers of the two periods, the periods as categories (grouped by their codes)
    frame = period_rows(frame, period, [prev, period], categories=True)
    cur = frame[in_periods(frame, period, period)]
    specs = present_kpis(cur)
    absent = [no_data(f"{s['name']} answers", period if has_values(surveys, s["value"]) else None)
              for s in SURVEY_KPIS if s not in specs]
    parts = []
    for spec in specs:
        t = summarize(cur[cur[spec["value"]].notna()], kpi=spec["kpi"], value=spec["value"],
                      by="channel", confidence_level=confidence_level, **spec["options"],
                      weight=weight_column(cur))
        t = t[["channel", "estimate", "ci_low", "ci_high", "n"]].rename(columns={
            "estimate": spec["kpi"], "ci_low": f"{spec['kpi']}_ci_low",
            "ci_high": f"{spec['kpi']}_ci_high", "n": f"{spec['kpi']}_n"})
        parts.append(t)
    data = parts[0]
    for t in parts[1:]:
        data = data.merge(t, on="channel", how="outer")
    lead = specs[0]
    col = lead["value"]
    both = frame[in_periods(frame, period, [prev, period]) & frame[col].notna()]
    counts = answers_by(both, ["channel", "period"]).unstack(fill_value=0)
    ch_ok = [c for c in counts.index
             if all(counts.loc[c].get(q, 0) >= 2 for q in (prev, period))]
    # each channel's rows (the periods are categories: compared by their codes)
    of_channel = split_by(both[with_weight(["channel", "period", col], both)],
                          "channel")

    def change_of(channel: str, level: float) -> dict[str, float]:
        out = compare(of_channel(channel), kpi=lead["kpi"], value=col,
                      group="period", baseline=prev, levels=[prev, period],
                      confidence_level=level, **lead["options"], weight=weight_column(both)).iloc[0]
        return {"difference": float(out["difference"]), "ci_low": float(out["ci_low"]),
                "ci_high": float(out["ci_high"]), "pvalue": float(out["pvalue"])}

    nan = {"difference": np.nan, "ci_low": np.nan, "ci_high": np.nan, "pvalue": np.nan}
    channels = data["channel"].tolist()
    family = [change_of(c, 1 - alpha) if c in ch_ok else dict(nan) for c in channels]
    adjust_family(family, interval_of(change_of, channels), confidence_level=1 - alpha)
    for k in ("difference", "ci_low", "ci_high", "ci_level", "pvalue", "pvalue_adjusted",
              "significant", "borderline"):
        data[k] = [f[k] for f in family]
    if not ch_ok:
        absent.append(f"No {lead['name']} answers in {prev} to compare with.")
    unit = "score" if lead["kpi"] == "ces" else "points"
    data["verdict"] = [verdict(d, p, alpha=alpha, unit=unit, digits=lead["digits"],
                               significant=bool(sig))
                       for d, p, sig in zip(data["difference"], data["pvalue_adjusted"],
                                            data["significant"], strict=True)]
    level = f"{confidence_level:.0%}"
    heads = {"nps": f"NPS [{level} CI]", "csat": "CSAT %", "ces": "CES (1–7)"}
    columns: dict[str, Any] = {"Channel": data["channel"].map(_esc)}
    for spec in specs:
        k = spec["kpi"]
        columns[heads[k]] = [_fmt_ci(e, lo, hi, spec["digits"]) for e, lo, hi in
                             zip(data[k], data[f"{k}_ci_low"], data[f"{k}_ci_high"],
                                 strict=True)]
        if spec is lead:
            columns["n"] = data[f"{k}_n"].map(lambda v: f"{int(v):,}" if v == v else "–")
    columns[f"{lead['name']} vs {prev} [adjusted CI]"] = [
        _fmt_diff(d, lo, hi, p, lead["digits"], marks=significance_marks(p, sig, bl))
        for d, lo, hi, p, sig, bl in zip(data["difference"], data["ci_low"], data["ci_high"],
                                         data["pvalue_adjusted"], data["significant"],
                                         data["borderline"], strict=True)]
    columns["p (Holm)"] = data["pvalue_adjusted"].map(format_pvalue)
    columns["Verdict"] = [_fmt_verdict(v, d, bool(sig), alpha, _higher_is_better(lead))
                          for v, d, sig in zip(data["verdict"], data["difference"],
                                               data["significant"], strict=True)]
    display = pd.DataFrame(columns)
    who = f" — {team}" if team else ""
    m = int(data["pvalue"].notna().sum())
    notes = [family_note(f"the {lead['name']} change of every channel", m, alpha=alpha),
             _SIG_NOTE] if m else []
    return ReportTable(data, display, caption=f"Channels{who}, {period}", notes=notes,
                       absent=absent,
                       numeric=[c for c in display.columns if c not in ("Channel", "Verdict")])
