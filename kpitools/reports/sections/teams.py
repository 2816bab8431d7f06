"""Teams section: the league table, the forest plot and the NPS distribution per team."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_pvalue
from kpitools.grouping.frames import compare, summarize
from kpitools.reports.sections.common import (
    _SIG_NOTE,
    SURVEY_KPIS,
    ReportFigure,
    ReportNote,
    ReportTable,
    _esc,
    _fmt_ci,
    _fmt_diff,
    _fmt_verdict,
    _higher_is_better,
    _new_figure,
    answer_weights,
    answers_by,
    has_values,
    in_periods,
    label_missing,
    no_data,
    period_rows,
    present_kpis,
    previous_period,
    remember_results,
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
    significance_marks,
)

__all__ = ["team_league_table", "team_forest_figure", "nps_distribution_figure"]


def _rank_spec(surveys: pd.DataFrame, kpi: str | None = None) -> dict[str, Any] | None:
    """The survey KPI that ranks teams: ``kpi`` if given, else NPS, CSAT or CES, the first
    with answers."""
    present = present_kpis(surveys)
    if kpi is not None:
        return next((s for s in present if s["kpi"] == kpi), None)
    return present[0] if present else None


@remember_results(slim=True)
def team_league_table(
    surveys: pd.DataFrame,
    *,
    period: str,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
    adjust: str = "holm",
) -> ReportTable | ReportNote:
    """Teams ranked by the first survey KPI with answers in ``period`` (NPS, else CSAT, else
    CES), with CSAT and that KPI's change since the previous period of the same kind
    (quarter, month or ISO week); the caption names the ranking KPI.

    Without NPS answers the teams are ranked by CSAT (then CES), and the change is that
    KPI's. The p-values of the team changes are adjusted for multiplicity across teams
    (Holm by default, `kpitools.stats.adjust_pvalues`); verdicts use the adjusted p-values.
    Answers without a team form the group ``"(no team)"``.

    Returns
    -------
    ReportTable or ReportNote
        ``data``: ``rank, team, <kpi>, <kpi>_ci_low, <kpi>_ci_high, n`` for the ranking
        KPI, the same three columns for CSAT when it ranks second, then ``difference,
        ci_low, ci_high, pvalue, pvalue_adjusted, verdict``. A `ReportNote` of one line
        when ``period`` has no answers.
    """
    missing = survey_absence(surveys, period)
    if missing:
        return ReportNote(missing)
    whole = label_missing(section_frame(surveys), "team")
    prev = previous_period(period)
    # the answers of the two periods, the periods as categories (grouped by their codes)
    surveys = period_rows(whole, period, [prev, period], categories=True)
    cur = surveys[in_periods(surveys, period, period)]
    rank = _rank_spec(cur)
    if rank is None:  # not reached: survey_absence found answers in the period
        return ReportNote(no_data("survey answers", period))
    key = rank["kpi"]
    col = rank["value"]
    answered = cur[cur[col].notna()]
    table = summarize(answered, kpi=key, value=col, by="team",
                      confidence_level=confidence_level, **rank["options"],
                      weight=weight_column(answered))
    data = table[["team", "estimate", "ci_low", "ci_high", "n"]].rename(
        columns={"estimate": key, "ci_low": f"{key}_ci_low", "ci_high": f"{key}_ci_high"})
    second = next((s for s in present_kpis(cur) if s["kpi"] == "csat" and key != "csat"), None)
    if second is not None:
        other = summarize(cur[cur["csat"].notna()], kpi="csat", value="csat", by="team",
                          confidence_level=confidence_level, weight=weight_column(cur))
        data = data.merge(other[["team", "estimate", "ci_low", "ci_high"]].rename(
            columns={"estimate": "csat", "ci_low": "csat_ci_low",
                     "ci_high": "csat_ci_high"}), on="team", how="left")
    both = surveys[in_periods(surveys, period, [prev, period]) & surveys[col].notna()]
    counts = answers_by(both, ["team", "period"]).unstack(fill_value=0)
    ok = [t for t in counts.index
          if all(counts.loc[t].get(q, 0) >= 2 for q in (prev, period))]
    # each team's rows (the periods are categories: compared by their codes)
    of_team = split_by(both[with_weight(["team", "period", col], both)], "team")

    def change_of(team: str, level: float) -> dict[str, float]:
        out = compare(of_team(team), kpi=key, value=col, group="period",
                      baseline=prev, levels=[prev, period], confidence_level=level,
                      **rank["options"], weight=weight_column(both)).iloc[0]
        return {"difference": float(out["difference"]), "ci_low": float(out["ci_low"]),
                "ci_high": float(out["ci_high"]), "pvalue": float(out["pvalue"])}

    nan = {"difference": np.nan, "ci_low": np.nan, "ci_high": np.nan, "pvalue": np.nan}
    teams = data["team"].tolist()
    family = [change_of(t, 1 - alpha) if t in ok else dict(nan) for t in teams]
    adjust_family(family, lambda i, level: tuple(  # type: ignore[arg-type,return-value]
        change_of(teams[i], level)[k] for k in ("ci_low", "ci_high")),
        confidence_level=1 - alpha, adjust=adjust)
    for k in ("difference", "ci_low", "ci_high", "ci_level", "pvalue", "pvalue_adjusted",
              "significant", "borderline"):
        data[k] = [f[k] for f in family]
    have = data["pvalue"].notna().to_numpy()
    unit = str(table["unit"].iloc[0]) if len(table) else "points"
    d = rank["digits"]
    data["verdict"] = [verdict(x, p, unit=unit, alpha=alpha, digits=d, significant=bool(sig))
                       for x, p, sig in zip(data["difference"], data["pvalue_adjusted"],
                                            data["significant"], strict=True)]
    data = data.sort_values(key, ascending=not _higher_is_better(rank), kind="stable")
    data = data.reset_index(drop=True)
    data.insert(0, "rank", np.arange(1, len(data) + 1))
    level = f"{confidence_level:.0%}"
    name = rank["name"] if key != "csat" else "CSAT %"
    columns: dict[str, Any] = {
        "#": data["rank"].astype(str),
        "Team": data["team"].map(_esc),
        f"{name} [{level} CI]": [_fmt_ci(e, lo, hi, d) for e, lo, hi in
                                 zip(data[key], data[f"{key}_ci_low"], data[f"{key}_ci_high"],
                                     strict=True)],
        "n": data["n"].map(lambda v: f"{int(v):,}"),
    }
    if second is not None:
        columns["CSAT %"] = [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                             zip(data["csat"], data["csat_ci_low"], data["csat_ci_high"],
                                 strict=True)]
    columns.update({
        f"{rank['name']} vs {prev} [adjusted CI]": [
            _fmt_diff(x, lo, hi, p, d, marks=significance_marks(p, sig, bl))
            for x, lo, hi, p, sig, bl in zip(data["difference"], data["ci_low"],
                                             data["ci_high"], data["pvalue_adjusted"],
                                             data["significant"], data["borderline"],
                                             strict=True)],
        "p (Holm)" if adjust == "holm" else f"p ({adjust})":
            data["pvalue_adjusted"].map(format_pvalue),
        "Verdict": [_fmt_verdict(v, x, bool(sig), alpha, _higher_is_better(rank))
                    for v, x, sig in zip(data["verdict"], data["difference"],
                                         data["significant"], strict=True)],
    })
    display = pd.DataFrame(columns)
    notes = ([family_note(f"the {rank['name']} change of every team", int(have.sum()),
                          adjust=adjust, alpha=alpha), _SIG_NOTE] if have.any() else [])
    absent = [] if key == "nps" else [no_data("NPS answers", period)
                                      if has_values(whole, "nps") else no_data("NPS answers")]
    before = in_periods(surveys, period, prev)
    if not before.any() or not has_values(surveys[before], col):
        absent.append(f"No {rank['name']} answers in {prev} to compare with.")
    return ReportTable(data, display,
                       caption=f"Team league table, {period}, ranked by {rank['name']}",
                       notes=notes,
                       absent=absent,
                       numeric=[c for c in display.columns if c not in ("Team", "Verdict")])


#: A figure with one row per group draws at most this many rows (8.4 inches: one page); with more
#: groups it draws the highest and the lowest, and the highlighted group, and says so.
MAX_FIGURE_ROWS = 17


def rows_that_fit(table: pd.DataFrame, *, score: str, label: str,
                  highlight: str | None = None, limit: int = MAX_FIGURE_ROWS
                  ) -> tuple[pd.DataFrame, str]:
    """The rows of ``table`` a one-row-per-group figure draws, and the caption's words.

    Up to ``limit`` rows: all of them and ``""``. More: the ``(limit − 1) // 2`` highest and
    as many lowest by ``score`` (rows without a score left out) plus the ``highlight`` row,
    in their original order, and words such as ``"; the 12 highest and 12 lowest of 100
    teams and Team 050 (every team is in the table)"``.

    >>> t = pd.DataFrame({"team": list("abcdef"), "estimate": [5, 1, 4, 2, 6, 3]})
    >>> sub, words = rows_that_fit(t, score="estimate", label="team", limit=3)
    >>> sub["team"].tolist(), words
    (['b', 'e'], '; the 1 highest and 1 lowest of 6 teams (every team is in the table)')
    >>> rows_that_fit(t, score="estimate", label="team", highlight="c", limit=3)[0]["team"].tolist()
    ['b', 'c', 'e']
    """
    if len(table) <= limit:
        return table, ""
    half = max((limit - 1) // 2, 1)
    ranked = table[table[score].notna()].sort_values(score, kind="stable")
    keep = set(ranked.index[:half]) | set(ranked.index[-half:])
    also = ""
    if highlight is not None:
        mine = table.index[table[label].astype(str) == str(highlight)]
        if len(mine) and not set(mine) <= keep:
            also = f" and {highlight}"
        keep |= set(mine)
    shown = table.loc[[i for i in table.index if i in keep]]
    noun = "teams" if label == "team" else f"{label} groups"
    return shown, (f"; the {half} highest and {half} lowest of {len(table)} {noun}{also} "
                   f"(every {label} is in the table)")


def team_forest_figure(surveys: pd.DataFrame, *, period: str, kpi: str | None = None,
                       confidence_level: float = 0.95,
                       highlight: str | None = None) -> ReportFigure | ReportNote:
    """Forest plot of a KPI by team in ``period``; the dashed line is the company value.

    ``kpi`` None (the default) takes NPS, else CSAT, else CES, the first with answers in
    ``period``; a `ReportNote` of one line when there is none. Answers without a team are
    drawn as ``"(no team)"``.
    """
    from kpitools.plots.kpis import plot_kpi_forest

    missing = survey_absence(surveys, period)
    if missing:
        return ReportNote(missing)
    cur = label_missing(period_rows(surveys, period, period), "team")
    spec = _rank_spec(cur, kpi)
    if spec is None:
        known = next(s for s in SURVEY_KPIS if s["kpi"] == kpi)  # unknown kpi: StopIteration
        return ReportNote(no_data(f"{known['name']} answers", period))
    cur = cur[cur[spec["value"]].notna()]
    table = summarize(cur, kpi=spec["kpi"], value=spec["value"], by="team",
                      confidence_level=confidence_level, **spec["options"],
                      weight=weight_column(cur))
    overall = summarize(cur, kpi=spec["kpi"], value=spec["value"],
                        confidence_level=confidence_level, **spec["options"],
                        weight=weight_column(cur))
    table, shown = rows_that_fit(table, score="estimate", label="team", highlight=highlight)
    fig, axes = _new_figure(7.0, 0.42 * len(table) + 1.3)
    ax = plot_kpi_forest(table, label="team", reference=float(overall["estimate"].iloc[0]),
                         ax=axes[0, 0])
    ax.set_xlabel(spec["label"], fontsize=9)
    if highlight is not None:
        for tick in ax.get_yticklabels():
            if tick.get_text().startswith(f"{highlight} (n="):
                tick.set_fontweight("bold")
    return ReportFigure(fig, caption=f"{spec['label']} by team, {period}, with "
                                     f"{confidence_level:.0%} CIs; dashed line: company"
                                     f"{shown}")


def nps_distribution_figure(surveys: pd.DataFrame, *, period: str, by: str = "team",
                            team: str | None = None) -> ReportFigure | ReportNote:
    """Detractors, passives and promoters by ``by`` in ``period`` (stacked bars); a
    `ReportNote` of one line when there are no NPS answers."""
    from kpitools.plots.kpis import plot_nps_distribution

    missing = survey_absence(surveys, period, team)
    if missing:
        return ReportNote(missing)
    frame = surveys if team is None else surveys[surveys["team"] == team]
    if not has_values(surveys, "nps"):
        return ReportNote(no_data("NPS answers"))
    if not has_values(frame, by):
        return ReportNote(f"No {by} in the survey data.")
    cur = period_rows(frame, period, period)
    cur = label_missing(cur[cur["nps"].notna()], by)
    if not len(cur):
        who = f" from team {team}" if team else ""
        return ReportNote(no_data(f"NPS answers{who}", period))
    k = cur[by].nunique()
    shown = ""
    if k > MAX_FIGURE_ROWS:
        key = cur[by].astype(str)
        w = pd.Series(answer_weights(cur), index=cur.index)
        n = w.groupby(key).sum()
        net = (w.where(cur["nps"] >= 9, 0).groupby(key).sum() / n
               - w.where(cur["nps"] <= 6, 0).groupby(key).sum() / n)
        net = net.rename("nps").rename_axis(by).reset_index()
        net, shown = rows_that_fit(net, score="nps", label=by)
        cur = cur[key.isin(set(net[by]))]
        if isinstance(cur[by].dtype, pd.CategoricalDtype):
            cur = cur.assign(**{by: cur[by].cat.remove_unused_categories()})
        k = cur[by].nunique()
    fig, axes = _new_figure(7.0, 0.42 * k + 1.4)
    plot_nps_distribution(cur, score="nps", by=by, ax=axes[0, 0], weight=weight_column(cur))
    return ReportFigure(fig, caption=f"NPS answers by {by}, {period}{shown}")
