"""summarize/compare on aggregated input (issue 9): counts per row, or published percentages
with their n. The result must equal the row-level path on the same data expanded to rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

import kpitools as kt
from kpitools.core.errors import DataValidationError

pytestmark = pytest.mark.filterwarnings("ignore::kpitools.core.errors.SmallSampleWarning")

NPS_COUNTS = pd.DataFrame({
    "hospital": ["A", "A", "B", "B", "C"],
    "quarter": ["2026Q1", "2026Q2", "2026Q1", "2026Q2", "2026Q1"],
    "p": [30, 42, 12, 15, 50], "pa": [10, 11, 9, 6, 20], "d": [8, 4, 14, 9, 30],
})
ROLES = {"promoters": "p", "passives": "pa", "detractors": "d"}
COLS = ["estimate", "ci_low", "ci_high", "n"]


def _expand_nps(frame: pd.DataFrame) -> pd.DataFrame:
    """One answer per row: promoters score 10, passives 8, detractors 3."""
    rows = []
    for _, r in frame.iterrows():
        for score, col in ((10, "p"), (8, "pa"), (3, "d")):
            rows += [{"hospital": r["hospital"], "quarter": r["quarter"], "nps": score}] * \
                int(r[col])
    return pd.DataFrame(rows)


def _expand_binary(frame: pd.DataFrame, k: str, n: str, keys: list[str]) -> pd.DataFrame:
    rows = []
    for _, r in frame.iterrows():
        base = {key: r[key] for key in keys}
        rows += [{**base, "flag": True}] * int(r[k]) + [{**base, "flag": False}] * \
            int(r[n] - r[k])
    return pd.DataFrame(rows)


@pytest.mark.parametrize("method", ["adjusted_wald", "wald", "score"])
def test_nps_from_counts_equals_the_rows_they_count(method):
    agg = kt.summarize(NPS_COUNTS, kpi="nps", counts=ROLES, by="hospital", method=method)
    rows = kt.summarize(_expand_nps(NPS_COUNTS), kpi="nps", value="nps", by="hospital",
                        method=method)
    pd.testing.assert_frame_equal(agg[["hospital", *COLS]], rows[["hospital", *COLS]])
    assert agg["n_excluded"].tolist() == [0, 0, 0]
    assert agg.attrs["aggregated"].startswith("aggregated input: counts per row")


def test_nps_compare_from_counts_equals_rows_and_by_hand_z():
    agg = kt.compare(NPS_COUNTS, kpi="nps", counts=ROLES, group="quarter", by="hospital",
                     method="wald")
    rows = kt.compare(_expand_nps(NPS_COUNTS), kpi="nps", value="nps", group="quarter",
                      by="hospital", method="wald")
    cols = ["hospital", "group_a", "group_b", "difference", "ci_low", "ci_high", "pvalue",
            "pvalue_adjusted", "n_a", "n_b"]
    pd.testing.assert_frame_equal(agg[cols], rows[cols])
    # hospital A by hand: Wald variance of each NPS, z = diff / se (Rocks 2016)
    a, b = np.array([30, 10, 8]), np.array([42, 11, 4])
    def est_var(c):
        p, d, n = c[0] / c.sum(), c[2] / c.sum(), c.sum()
        return p - d, (p + d - (p - d) ** 2) / n
    (ea, va), (eb, vb) = est_var(a), est_var(b)
    z = (eb - ea) / np.sqrt(va + vb)
    row = agg[agg.hospital == "A"].iloc[0]
    assert row["difference"] == pytest.approx(100 * (eb - ea))
    assert row["pvalue"] == pytest.approx(2 * sps.norm.sf(abs(z)))


def test_published_nps_percentages_round_to_counts():
    # HCAHPS-style: shares in % with the number of completed surveys
    pub = pd.DataFrame({"hospital": ["A", "B"], "n": [400, 333],
                        "pct_p": [45.0, 33.3], "pct_d": [20.0, 12.6]})
    out = kt.summarize(pub, kpi="nps", shares={"promoters": "pct_p", "detractors": "pct_d"},
                       n="n", by="hospital")
    ref = [kt.nps_from_percentages(400, 45, 20),
           kt.nps_from_counts(111, 333 - 111 - 42, 42)]  # 33.3 % of 333 = 110.9 → 111
    assert out["estimate"].tolist() == pytest.approx([r.estimate for r in ref])
    assert out["ci_low"].tolist() == pytest.approx([r.ci_low for r in ref])
    assert out["n"].tolist() == [400, 333]
    assert "rounded to the nearest whole number (half to even)" in out.attrs["aggregated"]


def test_csat_successes_of_trials_equal_the_expanded_rows():
    agg_in = pd.DataFrame({"team": ["x", "x", "y"], "month": ["2026-01", "2026-02", "2026-01"],
                           "top2": [40, 35, 12], "answers": [50, 60, 30]})
    agg = kt.summarize(agg_in, kpi="csat", successes="top2", trials="answers", by="team")
    rows = _expand_binary(agg_in, "top2", "answers", ["team", "month"])
    rows["csat"] = np.where(rows["flag"], 5, 2)
    ref = kt.summarize(rows, kpi="csat", value="csat", by="team")
    pd.testing.assert_frame_equal(agg[["team", *COLS]], ref[["team", *COLS]])
    # the same through yes_share, and the comparison of two months with Newcombe / z
    flags = kt.summarize(rows, kpi="yes_share", value="flag", by="team")
    pd.testing.assert_frame_equal(flags[["team", *COLS]], agg[["team", *COLS]])
    ca = kt.compare(agg_in, kpi="yes_share", successes="top2", trials="answers", group="month")
    cr = kt.compare(rows, kpi="yes_share", value="flag", group="month")
    for col in ("difference", "ci_low", "ci_high", "statistic", "pvalue", "n_a", "n_b"):
        assert ca[col].tolist() == pytest.approx(cr[col].tolist())
    assert ca.loc[0, "test"] == cr.loc[0, "test"]


def test_proportion_shares_with_n():
    pub = pd.DataFrame({"state": ["AK", "AL"], "top_box": [72.0, 70.5], "n": [300, 200]})
    out = kt.summarize(pub, kpi="yes_share", shares="top_box", n="n", by="state")
    ref = [kt.yes_share([1] * 216 + [0] * 84), kt.yes_share([1] * 141 + [0] * 59)]
    assert out["estimate"].tolist() == pytest.approx([r.estimate for r in ref])
    assert out["ci_high"].tolist() == pytest.approx([r.ci_high for r in ref])


def test_rates_from_counts_and_exposure():
    agg_in = pd.DataFrame({"q": ["a", "a", "b"], "complaints": [5, 10, 30],
                           "customers": [200.0, 200.0, 500.0]})
    out = kt.summarize(agg_in, kpi="complaints_per_1000",
                       counts={"events": "complaints", "exposure": "customers"}, by="q")
    ref = kt.complaints_per_1000(15, 400)
    first = out.iloc[0]
    assert (first["estimate"], first["ci_low"], first["ci_high"]) == pytest.approx(
        (ref.estimate, ref.ci_low, ref.ci_high))
    # exact Poisson interval by hand (Garwood): chi-square quantiles
    assert first["ci_low"] == pytest.approx(1000 * sps.chi2.ppf(0.025, 30) / 2 / 400)
    c = kt.compare(agg_in, kpi="complaints_per_1000",
                   counts={"events": "complaints", "exposure": "customers"}, group="q")
    assert c.loc[0, "difference"] == pytest.approx((30 / 500) / (15 / 400))
    # exact conditional test: binomial of b's events among all, p0 = e_b / (e_a + e_b)
    p = sps.binomtest(30, 45, 500 / 900).pvalue
    assert c.loc[0, "pvalue"] == pytest.approx(p)


def test_bad_and_missing_counts_are_named_or_excluded_and_counted():
    bad = pd.DataFrame({"g": ["a", "a", "a", "b"], "k": [3, -1, 2.5, 4], "n": [10, 10, 10, 10]})
    with pytest.raises(DataValidationError,
                       match=r"column 'k': 2 successes counts are not non-negative whole "
                             r"numbers \(rows 1, 2: -1.0, 2.5\)"):
        kt.summarize(bad, kpi="yes_share", successes="k", trials="n", by="g")
    out = kt.summarize(bad, kpi="yes_share", successes="k", trials="n", by="g",
                       invalid="exclude")
    assert out["n"].tolist() == [10, 10] and out["n_excluded"].tolist() == [2, 0]
    missing = pd.DataFrame({"g": ["a", "a"], "k": [3, None], "n": [10, 10]})
    out = kt.summarize(missing, kpi="yes_share", successes="k", trials="n", by="g")
    assert (out.loc[0, "n"], out.loc[0, "n_excluded"]) == (10, 1)
    assert out.attrs["excluded"]["reason"].tolist() == ["missing successes counts"]
    over = pd.DataFrame({"k": [11], "n": [10]})
    with pytest.raises(DataValidationError, match=r"column 'k': 1 successes above the trials "
                                                  r"of 'n' \(row 0: 11\)"):
        kt.summarize(over, kpi="csat", successes="k", trials="n")
    pct = pd.DataFrame({"p": [70.0], "d": [40.0], "n": [100]})
    with pytest.raises(DataValidationError, match="above n"):
        kt.summarize(pct, kpi="nps", shares={"promoters": "p", "detractors": "d"}, n="n")


def test_wrong_arguments_are_refused():
    df = pd.DataFrame({"k": [3], "n": [10]})
    with pytest.raises(TypeError, match="kpi='frt' needs one row per item; aggregated input "
                                        r"\(counts=, successes=/trials=, shares=/n=\) is taken"):
        kt.summarize(df, kpi="frt", successes="k", trials="n")
    with pytest.raises(TypeError, match="value='k' reads one row per item"):
        kt.summarize(df, kpi="csat", value="k", successes="k", trials="n")
    with pytest.raises(TypeError, match=r"kpi='csat' with aggregated input does not take the "
                                        r"option\(s\) positive="):
        kt.summarize(df, kpi="csat", successes="k", trials="n", positive=(5,))
    with pytest.raises(ValueError, match=r"counts: \['hits'\] are not roles of kpi='nps'"):
        kt.summarize(df, kpi="nps", counts={"hits": "k"})
    with pytest.raises(ValueError, match=r"kpi='nps' needs the role\(s\) passives"):
        kt.summarize(df, kpi="nps", counts={"promoters": "k", "detractors": "n"})
    with pytest.raises(TypeError, match=r"shares= needs n="):
        kt.summarize(df, kpi="csat", shares="k")
    with pytest.raises(TypeError, match="does not take the option"):
        kt.compare(df.assign(g=["x"]), kpi="nps", group="g", test="fisher",
                   counts={"promoters": "k", "passives": "k", "detractors": "n"})


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 30),
                          st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=8))
def test_counts_always_equal_the_expanded_rows(rows):
    frame = pd.DataFrame(rows, columns=["hospital", "p", "pa", "d"]).assign(quarter="q")
    if (frame[["p", "pa", "d"]].sum(axis=1).groupby(frame["hospital"]).sum() == 0).any():
        return  # a group without answers has NaN in both paths (compared elsewhere)
    agg = kt.summarize(frame, kpi="nps", counts=ROLES, by="hospital")
    ref = kt.summarize(_expand_nps(frame), kpi="nps", value="nps", by="hospital")
    pd.testing.assert_frame_equal(agg[["hospital", *COLS]], ref[["hospital", *COLS]])
