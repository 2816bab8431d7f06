"""The first page of a report: a cover naming the organisation, the period and the data, then
an executive summary — KPI tiles and three to five sentences with what moved.

Both are section functions that return an object with the numbers (``.data``) and its HTML
(``_repr_html_``), testable without a kernel. The summary reuses the tables of the report
(`headline_table`, `operations_table`, `team_league_table`, `standout_table`) so that the
tiles and sentences say exactly what the tables below them say, under the same rule for
significance (`kpitools.reports.sections.significance`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kpitools.core.display import format_number
from kpitools.reports.sections.common import (
    ReportNote,
    ReportTable,
    answer_count,
    answer_weights,
    keys_once,
    previous_period,
    with_periods,
    year_ago,
)
from kpitools.reports.sections.headline import headline_table, status_is_good
from kpitools.reports.sections.operations import OPERATIONS_KPIS, operations_table
from kpitools.reports.sections.significance import SIGNIFICANCE_RULE
from kpitools.reports.sections.standout import p_words, standout_table
from kpitools.reports.sections.teams import team_league_table
from kpitools.tables.windows import dates_in_folder, rows_in_folder, rows_left_out

__all__ = ["ReportCover", "ExecutiveSummary", "describe_data", "report_cover",
           "executive_summary", "summary_sentences"]

#: The operations KPIs that get a tile (when the data have them).
TILE_OPERATIONS = ("frt", "resolution_time", "abandonment_rate")
_TABLE_WORDS = (("surveys", "survey answers"), ("tickets", "tickets"), ("calls", "calls"),
                ("competitor_surveys", "competitor answers"))
_DATE_COLUMNS = {"surveys": "date", "tickets": "created_at", "calls": "offered_at"}


def describe_data(data: Any, *, data_dir: str | Path = "",
                  period: str | None = None) -> dict[str, Any]:
    """What a report is made from: source, whether simulated, date range and counts.

    Returns
    -------
    dict
        ``source`` (the folder's name, or "bundled sample data"), ``simulated`` (True for
        the bundled data), ``first``, ``last`` (dates of the earliest and latest row with a
        date, ISO strings, "" without any), ``counts`` (table → rows) and ``period_counts``
        (table → rows in ``period``).

    Examples
    --------
    >>> from kpitools.datasets import load_sample_data
    >>> info = describe_data(load_sample_data(), period="2026Q3")
    >>> info["source"], info["simulated"], info["counts"]["surveys"] > 0
    ('bundled sample data', True, True)
    """
    simulated = not str(data_dir)
    source = "bundled sample data" if simulated else Path(str(data_dir)).name or str(data_dir)
    first: list[pd.Timestamp] = []
    last: list[pd.Timestamp] = []
    counts: dict[str, int] = {}
    period_counts: dict[str, int] = {}
    for table, _ in _TABLE_WORDS:
        frame = getattr(data, table, None)
        if frame is None or not rows_in_folder(frame):
            continue
        # a counted survey table: its answers; tickets or calls of some periods: the table's
        counts[table] = answer_count(frame) + rows_left_out(frame)
        col = _DATE_COLUMNS.get(table)
        when = (dates_in_folder(frame, col) if col and col in frame.columns else None)
        if when is not None and when.notna().any():
            first.append(when.min())
            last.append(when.max())
        if period is not None:
            if "quarter" in frame.columns or col == "date":  # survey-like: quarter or date
                labelled = with_periods(frame, period)
                period_counts[table] = int(answer_weights(labelled)[
                    (labelled["period"] == period).to_numpy()].sum())
            elif col is not None and col in frame.columns:
                labelled = with_periods(frame, period, col)
                period_counts[table] = int((labelled["period"] == period).sum())
    return {"source": source, "simulated": simulated,
            "first": min(first).date().isoformat() if first else "",
            "last": max(last).date().isoformat() if last else "",
            "counts": counts, "period_counts": period_counts}


def _counts_words(counts: Mapping[str, int]) -> str:
    words = dict(_TABLE_WORDS)
    return ", ".join(f"{n:,} {words[t]}" for t, n in counts.items() if n)


@dataclass
class ReportCover:
    """The cover of a report: organisation, title, period and the data it is made from."""

    title: str
    period: str
    organisation: str = ""
    subtitle: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The cover's lines as plain text (what the HTML shows)."""
        info = self.data
        from kpitools.tables.periods import parse_report_period

        period = parse_report_period(self.period)
        last_day = period.end - pd.Timedelta(days=1)
        out = [f"{self.organisation}" if self.organisation else "",
               self.title + (f" — {self.subtitle}" if self.subtitle else ""),
               f"{self.period} ({period.start:%-d %B} – {last_day:%-d %B %Y})"]
        data = f"Data: {info.get('source', '')}"
        if info.get("simulated"):
            data += " (simulated sample data)"
        if info.get("first"):
            data += f", {info['first']} to {info['last']}"
        out.append(data + ".")
        if info.get("counts"):
            out.append(f"In all: {_counts_words(info['counts'])}; in {self.period}: "
                       f"{_counts_words(info.get('period_counts', {})) or 'none'}.")
        return [line for line in out if line]

    def _repr_html_(self) -> str:
        lines = self.lines()
        org = (f'<div class="kt-org">{html.escape(self.organisation)}</div>'
               if self.organisation else "")
        title = html.escape(self.title + (f" — {self.subtitle}" if self.subtitle else ""))
        rest = lines[(2 if self.organisation else 1):]
        return (f'<header class="kt-cover">{org}<h1>{title}</h1>'
                f'<div class="kt-period">{html.escape(rest[0])}</div>'
                + "".join(f'<div class="kt-data">{html.escape(t)}</div>' for t in rest[1:])
                + "</header>")

    def __repr__(self) -> str:
        return "\n".join(self.lines())


def report_cover(report: Any, *, organisation: str = "",
                 title: str = "Quarterly customer-service report",
                 subtitle: str = "") -> ReportCover:
    """The cover of a report from its set-up (`setup_report`): ``organisation`` ("" leaves
    it out), the title, the period with its dates, and the data (folder, "simulated sample
    data" for the bundled data, date range, rows counted in all and in the period). No
    parameter names.

    >>> from kpitools.reports.sections import setup_report
    >>> cover = report_cover(setup_report(today="2026-11-29"), organisation="Acme")
    >>> print(cover)  # doctest: +ELLIPSIS
    Acme
    Quarterly customer-service report
    2026Q3 (1 July – 30 September 2026)
    Data: bundled sample data (simulated sample data), 2024-10-01 to 2026-09-30.
    In all: ... survey answers, ... tickets, ... calls, ... competitor answers; in 2026Q3: ...
    """
    data_dir = report.parameters.get("data_dir", "")
    return ReportCover(title=title, period=report.period, organisation=organisation,
                       subtitle=subtitle,
                       data=describe_data(report.data, data_dir=data_dir, period=report.period))


# ----------------------------------------------------------------------- executive summary


@dataclass
class ExecutiveSummary:
    """KPI tiles and sentences: the answer of a report on its first page.

    Attributes
    ----------
    data : DataFrame
        One row per tile: ``kpi, name, unit, digits, estimate, ci_low, ci_high, n`` and for
        ``previous`` / ``year_ago``: ``difference_*, ci_low_*, ci_high_*, pvalue_adjusted_*,
        significant_*, verdict_*``; ``status, target, higher_is_better``.
    sentences : list of str
        Three to five findings (fewer when the data have fewer).
    period, previous, year_ago : str
    """

    data: pd.DataFrame
    sentences: list[str]
    period: str
    previous: str
    year_ago: str
    absent: list[str] = field(default_factory=list)

    def _tile(self, r: Any) -> str:
        d = int(r.digits)
        unit = {"points": "", "%": " %", "score": ""}.get(r.unit, f" {r.unit}")
        parts = [f'<div class="kt-tile-name">{html.escape(r.name)}</div>',
                 f'<div class="kt-tile-value">{format_number(r.estimate, digits=d)}'
                 f'<span class="kt-tile-unit">{html.escape(unit)}</span></div>',
                 f'<div class="kt-muted">{int(r.confidence_level * 100)} % CI '
                 f"{format_number(r.ci_low, digits=d)} to "
                 f"{format_number(r.ci_high, digits=d)} · n = {int(r.n):,}</div>"]
        for key, base in (("previous", self.previous), ("year_ago", self.year_ago)):
            diff = getattr(r, f"difference_{key}")
            if diff is None or (isinstance(diff, float) and math.isnan(diff)):
                parts.append(f'<div class="kt-tile-change">vs {base}: no comparison</div>')
                continue
            sig = bool(getattr(r, f"significant_{key}"))
            arrow = "▲" if diff > 0 else "▼" if diff < 0 else "▶"
            cls = "kt-muted"
            if sig and r.higher_is_better is not None and not pd.isna(r.higher_is_better):
                cls = "kt-good" if (diff > 0) == bool(r.higher_is_better) else "kt-bad"
            words = "significant" if sig else "not significant"
            parts.append(
                f'<div class="kt-tile-change"><span class="{cls}">{arrow}</span> vs {base}: '
                f"{format_number(diff, digits=d, signed=True)} "
                f'<span class="kt-muted">[{format_number(getattr(r, f"ci_low_{key}"), digits=d)}'
                f", {format_number(getattr(r, f'ci_high_{key}'), digits=d)}]</span> "
                f'<span class="{cls if sig else ""}">{words}</span></div>')
        if r.status:
            good = status_is_good(r.status, r.higher_is_better)
            cls = {True: "kt-good", False: "kt-bad", None: ""}[good]
            parts.append(f'<div class="kt-tile-target"><span class="{cls}">'
                         f"{html.escape(r.status)}</span> "
                         f"({format_number(r.target, digits=d)})</div>")
        return '<div class="kt-tile">' + "".join(parts) + "</div>"

    def _repr_html_(self) -> str:
        tiles = "".join(self._tile(r) for r in self.data.itertuples(index=False))
        sentences = "".join(f"<li>{html.escape(s)}</li>" for s in self.sentences)
        absent = "".join(f'<p class="kt-nodata">{html.escape(a)}</p>' for a in self.absent)
        return (f'<section class="kt-summary"><h2 class="kt-summary-title">'
                f"Summary, {html.escape(self.period)}</h2>"
                f'<div class="kt-tiles">{tiles}</div>{absent}'
                f'<ul class="kt-findings">{sentences}</ul>'
                f'<p class="kt-note kt-rule">{html.escape(SIGNIFICANCE_RULE)}</p></section>')

    def __repr__(self) -> str:
        rows = [f"{r.name}: {format_number(r.estimate, digits=int(r.digits))} "
                f"[{format_number(r.ci_low, digits=int(r.digits))}, "
                f"{format_number(r.ci_high, digits=int(r.digits))}]; vs {self.previous} "
                f"{r.verdict_previous}; vs {self.year_ago} {r.verdict_year_ago}"
                + (f"; {r.status}" if r.status else "")
                for r in self.data.itertuples(index=False)]
        return "\n".join([f"Summary, {self.period}", *rows, *("- " + s for s in self.sentences)])


def _tiles(head: ReportTable | ReportNote, ops: ReportTable | ReportNote,
           confidence_level: float) -> pd.DataFrame:
    from kpitools.kpis.catalogue import get_kpi
    from kpitools.reports.sections.common import SURVEY_KPIS

    rows = []
    if isinstance(head, ReportTable):
        names = {s["kpi"]: (s["name"], s["digits"]) for s in SURVEY_KPIS}
        for r in head.data.to_dict("records"):
            name, digits = names[r["kpi"]]
            unit = "%" if r["kpi"] == "csat" else r["unit"]
            rows.append({"kpi": r["kpi"], "name": name, "unit": unit, "digits": digits,
                         "confidence_level": confidence_level,
                         **{k: r[k] for k in ("estimate", "ci_low", "ci_high", "n", "status",
                                              "target", "higher_is_better")},
                         **{f"{k}_{key}": r[f"{k}_{key}"]
                            for key in ("previous", "year_ago")
                            for k in ("difference", "ci_low", "ci_high", "pvalue",
                                      "pvalue_adjusted", "significant", "verdict",
                                      "detectable")}})
    if isinstance(ops, ReportTable):
        specs = {s["kpi"]: s for s in OPERATIONS_KPIS}
        for r in ops.data.to_dict("records"):
            if r["kpi"] not in TILE_OPERATIONS:
                continue
            spec = specs[r["kpi"]]
            k = spec["scale"]
            name = spec["label"].replace(", median", " (median)")
            row = {"kpi": r["kpi"], "name": name, "unit": spec["unit"],
                   "digits": spec["digits"], "confidence_level": confidence_level,
                   "estimate": r["estimate"] * k, "ci_low": r["ci_low"] * k,
                   "ci_high": r["ci_high"] * k, "n": r["n"], "status": "",
                   "target": float("nan"),
                   "higher_is_better": get_kpi(r["kpi"]).higher_is_better}
            for key, sfx in (("previous", ""), ("year_ago", "_year_ago")):
                row[f"difference_{key}"] = r[f"difference{sfx}"] * k
                row[f"ci_low_{key}"] = r[f"diff_ci_low{sfx}"] * k
                row[f"ci_high_{key}"] = r[f"diff_ci_high{sfx}"] * k
                row[f"pvalue_{key}"] = r[f"pvalue{sfx}"]
                row[f"pvalue_adjusted_{key}"] = r[f"pvalue_adjusted{sfx}"]
                row[f"detectable_{key}"] = float("nan")
                row[f"significant_{key}"] = r[f"significant{sfx}"]
                row[f"verdict_{key}"] = r[f"verdict{sfx}"]
            rows.append(row)
    return pd.DataFrame(rows)


def _amount(x: float, unit: str, digits: int) -> str:
    words = {"points": " points", "%": " points", "score": "", "percentage points": " points"}
    return f"{format_number(abs(x), digits=digits)}{words.get(unit, ' ' + unit)}"


def survey_change_sentences(tiles: pd.DataFrame, *, previous: str, year_ago: str,
                            subject: str = "") -> tuple[list[str], pd.DataFrame,
                                                        pd.DataFrame, int]:
    """The sentences of the survey KPIs that changed significantly, and the tiles split.

    One sentence per survey KPI and earlier period whose adjusted change is significant
    ("NPS up 20.5 points since 2026Q2, p = 0.009 after adjusting for 6 comparisons"),
    prefixed by ``subject`` (e.g. a team's name and a space). Returns the sentences, the
    survey tiles, the other (operations) tiles and ``m``, the number of adjusted tests of
    the headline family.
    """
    if not len(tiles):
        return [], tiles, tiles, 0
    survey = tiles[tiles["kpi"].isin(["nps", "csat", "ces"])]
    ops = tiles[~tiles["kpi"].isin(["nps", "csat", "ces"])]
    m_head = int(survey[["pvalue_adjusted_previous", "pvalue_adjusted_year_ago"]]
                 .notna().to_numpy().sum()) if len(survey) else 0
    out: list[str] = []
    for r in survey.itertuples(index=False):
        for key, base in (("previous", previous), ("year_ago", year_ago)):
            if getattr(r, f"significant_{key}"):
                diff = getattr(r, f"difference_{key}")
                out.append(f"{subject}{r.name} {'up' if diff > 0 else 'down'} "
                           f"{_amount(diff, r.unit, int(r.digits))} since {base}, "
                           f"{p_words(getattr(r, f'pvalue_adjusted_{key}'))} after "
                           f"adjusting for {m_head} comparisons.")
    return out, survey, ops, m_head


def summary_sentences(tiles: pd.DataFrame, league: Any, standout: Any, *, period: str,
                      previous: str, year_ago: str, limit: int = 5) -> list[str]:
    """Up to ``limit`` findings in words, most important first.

    1. Each headline KPI that changed significantly (after adjusting for the comparisons
       of the headline table); when NPS (else the first survey KPI) did not, one sentence
       saying so with the smallest change the sample could have detected.
    2. Each team whose KPI changed significantly since ``previous`` (adjusted for the
       teams).
    3. Each team that stands out against the rest of the company (adjusted for the teams).
    4. Each operations KPI of the tiles that changed significantly.
    """
    out, survey, ops, m_head = survey_change_sentences(tiles, previous=previous,
                                                       year_ago=year_ago)
    if len(tiles):
        if len(survey) and not survey["significant_previous"].any():
            r = next(survey.itertuples(index=False))
            diff = r.difference_previous
            if diff == diff:
                mdc = getattr(r, "detectable_previous", float("nan"))
                unit = "" if r.unit == "score" else " points"
                tail = (f"; the sample could not have detected a change smaller than "
                        f"±{format_number(mdc, digits=int(r.digits))}{unit}"
                        if mdc == mdc else "")
                out.append(f"{r.name} did not change significantly since {previous} "
                           f"({format_number(diff, digits=int(r.digits), signed=True)}{unit}, "
                           f"{p_words(r.pvalue_previous)}, adjusted "
                           f"{p_words(r.pvalue_adjusted_previous)} for {m_head} "
                           f"comparisons){tail}.")
    if isinstance(league, ReportTable) and "significant" in league.data.columns:
        d = league.data
        m = int(d["pvalue"].notna().sum())
        key = next((c for c in ("nps", "csat", "ces") if c in d.columns), "nps")
        name = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}[key]
        for r in d[d["significant"]].itertuples(index=False):
            out.append(f"{r.team} {name} {'up' if r.difference > 0 else 'down'} "
                       f"{_amount(r.difference, 'score' if key == 'ces' else 'points', 1)} "
                       f"since {previous}, {p_words(r.pvalue_adjusted)} after adjusting for "
                       f"{m} teams.")
    if isinstance(standout, ReportTable):
        d = standout.data
        m = int(d["pvalue"].notna().sum())
        caption = standout.caption.split(": ", 1)[-1]
        name = caption.split(" ", 1)[0]
        for r in d[d["significant"]].itertuples(index=False):
            out.append(f"{r.team} stands out: {name} "
                       f"{_amount(r.difference, 'score' if name == 'CES' else 'points', 1)} "
                       f"{'above' if r.difference > 0 else 'below'} the rest of the company "
                       f"({p_words(r.pvalue_adjusted)} after adjusting for {m} teams).")
    if len(ops):
        for r in ops.itertuples(index=False):
            for key, base in (("previous", previous), ("year_ago", year_ago)):
                if getattr(r, f"significant_{key}"):
                    diff = getattr(r, f"difference_{key}")
                    out.append(f"{r.name} {'up' if diff > 0 else 'down'} "
                               f"{_amount(diff, r.unit, int(r.digits))} since {base}, "
                               f"{p_words(getattr(r, f'pvalue_adjusted_{key}'))} after "
                               "adjusting for the operations table.")
    return out[:limit]


def executive_summary(data: Any, *, period: str, targets: Mapping[str, float] | None = None,
                      confidence_level: float = 0.95) -> ExecutiveSummary | ReportNote:
    """The executive summary of a quarter: KPI tiles and three to five sentences.

    Tiles: NPS, CSAT, CES (from `headline_table`), first response, resolution and
    abandonment (from `operations_table`) — whatever the data have — each with its value
    and interval, the change against the previous quarter and the same quarter last year
    (adjusted interval, arrow, significant or not) and the target status. Sentences:
    `summary_sentences`, from the same tables and `team_league_table` / `standout_table`.
    A `ReportNote` when the data have none of these KPIs in ``period``.

    >>> from kpitools.datasets import load_sample_data
    >>> s = executive_summary(load_sample_data(), period="2026Q3")
    >>> s.data["kpi"].tolist()
    ['nps', 'csat', 'ces', 'frt', 'resolution_time', 'abandonment_rate']
    """
    import warnings

    surveys = data.surveys
    prev, yago = previous_period(period), year_ago(period)
    with warnings.catch_warnings(), keys_once():  # the same frames, unchanged, to each table
        warnings.simplefilter("ignore")  # small samples are said in the tables themselves
        head = headline_table(surveys, period=period, targets=targets,
                              confidence_level=confidence_level)
        ops = operations_table(data.tickets, data.calls, period=period,
                               confidence_level=confidence_level,
                               calls_summary=getattr(data, "calls_summary", None))
        league = team_league_table(surveys, period=period, confidence_level=confidence_level)
        standout = standout_table(surveys, period=period, by="team",
                                  confidence_level=confidence_level)
    tiles = _tiles(head, ops, confidence_level)
    if not len(tiles):
        return ReportNote(f"No survey, ticket or call KPIs in {period} to summarise.")
    sentences = summary_sentences(tiles, league, standout, period=period, previous=prev,
                                  year_ago=yago)
    return ExecutiveSummary(tiles, sentences, period, prev, yago)
