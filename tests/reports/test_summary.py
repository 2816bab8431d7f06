"""The first page (issue 10, deliverable 1): cover and executive summary on the sample data.

Expected values are computed here from the answer counts with scipy (a Wald z test of the
NPS difference, trinomial variance), not by the code under test."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
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


# ------------------------------------------------------------ team report, competitor benchmark


@pytest.fixture(scope="module")
def team(report):
    return rp.team_summary(report.data, team="Onboarding", period=PERIOD,
                           targets={"nps": 30, "csat": 75, "ces": 5})


def _nps_counts(x):
    x = x.dropna()
    n = len(x)
    pro, det = (x >= 9).sum() / n, (x <= 6).sum() / n
    return 100 * (pro - det), (pro + det - (pro - det) ** 2) / n


def test_team_summary_tiles_and_sentences_on_the_sample_data(report, team):
    surveys = report.data.surveys
    diff, p = _nps_change(surveys, "Onboarding")
    assert diff == pytest.approx(20.5, abs=0.05)  # the built-in effect, from the counts
    tiles = team.data.set_index("kpi")
    assert list(tiles.index) == ["nps", "csat", "ces", "frt", "resolution_time",
                                 "abandonment_rate"]
    cur = surveys.loc[(surveys["team"] == "Onboarding") & (surveys["quarter"] == PERIOD), "nps"]
    assert tiles.loc["nps", "estimate"] == pytest.approx(_nps_counts(cur)[0])
    assert tiles.loc["nps", "n"] == cur.notna().sum()
    first = team.sentences[0]
    assert first.startswith(f"Onboarding NPS up {diff:.1f} points since 2026Q2")
    assert "after adjusting for 6 comparisons" in first  # 3 KPIs × 2 earlier periods
    printed = float(re.search(r"p = ([\d.]+)", first).group(1))
    # Holm: the raw p times at most the family size, at least the raw p
    assert p * 0.8 <= printed <= min(1, 6 * p) * 1.2
    head = rp.headline_table(surveys, period=PERIOD, team="Onboarding").data.set_index("kpi")
    assert printed == pytest.approx(head.loc["nps", "pvalue_adjusted_previous"], rel=0.01)
    assert 3 <= len(team.sentences) <= 5
    page = team._repr_html_()
    assert "Summary — Onboarding, 2026Q3" in page and page.count('class="kt-tile"') == 6
    assert "vs 2026Q2" in page and "vs 2025Q3" in page
    assert team.reliability is None  # the sample data have no multi-item scale
    assert "Scale reliability" not in page


def test_team_against_the_rest_of_the_company(report, team):
    surveys = report.data.surveys
    cur = surveys[surveys["quarter"] == PERIOD]
    mine = cur.loc[cur["team"] == "Onboarding", "nps"]
    rest = cur.loc[cur["team"] != "Onboarding", "nps"]
    (a, va), (b, vb) = _nps_counts(mine), _nps_counts(rest)
    z = (a - b) / 100 / np.sqrt(va + vb)
    p = 2 * norm.sf(abs(z))
    v = team.versus.data.set_index("kpi")
    assert v.loc["nps", "difference"] == pytest.approx(a - b, abs=0.05)
    assert v.loc["nps", "estimate_rest"] == pytest.approx(b)
    assert v.loc["nps", "teams"] == 6
    adjusted = v.loc["nps", "pvalue_adjusted"]
    assert p * 0.5 <= adjusted <= min(1, 6 * p) * 1.5  # Holm within 6 teams, ~Wald p
    sig = v["significant"].to_numpy()
    assert (sig == ((v["diff_ci_low"] > 0) | (v["diff_ci_high"] < 0)).to_numpy()).all()
    sentence = next(s for s in team.sentences if s.startswith("Onboarding stands out: NPS"))
    assert f"{a - b:.1f} points above the rest" in sentence
    assert "after adjusting for 6 teams" in sentence


def test_competitor_summary_gaps_from_counts(report):
    data = report.data
    s = rp.competitor_summary(data, period=PERIOD)
    ours = data.surveys.loc[data.surveys["quarter"] == PERIOD, "nps"]
    us, v_us = _nps_counts(ours)
    pub = data.competitor_published
    g = pub[(pub["competitor"] == "Globex") & (pub["quarter"] == PERIOD)].iloc[0]
    them = g["promoters_pct"] - g["detractors_pct"]
    rows = s.data.set_index("competitor")
    assert rows.loc["Us", "nps"] == pytest.approx(us)
    assert rows.loc["Globex", "difference"] == pytest.approx(us - them, abs=0.3)
    lead = next(x for x in s.sentences if "Globex" in x)
    assert lead.startswith(f"We lead Globex by {us - them:.1f}") or lead.startswith(
        f"We lead Globex by {rows.loc['Globex', 'difference']:.1f}")
    assert "after adjusting for 3 competitors" in lead
    # the gaps that are not significant: the smallest detectable gap is given
    others = rows[rows["difference"].notna() & ~rows["significant"].astype(bool)]
    assert len(others) and others["detectable"].notna().all()
    assert any("could not have detected gaps smaller than" in x for x in s.sentences)
    page = s._repr_html_()
    assert page.count('class="kt-tile"') == len(rows) and "us − them" in page


def test_scale_reliability_line_only_with_multi_item_scales():
    from kpitools.kpis.survey import cronbach_alpha

    rng = np.random.default_rng(3)
    n = 300
    base = rng.integers(1, 6, n)
    surveys = pd.DataFrame({"team": "A", "quarter": PERIOD, "nps": rng.integers(0, 11, n),
                            **{f"ease_{i}": np.clip(base + rng.integers(-1, 2, n), 1, 5)
                               for i in (1, 2, 3)},
                            "comment": "ok"})
    surveys.loc[5, "ease_2"] = np.nan
    note = rp.scale_reliability(surveys, period=PERIOD)
    expected = cronbach_alpha(surveys[["ease_1", "ease_2", "ease_3"]])
    assert note is not None and note.data.loc[0, "scale"] == "ease"
    assert note.data.loc[0, "estimate"] == pytest.approx(expected.estimate)
    assert (note.data.loc[0, "n"], note.data.loc[0, "k"]) == (n - 1, 3)
    assert note.text.startswith(f"Scale reliability: ease (3 items, n = {n - 1}, 1 with a "
                                f"missing item left out): Cronbach's α = "
                                f"{expected.estimate:.2f}, 95 % CI {expected.ci_low:.2f} to "
                                f"{expected.ci_high:.2f} (Feldt)")
    assert rp.scale_reliability(surveys[["team", "quarter", "nps"]]) is None
    named = rp.scale_reliability(surveys, scales={"Ease": ["ease_1", "ease_3"]})
    assert named is not None and "Ease (2 items" in named.text
    assert rp.scale_reliability(surveys, period="2026Q2") is not None  # no answers: says so


@pytest.mark.notebook
@pytest.mark.parametrize("notebook, params, title, summary", [
    ("team_report", {"team": "Onboarding", "organisation": "Acme Support"},
     "Team report — Onboarding", "Summary — Onboarding, 2026Q3"),
    ("competitor_benchmark", {"organisation": "Acme Support"}, "Competitor benchmark",
     "Summary, 2026Q3"),
])
def test_cover_and_summary_are_on_top(notebook, params, title, summary, tmp_path):
    from kpitools.reports.runner import run_report

    result = run_report(notebook, {"period": PERIOD, "today": "2026-11-29", **params},
                        tmp_path, formats="html")
    page = result.html.read_text(encoding="utf-8")
    main = page.split("<main>", 1)[1]
    cover = main.index('class="kt-cover"')
    top = main.index('class="kt-summary"')
    first_section = min(main.index(h) for h in ("Headline KPIs", "NPS against each competitor")
                        if h in main)
    # the cover first, then the summary, before any section of the report
    assert cover < top < first_section
    assert main.index("Acme Support") < top
    assert title in main[:top] and "simulated sample data" in main[:top]
    assert summary in main[top:first_section]
    assert "data_dir" not in main[:top]  # no raw parameter names on the cover
    assert main.index("Appendix: provenance") > main.index("Data quality")
    assert page.count('class="title-page"') == 0  # the cover replaces the title page
    assert "Scale reliability" not in page  # no multi-item scale in the sample data
