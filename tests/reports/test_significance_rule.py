"""One rule for significance (issue 10, deliverable 2): in every table of every report section
on the sample data, stars, verdicts and intervals agree row by row."""

from __future__ import annotations

import html
import re
import warnings
from typing import Any

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from kpitools.datasets import load_sample_data
from kpitools.reports import sections as rp

PERIOD = "2026Q3"
INTERVAL = re.compile(r"([+\-−]?[\d,.]+)(\**)(†?)\s*\[([\-−]?[\d,.]+), ([\-−]?[\d,.]+)\]")


def _holm_reference(p: np.ndarray) -> np.ndarray:
    """Holm's adjusted p-values from the definition [Holm 1979]: the i-th smallest of m
    p-values times m − i + 1, then the running maximum, capped at 1. Written out here
    because statsmodels' ``multipletests`` runs ``gc.collect()`` on every call, which costs
    a quarter of a second inside the full suite; it checks this function below."""
    order = np.argsort(p, kind="mergesort")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for i, k in enumerate(order):
        running = max(running, (m - i) * p[k])
        adjusted[k] = min(running, 1.0)
    return adjusted


def test_holm_reference_equals_statsmodels():
    for p in ([0.01, 0.04, 0.03], [0.2], [0.001, 0.04, 0.03, 0.2, 0.011, 0.5, 0.049, 0.9],
              [0.5, 0.5, 0.01]):
        np.testing.assert_allclose(_holm_reference(np.array(p)),
                                   multipletests(p, method="holm")[1], rtol=1e-12)


def _num(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


@pytest.fixture(scope="module")
def tables() -> list[tuple[str, Any]]:
    data = load_sample_data()
    s = data.surveys
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for period in ("2026Q2", PERIOD):
            out += [
                ("headline", rp.headline_table(s, period=period, targets={"nps": 30})),
                ("headline Returns", rp.headline_table(s, period=period, team="Returns")),
                ("league", rp.team_league_table(s, period=period)),
                ("standout team", rp.standout_table(s, period=period, by="team")),
                ("standout channel", rp.standout_table(s, period=period, by="channel")),
                ("standout team CES", rp.standout_table(s, period=period, kpi="ces")),
                ("channels", rp.channel_table(s, period=period)),
                ("operations", rp.operations_table(data.tickets, data.calls, period=period)),
                ("channel operations", rp.channel_operations_table(data.tickets,
                                                                   period=period)),
                ("competitors", rp.competitor_table(s, data.competitor_surveys,
                                                    data.competitor_published, period=period)),
                ("competitor trend", rp.competitor_trend_table(
                    s, data.competitor_surveys, data.competitor_published, period=period)),
            ]
    return [(f"{name} {i // 11}", t) for i, (name, t) in enumerate(out)]


def _comparison_cells(table: Any) -> list[tuple[int, str, str]]:
    """(row, column, cell text) of every cell that shows a change with an interval."""
    cells = []
    for col in table.display.columns:
        for i, value in enumerate(table.display[col]):
            text = html.unescape(re.sub(r"<[^>]+>", " ", str(value)))
            if INTERVAL.search(text) and ("vs" in col or "−" in col or "Change" in col
                                          or "shift" in col or re.fullmatch(r"\d{4}Q\d", col)):
                cells.append((i, col, text))
    return cells


def test_every_row_of_every_table_agrees(tables):
    checked = 0
    for name, table in tables:
        if not isinstance(table, rp.ReportTable):
            continue
        for i, col, text in _comparison_cells(table):
            m = INTERVAL.search(text)
            assert m is not None
            lo, hi = _num(m.group(4)), _num(m.group(5))
            star = bool(m.group(2))
            # what the reader sees: a star exactly on the intervals that exclude 0
            assert star == (lo > 0 or hi < 0), (name, col, i, text)
            checked += 1
        data = table.data
        for sfx in ("", "_previous", "_year_ago"):
            sig = f"significant{sfx}"
            if sig not in data.columns:
                continue
            lo_col = next(c for c in (f"ci_low{sfx}", f"diff_ci_low{sfx}",
                                      f"diff_ci_low{sfx}") if c in data.columns)
            if sfx == "" and "diff_ci_low" in data.columns:
                lo_col = "diff_ci_low"
            hi_col = lo_col.replace("low", "high")
            verdicts = data[f"verdict{sfx}"] if f"verdict{sfx}" in data.columns else None
            for j, row in data.iterrows():
                excludes = bool(row[lo_col] > 0 or row[hi_col] < 0)
                assert bool(row[sig]) == excludes, (name, j, sfx)
                if verdicts is not None and row[f"pvalue_adjusted{sfx}"] == row[
                        f"pvalue_adjusted{sfx}"]:
                    words = str(verdicts[j])
                    assert ("significant" in words and "not significant" not in words) == \
                        excludes, (name, j, words)
                    assert "no real" not in words
                if not row[f"borderline{sfx}"] and row[f"pvalue_adjusted{sfx}"] == row[
                        f"pvalue_adjusted{sfx}"]:
                    assert (row[f"pvalue_adjusted{sfx}"] < 0.05) == excludes, (name, j)
    assert checked > 100


def test_adjusted_pvalues_are_holm_within_each_table(tables):
    for name, table in tables:
        if not isinstance(table, rp.ReportTable) or "trend" in name:
            continue
        data = table.data
        raw, adj = [], []
        for sfx in ("", "_previous", "_year_ago"):
            if f"pvalue_adjusted{sfx}" in data.columns:
                raw += data[f"pvalue{sfx}"].tolist()
                adj += data[f"pvalue_adjusted{sfx}"].tolist()
        raw_a, adj_a = np.array(raw, float), np.array(adj, float)
        ok = ~np.isnan(raw_a)
        if ok.sum() == 0:
            continue
        expected = _holm_reference(raw_a[ok])
        np.testing.assert_allclose(adj_a[ok], expected, err_msg=name)


def test_holm_levels_match_holm_decisions():
    rng = np.random.default_rng(10)
    for _ in range(200):
        p = rng.uniform(0, 0.2, size=rng.integers(1, 9))
        adj, level = rp.holm_levels(p)
        np.testing.assert_allclose(adj, _holm_reference(p))
        # a dual interval excludes 0 iff p < 1 − level; that is Holm's rejection
        assert ((p < 1 - level - 1e-12) == (adj < 0.05)).all() or np.isclose(
            p, 1 - level).any()


def test_words_and_targets():
    assert rp.verdict(-3.0, 0.4) == "not significant"
    assert rp.verdict(-3.0, 0.4, detectable=8.9) == \
        "inconclusive (could not detect less than ±8.9 points)"
    assert rp.target_status(26.8, 22.8, 30.7, 30) == "below target (not significant)"
    assert rp.target_status(70.8, 68.2, 73.2, 75) == "below target"
    assert rp.target_status(5.22, 5.15, 5.29, 5.0, digits=2) == "above target"


def test_durations_show_both_medians_and_the_shift(tables):
    ops = dict(tables)["channel operations 1"]
    heads = list(ops.display.columns)
    assert "2026Q2 median" in heads and any("median [" in h for h in heads)
    assert any("Hodges–Lehmann shift" in h for h in heads)
    table = dict(tables)["operations 1"]
    labels = table.data.set_index("kpi")["label"]
    assert labels["asa"].endswith("mean") and labels["aht"].endswith("mean")
    assert "20 s" in labels["service_level"]
