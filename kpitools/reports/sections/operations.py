"""Operations section: ticket and call KPIs of the quarter, and a KPI per channel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_number, format_pvalue
from kpitools.grouping.frames import compare, summarize
from kpitools.reports.sections.common import (
    _SIG_NOTE,
    ReportTable,
    _esc,
    _fmt_ci,
    _fmt_diff,
    _fmt_verdict,
    previous_quarter,
    verdict,
)

__all__ = ["OPERATIONS_KPIS", "operations_table", "channel_operations_table"]


#: Operations KPIs of the reports: KPI, table it reads, label, display scale and unit, digits.
OPERATIONS_KPIS: tuple[dict[str, Any], ...] = (
    {"kpi": "frt", "table": "tickets", "label": "First response time, median",
     "scale": 1.0, "unit": "min", "digits": 1},
    {"kpi": "resolution_time", "table": "tickets", "label": "Resolution time, median",
     "scale": 1 / 60, "unit": "h", "digits": 1},
    {"kpi": "fcr", "table": "tickets", "label": "First contact resolution", "scale": 1.0,
     "unit": "%", "digits": 1},
    {"kpi": "escalation_rate", "table": "tickets", "label": "Escalation rate", "scale": 1.0,
     "unit": "%", "digits": 1},
    {"kpi": "reopen_rate", "table": "tickets", "label": "Reopen rate", "scale": 1.0,
     "unit": "%", "digits": 1},
    {"kpi": "aht", "table": "calls", "label": "Average handle time, median", "scale": 1.0,
     "unit": "min", "digits": 1},
    {"kpi": "asa", "table": "calls", "label": "Speed of answer, median", "scale": 1.0,
     "unit": "s", "digits": 0},
    {"kpi": "abandonment_rate", "table": "calls", "label": "Abandonment rate", "scale": 1.0,
     "unit": "%", "digits": 1},
    {"kpi": "service_level", "table": "calls", "label": "Service level", "scale": 1.0,
     "unit": "%", "digits": 1},
)


_TIME_COLUMN = {"tickets": "created_at", "calls": "offered_at"}


def _with_quarter(frame: pd.DataFrame, table: str, team: str | None) -> pd.DataFrame:
    if team is not None:
        frame = frame[frame["team"] == team]
    when = pd.to_datetime(frame[_TIME_COLUMN[table]])
    return frame.assign(quarter=when.dt.to_period("Q").astype(str))


def operations_table(
    tickets: pd.DataFrame,
    calls: pd.DataFrame,
    *,
    period: str,
    team: str | None = None,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
) -> ReportTable:
    """Operations KPIs of ``period`` (tickets and calls) against the previous quarter.

    Uses the KPIs registered by `kpitools.kpis.operations` (see `OPERATIONS_KPIS`): medians of
    durations with distribution-free order-statistic CIs, their change as a Hodges–Lehmann
    shift with a Mann–Whitney test; rates with Wilson CIs and Newcombe differences. A
    contact belongs to the quarter of its ``created_at`` (tickets) or ``offered_at`` (calls).

    Returns
    -------
    ReportTable
        ``data``: ``kpi, label, estimate, ci_low, ci_high, n, unit, difference, diff_ci_low,
        diff_ci_high, pvalue, method, test, verdict`` in the KPI's own unit (minutes,
        seconds, %).
    """
    prev = previous_quarter(period)
    frames = {"tickets": _with_quarter(tickets, "tickets", team),
              "calls": _with_quarter(calls, "calls", team)}
    rows = []
    for spec in OPERATIONS_KPIS:
        frame = frames[spec["table"]]
        cur = frame[frame["quarter"] == period]
        if not len(cur):
            continue
        est = summarize(cur, kpi=spec["kpi"], confidence_level=confidence_level).iloc[0]
        row = {"kpi": spec["kpi"], "label": spec["label"], "estimate": float(est["estimate"]),
               "ci_low": float(est["ci_low"]), "ci_high": float(est["ci_high"]),
               "n": int(est["n"]), "unit": str(est["unit"]), "difference": np.nan,
               "diff_ci_low": np.nan, "diff_ci_high": np.nan, "pvalue": np.nan,
               "method": str(est["method"]), "test": ""}
        if (frame["quarter"] == prev).any():
            c = compare(frame[frame["quarter"].isin([prev, period])], kpi=spec["kpi"],
                         group="quarter", baseline=prev, levels=[prev, period],
                         confidence_level=confidence_level).iloc[0]
            row.update(difference=float(c["difference"]), diff_ci_low=float(c["ci_low"]),
                       diff_ci_high=float(c["ci_high"]), pvalue=float(c["pvalue"]),
                       test=str(c["test"]))
            row["diff_unit"] = str(c["unit"])
        rows.append(row)
    data = pd.DataFrame(rows)
    if not len(data):
        return ReportTable(data, pd.DataFrame(), caption=f"Operations, {period}: no contacts")
    specs = {s["kpi"]: s for s in OPERATIONS_KPIS}
    from kpitools.kpis.catalogue import get_kpi

    verdicts, disp = [], []
    for r in rows:
        spec = specs[r["kpi"]]
        k, d = spec["scale"], spec["digits"]
        words = verdict(r["difference"] * k, r["pvalue"], alpha=alpha, digits=d,
                        unit=spec["unit"])
        verdicts.append(words)
        disp.append({
            "KPI": _esc(spec["label"]),
            "Unit": _esc(spec["unit"]),
            f"{period} [{confidence_level:.0%} CI]": _fmt_ci(r["estimate"] * k, r["ci_low"] * k,
                                                             r["ci_high"] * k, d, True),
            "n": f"{r['n']:,}",
            f"vs {prev}": _fmt_diff(r["difference"] * k, r["diff_ci_low"] * k,
                                    r["diff_ci_high"] * k, r["pvalue"], d, True),
            "p": format_pvalue(r["pvalue"]),
            "Verdict": _fmt_verdict(words, r["difference"], r["pvalue"], alpha,
                                    get_kpi(r["kpi"]).higher_is_better),
        })
    data["verdict"] = verdicts
    display = pd.DataFrame(disp)
    who = f" — {team}" if team else ""
    notes = ["Durations: median with a distribution-free order-statistic CI; the change is "
             "the Hodges–Lehmann shift with a Mann–Whitney test. Rates: Wilson CI, Newcombe "
             "difference, two-proportion z test.", _SIG_NOTE]
    return ReportTable(data, display, caption=f"Operations{who}, {period}", notes=notes,
                       numeric=[c for c in display.columns
                                if c not in ("KPI", "Unit", "Verdict")])


def channel_operations_table(tickets: pd.DataFrame, *, period: str, kpi: str = "frt",
                             team: str | None = None, confidence_level: float = 0.95,
                             alpha: float = 0.05) -> ReportTable:
    """A ticket KPI (first response time by default) by channel, against the previous quarter.

    Returns
    -------
    ReportTable
        ``data``: ``channel, estimate, ci_low, ci_high, n, estimate_previous, difference,
        diff_ci_low, diff_ci_high, pvalue, verdict``.
    """
    spec = next(s for s in OPERATIONS_KPIS if s["kpi"] == kpi)
    prev = previous_quarter(period)
    frame = _with_quarter(tickets, "tickets", team)
    cur = frame[frame["quarter"] == period]
    est = summarize(cur, kpi=kpi, by="channel", confidence_level=confidence_level)
    both = frame[frame["quarter"].isin([prev, period])]
    ok = both.groupby("channel")["quarter"].nunique()
    ok = ok[ok == 2].index
    data = est[["channel", "estimate", "ci_low", "ci_high", "n"]].copy()
    if len(ok):
        c = compare(both[both["channel"].isin(ok)], kpi=kpi, group="quarter", baseline=prev,
                     levels=[prev, period], by="channel", confidence_level=confidence_level)
        c = c[["channel", "estimate_a", "difference", "ci_low", "ci_high", "pvalue"]].rename(
            columns={"estimate_a": "estimate_previous", "ci_low": "diff_ci_low",
                     "ci_high": "diff_ci_high"})
        data = data.merge(c, on="channel", how="left")
    else:
        data = data.assign(estimate_previous=np.nan, difference=np.nan, diff_ci_low=np.nan,
                           diff_ci_high=np.nan, pvalue=np.nan)
    k, d = spec["scale"], spec["digits"]
    data["verdict"] = [verdict(x * k, p, unit=spec["unit"], alpha=alpha, digits=d)
                       for x, p in zip(data["difference"], data["pvalue"], strict=True)]
    level = f"{confidence_level:.0%}"
    display = pd.DataFrame({
        "Channel": data["channel"].map(_esc),
        f"{prev}": [format_number(x * k, digits=d) for x in data["estimate_previous"]],
        f"{period} [{level} CI]": [_fmt_ci(e * k, lo * k, hi * k, d) for e, lo, hi in
                                   zip(data["estimate"], data["ci_low"], data["ci_high"],
                                       strict=True)],
        "n": data["n"].map(lambda v: f"{int(v):,}"),
        "Shift [CI]": [_fmt_diff(x * k, lo * k, hi * k, p, d) for x, lo, hi, p in
                       zip(data["difference"], data["diff_ci_low"], data["diff_ci_high"],
                           data["pvalue"], strict=True)],
        "Verdict": [_fmt_verdict(v, x, p, alpha, False) for v, x, p in
                    zip(data["verdict"], data["difference"], data["pvalue"], strict=True)],
    })
    who = f" — {team}" if team else ""
    return ReportTable(data, display,
                       caption=f"{spec['label']} ({spec['unit']}) by channel{who}, {period}",
                       notes=["Shift: Hodges–Lehmann estimate of the change, Mann–Whitney "
                              "test.", _SIG_NOTE],
                       numeric=[c for c in display.columns if c not in ("Channel", "Verdict")])
