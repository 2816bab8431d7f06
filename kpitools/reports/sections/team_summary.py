"""The first page of the team report and of the competitor benchmark: an executive summary
like the quarterly's (`kpitools.reports.sections.summary`), for one team or for us against
each competitor.

Every number comes from the tables of the report (`headline_table` and `operations_table`
for the team, `standout_table` for the team against the rest of the company,
`competitor_table` for the competitors) under the one rule for significance
(`kpitools.reports.sections.significance`): a change or gap is "significant" when its
multiplicity-adjusted interval excludes 0, and the sentences say after adjusting for what.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_number, format_pvalue
from kpitools.reports.sections.common import (
    SURVEY_KPIS,
    ReportNote,
    ReportTable,
    _esc,
    _fmt_diff,
    _fmt_verdict,
    _higher_is_better,
)
from kpitools.reports.sections.headline import headline_table
from kpitools.reports.sections.operations import operations_table
from kpitools.reports.sections.reliability import ScaleReliability, scale_reliability
from kpitools.reports.sections.significance import SIGNIFICANCE_RULE, significance_marks
from kpitools.reports.sections.standout import p_words, standout_table
from kpitools.reports.sections.summary import (
    ExecutiveSummary,
    _amount,
    _tiles,
    survey_change_sentences,
)

__all__ = ["TeamSummary", "CompetitorSummary", "team_summary", "competitor_summary"]


def _bases(period: str) -> tuple[str, str]:
    """The previous period and the same period a year ago (quarters, months, weeks)."""
    from kpitools.reports.sections import common

    if hasattr(common, "year_ago"):
        return common.previous_period(period), common.year_ago(period)
    return common.previous_quarter(period), common.previous_quarter(period, 4)


def _reliability_html(note: ScaleReliability | None) -> str:
    return note._repr_html_() if note is not None else ""


@dataclass
class TeamSummary(ExecutiveSummary):
    """The executive summary of one team: tiles (the team's KPIs), the team against the
    rest of the company (``versus``), sentences, and the scale reliability line when the
    answers have multi-item scales."""

    team: str = ""
    versus: ReportTable | None = None
    reliability: ScaleReliability | None = None

    def _repr_html_(self) -> str:
        tiles = "".join(self._tile(r) for r in self.data.itertuples(index=False))
        sentences = "".join(f"<li>{html.escape(s)}</li>" for s in self.sentences)
        absent = "".join(f'<p class="kt-nodata">{html.escape(a)}</p>' for a in self.absent)
        versus = self.versus.to_html() if self.versus is not None else ""
        return (f'<section class="kt-summary"><h2 class="kt-summary-title">'
                f"Summary — {html.escape(self.team)}, {html.escape(self.period)}</h2>"
                f'<div class="kt-tiles">{tiles}</div>{absent}{versus}'
                f'<ul class="kt-findings">{sentences}</ul>'
                f"{_reliability_html(self.reliability)}"
                f'<p class="kt-note kt-rule">{html.escape(SIGNIFICANCE_RULE)}</p></section>')

    def __repr__(self) -> str:
        text = super().__repr__().replace("Summary,", f"Summary — {self.team},", 1)
        if self.versus is not None:
            text += "\n" + repr(self.versus)
        if self.reliability is not None:
            text += "\n" + repr(self.reliability)
        return text


def _versus_table(surveys: pd.DataFrame, team: str, period: str,
                  confidence_level: float) -> ReportTable | None:
    """The team against the rest of the company, one row per survey KPI (each KPI's row
    from `standout_table`, adjusted across the teams)."""
    rows, disp = [], []
    for spec in SURVEY_KPIS:
        t = standout_table(surveys, period=period, by="team", kpi=spec["kpi"],
                           confidence_level=confidence_level)
        if not isinstance(t, ReportTable) or spec["name"] not in t.caption:
            continue
        mine = t.data[t.data["team"] == team]
        if not len(mine):
            continue
        r = mine.iloc[0].to_dict()
        m = int(t.data["pvalue"].notna().sum())
        om = t.data.attrs.get("omnibus", {})
        rows.append({"kpi": spec["kpi"], "name": spec["name"], "teams": m,
                     "omnibus_test": om.get("test"), "omnibus_pvalue": om.get("pvalue"),
                     **{k: r[k] for k in ("estimate", "ci_low", "ci_high", "n",
                                          "estimate_rest", "difference", "diff_ci_low",
                                          "diff_ci_high", "ci_level", "pvalue",
                                          "pvalue_adjusted", "significant", "borderline",
                                          "verdict")}})
        d = spec["digits"]
        disp.append({
            "KPI": _esc(spec["name"]),
            team: format_number(r["estimate"], digits=d),
            "Rest of the company": format_number(r["estimate_rest"], digits=d),
            "Team − rest [adjusted CI]": _fmt_diff(
                r["difference"], r["diff_ci_low"], r["diff_ci_high"], r["pvalue_adjusted"], d,
                marks=significance_marks(r["pvalue_adjusted"], bool(r["significant"]),
                                         bool(r["borderline"]))),
            "p (Holm)": format_pvalue(r["pvalue_adjusted"]),
            "Verdict": _fmt_verdict(r["verdict"], r["difference"], bool(r["significant"]),
                                    0.05, _higher_is_better(spec)),
        })
    if not rows:
        return None
    data = pd.DataFrame(rows)
    m = int(data["teams"].max())
    display = pd.DataFrame(disp)
    return ReportTable(
        data, display, caption=f"{team} against the rest of the company, {period}",
        notes=[f"The team against all other teams' answers; adjusted across the {m} teams "
               "(Holm)."],
        numeric=[c for c in display.columns if c not in ("KPI", "Verdict")])


def _team_sentences(team: str, tiles: pd.DataFrame, versus: ReportTable | None, *,
                    previous: str, year_ago: str, limit: int = 5) -> list[str]:
    out, survey, ops, m_head = survey_change_sentences(tiles, previous=previous,
                                                       year_ago=year_ago, subject=f"{team} ")
    if len(survey) and not survey["significant_previous"].any():
        r = next(survey.itertuples(index=False))
        diff = r.difference_previous
        if diff == diff:
            unit = "" if r.unit == "score" else " points"
            mdc = r.detectable_previous
            tail = (f"; the sample could not have detected a change smaller than "
                    f"±{format_number(mdc, digits=int(r.digits))}{unit}" if mdc == mdc else "")
            out.append(f"{team} {r.name} did not change significantly since {previous} "
                       f"({format_number(diff, digits=int(r.digits), signed=True)}{unit}, "
                       f"{p_words(r.pvalue_adjusted_previous)} after adjusting for "
                       f"{m_head} comparisons){tail}.")
    if versus is not None:
        v = versus.data
        for r in v[v["significant"]].itertuples(index=False):
            unit = "score" if r.kpi == "ces" else "points"
            out.append(f"{team} stands out: {r.name} "
                       f"{_amount(r.difference, unit, 2 if r.kpi == 'ces' else 1)} "
                       f"{'above' if r.difference > 0 else 'below'} the rest of the company "
                       f"({p_words(r.pvalue_adjusted)} after adjusting for {r.teams} teams).")
        if len(v) and not v["significant"].any():
            r = next(v.itertuples(index=False))
            d = 2 if r.kpi == "ces" else 1
            unit = "" if r.kpi == "ces" else " points"
            out.append(f"{team} does not differ significantly from the rest of the company "
                       f"({r.name} {format_number(r.difference, digits=d, signed=True)}{unit}"
                       f", {p_words(r.pvalue_adjusted)} after adjusting for {r.teams} "
                       "teams).")
    for r in ops.itertuples(index=False):
        for key, base in (("previous", previous), ("year_ago", year_ago)):
            if getattr(r, f"significant_{key}"):
                diff = getattr(r, f"difference_{key}")
                out.append(f"{team} {r.name[0].lower() + r.name[1:]} "
                           f"{'up' if diff > 0 else 'down'} "
                           f"{_amount(diff, r.unit, int(r.digits))} since {base}, "
                           f"{p_words(getattr(r, f'pvalue_adjusted_{key}'))} after adjusting "
                           "for the operations table.")
    return out[:limit]


def team_summary(data: Any, *, team: str, period: str,
                 targets: Mapping[str, float] | None = None,
                 confidence_level: float = 0.95,
                 scales: Mapping[str, Sequence[str]] | None = None) -> TeamSummary | ReportNote:
    """The executive summary of one team's report.

    Tiles: the team's NPS, CSAT, CES (`headline_table` with ``team``), first response,
    resolution and abandonment (`operations_table` with ``team``) — whatever the data have
    — each with value, interval, change against the previous period and the same period
    last year (adjusted interval, arrow, significant or not) and target status. Then the
    team against the rest of the company for each survey KPI (`standout_table`: adjusted
    across the teams), three to five sentences, and Cronbach's alpha of each multi-item
    scale of the team's answers (`scale_reliability`; nothing without one). A `ReportNote`
    when the team has none of these KPIs in ``period``.

    >>> from kpitools.datasets import load_sample_data
    >>> s = team_summary(load_sample_data(), team="Onboarding", period="2026Q3")
    >>> s.data["kpi"].tolist()
    ['nps', 'csat', 'ces', 'frt', 'resolution_time', 'abandonment_rate']
    >>> s.sentences[0]  # doctest: +ELLIPSIS
    'Onboarding NPS up 20.5 points since 2026Q2, p = 0.00... after adjusting for 6 comparisons.'
    """
    surveys = data.surveys
    prev, yago = _bases(period)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small samples are said in the tables themselves
        head = headline_table(surveys, period=period, targets=targets, team=team,
                              confidence_level=confidence_level)
        ops = operations_table(data.tickets, data.calls, period=period, team=team,
                               confidence_level=confidence_level)
        versus = _versus_table(surveys, team, period, confidence_level)
    tiles = _tiles(head, ops, confidence_level)
    if not len(tiles):
        return ReportNote(f"No survey, ticket or call KPIs of team {team} in {period} to "
                          "summarise.")
    sentences = _team_sentences(team, tiles, versus, previous=prev, year_ago=yago)
    absent = list(head.absent) if isinstance(head, ReportTable) else []
    return TeamSummary(tiles, sentences, period, prev, yago, absent=absent, team=team,
                       versus=versus,
                       reliability=scale_reliability(surveys, period=period, team=team,
                                                     scales=scales,
                                                     confidence_level=confidence_level))


# -------------------------------------------------------------------- competitor benchmark


@dataclass
class CompetitorSummary:
    """The executive summary of the competitor benchmark: our NPS, each competitor's, and
    the gap (us − them) with its interval adjusted across the competitors.

    ``data`` is `competitor_table`'s data (the first row is us) plus ``detectable`` (the
    smallest gap the two samples could have detected, for the gaps that are not
    significant).
    """

    data: pd.DataFrame
    sentences: list[str]
    period: str
    confidence_level: float = 0.95
    reliability: ScaleReliability | None = None
    absent: list[str] = field(default_factory=list)

    def _tile(self, r: Any) -> str:
        level = f"{self.confidence_level:.0%}".replace("%", " %")
        parts = [f'<div class="kt-tile-name">{html.escape(str(r.competitor))}</div>',
                 f'<div class="kt-tile-value">{format_number(r.nps)}'
                 f'<span class="kt-tile-unit"> NPS</span></div>',
                 f'<div class="kt-muted">{level} CI {format_number(r.ci_low)} to '
                 f"{format_number(r.ci_high)} · n = {int(r.n):,}"
                 f"{'' if r.source == 'our surveys' else ' · ' + html.escape(str(r.source))}"
                 "</div>"]
        if r.difference == r.difference:
            sig = bool(r.significant)
            arrow = "▲" if r.difference > 0 else "▼" if r.difference < 0 else "▶"
            cls = ("kt-good" if r.difference > 0 else "kt-bad") if sig else "kt-muted"
            words = ("significant" if sig else "not significant")
            if not sig and r.detectable == r.detectable:
                words = (f"inconclusive (could not detect less than "
                         f"±{format_number(r.detectable)} points)")
            parts.append(
                f'<div class="kt-tile-change"><span class="{cls}">{arrow}</span> us − them: '
                f"{format_number(r.difference, signed=True)}"
                f"{significance_marks(r.pvalue_adjusted, sig, bool(r.borderline))} "
                f'<span class="kt-muted">[{format_number(r.diff_ci_low)}, '
                f"{format_number(r.diff_ci_high)}]</span> "
                f'<span class="{cls if sig else ""}">{html.escape(words)}</span></div>'
                f'<div class="kt-tile-target kt-muted">{p_words(r.pvalue_adjusted)} '
                "(Holm)</div>")
        return '<div class="kt-tile">' + "".join(parts) + "</div>"

    def _repr_html_(self) -> str:
        tiles = "".join(self._tile(r) for r in self.data.itertuples(index=False))
        sentences = "".join(f"<li>{html.escape(s)}</li>" for s in self.sentences)
        absent = "".join(f'<p class="kt-nodata">{html.escape(a)}</p>' for a in self.absent)
        return (f'<section class="kt-summary"><h2 class="kt-summary-title">'
                f"Summary, {html.escape(self.period)}</h2>"
                f'<div class="kt-tiles">{tiles}</div>{absent}'
                f'<ul class="kt-findings">{sentences}</ul>'
                f"{_reliability_html(self.reliability)}"
                f'<p class="kt-note kt-rule">{html.escape(SIGNIFICANCE_RULE)}</p></section>')

    def __repr__(self) -> str:
        rows = [f"{r.competitor}: {format_number(r.nps)} [{format_number(r.ci_low)}, "
                f"{format_number(r.ci_high)}]"
                + (f"; us − them {format_number(r.difference, signed=True)} "
                   f"[{format_number(r.diff_ci_low)}, {format_number(r.diff_ci_high)}], "
                   f"{p_words(r.pvalue_adjusted)}" if r.difference == r.difference else "")
                for r in self.data.itertuples(index=False)]
        return "\n".join([f"Summary, {self.period}", *rows, *("- " + s for s in self.sentences)])


def _shares(data: Any, name: str, source: str, period: str) -> tuple[float, float] | None:
    """A competitor's promoter and detractor shares (%) in ``period``."""
    if source == "published shares":
        pub = data.competitor_published
        row = pub[(pub["competitor"].astype(str) == name)
                  & (pub["quarter"].astype(str) == period)]
        if not len(row):
            return None
        return float(row["promoters_pct"].iloc[0]), float(row["detractors_pct"].iloc[0])
    raw = data.competitor_surveys
    x = raw.loc[(raw["competitor"].astype(str) == name)
                & (raw["quarter"].astype(str) == period), "nps"].dropna()
    if not len(x):
        return None
    return 100 * float((x >= 9).mean()), 100 * float((x <= 6).mean())


def competitor_summary(data: Any, *, period: str, confidence_level: float = 0.95,
                       alpha: float = 0.05) -> CompetitorSummary | ReportNote:
    """The executive summary of the competitor benchmark: a tile for us and one per
    competitor (NPS with interval and n; us − them with its interval adjusted across the
    competitors, Holm, and the verdict), and sentences: each significant gap, or — when no
    gap is significant — that none is, with the smallest gap the samples could have detected
    (`kpitools.stats.nps_minimum_detectable_change` from the competitor's shares, 80 %
    power, at the row's Holm level). A `ReportNote` without competitor data.

    >>> from kpitools.datasets import load_sample_data
    >>> s = competitor_summary(load_sample_data(), period="2026Q3")
    >>> s.data["competitor"].iloc[0]
    'Us'
    """
    from kpitools.reports.sections.competitors import competitor_table
    from kpitools.stats import nps_minimum_detectable_change

    table = competitor_table(data.surveys, data.competitor_surveys, data.competitor_published,
                             period=period, confidence_level=confidence_level, alpha=alpha)
    if isinstance(table, ReportNote):
        return table
    d = table.data.copy()
    detectable = []
    for r in d.itertuples(index=False):
        value = np.nan
        if r.difference == r.difference and not r.significant:
            shares = _shares(data, str(r.competitor), str(r.source), period)
            level = r.ci_level if r.ci_level == r.ci_level else 1 - alpha
            if shares is not None and 0 < shares[0] + shares[1]:
                try:
                    value = abs(nps_minimum_detectable_change(
                        shares[0], shares[1], int(r.n), int(d["n"].iloc[0]),
                        confidence_level=float(level)))
                except ValueError:  # no room to move
                    value = np.nan
        detectable.append(value)
    d["detectable"] = detectable
    them = d[d["difference"].notna()]
    m = len(them)
    out: list[str] = []
    for r in them[them["significant"]].itertuples(index=False):
        lead = "lead" if r.difference > 0 else "trail"
        out.append(f"We {lead} {r.competitor} by {format_number(abs(r.difference))} NPS points "
                   f"({p_words(r.pvalue_adjusted)} after adjusting for {m} competitors).")
    rest = them[~them["significant"]]
    if len(rest):
        mdc = rest["detectable"].dropna()
        names = [str(n) for n in rest["competitor"]]
        who = (" or ".join(names) if len(names) <= 2
               else ", ".join(names[:-1]) + " or " + names[-1])
        span = (f"±{format_number(mdc.min())}" if len(mdc) == 1 or mdc.min() == mdc.max()
                else f"±{format_number(mdc.min())} to ±{format_number(mdc.max())}")
        tail = (f"; the samples could not have detected gaps smaller than {span} points"
                if len(mdc) else "")
        lead = ("No competitor's NPS differs significantly from ours" if len(rest) == m
                else f"No significant gap to {who}")
        out.append(f"{lead} in {period} (after adjusting for {m} competitors){tail}.")
    if len(d) and d["competitor"].iloc[0] == "Us" and m:
        best = them.sort_values("nps", ascending=False).iloc[0]
        us = float(d["nps"].iloc[0])
        rank = 1 + int((them["nps"] > us).sum())
        out.append(f"Our NPS is {format_number(us)} (rank {rank} of {m + 1} by the point "
                   f"estimate); the highest competitor is {best['competitor']} at "
                   f"{format_number(float(best['nps']))}.")
    return CompetitorSummary(d, out[:5], period, confidence_level,
                             reliability=scale_reliability(data.surveys, period=period,
                                                           confidence_level=confidence_level),
                             absent=list(table.absent))
