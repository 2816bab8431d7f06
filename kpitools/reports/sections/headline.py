"""Headline section: the survey KPIs of the period (quarter, month or week) against the
previous one and a year before, with verdicts and target status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_number, format_pvalue
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
    answer_weights,
    enough,
    has_values,
    in_periods,
    kind_word,
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
    year_ago,
)

__all__ = ["headline_table", "detectable_change", "status_is_good"]


def _compare_periods(frame: pd.DataFrame, spec: Mapping[str, Any], a: str, b: str,
                     confidence_level: float, parts: Any = None) -> dict[str, Any]:
    """``b − a`` of a survey KPI between two periods (NaN without two answers in each);
    ``frame`` has a ``period`` column (`with_periods`); ``parts`` is its `split_by` period
    when the caller has it."""
    nan = {"estimate_base": np.nan, "difference": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "pvalue": np.nan}
    if not (_enough_in(frame, spec["value"], a, parts)
            and _enough_in(frame, spec["value"], b, parts)):
        return nan
    # the rows and columns the comparison reads: the two periods' answers, in frame order
    pair = frame.loc[in_periods(frame, b, [a, b]), with_weight(["period", spec["value"]], frame)]
    out = compare(pair, kpi=spec["kpi"], value=spec["value"], group="period", baseline=a,
                  levels=[a, b], confidence_level=confidence_level, **spec["options"],
                  weight=weight_column(frame))
    row = out.iloc[0]
    return {"estimate_base": float(row["estimate_a"]), "difference": float(row["difference"]),
            "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_high"]),
            "pvalue": float(row["pvalue"])}


def _enough_in(frame: pd.DataFrame, column: str, label: str, parts: Any = None) -> bool:
    """``enough(rows, column)`` of the rows of ``frame`` whose ``period`` is ``label``,
    counted from the codes when the periods are categories (no rows taken)."""
    period = frame["period"]
    if column in frame.columns and isinstance(period.dtype, pd.CategoricalDtype):
        categories = period.cat.categories
        if label not in categories:
            return False
        mine = period.cat.codes.to_numpy() == categories.get_loc(label)
        return int(answer_weights(frame)[mine & frame[column].notna().to_numpy()].sum()) >= 2
    rows = split_by(frame, "period") if parts is None else parts
    return enough(rows(label), column)


def detectable_change(base: pd.Series, current: pd.Series, spec: Mapping[str, Any], *,
                      confidence_level: float = 0.95, power: float = 0.8,
                      base_weights: Any = None, current_weights: Any = None) -> float:
    """The smallest change of a survey KPI that these two samples detect with ``power``.

    NPS: `kpitools.stats.nps_minimum_detectable_change` from the baseline shares; CSAT:
    `kpitools.stats.proportion_minimum_detectable_change` (Fleiss); a mean (CES):
    ``(z_{1−α/2} + z_{power})·sqrt(s_a²/n_a + s_b²/n_b)`` (normal approximation to Welch's
    test). ``base`` and ``current`` are the answers (NaN dropped); ``base_weights`` and
    ``current_weights``, when given, how many answers each value stands for (a counted survey
    table's ``answers``). NaN when a sample has fewer than two answers or no room to move.

    >>> a = pd.Series([10, 9, 7, 3, 10, 8] * 50)
    >>> spec = {"kpi": "nps", "options": {}}
    >>> round(detectable_change(a, a, spec), 1)
    16.0
    """
    from kpitools.stats import (
        nps_minimum_detectable_change,
        proportion_minimum_detectable_change,
    )

    a, wa = _answered(base, base_weights)
    b, wb = _answered(current, current_weights)
    n_a, n_b = float(wa.sum()), float(wb.sum())
    if n_a < 2 or n_b < 2:
        return float("nan")
    try:
        if spec["kpi"] == "nps":
            pro, det = 100 * wa[a >= 9].sum() / n_a, 100 * wa[a <= 6].sum() / n_a
            return abs(nps_minimum_detectable_change(pro, det, round(n_a), round(n_b),
                                                     power=power,
                                                     confidence_level=confidence_level))
        if spec["kpi"] == "csat":
            share = 100 * wa[a >= 4].sum() / n_a
            return abs(proportion_minimum_detectable_change(
                share, round(n_a), round(n_b), power=power,
                confidence_level=confidence_level))
    except ValueError:  # a share of 0 or 100 %: no room to move in the model
        return float("nan")
    from scipy.stats import norm

    se = float(np.sqrt(_variance(a, wa) / n_a + _variance(b, wb) / n_b))
    z = norm.ppf(1 - (1 - confidence_level) / 2) + norm.ppf(power)
    return float(z * se)


def _answered(values: pd.Series, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """The answers of ``values`` (missing dropped) as floats, and how many answers each
    stands for (1 without ``weights``)."""
    x = values.to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(x)
    w = (np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float))
    return x[keep], w[keep]


def _variance(x: np.ndarray, w: np.ndarray) -> float:
    """The sample variance (n − 1) of the answers ``x`` counted ``w`` times each."""
    n = w.sum()
    mean = float((w * x).sum() / n)
    return float((w * (x - mean) ** 2).sum() / (n - 1))


def _higher_is_better(kpi: str, options: Mapping[str, Any]) -> bool | None:
    from kpitools.kpis.catalogue import get_kpi

    if kpi == "ces":
        from kpitools.kpis.survey import CES_VARIANTS

        return CES_VARIANTS[options.get("variant", "ease_1_7_mean")]["higher_is_better"]
    return get_kpi(kpi).higher_is_better


@remember_results(slim=True)
def headline_table(
    surveys: pd.DataFrame,
    *,
    period: str,
    targets: Mapping[str, float] | None = None,
    team: str | None = None,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
) -> ReportTable | ReportNote:
    """Headline KPIs of ``period`` against the previous period of its kind (quarter, month or
    ISO week) and the same period a year ago.

    The comparisons of the table (every KPI against both periods) are one family: their
    p-values are Holm-adjusted together and each change is shown with the interval at its
    Holm step's level, so a star sits exactly on the intervals that exclude 0 (see
    `kpitools.reports.sections.significance`). A change that is not significant reads
    "inconclusive (could not detect less than ±X)" with ``X`` the minimum detectable change
    of the two samples (`detectable_change`, 80 % power, at the row's level).

    Parameters
    ----------
    surveys : DataFrame
        Survey answers (``quarter`` or ``date``, ``team, nps, csat, ces``).
    period : str
        The period reported: a quarter (``"2026Q3"``), a month (``"2026-03"``) or an ISO
        week (``"2026-W14"``); months and weeks come from the answers' ``date``.
    targets : mapping of KPI name to value, optional
        E.g. ``{"nps": 30, "csat": 75, "ces": 5.5}``; the status reads "above target",
        "on target" or "below target", with "(not significant)" when the KPI's confidence
        interval contains the target (`kpitools.reports.sections.significance.target_status`).
    team : str, optional
        Restrict to one team.
    confidence_level : float, default 0.95
    alpha : float, default 0.05
        The family-wise error rate of the table (``1 − confidence_level`` unless given).

    Returns
    -------
    ReportTable or ReportNote
        ``data`` has one row per KPI with answers in ``period``: ``kpi, label, period,
        estimate, ci_low, ci_high, n, unit``, then for ``previous`` and ``year_ago``:
        ``estimate_*`` (the earlier period's value), ``difference_*, ci_low_*, ci_high_*``
        (the adjusted interval), ``ci_level_*`` (its level), ``pvalue_*``,
        ``pvalue_adjusted_*``, ``significant_*``, ``borderline_*``, ``detectable_*``,
        ``verdict_*``; and ``target, status, higher_is_better``. A KPI without answers has
        no row (so no target status) but one line in ``absent`` ("No CES answers in this
        folder."); without any answer the result is a `ReportNote` of one line.
    """
    from kpitools.reports.sections.significance import (
        adjust_family,
        family_note,
        significance_marks,
        target_status,
    )

    missing = survey_absence(surveys, period, team)
    if missing:
        return ReportNote(missing)
    surveys = section_frame(surveys)
    frame = surveys if team is None else surveys[surveys["team"] == team]
    prev, yago = previous_period(period), year_ago(period)
    # the periods as categories: compared and split by their codes, not by text per row
    frame = period_rows(frame, period, [yago, prev, period], categories=True)
    parts = split_by(frame, "period")
    targets = dict(targets or {})
    rows, specs, absent = [], [], []
    cur = parts(period)
    for spec in SURVEY_KPIS:
        if not has_values(surveys, spec["value"]):
            absent.append(no_data(f"{spec['name']} answers"))
            continue
        if not has_values(cur, spec["value"]):
            absent.append(no_data(f"{spec['name']} answers", period))
            continue
        specs.append(spec)
        est = summarize(cur, kpi=spec["kpi"], value=spec["value"],
                        confidence_level=confidence_level, **spec["options"],
                        weight=weight_column(cur)).iloc[0]
        row: dict[str, Any] = {"kpi": spec["kpi"], "label": spec["label"], "period": period,
                               "estimate": float(est["estimate"]),
                               "ci_low": float(est["ci_low"]), "ci_high": float(est["ci_high"]),
                               "n": int(est["n"]), "unit": str(est["unit"])}
        rows.append(row)
    family: list[dict[str, Any]] = []
    members: list[tuple[int, str, str]] = []
    for i, spec in enumerate(specs):
        for key, base in (("previous", prev), ("year_ago", yago)):
            c = _compare_periods(frame, spec, base, period, confidence_level, parts)
            family.append(c)
            members.append((i, key, base))

    def rerun(j: int, level: float) -> tuple[float, float]:
        i, _, base = members[j]
        c = _compare_periods(frame, specs[i], base, period, level, parts)
        return c["ci_low"], c["ci_high"]

    adjust_family(family, rerun, confidence_level=1 - alpha)
    for c, (i, key, base) in zip(family, members, strict=True):
        row, spec = rows[i], specs[i]
        row[f"estimate_{key}"] = c["estimate_base"]
        for k in ("difference", "ci_low", "ci_high", "ci_level", "pvalue", "pvalue_adjusted",
                  "significant", "borderline"):
            row[f"{k}_{key}"] = c[k]
        col = spec["value"]
        level = c["ci_level"] if c["ci_level"] == c["ci_level"] else 1 - alpha
        row[f"detectable_{key}"] = (
            detectable_change(parts(base)[col], cur[col], spec,
                              confidence_level=level,
                              base_weights=_weights_or_none(parts(base)),
                              current_weights=_weights_or_none(cur))
            if not c["significant"] and c["pvalue"] == c["pvalue"] else np.nan)
        row[f"verdict_{key}"] = verdict(c["difference"], c["pvalue_adjusted"],
                                        unit=row["unit"], alpha=alpha, digits=spec["digits"],
                                        significant=bool(c["significant"]),
                                        detectable=row[f"detectable_{key}"])
    for row, spec in zip(rows, specs, strict=True):
        hib = _higher_is_better(spec["kpi"], spec["options"])
        target = targets.get(spec["kpi"])
        claim = (target is not None and hib is not None
                 and bool(np.isfinite([row["ci_low"], row["ci_high"]]).all()))
        row["target"] = float(target) if target is not None else np.nan
        row["status"] = (target_status(row["estimate"], row["ci_low"], row["ci_high"],
                                       float(target), digits=spec["digits"])
                         if claim and target is not None else "")
        row["higher_is_better"] = hib
    data = pd.DataFrame(rows)
    level = f"{confidence_level:.0%}"
    disp = []
    for r, spec in zip(rows, specs, strict=True):
        d = spec["digits"]
        status = r["status"]
        good = status_is_good(status, r["higher_is_better"])
        cls = {True: "kt-good", False: "kt-bad", None: ""}[good]
        status_html = (f'<span class="{cls}">{_esc(status)}</span><br>'
                       f"target {format_number(r['target'], digits=d)}" if status else "–")
        out = {"KPI": _esc(r["label"]),
               f"{period} [{level} CI]": _fmt_ci(r["estimate"], r["ci_low"], r["ci_high"], d,
                                                 True),
               "n": f"{r['n']:,}"}
        for key, base, tail in (("previous", prev, ""), ("year_ago", yago, " ")):
            out[f"vs {base}"] = _fmt_diff(
                r[f"difference_{key}"], r[f"ci_low_{key}"], r[f"ci_high_{key}"],
                r[f"pvalue_adjusted_{key}"], d, True,
                marks=significance_marks(r[f"pvalue_adjusted_{key}"], r[f"significant_{key}"],
                                         r[f"borderline_{key}"]))
            out["p (Holm)" + tail] = format_pvalue(r[f"pvalue_adjusted_{key}"])
            out["Verdict" + tail] = _fmt_verdict(r[f"verdict_{key}"], r[f"difference_{key}"],
                                                 bool(r[f"significant_{key}"]), alpha,
                                                 r["higher_is_better"])
        out["Target"] = status_html
        disp.append(out)
    display = pd.DataFrame(disp)
    who = f" — {team}" if team else ""
    methods = {"nps": "NPS: adjusted-Wald interval and z test",
               "csat": "CSAT (4–5 on 1–5): Wilson interval, Newcombe difference, z test",
               "ces": "CES 2.0: mean with t interval, Welch test"}
    m = int(np.isfinite([c["pvalue"] for c in family]).sum())
    notes = [f"Differences are {period} minus the earlier {kind_word(period)}. "
             + "; ".join(methods[s["kpi"]] for s in specs) + ". "
             + family_note(f"every KPI of this table against both {kind_word(period)}s", m),
             f"Each KPI's own interval is a {level} CI; a target status is "
             "\"(not significant)\" when it contains the target.", _SIG_NOTE]
    for base in (prev, yago):
        if not present_kpis(parts(base)):
            absent.append(f"No survey answers in {base} to compare with.")
    return ReportTable(data, display, caption=f"Headline KPIs{who}, {period}", notes=notes,
                       absent=absent,
                       numeric=[c for c in display.columns
                                if c not in ("KPI", "Verdict", "Verdict ", "Target")])


def _weights_or_none(frame: pd.DataFrame) -> np.ndarray | None:
    """The ``answers`` of a counted survey table's rows; None for one row per answer."""
    return answer_weights(frame) if weight_column(frame) else None


def status_is_good(status: str, higher_is_better: bool | None) -> bool | None:
    """Whether a target status is good news (True), bad news (False) or neither (None: no
    status, "on target", or not significant).

    >>> status_is_good("below target", True), status_is_good("below target", False)
    (False, True)
    >>> status_is_good("above target (not significant)", True) is None
    True
    """
    if not status or "not significant" in status or status == "on target" or (
            higher_is_better is None):
        return None
    return (status == "above target") == bool(higher_is_better)
