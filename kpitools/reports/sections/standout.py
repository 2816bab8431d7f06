"""Which teams (or channels) stand out: an omnibus test across the groups, then each group
against the rest of the company.

The omnibus test asks whether the groups differ at all: Pearson's chi-square test of
independence on the group × answer-category table for NPS (detractors, passives,
promoters) and for CSAT (satisfied or not), the Kruskal–Wallis H test for a score (CES)
[KW52]_. Then each group is compared with all the other groups' answers of the quarter
(``group − rest``, the KPI's own comparison: adjusted-Wald z test for NPS, Newcombe/z for
CSAT, Welch for CES); the groups are one family (Holm, with intervals at each row's Holm
step, `kpitools.reports.sections.significance`).

References
----------
.. [KW52] Kruskal WH, Wallis WA (1952). Use of ranks in one-criterion variance analysis.
   J Am Stat Assoc 47:583–621.
.. [Agresti13] Agresti A (2013). Categorical Data Analysis, 3rd ed., section 3.2
   (Pearson's chi-square test of independence). Wiley.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
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
    _higher_is_better,
    answer_weights,
    frame_key,
    has_values,
    label_missing,
    no_data,
    period_rows,
    present_kpis,
    section_frame,
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

__all__ = ["omnibus_test", "standout_table", "p_words"]

def _categories(values: pd.Series, kpi: str) -> pd.Series:
    """Each answer's category, as categories in the order of their names (NPS: detractor,
    passive, promoter; else satisfied or not)."""
    if kpi == "nps":
        return pd.cut(values, [-0.5, 6.5, 8.5, 10.5],
                      labels=["detractor", "passive", "promoter"])
    return pd.Series(pd.Categorical.from_codes((values >= 4).to_numpy().astype(np.int8),
                                               categories=["not satisfied", "satisfied"]),
                     index=values.index)


def omnibus_test(answers: pd.DataFrame, *, by: str, kpi: str, value: str | None = None,
                 weight: str | None = None) -> dict[str, Any]:
    """Do the groups of ``by`` differ in ``kpi`` at all? One test across all groups.

    NPS: Pearson's chi-square on the group × {detractor, passive, promoter} counts; CSAT
    (1–5, satisfied = 4–5): chi-square on group × {satisfied, not}; any other KPI (a score
    such as CES): Kruskal–Wallis H test on the answers [KW52]_ (mid-ranks, tie-corrected:
    `kpitools.stats.frequency.frequency_kruskal`, as ``scipy.stats.kruskal``). ``weight``
    names a column of how many answers each row stands for (a counted survey table): the
    tests are those of the answers it counts.

    Returns
    -------
    dict
        ``test`` ("chi_square" or "kruskal_wallis"), ``statistic``, ``df``, ``pvalue``,
        ``groups`` (number of groups with answers), ``n``. NaN statistic with fewer than two
        groups.

    Examples
    --------
    >>> df = pd.DataFrame({"team": list("AABBCC"), "ces": [1, 2, 5, 6, 3, 4]})
    >>> out = omnibus_test(df, by="team", kpi="ces")
    >>> out["test"], round(out["statistic"], 3), out["df"]
    ('kruskal_wallis', 4.571, 2)
    """
    from scipy import stats

    from kpitools.stats.frequency import frequency_kruskal

    col = value or kpi
    frame = answers[answers[col].notna()]
    weights = (np.ones(len(frame), dtype=np.int64) if weight is None
               else frame[weight].to_numpy(dtype=np.int64))
    codes, names = pd.factorize(frame[by], sort=True)
    n_groups = len(names)
    out: dict[str, Any] = {"test": "kruskal_wallis" if kpi not in ("nps", "csat")
                           else "chi_square", "statistic": np.nan, "df": np.nan,
                           "pvalue": np.nan, "groups": n_groups, "n": int(weights.sum())}
    if n_groups < 2:
        return out
    if kpi in ("nps", "csat"):
        kinds = _categories(frame[col].astype(float), kpi)
        if kinds.isna().any():  # an answer off the scale: its own column, as text
            kinds = kinds.astype(str)
        # lists of one column, as crosstab makes them (given a column, pandas first reads
        # every value to see whether it is a list of columns)
        table = (pd.crosstab([frame[by]], [kinds]) if weight is None else pd.crosstab(
            [frame[by]], [kinds], values=frame[weight], aggfunc="sum").fillna(0))
        table = table.loc[:, table.sum(axis=0) > 0]
        if table.shape[1] < 2:
            return out
        res = stats.chi2_contingency(table.to_numpy(), correction=False)
        out.update(statistic=float(res.statistic), df=int(res.dof), pvalue=float(res.pvalue))
    else:
        x = frame[col].to_numpy(dtype=float)
        if np.unique(x).size < 2:
            return out
        grouped = codes >= 0  # an answer without a group is in no group, as in groupby
        statistic, pvalue = frequency_kruskal(x[grouped], weights[grouped], codes[grouped],
                                              n_groups)
        out.update(statistic=statistic, df=n_groups - 1, pvalue=pvalue)
    return out


def p_words(p: float) -> str:
    """``"p = 0.004"`` or ``"p < 0.001"``.

    >>> p_words(0.0039), p_words(1e-6)
    ('p = 0.0039', 'p < 0.001')
    """
    text = format_pvalue(p)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def _omnibus_words(name: str, by: str, om: dict[str, Any], alpha: float) -> str:
    if om["statistic"] != om["statistic"]:
        return f"Too few {by}s with answers for a test across them."
    stat = ("χ²" if om["test"] == "chi_square" else "Kruskal–Wallis H")
    verdict_words = ("differs" if om["pvalue"] < alpha else "does not differ significantly")
    return (f"{name} {verdict_words} across the {om['groups']} {by}s "
            f"({stat}({om['df']}) = {format_number(om['statistic'], digits=1)}, "
            f"{p_words(om['pvalue'])}).")


#: Recent `standout_table` results by the content of their input (see `standout_table`).
_RESULTS: OrderedDict[tuple[Any, ...], ReportTable | ReportNote] = OrderedDict()
_RESULTS_KEPT = 8


def standout_table(surveys: pd.DataFrame, *, period: str, by: str = "team",
                   kpi: str | None = None, confidence_level: float = 0.95,
                   alpha: float = 0.05, adjust: str = "holm") -> ReportTable | ReportNote:
    """Each group of ``by`` against the rest of the company in ``period``, after an
    omnibus test across the groups.

    The table is the same for every team's report of a batch (it compares all teams), so
    the last few results are kept by the content of ``surveys`` and the arguments, and a
    copy is returned for equal input.

    ``kpi`` None takes NPS, else CSAT, else CES (the first with answers). The omnibus
    result (`omnibus_test`) is the line above the table (its caption) and in
    ``data.attrs["omnibus"]``; the group comparisons are one Holm family.

    Returns
    -------
    ReportTable or ReportNote
        ``data``: ``<by>, estimate, ci_low, ci_high, n, estimate_rest, difference,
        diff_ci_low, diff_ci_high, ci_level, pvalue, pvalue_adjusted, significant,
        borderline, verdict``, sorted by the difference (best first). A `ReportNote` of one
        line without answers in ``period``.
    """
    content = frame_key(surveys, slim=True)
    surveys = section_frame(surveys)
    if content is None:
        return _standout_table(surveys, period=period, by=by, kpi=kpi,
                               confidence_level=confidence_level, alpha=alpha, adjust=adjust)
    key = (content, period, by, kpi, confidence_level, alpha, adjust)
    if key not in _RESULTS:
        _RESULTS[key] = _standout_table(surveys, period=period, by=by, kpi=kpi,
                                        confidence_level=confidence_level, alpha=alpha,
                                        adjust=adjust)
        while len(_RESULTS) > _RESULTS_KEPT:
            _RESULTS.popitem(last=False)
    _RESULTS.move_to_end(key)
    return copy.deepcopy(_RESULTS[key])


def group_codes(values: pd.Series) -> tuple[list[str], np.ndarray]:
    """The groups of ``values`` as text, sorted, and each row's position among them: what
    ``names = values.astype(str); groups = sorted(names.unique())`` and
    ``pd.Categorical(names, categories=groups).codes`` give, read from the codes of a
    categorical column without missing values (each category converted once).

    >>> group_codes(pd.Series(["b", "a", "b"], dtype="category"))
    (['a', 'b'], array([1, 0, 1], dtype=int8))
    """
    if isinstance(values.dtype, pd.CategoricalDtype) and len(values):
        raw = values.cat.codes.to_numpy()
        if raw.min() >= 0:
            names = pd.Series(values.cat.categories).astype(str).tolist()
            seen = np.bincount(raw, minlength=len(names)) > 0
            groups = sorted({names[i] for i in np.flatnonzero(seen)})
            where = {g: i for i, g in enumerate(groups)}
            table = np.array([where.get(n, -1) for n in names], dtype=np.int8
                             if len(groups) < 128 else np.int64)
            return groups, table[raw]
    names = values.astype(str)
    groups = sorted(names.unique())
    return groups, pd.Categorical(names, categories=groups).codes


def versus(mine: np.ndarray) -> pd.Categorical:
    """``"group"`` where ``mine`` is true, else ``"rest"``: the column `standout_table`
    compares by, as categories (no text per row).

    >>> versus(np.array([True, False])).tolist()
    ['group', 'rest']
    """
    return pd.Categorical.from_codes(mine.astype(np.int8), categories=["rest", "group"],
                                     validate=False)


def _standout_table(surveys: pd.DataFrame, *, period: str, by: str, kpi: str | None,
                    confidence_level: float, alpha: float,
                    adjust: str) -> ReportTable | ReportNote:
    missing = survey_absence(surveys, period)
    if missing:
        return ReportNote(missing)
    if not has_values(surveys, by):
        return ReportNote(f"No {by} in the survey data.")
    cur = label_missing(period_rows(surveys, period, period), by)
    present = present_kpis(cur)
    spec = next((s for s in present if kpi is None or s["kpi"] == kpi), None)
    if spec is None:
        return ReportNote(no_data(f"{kpi.upper() if kpi else 'survey'} answers", period))
    col = spec["value"]
    cur = cur[cur[col].notna()]
    groups, codes = group_codes(cur[by])  # each group's rows, found once
    if len(groups) < 2:
        return ReportNote(f"Only one {by} has answers in {period}: nothing to compare with.")
    weight = weight_column(cur)
    om = omnibus_test(cur, by=by, kpi=spec["kpi"], value=col, weight=weight)
    est = summarize(cur, kpi=spec["kpi"], value=col, by=by, confidence_level=confidence_level,
                    **spec["options"], weight=weight)
    est[by] = est[by].astype(str)
    values = cur[with_weight([col], cur)]
    counted = answer_weights(cur)

    def against_rest(group: str, level: float) -> dict[str, float]:
        mine = codes == groups.index(group)
        if counted[mine].sum() < 2 or counted[~mine].sum() < 2:
            return {"estimate_rest": np.nan, "difference": np.nan, "ci_low": np.nan,
                    "ci_high": np.nan, "pvalue": np.nan}
        frame = values.assign(_versus=versus(mine))
        out = compare(frame, kpi=spec["kpi"], value=col, group="_versus", baseline="rest",
                      levels=["rest", "group"], confidence_level=level,
                      **spec["options"], weight=weight).iloc[0]
        return {"estimate_rest": float(out["estimate_a"]),
                "difference": float(out["difference"]), "ci_low": float(out["ci_low"]),
                "ci_high": float(out["ci_high"]), "pvalue": float(out["pvalue"])}

    family = [against_rest(g, 1 - alpha) for g in groups]
    adjust_family(family, interval_of(against_rest, groups), confidence_level=1 - alpha,
                  adjust=adjust)
    rows = []
    for g, f in zip(groups, family, strict=True):
        e = est[est[by] == g].iloc[0]
        rows.append({by: g, "estimate": float(e["estimate"]), "ci_low": float(e["ci_low"]),
                     "ci_high": float(e["ci_high"]), "n": int(e["n"]),
                     "estimate_rest": f["estimate_rest"], "difference": f["difference"],
                     "diff_ci_low": f["ci_low"], "diff_ci_high": f["ci_high"],
                     "ci_level": f["ci_level"], "pvalue": f["pvalue"],
                     "pvalue_adjusted": f["pvalue_adjusted"], "significant": f["significant"],
                     "borderline": f["borderline"]})
    data = pd.DataFrame(rows)
    hib = _higher_is_better(spec)
    unit = "score" if spec["kpi"] == "ces" else "points"
    d = spec["digits"]
    data["verdict"] = [
        (("above" if x > 0 else "below") + f" the rest by {format_number(abs(x), digits=d)}"
         + (" points" if unit == "points" else "") + ", significant") if sig else
        verdict(x, p, unit=unit, alpha=alpha, digits=d, significant=False)
        for x, p, sig in zip(data["difference"], data["pvalue_adjusted"], data["significant"],
                             strict=True)]
    data = data.sort_values("difference", ascending=not hib, kind="stable",
                            na_position="last").reset_index(drop=True)
    data.attrs["omnibus"] = om
    level = f"{confidence_level:.0%}"
    name = spec["name"]
    display = pd.DataFrame({
        by.capitalize(): data[by].map(_esc),
        f"{name} [{level} CI]": [_fmt_ci(e, lo, hi, d) for e, lo, hi in
                                 zip(data["estimate"], data["ci_low"], data["ci_high"],
                                     strict=True)],
        "n": data["n"].map(lambda v: f"{int(v):,}"),
        "Rest": [format_number(x, digits=d) for x in data["estimate_rest"]],
        f"{by.capitalize()} − rest [adjusted CI]": [
            _fmt_diff(x, lo, hi, p, d, marks=significance_marks(p, sig, bl))
            for x, lo, hi, p, sig, bl in zip(data["difference"], data["diff_ci_low"],
                                             data["diff_ci_high"], data["pvalue_adjusted"],
                                             data["significant"], data["borderline"],
                                             strict=True)],
        f"p ({adjust.capitalize()})": data["pvalue_adjusted"].map(format_pvalue),
        "Verdict": [_fmt_verdict(v, x, bool(sig), alpha, hib) for v, x, sig in
                    zip(data["verdict"], data["difference"], data["significant"],
                        strict=True)],
    })
    m = int(data["pvalue"].notna().sum())
    notes = [f"Each {by} against the answers of all other {by}s in {period}. "
             + family_note(f"the {m} {by}s against the rest", m, adjust=adjust, alpha=alpha),
             _SIG_NOTE]
    caption = (f"Which {by}s stand out, {period}: "
               + _omnibus_words(name, by, om, alpha))
    return ReportTable(data, display, caption=caption, notes=notes,
                       numeric=[c for c in display.columns
                                if c not in (by.capitalize(), "Verdict")])

