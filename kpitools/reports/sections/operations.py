"""Operations section: ticket and call KPIs of the period (quarter, month or ISO week), and
a KPI per channel."""

from __future__ import annotations

import functools
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
    date_period_codes,
    has_values,
    kind_word,
    label_missing,
    no_data,
    period_kind,
    previous_period,
    remember_results,
    verdict,
    with_periods,
    year_ago,
)
from kpitools.tables.windows import in_folder

__all__ = ["OPERATIONS_KPIS", "operations_table", "channel_operations_table"]


#: Operations KPIs of the reports: KPI, table it reads, label, display scale and unit, digits.
OPERATIONS_KPIS: tuple[dict[str, Any], ...] = (
    {"kpi": "frt", "table": "tickets", "label": "First response time, median",
     "scale": 1.0, "unit": "min", "digits": 1, "needs": ("first_response_at",),
     "what": "first response times", "options": {}, "duration": True},
    {"kpi": "resolution_time", "table": "tickets", "label": "Resolution time, median",
     "scale": 1 / 60, "unit": "h", "digits": 1, "needs": ("resolved_at",),
     "what": "resolution times", "options": {}, "duration": True},
    {"kpi": "fcr", "table": "tickets", "label": "First contact resolution", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": ("first_contact_resolved",),
     "what": "first-contact resolution flags", "options": {}, "duration": False},
    {"kpi": "escalation_rate", "table": "tickets", "label": "Escalation rate", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": ("escalated",), "what": "escalation flags",
     "options": {}, "duration": False},
    {"kpi": "reopen_rate", "table": "tickets", "label": "Reopen rate", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": ("reopened",), "what": "reopen flags",
     "options": {}, "duration": False},
    {"kpi": "aht", "table": "calls", "label": "Average handle time, mean",
     "scale": 1.0, "unit": "min", "digits": 2, "needs": ("talk_seconds",),
     "what": "talk times", "options": {"statistic": "mean"}, "duration": False},
    {"kpi": "asa", "table": "calls", "label": "Average speed of answer, mean", "scale": 1.0,
     "unit": "s", "digits": 1, "needs": (("answered_at", "answered"), "wait_seconds"),
     "what": "waiting times of answered calls", "options": {"statistic": "mean"},
     "duration": False},
    {"kpi": "abandonment_rate", "table": "calls", "label": "Abandonment rate", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": (), "what": "calls", "options": {},
     "duration": False},
    {"kpi": "service_level", "table": "calls",
     "label": "Service level (answered within 20 s)", "scale": 1.0,
     "unit": "%", "digits": 1, "needs": (("answered_at", "answered"), "wait_seconds"),
     "what": "waiting times of answered calls", "options": {"threshold_seconds": 20.0},
     "duration": False},
)

_TABLE_WORDS = {"tickets": ("ticket data", "tickets"), "calls": ("call data", "calls")}


_TIME_COLUMN = {"tickets": "created_at", "calls": "offered_at"}
_ID_COLUMN = {"tickets": "ticket_id", "calls": "call_id"}


def _ids_as_positions(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """``frame`` with its ids, when they are all there and unique, replaced by the rows'
    positions (increasing whole numbers): every KPI of the table checks the ids of the rows
    it reads for repeats, and increasing whole numbers are checked by comparing neighbours
    instead of hashing text (5M tickets: ~0.1 s a KPI). Ids that repeat or are missing
    stay as they are, for the KPIs to report."""
    column = _ID_COLUMN[table]
    if column not in frame.columns or not len(frame):
        return frame
    ids = frame[column]
    if ids.isna().any() or not ids.is_unique:
        return frame
    return frame.assign(**{column: np.arange(len(frame), dtype=np.int64)})


def _with_quarter(frame: pd.DataFrame, table: str, team: str | None,
                  period: str, keep: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The rows of ``team`` (all without one) with their ``period``; with ``keep``, only
    the rows of those periods, their ``period`` a categorical of them: the tables read no
    other, and the many comparisons with one period (and the grouping of a comparison)
    read codes, not text (5M tickets: seconds less per table)."""
    if team is not None:
        frame = frame[frame["team"] == team]
    column = _TIME_COLUMN[table]
    if keep is None:
        return with_periods(frame, period, column)
    kept = list(dict.fromkeys(keep))
    if column not in frame.columns:
        codes = np.full(len(frame), -1, dtype=np.int64)
    else:
        codes = date_period_codes(frame[column], period_kind(period), kept)
    taken = codes >= 0
    return frame.loc[taken].assign(period=pd.Categorical.from_codes(codes[taken],
                                                                    categories=kept))


#: Rates computed from monthly call totals (``calls_summary``): KPI, label, the count of
#: successes and of trials (columns of the table), display scale, unit and digits.
SUMMARY_KPIS: tuple[dict[str, Any], ...] = (
    {"kpi": "answer_rate", "label": "Answer rate", "successes": "answered",
     "trials": "offered", "scale": 1.0, "unit": "%", "digits": 1, "duration": False},
    {"kpi": "abandonment_rate", "label": "Abandonment rate", "successes": "abandoned",
     "trials": "offered", "scale": 1.0, "unit": "%", "digits": 1, "duration": False},
    {"kpi": "service_level", "label": "Service level (answered within {t:g} s)",
     "successes": "answered_within_threshold", "trials": "answered", "scale": 1.0,
     "unit": "%", "digits": 1, "duration": False},
)


def _summary_totals(summary: pd.DataFrame, spec: dict[str, Any],
                    period: str) -> pd.DataFrame:
    """``period, k, n, months``: the successes and trials of ``spec`` summed over the months
    of each period of the kind of ``period`` (a quarter is the sum of its months); months
    missing either count are left out."""
    if spec["successes"] not in summary.columns or spec["trials"] not in summary.columns:
        return pd.DataFrame({"period": [], "k": [], "n": [], "months": []})
    frame = with_periods(summary, period, "period_start")
    ok = frame[spec["successes"]].notna() & frame[spec["trials"]].notna() & frame[
        "period"].notna()
    frame = frame[ok]
    out = frame.groupby("period", sort=True).agg(
        k=(spec["successes"], "sum"), n=(spec["trials"], "sum"),
        months=(spec["trials"], "size")).reset_index()
    return out.astype({"k": "int64", "n": "int64", "months": "int64"})


def _summary_rows(summary: pd.DataFrame, *, period: str, team: str | None,
                  confidence_level: float, have: set[str]
                  ) -> tuple[list[dict[str, Any]], list[pd.DataFrame], list[dict[str, Any]],
                             list[str], list[str]]:
    """Rows of the operations table from monthly call totals: rates with Wilson CIs (the
    counts summed over the months of ``period``), skipping KPIs in ``have`` (computed from
    the calls' own rows). Returns rows, per-period totals, specs, notes and absent lines."""
    rows: list[dict[str, Any]] = []
    totals: list[pd.DataFrame] = []
    specs: list[dict[str, Any]] = []
    notes: list[str] = []
    absent: list[str] = []
    if not len(summary):
        return rows, totals, specs, notes, absent
    if team is not None:
        if "team" not in summary.columns:
            absent.append("The monthly call totals have no team.")
            return rows, totals, specs, notes, absent
        summary = summary[summary["team"] == team]
    if period_kind(period) == "week":
        absent.append(f"Monthly call totals cannot be split into ISO weeks: no call KPIs for "
                      f"{period}.")
        return rows, totals, specs, notes, absent
    months_in = 0
    for spec in SUMMARY_KPIS:
        if spec["kpi"] in have:
            continue
        if spec["kpi"] == "service_level":
            thresholds = (summary["threshold_seconds"].dropna().unique()
                          if "threshold_seconds" in summary.columns else [])
            if len(thresholds) != 1:
                continue  # no threshold, or several: no one service level to show
            spec = {**spec, "label": spec["label"].format(t=float(thresholds[0]))}
        agg = _summary_totals(summary, spec, period)
        cur = agg[agg["period"] == period]
        if not len(cur) or int(cur["n"].iloc[0]) == 0:
            continue
        est = summarize(cur, kpi=spec["kpi"], successes="k", trials="n",
                        confidence_level=confidence_level).iloc[0]
        months_in = max(months_in, int(cur["months"].iloc[0]))
        rows.append({"kpi": spec["kpi"], "label": spec["label"],
                     "estimate": float(est["estimate"]), "ci_low": float(est["ci_low"]),
                     "ci_high": float(est["ci_high"]), "n": int(est["n"]),
                     "unit": str(est["unit"]), "method": str(est["method"]),
                     "aggregated": True})
        totals.append(agg)
        specs.append(spec)
    if not rows:
        absent.append(no_data("monthly call totals", period))
        return rows, totals, specs, notes, absent
    words = {"answer_rate": "answered / offered", "abandonment_rate": "abandoned / offered",
             "service_level": "answered within the threshold / answered"}
    notes.append(
        f"Calls: from monthly totals ({months_in} month{'s' if months_in != 1 else ''} in "
        f"{period}), each rate the sum of its counts over the months ("
        + "; ".join(f"{r['label'].lower()}: {words[r['kpi']]}" for r in rows)
        + "), with a Wilson CI and Newcombe differences as if each call were a row.")
    if "asa_seconds" in summary.columns:
        frame = with_periods(summary, period, "period_start")
        cur = frame[(frame["period"] == period) & frame["asa_seconds"].notna()].sort_values(
            "period_start")
        if len(cur):
            listed = ", ".join(f"{pd.Timestamp(t):%b %Y} {float(v):,.0f} s" for t, v in
                               zip(cur["period_start"], cur["asa_seconds"], strict=True))
            notes.append("Average speed of answer, as published per month (" + listed + "): a "
                         "mean without its number of answered calls or its spread, so no "
                         "confidence interval or test can be given, and it is not in the table.")
    return rows, totals, specs, notes, absent


def _usable(frame: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """The rows of ``frame`` that carry what the KPI reads (all rows for a rate of calls).

    A tuple among ``needs`` is one of several columns: ``("answered_at", "answered")`` is an
    answer time, or a yes/no ``answered`` flag that is true (calls exported without answer
    times).
    """
    mask = pd.Series(True, index=frame.index)
    for need in spec["needs"]:
        either = pd.Series(False, index=frame.index)
        for column in (need if isinstance(need, tuple) else (need,)):
            if column not in frame.columns:
                continue
            values = frame[column]
            either |= (values.fillna(False).astype(bool) if column == "answered"
                       else values.notna())
        mask &= either
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


@remember_results(slim=False)
def operations_table(
    tickets: pd.DataFrame,
    calls: pd.DataFrame,
    *,
    period: str,
    team: str | None = None,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
    calls_summary: pd.DataFrame | None = None,
) -> ReportTable | ReportNote:
    """Operations KPIs of ``period`` (tickets and calls) against the previous period of the
    same kind (quarter, month or ISO week) and the same period last year.

    ``calls_summary`` (optional) holds call totals per month (the ``calls_summary`` table):
    answer rate, abandonment rate and service level of a quarter or month are then the sums
    of the counts of its months (`SUMMARY_KPIS`), summarised and compared with
    ``successes=``/``trials=`` — Wilson CI, Newcombe difference, as for calls given one row
    each — unless the calls table has rows of the period. ISO weeks cannot be cut from
    monthly totals, and a published mean speed of answer (without its n or spread) gets a
    note, not a row.

    Uses the KPIs registered by `kpitools.kpis.operations` (see `OPERATIONS_KPIS`): medians of
    durations with distribution-free order-statistic CIs, their change as a Hodges–Lehmann
    shift with a Mann–Whitney test; rates with Wilson CIs and Newcombe differences. A
    contact belongs to the period of its ``created_at`` (tickets) or ``offered_at`` (calls).
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
    from kpitools.kpis.catalogue import get_kpi
    from kpitools.reports.sections.significance import (
        adjust_family,
        family_note,
        interval_of,
        significance_marks,
    )

    prev, yago = previous_period(period), year_ago(period)
    sources = {"tickets": tickets, "calls": calls}
    summary = calls_summary if calls_summary is not None else pd.DataFrame()
    if not any(in_folder(t, len) for t in sources.values()) and not len(summary):
        return ReportNote(no_data("ticket or call data"))
    frames = {name: _ids_as_positions(_with_quarter(t, name, team, period,
                                                    keep=(period, prev, yago)), name)
              for name, t in sources.items()}
    rows, absent, excluded_notes = [], [], []
    usables: list[pd.DataFrame] = []
    for name, frame in frames.items():
        folder_words, row_words = _TABLE_WORDS[name]
        who = f" from team {team}" if team else ""
        if not in_folder(sources[name], len):
            if not (name == "calls" and len(summary)):
                absent.append(no_data(folder_words))
        elif not (frame["period"] == period).any():
            absent.append(no_data(f"{row_words}{who}", period))
    for spec in OPERATIONS_KPIS:
        frame = frames[spec["table"]]
        if not (frame["period"] == period).any():
            continue  # said once for the whole table above
        usable = _usable(frame, spec)
        cur = usable[usable["period"] == period]
        if not len(cur):
            anywhere = in_folder(sources[spec["table"]], functools.partial(_usable, spec=spec))
            line = no_data(spec["what"], period if anywhere else None)
            if line not in absent:  # ASA and service level read the same waiting times
                absent.append(line)
            continue
        summary = summarize(cur, kpi=spec["kpi"], confidence_level=confidence_level,
                            invalid="exclude", **spec["options"])
        est = summary.iloc[0]
        left_out = _left_out(summary, spec, row_words=_TABLE_WORDS[spec["table"]][1])
        if left_out:
            excluded_notes.append(left_out)
        for note in summary.attrs.get("notes") or []:  # AHT from talk time alone, ...
            excluded_notes.append(f"{spec['label']}: {note}.")
        rows.append({"kpi": spec["kpi"], "label": spec["label"],
                     "estimate": float(est["estimate"]), "ci_low": float(est["ci_low"]),
                     "ci_high": float(est["ci_high"]), "n": int(est["n"]),
                     "unit": str(est["unit"]), "method": str(est["method"])})
        usables.append(usable)
    row_specs: list[dict[str, Any]] = [
        next(s for s in OPERATIONS_KPIS if s["kpi"] == r["kpi"]) for r in rows]
    have = {r["kpi"] for r in rows if r["kpi"] in ("answer_rate", "abandonment_rate",
                                                   "service_level")}
    s_rows, s_totals, s_specs, s_notes, s_absent = _summary_rows(
        summary, period=period, team=team, confidence_level=confidence_level, have=have)
    rows += s_rows
    usables += s_totals
    row_specs += s_specs
    excluded_notes += s_notes
    absent += s_absent
    if s_rows and not (s_totals[0]["period"] == prev).any():
        absent.append(f"No monthly call totals in {prev} to compare with.")

    def change(i: int, base: str, level: float) -> dict[str, Any]:
        spec = row_specs[i]
        usable = usables[i]
        before = usable[usable["period"] == base]
        now = usable[usable["period"] == period]
        if rows[i].get("aggregated"):
            if not len(before) or not len(now) or not int(before["n"].iloc[0]):
                return {"estimate_base": np.nan, "difference": np.nan, "ci_low": np.nan,
                        "ci_high": np.nan, "pvalue": np.nan, "test": ""}
            c = compare(usable[usable["period"].isin([base, period])], kpi=spec["kpi"],
                        successes="k", trials="n", group="period", baseline=base,
                        levels=[base, period], confidence_level=level).iloc[0]
            return {"estimate_base": float(c["estimate_a"]),
                    "difference": float(c["difference"]), "ci_low": float(c["ci_low"]),
                    "ci_high": float(c["ci_high"]), "pvalue": float(c["pvalue"]),
                    "test": str(c["test"])}
        if len(before) < 2 or len(now) < 2:
            return {"estimate_base": np.nan, "difference": np.nan, "ci_low": np.nan,
                    "ci_high": np.nan, "pvalue": np.nan, "test": ""}
        c = compare(usable[usable["period"].isin([base, period])], kpi=spec["kpi"],
                    group="period", baseline=base, levels=[base, period],
                    confidence_level=level, invalid="exclude", **spec["options"]).iloc[0]
        return {"estimate_base": float(c["estimate_a"]), "difference": float(c["difference"]),
                "ci_low": float(c["ci_low"]), "ci_high": float(c["ci_high"]),
                "pvalue": float(c["pvalue"]), "test": str(c["test"])}

    members = [(i, key, base) for i in range(len(rows))
               for key, base in (("previous", prev), ("year_ago", yago))]
    family = [change(i, base, 1 - alpha) for i, _, base in members]
    adjust_family(family, interval_of(lambda m, level: change(m[0], m[2], level), members),
                  confidence_level=1 - alpha)
    for c, (i, key, _) in zip(family, members, strict=True):
        sfx = "" if key == "previous" else "_year_ago"
        row = rows[i]
        spec = row_specs[i]
        row[f"estimate_base{sfx}"] = c["estimate_base"]
        row[f"difference{sfx}"] = c["difference"]
        row[f"diff_ci_low{sfx}"], row[f"diff_ci_high{sfx}"] = c["ci_low"], c["ci_high"]
        for k in ("ci_level", "pvalue", "pvalue_adjusted", "significant", "borderline",
                  "test"):
            row[f"{k}{sfx}"] = c[k]
        words = verdict(c["difference"] * spec["scale"], c["pvalue_adjusted"], alpha=alpha,
                        digits=spec["digits"], unit=spec["unit"],
                        significant=c["significant"])
        if spec["duration"] and c["significant"]:  # the shift, not a change of the median
            words = "shifted " + words.replace(", significant", " (Hodges–Lehmann), significant")
        row[f"verdict{sfx}"] = words
    for name, frame in frames.items():
        if (frame["period"] == period).any() and not (frame["period"] == prev).any():
            absent.append(f"No {_TABLE_WORDS[name][1]} in {prev} to compare with.")
    data = pd.DataFrame(rows)
    if not len(data):
        return ReportNote("\n".join(absent))
    disp = []
    for r, spec in zip(rows, row_specs, strict=True):
        k, d = spec["scale"], spec["digits"]
        out = {"KPI": _esc(spec["label"]), "Unit": _esc(spec["unit"]),
               f"{period} [{confidence_level:.0%} CI]": _fmt_ci(
                   r["estimate"] * k, r["ci_low"] * k, r["ci_high"] * k, d, True),
               "n": f"{r['n']:,}"}
        for sfx, base in (("", prev), ("_year_ago", yago)):
            before = (f'<span class="kt-muted">{"median" if spec["duration"] else "was"} '
                      f"{format_number(r[f'estimate_base{sfx}'] * k, digits=d)}</span><br>"
                      if r[f"estimate_base{sfx}"] == r[f"estimate_base{sfx}"] else "")
            out[f"vs {base}"] = before + _fmt_diff(
                r[f"difference{sfx}"] * k, r[f"diff_ci_low{sfx}"] * k,
                r[f"diff_ci_high{sfx}"] * k, r[f"pvalue_adjusted{sfx}"], d, True,
                marks=significance_marks(r[f"pvalue_adjusted{sfx}"], r[f"significant{sfx}"],
                                         r[f"borderline{sfx}"]))
            out["p (Holm)" + sfx.replace("_year_ago", " ")] = format_pvalue(
                r[f"pvalue_adjusted{sfx}"])
            out["Verdict" + sfx.replace("_year_ago", " ")] = _fmt_verdict(
                r[f"verdict{sfx}"], r[f"difference{sfx}"], bool(r[f"significant{sfx}"]), alpha,
                get_kpi(r["kpi"]).higher_is_better)
        disp.append(out)
    display = pd.DataFrame(disp)
    who = f" — {team}" if team else ""
    m = int(np.isfinite([c["pvalue"] for c in family]).sum())
    kind = kind_word(period)
    notes = ["Durations (first response, resolution): the median with a distribution-free "
             f"order-statistic CI; the earlier {kind}'s median is shown above the change, and "
             "the change is the Hodges–Lehmann shift (the median of all differences between a "
             f"contact of this {kind} and one of the earlier {kind}, not the difference of "
             "the medians) with a Mann–Whitney test. Means (handle time, speed of answer): "
             "bootstrap CI, Welch test. Rates: Wilson CI, Newcombe difference, z test. "
             "Service level: calls answered within 20 s among answered calls. "
             + family_note(f"every KPI of this table against both {kind}s", m, alpha=alpha),
             *excluded_notes, _SIG_NOTE]
    return ReportTable(data, display, caption=f"Operations{who}, {period}", notes=notes,
                       absent=absent, numeric=[c for c in display.columns
                                               if c not in ("KPI", "Unit", "Verdict",
                                                            "Verdict ")])


def channel_operations_table(tickets: pd.DataFrame, *, period: str, kpi: str = "frt",
                             team: str | None = None, confidence_level: float = 0.95,
                             alpha: float = 0.05) -> ReportTable | ReportNote:
    """A ticket KPI (first response time by default) by channel, against the previous period
    of the same kind.

    Tickets without a channel form the group ``"(no channel)"``. A `ReportNote` of one line
    when ``period`` has no tickets with the KPI's data.

    Returns
    -------
    ReportTable or ReportNote
        ``data``: ``channel, estimate, ci_low, ci_high, n, estimate_previous, difference,
        diff_ci_low, diff_ci_high, pvalue, verdict``.
    """
    spec = next(s for s in OPERATIONS_KPIS if s["kpi"] == kpi)
    # the rows outside the periods read count too, when they were left out (`in_folder`)
    if not in_folder(tickets, len):
        return ReportNote(no_data("ticket data"))
    if not in_folder(tickets, lambda t: has_values(t, "channel")):
        return ReportNote(no_data("ticket channels"))
    prev = previous_period(period)
    mine = tickets if team is None else tickets[tickets["team"] == team]
    anywhere = in_folder(tickets, lambda t: _usable(t if team is None
                                                    else t[t["team"] == team], spec))
    frame = label_missing(_usable(_ids_as_positions(_with_quarter(
        mine, "tickets", None, period, keep=(prev, period)), "tickets"), spec), "channel")
    cur = frame[frame["period"] == period]
    if not len(cur):
        who = f" from team {team}" if team else ""
        return ReportNote(no_data(f"{spec['what']}{who}", period if anywhere else None))
    est = summarize(cur, kpi=kpi, by="channel", confidence_level=confidence_level,
                    invalid="exclude")
    left_out = _left_out(est, spec, row_words="tickets")
    both = frame[frame["period"].isin([prev, period])]
    counts = both.groupby(["channel", "period"]).size().unstack(fill_value=0)
    ok = [c for c in counts.index if all(counts.loc[c].get(q, 0) >= 2 for q in (prev, period))]
    data = est[["channel", "estimate", "ci_low", "ci_high", "n"]].copy()
    from kpitools.reports.sections.significance import (
        adjust_family,
        family_note,
        interval_of,
        significance_marks,
    )

    def change_of(channel: str, level: float) -> dict[str, float]:
        if channel not in ok:
            return {"estimate_previous": np.nan, "difference": np.nan, "ci_low": np.nan,
                    "ci_high": np.nan, "pvalue": np.nan}
        c = compare(both[both["channel"] == channel], kpi=kpi, group="period", baseline=prev,
                    levels=[prev, period], confidence_level=level, invalid="exclude",
                    **spec["options"]).iloc[0]
        return {"estimate_previous": float(c["estimate_a"]),
                "difference": float(c["difference"]), "ci_low": float(c["ci_low"]),
                "ci_high": float(c["ci_high"]), "pvalue": float(c["pvalue"])}

    channels = data["channel"].tolist()
    family = [change_of(c, 1 - alpha) for c in channels]
    adjust_family(family, interval_of(change_of, channels), confidence_level=1 - alpha)
    data["estimate_previous"] = [f["estimate_previous"] for f in family]
    data["difference"] = [f["difference"] for f in family]
    data["diff_ci_low"] = [f["ci_low"] for f in family]
    data["diff_ci_high"] = [f["ci_high"] for f in family]
    for key in ("ci_level", "pvalue", "pvalue_adjusted", "significant", "borderline"):
        data[key] = [f[key] for f in family]
    k, d = spec["scale"], spec["digits"]
    data["verdict"] = [
        ("shifted " + verdict(x * k, p, unit=spec["unit"], alpha=alpha, digits=d,
                              significant=True).replace(", significant",
                                                        " (Hodges–Lehmann), significant"))
        if sig and spec["duration"] else
        verdict(x * k, p, unit=spec["unit"], alpha=alpha, digits=d, significant=bool(sig))
        for x, p, sig in zip(data["difference"], data["pvalue_adjusted"], data["significant"],
                             strict=True)]
    level = f"{confidence_level:.0%}"
    display = pd.DataFrame({
        "Channel": data["channel"].map(_esc),
        f"{prev} median" if spec["duration"] else f"{prev}": [
            format_number(x * k, digits=d) for x in data["estimate_previous"]],
        f"{period} {'median ' if spec['duration'] else ''}[{level} CI]": [
            _fmt_ci(e * k, lo * k, hi * k, d) for e, lo, hi in
                                   zip(data["estimate"], data["ci_low"], data["ci_high"],
                                       strict=True)],
        "n": data["n"].map(lambda v: f"{int(v):,}"),
        ("Hodges–Lehmann shift [adjusted CI]" if spec["duration"] else
         "Change [adjusted CI]"): [
            _fmt_diff(x * k, lo * k, hi * k, p, d, marks=significance_marks(p, sig, bl))
            for x, lo, hi, p, sig, bl in zip(data["difference"], data["diff_ci_low"],
                                             data["diff_ci_high"], data["pvalue_adjusted"],
                                             data["significant"], data["borderline"],
                                             strict=True)],
        "p (Holm)": data["pvalue_adjusted"].map(format_pvalue),
        "Verdict": [_fmt_verdict(v, x, bool(sig), alpha, False) for v, x, sig in
                    zip(data["verdict"], data["difference"], data["significant"],
                        strict=True)],
    })
    who = f" — {team}" if team else ""
    absent = ([] if (frame["period"] == prev).any() else
              [f"No {spec['what']} in {prev} to compare with."])
    return ReportTable(data, display, absent=absent,
                       caption=f"{spec['label']} ({spec['unit']}) by channel{who}, {period}",
                       notes=["Shift: the Hodges–Lehmann estimate (the median of the "
                              f"differences between a ticket of this {kind_word(period)} and "
                              f"one of the previous {kind_word(period)}), Mann–Whitney test. "
                              + family_note("the channels", int(data["pvalue"].notna().sum()),
                                            alpha=alpha),
                              *([left_out] if left_out else []), _SIG_NOTE],
                       numeric=[c for c in display.columns if c not in ("Channel", "Verdict")])
