"""Competitors section: our NPS against each competitor's, its figure and its trend."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_pvalue
from kpitools.kpis.survey import (
    compare_nps,
    nps,
    nps_categories,
    nps_from_counts,
    nps_from_percentages,
)
from kpitools.reports.sections.common import (
    _SIG_NOTE,
    ReportFigure,
    ReportNote,
    ReportTable,
    _esc,
    _fmt_ci,
    _fmt_diff,
    _fmt_verdict,
    _new_figure,
    answer_weights,
    has_values,
    kind_word,
    label_missing,
    no_data,
    period_kind,
    previous_quarter,
    text_equals,
    weight_column,
)
from kpitools.reports.sections.significance import family_note, significance_marks

__all__ = ["competitor_table", "competitor_figure", "competitor_trend_table"]


def _competitor_estimates(competitor_surveys: pd.DataFrame,
                          competitor_published: pd.DataFrame, period: str,
                          confidence_level: float) -> list[tuple[str, str, Any]]:
    out = []
    raw = competitor_surveys[(competitor_surveys["quarter"].astype(str) == period)
                             & competitor_surveys["nps"].notna()]
    for name, part in label_missing(raw, "competitor").groupby("competitor", sort=True):
        out.append((str(name), "raw answers", nps(part["nps"],
                                                  confidence_level=confidence_level)))
    pub = competitor_published[competitor_published["quarter"].astype(str) == period]
    for row in pub.sort_values("competitor").itertuples(index=False):
        out.append((str(row.competitor), "published shares",
                    nps_from_percentages(int(row.n), float(row.promoters_pct),
                                         float(row.detractors_pct),
                                         confidence_level=confidence_level)))
    return out


def _competitor_absence(competitor_surveys: pd.DataFrame,
                        competitor_published: pd.DataFrame, period: str | None) -> str | None:
    """The one line for a competitor section without data, or None when there are some."""
    raw = competitor_surveys[competitor_surveys["nps"].notna()] if has_values(
        competitor_surveys, "nps") else competitor_surveys.iloc[:0]
    pub = competitor_published
    if not len(raw) and not len(pub):
        return no_data("competitor data")
    if period is None:
        return None
    if period_kind(period) != "quarter":
        return (f"Competitor data are by quarter: no comparison for the {kind_word(period)} "
                f"{period}.")
    if not ((raw["quarter"].astype(str) == period).any()
            or (pub["quarter"].astype(str) == period).any()):
        return no_data("competitor data", period)
    return None


def _our_nps(surveys: pd.DataFrame, period: str, confidence_level: float) -> Any:
    """Our NPS estimate in ``period``, or None without answers."""
    if not len(surveys) or not has_values(surveys, "nps"):
        return None
    mine = text_equals(surveys["quarter"], period)
    if weight_column(surveys):  # a counted survey table: the NPS of the counted answers
        scores = surveys["nps"].to_numpy(dtype=float, na_value=np.nan)[mine]
        answered = ~np.isnan(scores)
        # promoters, passives, detractors: the answers of each category, counted
        counts = np.bincount(nps_categories(scores[answered]),
                             weights=answer_weights(surveys)[mine][answered], minlength=3)
        return (nps_from_counts(*(int(c) for c in counts), confidence_level=confidence_level)
                if counts.sum() else None)
    answers = surveys.loc[mine, "nps"].dropna()
    if not len(answers):
        return None
    return nps(answers, confidence_level=confidence_level)


def competitor_table(
    surveys: pd.DataFrame,
    competitor_surveys: pd.DataFrame,
    competitor_published: pd.DataFrame,
    *,
    period: str,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
    adjust: str = "holm",
) -> ReportTable | ReportNote:
    """Our NPS in ``period`` against each competitor's (raw answers or published shares).

    Differences are ours minus theirs (`kpitools.compare_nps`, z test on the adjusted-Wald
    difference); p-values are adjusted across competitors (Holm by default). Without NPS
    answers of ours in ``period`` the competitors are listed without a comparison (no
    columns for it, and one line says so); without competitor data the result is a
    `ReportNote` of one line. Competitor data are by quarter: for a month or a week,
    a `ReportNote` says so.

    Returns
    -------
    ReportTable or ReportNote
        ``data``: ``competitor, source, nps, ci_low, ci_high, n, difference, diff_ci_low,
        diff_ci_high, pvalue, pvalue_adjusted, verdict`` (the first row is us, when we have
        answers).
    """
    missing = _competitor_absence(competitor_surveys, competitor_published, period)
    if missing:
        return ReportNote(missing)
    ours = _our_nps(surveys, period, confidence_level)
    absent = []
    from kpitools.reports.sections.significance import adjust_family

    rows = []
    if ours is not None:
        rows.append({"competitor": "Us", "source": "our surveys", "nps": ours.estimate,
                     "ci_low": ours.ci_low, "ci_high": ours.ci_high, "n": ours.n,
                     "difference": np.nan, "diff_ci_low": np.nan, "diff_ci_high": np.nan,
                     "pvalue": np.nan})
    else:
        absent.append(f"No NPS answers of ours in {period} to compare with.")
    ests = _competitor_estimates(competitor_surveys, competitor_published, period,
                                 confidence_level)
    theirs = []
    for name, source, est in ests:
        row = {"competitor": name, "source": source, "nps": est.estimate,
               "ci_low": est.ci_low, "ci_high": est.ci_high, "n": est.n,
               "difference": np.nan, "diff_ci_low": np.nan, "diff_ci_high": np.nan,
               "pvalue": np.nan}
        if ours is not None:
            c = compare_nps(est, ours, confidence_level=1 - alpha, label_a=name, label_b="us")
            row.update(difference=c.difference, diff_ci_low=c.ci_low, diff_ci_high=c.ci_high,
                       pvalue=c.pvalue)
        rows.append(row)
        theirs.append(est)

    def rerun(i: int, level: float) -> tuple[float, float]:
        c = compare_nps(theirs[i], ours, confidence_level=level)
        return c.ci_low, c.ci_high

    family = [{"pvalue": r["pvalue"], "ci_low": r["diff_ci_low"], "ci_high": r["diff_ci_high"]}
              for r in rows[len(rows) - len(theirs):]]
    adjust_family(family, rerun, confidence_level=1 - alpha, adjust=adjust)
    empty = {"ci_low": np.nan, "ci_high": np.nan, "ci_level": np.nan, "pvalue_adjusted": np.nan,
             "significant": False, "borderline": False}
    for row, f in zip(rows, [empty] * (len(rows) - len(theirs)) + family, strict=True):
        if f is not empty:
            row["diff_ci_low"], row["diff_ci_high"] = f["ci_low"], f["ci_high"]
        row.update(ci_level=f["ci_level"], pvalue_adjusted=f["pvalue_adjusted"],
                   significant=f["significant"], borderline=f["borderline"])
    data = pd.DataFrame(rows)
    adj = data["pvalue_adjusted"].to_numpy(float)
    have = ~np.isnan(adj)

    def words(d: float, sig: bool) -> str:
        if math.isnan(d):
            return ""
        if not sig:
            return "not significant"
        return f"{'ahead' if d > 0 else 'behind'} by {abs(d):.1f} points, significant"

    data["verdict"] = [words(d, bool(s)) for d, s in zip(data["difference"],
                                                          data["significant"], strict=True)]
    level = f"{confidence_level:.0%}"
    display = pd.DataFrame({
        "Company": data["competitor"].map(_esc),
        "Source": data["source"].map(_esc),
        f"NPS [{level} CI]": [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                              zip(data["nps"], data["ci_low"], data["ci_high"], strict=True)],
        "n": data["n"].map(lambda v: f"{int(v):,}"),
        "Us − them [adjusted CI]": [
            _fmt_diff(d, lo, hi, p, 1, marks=significance_marks(p, sig, bl))
            for d, lo, hi, p, sig, bl in zip(data["difference"], data["diff_ci_low"],
                                             data["diff_ci_high"], adj, data["significant"],
                                             data["borderline"], strict=True)],
        "p (Holm)" if adjust == "holm" else f"p ({adjust})": [format_pvalue(p) for p in adj],
        "Verdict": [_fmt_verdict(v, d, bool(sig), alpha, True) for v, d, sig in
                    zip(data["verdict"], data["difference"], data["significant"],
                        strict=True)],
    })
    notes = ["Published shares are turned into counts (kpitools.nps_from_percentages). "
             + family_note(f"the {int(have.sum())} competitors of this quarter",
                           int(have.sum()), adjust=adjust, alpha=alpha), _SIG_NOTE]
    if ours is None:  # nothing compared: no columns of dashes, no family of 0 tests
        display = display.drop(columns=[c for c in display.columns
                                        if c.startswith(("Us − them", "p (", "Verdict"))])
        notes = ["Published shares are turned into counts (kpitools.nps_from_percentages)."]
    return ReportTable(data, display, caption=f"NPS against competitors, {period}",
                       notes=notes, absent=absent,
                       numeric=[c for c in display.columns
                                if c not in ("Company", "Source", "Verdict")])


def competitor_figure(surveys: pd.DataFrame, competitor_surveys: pd.DataFrame,
                      competitor_published: pd.DataFrame, *, period: str,
                      confidence_level: float = 0.95) -> ReportFigure | ReportNote:
    """Forest plot of our NPS and each competitor's in ``period`` (the competitors alone,
    without the dashed line, when we have no NPS answers); a `ReportNote` of one line
    without competitor data."""
    from kpitools.plots.kpis import plot_kpi_forest

    result = competitor_table(surveys, competitor_surveys, competitor_published,
                              period=period, confidence_level=confidence_level)
    if isinstance(result, ReportNote):
        return result
    table = result.data
    frame = table.rename(columns={"nps": "estimate"}).assign(kpi="nps", unit="points")
    us = bool(table["source"].iloc[0] == "our surveys")
    fig, axes = _new_figure(7.0, 0.45 * len(frame) + 1.2)
    plot_kpi_forest(frame, label="competitor", ax=axes[0, 0],
                    reference=float(table["nps"].iloc[0]) if us else None)
    caption = (f"NPS of us and competitors, {period}, with {confidence_level:.0%} CIs; "
               "dashed line: us" if us else
               f"NPS of competitors, {period}, with {confidence_level:.0%} CIs")
    return ReportFigure(fig, caption=caption, absent=result.absent)


def competitor_trend_table(
    surveys: pd.DataFrame,
    competitor_surveys: pd.DataFrame,
    competitor_published: pd.DataFrame,
    *,
    period: str,
    n_quarters: int = 4,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
) -> ReportTable | ReportNote:
    """Us minus each competitor, quarter by quarter, for the last ``n_quarters`` quarters
    (the quarters with both our NPS answers and competitor data); a `ReportNote` of one
    line when there is no such quarter."""
    missing = _competitor_absence(competitor_surveys, competitor_published, None)
    if missing:
        return ReportNote(missing)
    if period_kind(period) != "quarter":
        return ReportNote(_competitor_absence(competitor_surveys, competitor_published, period)
                          or "")
    frames = []
    first = previous_quarter(period, n_quarters - 1)
    for k in range(n_quarters - 1, -1, -1):
        q = previous_quarter(period, k)
        if _our_nps(surveys, q, confidence_level) is None:
            continue
        t = competitor_table(surveys, competitor_surveys, competitor_published, period=q,
                             confidence_level=confidence_level, alpha=alpha)
        if isinstance(t, ReportNote):
            continue
        frames.append(t.data.iloc[1:].assign(quarter=q))
    if not frames:
        return ReportNote(f"No quarter from {first} to {period} has both NPS answers of ours "
                          "and competitor data to compare.")
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["quarter", "competitor", "difference", "diff_ci_low", "diff_ci_high",
                 "pvalue_adjusted"])
    wide: dict[str, dict[str, str]] = {}
    for row in data.itertuples(index=False):
        wide.setdefault(row.competitor, {})[row.quarter] = _fmt_diff(
            row.difference, row.diff_ci_low, row.diff_ci_high, row.pvalue_adjusted, 1,
            marks=significance_marks(row.pvalue_adjusted, bool(row.significant),
                                     bool(row.borderline)))
    quarters = list(dict.fromkeys(data["quarter"])) if len(data) else []
    display = pd.DataFrame([{"Competitor": _esc(name),
                             **{q: cells.get(q, "–") for q in quarters}}
                            for name, cells in wide.items()])
    return ReportTable(data, display,
                       caption="NPS lead over each competitor (us − them) by quarter",
                       notes=["Each column is one family: that quarter's competitors, Holm-"
                              "adjusted, with intervals at each row's Holm step — so every "
                              "cell matches that quarter's competitor table.", _SIG_NOTE],
                       numeric=quarters)
