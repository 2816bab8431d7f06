"""Operations section: ticket and call KPIs of the quarter, and a KPI per channel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_number, format_pvalue
from kpitools.grouping.frames import compare, summarize
from kpitools.reports.sections.common import (
    _SIG_NOTE,
    ReportNote,
    ReportTable,
    _esc,
    _fmt_ci,
    _fmt_diff,
    _fmt_verdict,
    has_values,
    label_missing,
    no_data,
    previous_quarter,
    verdict,
)
from kpitools.reports.sections.setup import quarter_of

__all__ = ["OPERATIONS_KPIS", "operations_table", "channel_operations_table"]


#: Operations KPIs of the reports: KPI, table it reads, label, display scale and unit, digits.
OPERATIONS_KPIS: tuple[dict[str, Any], ...] = (
    {"kpi": "frt", "table": "tickets", "label": "First response time, median",
     "scale": 1.0, "unit": "min", "digits": 1, "needs": ("first_response_at",),
     "what": "first response times"},
    {"kpi": "resolution_time", "table": "tickets", "label": "Resolution time, median",
     "scale": 1 / 60, "unit": "h", "digits": 1, "needs": ("resolved_at",),
     "what": "resolution times"},
    {"kpi": "fcr", "table": "tickets", "label": "First contact resolution", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": ("first_contact_resolved",),
     "what": "first-contact resolution flags"},
    {"kpi": "escalation_rate", "table": "tickets", "label": "Escalation rate", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": ("escalated",), "what": "escalation flags"},
    {"kpi": "reopen_rate", "table": "tickets", "label": "Reopen rate", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": ("reopened",), "what": "reopen flags"},
    {"kpi": "aht", "table": "calls", "label": "Average handle time, median", "scale": 1.0,
     "unit": "min", "digits": 1, "needs": ("talk_seconds",), "what": "talk times"},
    {"kpi": "asa", "table": "calls", "label": "Speed of answer, median", "scale": 1.0,
     "unit": "s", "digits": 0, "needs": ("answered_at", "wait_seconds"),
     "what": "waiting times of answered calls"},
    {"kpi": "abandonment_rate", "table": "calls", "label": "Abandonment rate", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": (), "what": "calls"},
    {"kpi": "service_level", "table": "calls", "label": "Service level", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": ("answered_at", "wait_seconds"),
     "what": "waiting times of answered calls"},
)

_TABLE_WORDS = {"tickets": ("ticket data", "tickets"), "calls": ("call data", "calls")}


_TIME_COLUMN = {"tickets": "created_at", "calls": "offered_at"}


def _with_quarter(frame: pd.DataFrame, table: str, team: str | None) -> pd.DataFrame:
    if team is not None:
        frame = frame[frame["team"] == team]
    return frame.assign(quarter=quarter_of(frame, _TIME_COLUMN[table]))


def _usable(frame: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """The rows of ``frame`` that carry what the KPI reads (all rows for a rate of calls)."""
    mask = pd.Series(True, index=frame.index)
    for column in spec["needs"]:
        mask &= frame[column].notna() if column in frame.columns else False
    return frame[mask]


def _left_out(summary: pd.DataFrame, spec: dict[str, Any], row_words: str) -> str:
    """One note naming the rows a KPI left out, by reason (invalid ones are excluded and
    counted, not a reason to stop the report); ``""`` when none."""
    excluded = summary.attrs.get("excluded")
    if not isinstance(excluded, pd.DataFrame) or not len(excluded) or (
            "reason" not in excluded.columns):
        return ""
    counts = excluded.groupby("reason", sort=False).size()
    reasons = "; ".join(f"{n:,} {reason}" for reason, n in counts.items())
    return f"{spec['label']}: {len(excluded):,} {row_words} left out ({reasons})."


def operations_table(
    tickets: pd.DataFrame,
    calls: pd.DataFrame,
    *,
    period: str,
    team: str | None = None,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
) -> ReportTable | ReportNote:
    """Operations KPIs of ``period`` (tickets and calls) against the previous quarter.

    Uses the KPIs registered by `kpitools.kpis.operations` (see `OPERATIONS_KPIS`): medians of
    durations with distribution-free order-statistic CIs, their change as a Hodges–Lehmann
    shift with a Mann–Whitney test; rates with Wilson CIs and Newcombe differences. A
    contact belongs to the quarter of its ``created_at`` (tickets) or ``offered_at`` (calls).
    Rows a KPI cannot use (a first response before the ticket was opened, a ticket still
    open) are left out with ``invalid="exclude"`` and counted by reason in a note.

    A table or a KPI without data has no row but one line under the table ("No call data in
    this folder.", "No first response times in 2026Q3."); a `ReportNote` when neither
    tickets nor calls have any row in ``period``.

    Returns
    -------
    ReportTable or ReportNote
        ``data``: ``kpi, label, estimate, ci_low, ci_high, n, unit, difference, diff_ci_low,
        diff_ci_high, pvalue, method, test, verdict`` in the KPI's own unit (minutes,
        seconds, %).
    """
    prev = previous_quarter(period)
    sources = {"tickets": tickets, "calls": calls}
    if not any(len(t) for t in sources.values()):
        return ReportNote(no_data("ticket or call data"))
    frames = {name: _with_quarter(t, name, team) for name, t in sources.items()}
    rows, absent, excluded_notes = [], [], []
    for name, frame in frames.items():
        folder_words, row_words = _TABLE_WORDS[name]
        who = f" from team {team}" if team else ""
        if not len(sources[name]):
            absent.append(no_data(folder_words))
        elif not (frame["quarter"] == period).any():
            absent.append(no_data(f"{row_words}{who}", period))
    for spec in OPERATIONS_KPIS:
        frame = frames[spec["table"]]
        if not (frame["quarter"] == period).any():
            continue  # said once for the whole table above
        usable = _usable(frame, spec)
        cur = usable[usable["quarter"] == period]
        if not len(cur):
            in_folder = len(_usable(sources[spec["table"]], spec))
            absent.append(no_data(spec["what"], period if in_folder else None))
            continue
        summary = summarize(cur, kpi=spec["kpi"], confidence_level=confidence_level,
                            invalid="exclude")
        est = summary.iloc[0]
        left_out = _left_out(summary, spec, row_words=_TABLE_WORDS[spec["table"]][1])
        if left_out:
            excluded_notes.append(left_out)
        row = {"kpi": spec["kpi"], "label": spec["label"], "estimate": float(est["estimate"]),
               "ci_low": float(est["ci_low"]), "ci_high": float(est["ci_high"]),
               "n": int(est["n"]), "unit": str(est["unit"]), "difference": np.nan,
               "diff_ci_low": np.nan, "diff_ci_high": np.nan, "pvalue": np.nan,
               "method": str(est["method"]), "test": ""}
        before = usable[usable["quarter"] == prev]
        if len(before) >= 2 and len(cur) >= 2:
            c = compare(usable[usable["quarter"].isin([prev, period])], kpi=spec["kpi"],
                        group="quarter", baseline=prev, levels=[prev, period],
                        confidence_level=confidence_level, invalid="exclude").iloc[0]
            row.update(difference=float(c["difference"]), diff_ci_low=float(c["ci_low"]),
                       diff_ci_high=float(c["ci_high"]), pvalue=float(c["pvalue"]),
                       test=str(c["test"]))
            row["diff_unit"] = str(c["unit"])
        rows.append(row)
    for name, frame in frames.items():
        if (frame["quarter"] == period).any() and not (frame["quarter"] == prev).any():
            absent.append(f"No {_TABLE_WORDS[name][1]} in {prev} to compare with.")
    data = pd.DataFrame(rows)
    if not len(data):
        return ReportNote("\n".join(absent))
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
             "difference, two-proportion z test.", *excluded_notes, _SIG_NOTE]
    return ReportTable(data, display, caption=f"Operations{who}, {period}", notes=notes,
                       absent=absent, numeric=[c for c in display.columns
                                               if c not in ("KPI", "Unit", "Verdict")])


def channel_operations_table(tickets: pd.DataFrame, *, period: str, kpi: str = "frt",
                             team: str | None = None, confidence_level: float = 0.95,
                             alpha: float = 0.05) -> ReportTable | ReportNote:
    """A ticket KPI (first response time by default) by channel, against the previous quarter.

    Tickets without a channel form the group ``"(no channel)"``. A `ReportNote` of one line
    when ``period`` has no tickets with the KPI's data.

    Returns
    -------
    ReportTable or ReportNote
        ``data``: ``channel, estimate, ci_low, ci_high, n, estimate_previous, difference,
        diff_ci_low, diff_ci_high, pvalue, verdict``.
    """
    spec = next(s for s in OPERATIONS_KPIS if s["kpi"] == kpi)
    if not len(tickets):
        return ReportNote(no_data("ticket data"))
    if not has_values(tickets, "channel"):
        return ReportNote(no_data("ticket channels"))
    prev = previous_quarter(period)
    frame = label_missing(_usable(_with_quarter(tickets, "tickets", team), spec), "channel")
    cur = frame[frame["quarter"] == period]
    if not len(cur):
        who = f" from team {team}" if team else ""
        return ReportNote(no_data(f"{spec['what']}{who}", period if len(frame) else None))
    est = summarize(cur, kpi=kpi, by="channel", confidence_level=confidence_level,
                    invalid="exclude")
    left_out = _left_out(est, spec, row_words="tickets")
    both = frame[frame["quarter"].isin([prev, period])]
    counts = both.groupby(["channel", "quarter"]).size().unstack(fill_value=0)
    ok = [c for c in counts.index if all(counts.loc[c].get(q, 0) >= 2 for q in (prev, period))]
    data = est[["channel", "estimate", "ci_low", "ci_high", "n"]].copy()
    if len(ok):
        c = compare(both[both["channel"].isin(ok)], kpi=kpi, group="quarter", baseline=prev,
                     levels=[prev, period], by="channel", confidence_level=confidence_level,
                     invalid="exclude")
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
    absent = ([] if (frame["quarter"] == prev).any() else
              [f"No {spec['what']} in {prev} to compare with."])
    return ReportTable(data, display, absent=absent,
                       caption=f"{spec['label']} ({spec['unit']}) by channel{who}, {period}",
                       notes=["Shift: Hodges–Lehmann estimate of the change, Mann–Whitney "
                              "test.", *([left_out] if left_out else []), _SIG_NOTE],
                       numeric=[c for c in display.columns if c not in ("Channel", "Verdict")])
