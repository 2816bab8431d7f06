"""The sections of the report notebooks: one call per section, returning tables and figures.

Each function takes the tables of a data set (see `kpitools.datasets.read_service_data`) and
the period, computes its numbers with the public kpitools API (`kpitools.summarize`,
`kpitools.compare`, `kpitools.compare_nps`, ...), and returns a `ReportTable` (the raw tidy
numbers in ``.data``, a formatted and escaped HTML table for display) or a `ReportFigure`.
No statistics live in the notebooks.

Plain-words verdicts: a change whose p-value is below ``alpha`` (0.05) reads
"up 6.2 points, significant"; otherwise "no real change". Significance marks follow
`kpitools._display.significance_mark` (``*`` p < 0.05, ``**`` p < 0.01, ``***`` p < 0.001).

Every string that comes from the data (team, channel and competitor names) is HTML-escaped.

Examples
--------
>>> from kpitools import reporting as rp
>>> data = rp.load_data("")
>>> period = rp.resolve_period("last-complete", data.surveys, today="2026-11-29")
>>> period
'2026Q3'
>>> table = rp.headline_table(data.surveys, period=period)
>>> table.data[["kpi", "estimate", "verdict_previous"]].round(1)
    kpi  estimate verdict_previous
0   nps      26.8   no real change
1  csat      70.8   no real change
2   ces       5.2   no real change
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import math
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpitools._display import format_number, format_pvalue, significance_mark
from kpitools.errors import DataValidationError
from kpitools.frames import compare, summarize

__all__ = [
    "SURVEY_KPIS",
    "ReportTable",
    "ReportFigure",
    "load_data",
    "resolve_period",
    "previous_quarter",
    "provenance",
    "verdict",
    "headline_table",
    "kpi_trend_figure",
    "csat_control_chart",
    "team_league_table",
    "team_forest_figure",
    "channel_table",
    "nps_distribution_figure",
    "volume_heatmap_figure",
    "OPERATIONS_KPIS",
    "operations_table",
    "channel_operations_table",
    "competitor_table",
    "competitor_figure",
    "competitor_trend_table",
]

#: The survey KPIs of the reports: name, column, options for the KPI, label, digits, target
#: direction.
SURVEY_KPIS: tuple[dict[str, Any], ...] = (
    {"kpi": "nps", "value": "nps", "options": {}, "label": "NPS", "digits": 1},
    {"kpi": "csat", "value": "csat", "options": {}, "label": "CSAT (% satisfied)",
     "digits": 1},
    {"kpi": "ces", "value": "ces", "options": {"variant": "ease_1_7_mean"},
     "label": "CES (ease, 1–7)", "digits": 2},
)
_SIG_NOTE = "Significance: * p < 0.05, ** p < 0.01, *** p < 0.001."


# --------------------------------------------------------------------------------------
# Display objects


@dataclass
class ReportTable:
    """A report table: raw numbers in ``data`` and a formatted, escaped HTML rendering.

    Attributes
    ----------
    data : pandas.DataFrame
        Tidy, unrounded numbers (what tests and further analysis use).
    display : pandas.DataFrame
        One HTML fragment per cell, already escaped/formatted; its columns are the headers.
    caption : str
        Plain-text caption (escaped when rendered).
    notes : list of str
        Plain-text notes printed under the table.
    numeric : list of str
        Display columns aligned right.
    """

    data: pd.DataFrame
    display: pd.DataFrame
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the raw numbers."""
        return self.data.copy()

    def to_html(self) -> str:
        """The table as an HTML fragment (cells are trusted: built escaped)."""
        head = "".join(
            f'<th class="{"num" if c in self.numeric else ""}">{html.escape(str(c))}</th>'
            for c in self.display.columns)
        body = []
        for row in self.display.itertuples(index=False):
            cells = "".join(
                f'<td class="{"num" if c in self.numeric else "wrap"}">{v}</td>'
                for c, v in zip(self.display.columns, row, strict=True))
            body.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        notes = "".join(f'<p class="kt-note">{html.escape(n)}</p>' for n in self.notes)
        wide = " kt-wide" if len(self.display.columns) > 8 else ""
        return (f'<div class="kt-table kt-keep{wide}"><table>{caption}'
                f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{notes}</div>')

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        text = self.display.map(_strip_tags) if len(self.display) else self.display
        return (self.caption + "\n" if self.caption else "") + text.to_string(index=False)


@dataclass
class ReportFigure:
    """A matplotlib figure shown as an embedded PNG (no pyplot state, no duplicate output)."""

    figure: Any
    caption: str = ""
    dpi: int = 130

    def to_png(self) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=self.dpi, facecolor="white")
        return buf.getvalue()

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.to_png()).decode("ascii")
        cap = (f'<figcaption class="kt-note">{html.escape(self.caption)}</figcaption>'
               if self.caption else "")
        return (f'<figure class="kt-figure kt-keep" style="margin:0.4em 0">'
                f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.caption)}">'
                f"{cap}</figure>")

    def __repr__(self) -> str:
        return f"<ReportFigure {self.caption!r}>"


def _strip_tags(value: Any) -> str:
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", str(value)))


def _new_figure(width: float, height: float, nrows: int = 1, ncols: int = 1) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    with_style(fig)
    return fig, axes


def with_style(fig: Any) -> None:
    """Readable print sizes for a report figure."""
    for ax in fig.axes:
        ax.tick_params(labelsize=8)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _fmt_ci(est: float, lo: float, hi: float, digits: int, stacked: bool = False) -> str:
    if est is None or (isinstance(est, float) and math.isnan(est)):
        return "–"
    return (f"{format_number(est, digits=digits)}{'<br>' if stacked else ' '}"
            f'<span class="kt-muted">[{format_number(lo, digits=digits)}, '
            f"{format_number(hi, digits=digits)}]</span>")


def _fmt_diff(diff: float, lo: float, hi: float, p: float, digits: int,
              stacked: bool = False) -> str:
    if diff is None or (isinstance(diff, float) and math.isnan(diff)):
        return "–"
    mark = significance_mark(p)
    return (f"{format_number(diff, digits=digits, signed=True)}{mark}{'<br>' if stacked else ' '}"
            f'<span class="kt-muted">[{format_number(lo, digits=digits)}, '
            f"{format_number(hi, digits=digits)}]</span>")


def _fmt_verdict(text: str, diff: float, p: float, alpha: float,
                 higher_is_better: bool | None) -> str:
    if higher_is_better is None or not (p < alpha):
        return _esc(text)
    good = (diff > 0) == higher_is_better
    return f'<span class="{"kt-good" if good else "kt-bad"}">{_esc(text)}</span>'


# --------------------------------------------------------------------------------------
# Data, period and provenance


def load_data(data_dir: str | Path = "") -> Any:
    """Read a data folder (``""`` for the bundled sample data) as a `ServiceData`."""
    from kpitools.datasets import read_service_data

    return read_service_data(str(data_dir) if str(data_dir) else None)


def previous_quarter(period: str, lag: int = 1) -> str:
    """The quarter ``lag`` quarters before ``period``.

    >>> previous_quarter("2026Q1"), previous_quarter("2026Q3", 4)
    ('2025Q4', '2025Q3')
    """
    return str(pd.Period(period, freq="Q") - lag)


def resolve_period(period: str, surveys: pd.DataFrame, *,
                   today: str | _dt.date | None = None) -> str:
    """Turn ``"last-complete"`` into a quarter; check that an explicit quarter has data.

    ``"last-complete"`` is the latest quarter in ``surveys["quarter"]`` that ended before
    ``today`` (default: the current date) — what a schedule running early in a quarter wants.

    >>> s = pd.DataFrame({"quarter": ["2026Q2", "2026Q3", "2026Q4"]})
    >>> resolve_period("last-complete", s, today="2026-11-29")
    '2026Q3'
    """
    quarters = sorted(surveys["quarter"].dropna().astype(str).unique())
    if not quarters:
        raise DataValidationError("no survey answers: the data have no quarters",
                                  column="quarter")
    if period == "last-complete":
        now = pd.Timestamp(today if today is not None else _dt.date.today())
        done = [q for q in quarters if (pd.Period(q, freq="Q") + 1).start_time <= now]
        if not done:
            raise DataValidationError(
                f"no complete quarter in the data before {now.date()} (quarters: "
                f"{', '.join(quarters)})", column="quarter")
        return done[-1]
    from kpitools.periods import parse_quarter

    try:  # not pd.Period(period, freq="Q"), which reads "2026" as 2026Q1
        canonical = str(parse_quarter(period))
    except ValueError as err:
        raise DataValidationError(f"{err}, or last-complete") from None
    if canonical not in quarters:
        raise DataValidationError(f"period {period!r} has no data; quarters in the data: "
                                  f"{', '.join(quarters)}", column="quarter")
    return canonical


def provenance(parameters: Mapping[str, Any], *, data_dir: str | Path = "",
               period: str | None = None) -> ReportTable:
    """Provenance of a report run: kpitools version, parameters, data SHA-256, time of the run.

    Examples
    --------
    >>> table = provenance({"period": "2026Q3"}, data_dir="")
    >>> table.data["item"].tolist()[:3]
    ['kpitools version', 'run at', 'data']
    """
    import kpitools
    from kpitools.datasets import DATA_DIR, fingerprint

    folder = Path(data_dir) if str(data_dir) else DATA_DIR
    rows = [
        ("kpitools version", kpitools.__version__),
        ("run at", _dt.datetime.now().astimezone().isoformat(timespec="seconds")),
        ("data", "bundled sample data" if not str(data_dir) else str(folder)),
        ("data SHA-256", fingerprint(folder)),
        ("python", platform.python_version()),
    ]
    if period is not None:
        rows.append(("period reported", period))
    rows += [(f"parameter {k}", repr(v)) for k, v in parameters.items()]
    data = pd.DataFrame(rows, columns=["item", "value"])
    display = pd.DataFrame({"Item": data["item"].map(_esc),
                            "Value": data["value"].map(lambda v: f"<code>{_esc(v)}</code>")})
    return ReportTable(data, display, caption="Provenance of this report")


# --------------------------------------------------------------------------------------
# Verdicts and comparisons


def verdict(difference: float, pvalue: float, *, unit: str = "points", alpha: float = 0.05,
            digits: int = 1) -> str:
    """Plain words for a change: ``"up 6.2 points, significant"`` or ``"no real change"``.

    >>> verdict(6.23, 0.01)
    'up 6.2 points, significant'
    >>> verdict(-3.0, 0.4)
    'no real change'
    >>> verdict(2.5, 0.001, unit="%")  # percentage points
    'up 2.5 points, significant'
    >>> verdict(-0.25, 0.001, unit="score", digits=2)
    'down 0.25, significant'
    """
    if difference is None or pvalue is None or math.isnan(difference) or math.isnan(pvalue):
        return "no comparison"
    if pvalue >= alpha:
        return "no real change"
    words = {"points": "points", "%": "points", "percentage points": "points",
             "score": ""}.get(unit, unit)
    direction = "up" if difference > 0 else "down"
    amount = format_number(abs(difference), digits=digits)
    return f"{direction} {amount} {words}".rstrip() + ", significant"


def _compare_periods(frame: pd.DataFrame, spec: Mapping[str, Any], a: str, b: str,
                     confidence_level: float) -> dict[str, float]:

    present = set(frame["quarter"].astype(str))
    if a not in present or b not in present:
        return {"difference": np.nan, "ci_low": np.nan, "ci_high": np.nan, "pvalue": np.nan}
    out = compare(frame, kpi=spec["kpi"], value=spec["value"], group="quarter", baseline=a,
                     levels=[a, b], confidence_level=confidence_level, **spec["options"])
    row = out.iloc[0]
    return {"difference": float(row["difference"]), "ci_low": float(row["ci_low"]),
            "ci_high": float(row["ci_high"]), "pvalue": float(row["pvalue"])}


def _higher_is_better(kpi: str, options: Mapping[str, Any]) -> bool | None:
    from kpitools._registry import get_kpi

    if kpi == "ces":
        from kpitools.survey import CES_VARIANTS

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
) -> ReportTable:
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
        "unclear" otherwise (`kpitools.targets.Target.status_ci`).
    team : str, optional
        Restrict to one team.
    confidence_level : float, default 0.95
    alpha : float, default 0.05
        Threshold of the verdict.

    Returns
    -------
    ReportTable
        ``data`` has one row per KPI: ``kpi, label, period, estimate, ci_low, ci_high, n,
        unit``, then for ``previous`` and ``year_ago``: ``difference_*, ci_low_*, ci_high_*,
        pvalue_*, verdict_*``, and ``target, status``.
    """
    from kpitools.targets import Target

    frame = surveys if team is None else surveys[surveys["team"] == team]
    prev, yago = previous_quarter(period), previous_quarter(period, 4)
    frame = frame[frame["quarter"].astype(str).isin([prev, yago, period])]
    targets = dict(targets or {})
    rows = []
    for spec in SURVEY_KPIS:
        cur = frame[frame["quarter"] == period]
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
        row["target"] = float(target) if target is not None else np.nan
        row["status"] = (Target(spec["kpi"], float(target), higher_is_better=bool(hib))
                         .status_ci(row["ci_low"], row["ci_high"]) if target is not None else "")
        row["higher_is_better"] = hib
        rows.append(row)
    data = pd.DataFrame(rows)
    level = f"{confidence_level:.0%}"
    disp = []
    for r, spec in zip(rows, SURVEY_KPIS, strict=True):
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
    notes = [f"Differences are {period} minus the earlier quarter, with {level} CIs; "
             f"verdicts call a change real when p < {alpha:g}. NPS: adjusted-Wald interval and "
             f"z test; CSAT (4–5 on 1–5): Wilson interval, Newcombe difference; CES 2.0: mean "
             f"with t interval, Welch test.", _SIG_NOTE]
    return ReportTable(data, display, caption=f"Headline KPIs{who}, {period}", notes=notes,
                       numeric=[c for c in display.columns if c not in ("KPI", "Verdict",
                                                                         "Verdict ", "Target")])


# --------------------------------------------------------------------------------------
# Trends


def kpi_trend_figure(
    surveys: pd.DataFrame,
    *,
    period: str,
    n_quarters: int = 8,
    team: str | None = None,
    confidence_level: float = 0.95,
) -> ReportFigure:
    """NPS, CSAT and CES over the ``n_quarters`` quarters up to ``period``, with CI bands."""
    from kpitools.plotting import plot_kpi_trend

    frame = surveys if team is None else surveys[surveys["team"] == team]
    quarters = [previous_quarter(period, k) for k in range(n_quarters - 1, -1, -1)]
    frame = frame[frame["quarter"].astype(str).isin(quarters)]
    fig, axes = _new_figure(7.0, 6.4, nrows=3)
    for ax, spec in zip(axes[:, 0], SURVEY_KPIS, strict=True):
        table = summarize(frame, kpi=spec["kpi"], value=spec["value"], by="quarter",
                             confidence_level=confidence_level, **spec["options"])
        plot_kpi_trend(table, x="quarter", ax=ax)
        ax.set_ylabel(spec["label"], fontsize=8.5)
        ax.set_xlabel("")
        ax.tick_params(labelsize=8)
    who = f" ({team})" if team else ""
    return ReportFigure(fig, caption=f"Quarterly trends{who} with {confidence_level:.0%} "
                                     f"confidence bands")


def csat_control_chart(surveys: pd.DataFrame, *, period: str, n_quarters: int = 8,
                       team: str | None = None) -> ReportFigure:
    """p-chart of CSAT (% satisfied) per quarter up to ``period`` (3σ limits)."""
    from kpitools.plotting import plot_p_chart

    frame = surveys if team is None else surveys[surveys["team"] == team]
    quarters = [previous_quarter(period, k) for k in range(n_quarters - 1, -1, -1)]
    frame = frame[frame["quarter"].astype(str).isin(quarters)]
    table = summarize(frame, kpi="csat", value="csat", by="quarter")
    fig, axes = _new_figure(7.0, 2.6)
    plot_p_chart(table, x="quarter", ax=axes[0, 0])
    axes[0, 0].set_ylabel("CSAT (% satisfied)", fontsize=8.5)
    axes[0, 0].set_xlabel("")
    return ReportFigure(fig, caption="Control chart (p-chart) of CSAT: points outside the "
                                     "3σ limits signal a real shift")


# --------------------------------------------------------------------------------------
# Teams and channels


def team_league_table(
    surveys: pd.DataFrame,
    *,
    period: str,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
    adjust: str = "holm",
) -> ReportTable:
    """Teams ranked by NPS in ``period``, with CSAT and the NPS change since last quarter.

    The p-values of the team changes are adjusted for multiplicity across teams
    (Holm by default, `kpitools.stats.adjust_pvalues`); verdicts use the adjusted p-values.

    Returns
    -------
    ReportTable
        ``data``: ``rank, team, nps, nps_ci_low, nps_ci_high, n, csat, csat_ci_low,
        csat_ci_high, difference, ci_low, ci_high, pvalue, pvalue_adjusted, verdict``.
    """
    from kpitools.stats import adjust_pvalues

    prev = previous_quarter(period)
    cur = surveys[surveys["quarter"] == period]
    nps = summarize(cur, kpi="nps", value="nps", by="team",
                       confidence_level=confidence_level)
    csat = summarize(cur, kpi="csat", value="csat", by="team",
                        confidence_level=confidence_level)
    both = surveys[surveys["quarter"].isin([prev, period])]
    teams_both = both.groupby("team")["quarter"].nunique()
    ok = teams_both[teams_both == 2].index
    change = (compare(both[both["team"].isin(ok)], kpi="nps", value="nps", group="quarter",
                         baseline=prev, levels=[prev, period], by="team",
                         confidence_level=confidence_level)
              if len(ok) else pd.DataFrame(columns=["team", "difference", "ci_low", "ci_high",
                                                    "pvalue"]))
    data = nps[["team", "estimate", "ci_low", "ci_high", "n"]].rename(
        columns={"estimate": "nps", "ci_low": "nps_ci_low", "ci_high": "nps_ci_high"})
    data = data.merge(csat[["team", "estimate", "ci_low", "ci_high"]].rename(
        columns={"estimate": "csat", "ci_low": "csat_ci_low", "ci_high": "csat_ci_high"}),
        on="team", how="left")
    data = data.merge(change[["team", "difference", "ci_low", "ci_high", "pvalue"]],
                      on="team", how="left")
    pv = data["pvalue"].to_numpy(float)
    adj = np.full(len(pv), np.nan)
    have = ~np.isnan(pv)
    if have.any():
        adj[have] = adjust_pvalues(pv[have], adjust)  # type: ignore[arg-type]
    data["pvalue_adjusted"] = adj
    data["verdict"] = [verdict(d, p, unit="points", alpha=alpha)
                       for d, p in zip(data["difference"], data["pvalue_adjusted"], strict=True)]
    data = data.sort_values("nps", ascending=False, kind="stable").reset_index(drop=True)
    data.insert(0, "rank", np.arange(1, len(data) + 1))
    level = f"{confidence_level:.0%}"
    display = pd.DataFrame({
        "#": data["rank"].astype(str),
        "Team": data["team"].map(_esc),
        f"NPS [{level} CI]": [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                              zip(data["nps"], data["nps_ci_low"], data["nps_ci_high"],
                                  strict=True)],
        "n": data["n"].map(lambda v: f"{int(v):,}"),
        "CSAT %": [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                   zip(data["csat"], data["csat_ci_low"], data["csat_ci_high"], strict=True)],
        f"NPS vs {prev}": [_fmt_diff(d, lo, hi, p, 1) for d, lo, hi, p in
                           zip(data["difference"], data["ci_low"], data["ci_high"],
                               data["pvalue_adjusted"], strict=True)],
        "p (Holm)" if adjust == "holm" else f"p ({adjust})":
            data["pvalue_adjusted"].map(format_pvalue),
        "Verdict": [_fmt_verdict(v, d, p, alpha, True) for v, d, p in
                    zip(data["verdict"], data["difference"], data["pvalue_adjusted"],
                        strict=True)],
    })
    notes = [f"p-values of the NPS changes are adjusted across the {int(have.sum())} teams "
             f"({adjust}; family: all teams of this table).", _SIG_NOTE]
    return ReportTable(data, display, caption=f"Team league table, {period}", notes=notes,
                       numeric=[c for c in display.columns if c not in ("Team", "Verdict")])


def team_forest_figure(surveys: pd.DataFrame, *, period: str, kpi: str = "nps",
                       confidence_level: float = 0.95,
                       highlight: str | None = None) -> ReportFigure:
    """Forest plot of a KPI by team in ``period``; the dashed line is the company value."""
    from kpitools.plotting import plot_kpi_forest

    spec = next(s for s in SURVEY_KPIS if s["kpi"] == kpi)
    cur = surveys[surveys["quarter"] == period]
    table = summarize(cur, kpi=kpi, value=spec["value"], by="team",
                         confidence_level=confidence_level, **spec["options"])
    overall = summarize(cur, kpi=kpi, value=spec["value"],
                           confidence_level=confidence_level, **spec["options"])
    fig, axes = _new_figure(7.0, 0.42 * len(table) + 1.3)
    ax = plot_kpi_forest(table, label="team", reference=float(overall["estimate"].iloc[0]),
                         ax=axes[0, 0])
    ax.set_xlabel(spec["label"], fontsize=9)
    if highlight is not None:
        for tick in ax.get_yticklabels():
            if tick.get_text().startswith(f"{highlight} (n="):
                tick.set_fontweight("bold")
    return ReportFigure(fig, caption=f"{spec['label']} by team, {period}, with "
                                     f"{confidence_level:.0%} CIs; dashed line: company")


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


def nps_distribution_figure(surveys: pd.DataFrame, *, period: str, by: str = "team",
                            team: str | None = None) -> ReportFigure:
    """Detractors, passives and promoters by ``by`` in ``period`` (stacked bars)."""
    from kpitools.plotting import plot_nps_distribution

    frame = surveys if team is None else surveys[surveys["team"] == team]
    cur = frame[frame["quarter"] == period]
    k = cur[by].nunique()
    fig, axes = _new_figure(7.0, 0.42 * k + 1.4)
    plot_nps_distribution(cur, score="nps", by=by, ax=axes[0, 0])
    return ReportFigure(fig, caption=f"NPS answers by {by}, {period}")


def volume_heatmap_figure(tickets: pd.DataFrame, *, period: str,
                          team: str | None = None) -> ReportFigure:
    """Ticket volume by weekday × hour of day in ``period``."""
    from kpitools.plotting import plot_volume_heatmap

    frame = tickets if team is None else tickets[tickets["team"] == team]
    created = pd.to_datetime(frame["created_at"])
    cur = frame[created.dt.to_period("Q").astype(str) == period]
    fig, axes = _new_figure(7.0, 2.6)
    plot_volume_heatmap(cur, timestamp="created_at", ax=axes[0, 0])
    return ReportFigure(fig, caption=f"Tickets by weekday and hour, {period} "
                                     f"(n = {len(cur):,})")


# --------------------------------------------------------------------------------------
# Operations

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

    Uses the KPIs registered by `kpitools.operations` (see `OPERATIONS_KPIS`): medians of
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
    from kpitools._registry import get_kpi

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


# --------------------------------------------------------------------------------------
# Competitors


def _competitor_estimates(competitor_surveys: pd.DataFrame,
                          competitor_published: pd.DataFrame, period: str,
                          confidence_level: float) -> list[tuple[str, str, Any]]:
    import kpitools as kt

    out = []
    raw = competitor_surveys[competitor_surveys["quarter"].astype(str) == period]
    for name, part in raw.groupby("competitor", sort=True):
        out.append((str(name), "raw answers", kt.nps(part["nps"],
                                                     confidence_level=confidence_level)))
    pub = competitor_published[competitor_published["quarter"].astype(str) == period]
    for row in pub.sort_values("competitor").itertuples(index=False):
        out.append((str(row.competitor), "published shares",
                    kt.nps_from_percentages(int(row.n), float(row.promoters_pct),
                                            float(row.detractors_pct),
                                            confidence_level=confidence_level)))
    return out


def competitor_table(
    surveys: pd.DataFrame,
    competitor_surveys: pd.DataFrame,
    competitor_published: pd.DataFrame,
    *,
    period: str,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
    adjust: str = "holm",
) -> ReportTable:
    """Our NPS in ``period`` against each competitor's (raw answers or published shares).

    Differences are ours minus theirs (`kpitools.compare_nps`, z test on the adjusted-Wald
    difference); p-values are adjusted across competitors (Holm by default).

    Returns
    -------
    ReportTable
        ``data``: ``competitor, source, nps, ci_low, ci_high, n, difference, diff_ci_low,
        diff_ci_high, pvalue, pvalue_adjusted, verdict`` (the first row is us).
    """
    import kpitools as kt
    from kpitools.stats import adjust_pvalues

    ours = kt.nps(surveys.loc[surveys["quarter"] == period, "nps"],
                  confidence_level=confidence_level)
    rows = [{"competitor": "Us", "source": "our surveys", "nps": ours.estimate,
             "ci_low": ours.ci_low, "ci_high": ours.ci_high, "n": ours.n,
             "difference": np.nan, "diff_ci_low": np.nan, "diff_ci_high": np.nan,
             "pvalue": np.nan}]
    for name, source, est in _competitor_estimates(competitor_surveys, competitor_published,
                                                   period, confidence_level):
        c = kt.compare_nps(est, ours, confidence_level=confidence_level, label_a=name,
                           label_b="us")
        rows.append({"competitor": name, "source": source, "nps": est.estimate,
                     "ci_low": est.ci_low, "ci_high": est.ci_high, "n": est.n,
                     "difference": c.difference, "diff_ci_low": c.ci_low,
                     "diff_ci_high": c.ci_high, "pvalue": c.pvalue})
    data = pd.DataFrame(rows)
    pv = data["pvalue"].to_numpy(float)
    adj = np.full(len(pv), np.nan)
    have = ~np.isnan(pv)
    if have.any():
        adj[have] = adjust_pvalues(pv[have], adjust)  # type: ignore[arg-type]
    data["pvalue_adjusted"] = adj

    def words(d: float, p: float) -> str:
        if math.isnan(d):
            return ""
        if not p < alpha:
            return "no real difference"
        return f"{'ahead' if d > 0 else 'behind'} by {abs(d):.1f} points, significant"

    data["verdict"] = [words(d, p) for d, p in zip(data["difference"], adj, strict=True)]
    level = f"{confidence_level:.0%}"
    display = pd.DataFrame({
        "Company": data["competitor"].map(_esc),
        "Source": data["source"].map(_esc),
        f"NPS [{level} CI]": [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                              zip(data["nps"], data["ci_low"], data["ci_high"], strict=True)],
        "n": data["n"].map(lambda v: f"{int(v):,}"),
        "Us − them": [_fmt_diff(d, lo, hi, p, 1) for d, lo, hi, p in
                      zip(data["difference"], data["diff_ci_low"], data["diff_ci_high"], adj,
                          strict=True)],
        "p (Holm)" if adjust == "holm" else f"p ({adjust})": [format_pvalue(p) for p in adj],
        "Verdict": [_fmt_verdict(v, d, p, alpha, True) for v, d, p in
                    zip(data["verdict"], data["difference"], adj, strict=True)],
    })
    notes = ["Published shares are turned into counts (kpitools.nps_from_percentages); "
             f"p-values adjusted across competitors ({adjust}; family: the "
             f"{int(have.sum())} competitors of this quarter).", _SIG_NOTE]
    return ReportTable(data, display, caption=f"NPS against competitors, {period}",
                       notes=notes,
                       numeric=[c for c in display.columns
                                if c not in ("Company", "Source", "Verdict")])


def competitor_figure(surveys: pd.DataFrame, competitor_surveys: pd.DataFrame,
                      competitor_published: pd.DataFrame, *, period: str,
                      confidence_level: float = 0.95) -> ReportFigure:
    """Forest plot of our NPS and each competitor's in ``period``."""
    from kpitools.plotting import plot_kpi_forest

    table = competitor_table(surveys, competitor_surveys, competitor_published, period=period,
                             confidence_level=confidence_level).data
    frame = table.rename(columns={"nps": "estimate"}).assign(kpi="nps", unit="points")
    fig, axes = _new_figure(7.0, 0.45 * len(frame) + 1.2)
    plot_kpi_forest(frame, label="competitor", ax=axes[0, 0],
                    reference=float(table["nps"].iloc[0]))
    return ReportFigure(fig, caption=f"NPS of us and competitors, {period}, with "
                                     f"{confidence_level:.0%} CIs; dashed line: us")


def competitor_trend_table(
    surveys: pd.DataFrame,
    competitor_surveys: pd.DataFrame,
    competitor_published: pd.DataFrame,
    *,
    period: str,
    n_quarters: int = 4,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
) -> ReportTable:
    """Us minus each competitor, quarter by quarter, for the last ``n_quarters`` quarters."""
    frames = []
    for k in range(n_quarters - 1, -1, -1):
        q = previous_quarter(period, k)
        if not (surveys["quarter"] == q).any():
            continue
        t = competitor_table(surveys, competitor_surveys, competitor_published, period=q,
                             confidence_level=confidence_level, alpha=alpha).data
        frames.append(t.iloc[1:].assign(quarter=q))
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["quarter", "competitor", "difference", "diff_ci_low", "diff_ci_high",
                 "pvalue_adjusted"])
    wide: dict[str, dict[str, str]] = {}
    for row in data.itertuples(index=False):
        wide.setdefault(row.competitor, {})[row.quarter] = _fmt_diff(
            row.difference, row.diff_ci_low, row.diff_ci_high, row.pvalue_adjusted, 1)
    quarters = list(dict.fromkeys(data["quarter"])) if len(data) else []
    display = pd.DataFrame([{"Competitor": _esc(name),
                             **{q: cells.get(q, "–") for q in quarters}}
                            for name, cells in wide.items()])
    return ReportTable(data, display,
                       caption="NPS lead over each competitor (us − them) by quarter",
                       notes=["Holm-adjusted within each quarter (family: that quarter's "
                              "competitors, not the whole table).", _SIG_NOTE],
                       numeric=quarters)


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)
