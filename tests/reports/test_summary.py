"""The first page (issue 10, deliverable 1): cover and executive summary on the sample data.

Expected values are computed here from the answer counts with scipy (a Wald z test of the
NPS difference, trinomial variance), not by the code under test."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.stats import norm

from kpitools.reports import sections as rp

PERIOD = "2026Q3"


@pytest.fixture(scope="module")
def report():
    return rp.setup_report(today="2026-11-29")


@pytest.fixture(scope="module")
def summary(report):
    return rp.executive_summary(report.data, period=report.period,
                                targets={"nps": 30, "csat": 75, "ces": 5})


def _nps_change(surveys, team):
    """NPS change 2026Q2 → 2026Q3 of a team and its Wald z-test p-value, from counts."""
    out = []
    for q in ("2026Q2", PERIOD):
        x = surveys.loc[(surveys["team"] == team) & (surveys["quarter"] == q), "nps"].dropna()
        n = len(x)
        pro, det = (x >= 9).sum() / n, (x <= 6).sum() / n
        out.append((100 * (pro - det), (pro + det - (pro - det) ** 2) / n))
    diff = out[1][0] - out[0][0]
    z = diff / 100 / np.sqrt(out[0][1] + out[1][1])
    return diff, 2 * norm.sf(abs(z))


def test_cover_names_organisation_period_and_data(report):
    cover = rp.report_cover(report, organisation="Acme Support")
    text = repr(cover)
    assert text.splitlines()[0] == "Acme Support"
    assert "2026Q3 (1 July – 30 September 2026)" in text
    assert "simulated sample data" in text and "2024-10-01 to 2026-09-30" in text
    n = len(report.data.surveys)
    assert f"{n:,} survey answers" in text
    page = cover._repr_html_()
    assert "data_dir" not in page and "today" not in page  # no raw parameter names
    assert repr(rp.report_cover(report)).splitlines()[0] == "Quarterly customer-service report"


def test_tiles_have_value_interval_changes_and_target(summary):
    tiles = summary.data.set_index("kpi")
    assert list(tiles.index) == ["nps", "csat", "ces", "frt", "resolution_time",
                                 "abandonment_rate"]
    nps = tiles.loc["nps"]
    assert nps["ci_low"] < nps["estimate"] < nps["ci_high"]
    assert nps["status"] == "below target (not significant)"  # 26.8 [22.8, 30.7] vs 30
    page = summary._repr_html_()
    assert page.count('class="kt-tile"') == 6 and "▲" in page
    assert "vs 2026Q2" in page and "vs 2025Q3" in page


def test_sentences_report_the_built_in_effects(report, summary):
    surveys = report.data.surveys
    diff, p = _nps_change(surveys, "Onboarding")
    assert p == pytest.approx(0.0016, abs=0.001)  # the built-in effect, computed here
    sentence = next(s for s in summary.sentences if s.startswith("Onboarding NPS up"))
    assert f"up {diff:.1f} points" in sentence and "after adjusting for 6 teams" in sentence
    printed = float(re.search(r"p = ([\d.]+)", sentence).group(1))
    assert printed == pytest.approx(min(1, 6 * p), rel=0.25)  # Holm's first step: 6·p
    _, p_returns = _nps_change(surveys, "Returns")
    assert p_returns == pytest.approx(0.42, abs=0.03)  # noise
    assert not any(s.startswith("Returns NPS") for s in summary.sentences)
    assert 3 <= len(summary.sentences) <= 5


def test_when_nps_did_not_move_the_detectable_change_is_given(report, summary):
    from kpitools.stats import nps_minimum_detectable_change

    first = summary.sentences[0]
    assert first.startswith("NPS did not change significantly since 2026Q2")
    s = report.data.surveys
    prev = s.loc[s["quarter"] == "2026Q2", "nps"].dropna()
    cur = s.loc[s["quarter"] == PERIOD, "nps"].dropna()
    level = summary.data.set_index("kpi").loc["nps"]  # the adjusted level of the row
    head = rp.headline_table(s, period=PERIOD).data.set_index("kpi").loc["nps"]
    mdc = nps_minimum_detectable_change(100 * (prev >= 9).mean(), 100 * (prev <= 6).mean(),
                                        len(prev), len(cur),
                                        confidence_level=head["ci_level_previous"])
    assert f"smaller than ±{mdc:.1f} points" in first
    assert level["significant_previous"] is False or not level["significant_previous"]
