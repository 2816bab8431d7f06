"""Tests of the survey KPIs against independent computations written out in the tests."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import kpitools as kt
from kpitools.core.errors import DataValidationError, SmallSampleWarning

Z95 = stats.norm.ppf(0.975)
SCORES = [10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9]  # 7 promoters, 2 passives, 3 detractors


def wald_nps(pro, pas, det, z=Z95):
    """Textbook Wald interval of the NPS in points (Rocks 2016), written independently."""
    n = pro + pas + det
    pp, pd_ = pro / n, det / n
    se = math.sqrt((pp + pd_ - (pp - pd_) ** 2) / n)
    est = pp - pd_
    return 100 * est, 100 * max(est - z * se, -1), 100 * min(est + z * se, 1)


# ------------------------------------------------------------------------------ NPS


def test_nps_categories_follow_the_standard_cut_points():
    # 0–6 detractors, 7–8 passives, 9–10 promoters (not the source article's 6–8 "satisfied")
    r = kt.nps(list(range(11)))
    assert (r.details["promoters"], r.details["passives"], r.details["detractors"]) == (2, 2, 7)
    assert r.estimate == pytest.approx(100 * (2 - 7) / 11)


def test_nps_is_promoters_minus_detractors_not_the_reverse():
    assert kt.nps([10] * 8 + [0] * 2).estimate == pytest.approx(60.0)


def test_nps_wald_interval_equals_the_textbook_formula():
    r = kt.nps(SCORES, method="wald")
    est, low, high = wald_nps(7, 2, 3)
    assert (r.estimate, r.ci_low, r.ci_high) == pytest.approx((est, low, high))
    assert r.unit == "points" and r.method == "wald" and r.n == 12


def test_nps_adjusted_wald_adds_075_15_075_pseudo_counts():
    r = kt.nps(SCORES)  # default
    _, low, high = wald_nps(7 + 0.75, 2 + 1.5, 3 + 0.75)
    assert r.method == "adjusted_wald"
    assert (r.ci_low, r.ci_high) == pytest.approx((low, high))
    assert r.estimate == pytest.approx(100 * 4 / 12)  # the point estimate is not adjusted


def test_nps_bootstrap_is_seeded_and_close_to_wald_for_large_n():
    rng = np.random.default_rng(3)
    scores = rng.choice([10, 8, 3], size=2000, p=[0.5, 0.3, 0.2])
    a = kt.nps(scores, method="bootstrap")
    b = kt.nps(scores, method="bootstrap")
    w = kt.nps(scores, method="wald")
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert a.ci_low == pytest.approx(w.ci_low, abs=0.6)
    assert a.ci_high == pytest.approx(w.ci_high, abs=0.6)


def test_nps_from_counts_equals_nps_of_raw_scores():
    raw = kt.nps(SCORES, method="wald")
    counts = kt.nps_from_counts(7, 2, 3, method="wald")
    assert (raw.estimate, raw.ci_low, raw.ci_high) == pytest.approx(
        (counts.estimate, counts.ci_low, counts.ci_high))


def test_nps_from_published_percentages():
    r = kt.nps_from_percentages(400, 45, 20)
    counts = (r.details["promoters"], r.details["passives"], r.details["detractors"])
    assert counts == (180, 140, 80)
    assert r.estimate == pytest.approx(25.0)
    with pytest.raises(DataValidationError, match="exceed 100"):
        kt.nps_from_percentages(100, 70, 40)
    with pytest.raises(DataValidationError, match="within 0–100"):
        kt.nps_from_percentages(100, 120, 0)


def test_enps_is_nps_on_employee_answers():
    r = kt.enps(SCORES)
    assert r.kpi == "enps" and r.estimate == pytest.approx(kt.nps(SCORES).estimate)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([1, 11, 3] + [3] * 9, r"column 'score': 1 value outside 0–10 \(row 1: 11\)"),
        ([1, 2, "n/a"] * 4, r"column 'score': 4 values not numbers \(rows 2, 5, 8, 11: 'n/a'"),
        ([7.5, 2, 3] * 4, r"column 'score': 4 values not whole numbers \(rows 0, 3"),
        ([1, -1, 3, 11] * 3, r"6 values outside 0–10 \(rows 1, 3, 5, 7, 9, … 1 more: -1, 11"),
    ],
)
def test_bad_scores_name_column_rows_and_values(values, message):
    with pytest.raises(DataValidationError, match=message) as info:
        kt.nps(pd.Series(values, name="score"))
    assert info.value.column == "score"
    assert isinstance(info.value, ValueError)


def test_missing_scores_are_excluded_counted_and_listed():
    s = pd.Series(SCORES + [None, np.nan], name="score", index=range(100, 114))
    r = kt.nps(s)
    assert r.n == 12 and r.n_excluded == 2
    assert r.excluded["row"].tolist() == [112, 113]
    assert set(r.excluded["reason"]) == {"missing"}
    assert "2 excluded" in repr(r)
    with pytest.raises(DataValidationError, match=r"2 missing value\(s\)"):
        kt.nps(s, missing="raise")


def test_empty_sample_raises_and_tiny_sample_warns():
    with pytest.raises(DataValidationError, match="no usable values for NPS"):
        kt.nps([])
    with pytest.raises(DataValidationError, match=r"no usable values for NPS \(2 rows excluded"):
        kt.nps([None, None])
    with pytest.warns(SmallSampleWarning, match="only 3 observations"):
        kt.nps([9, 10, 3])


def test_unknown_method_lists_the_valid_names():
    with pytest.raises(ValueError, match="method='wilson' is not valid; choose one of "
                                         "'adjusted_wald', 'wald', 'bootstrap'"):
        kt.nps(SCORES, method="wilson")


def test_result_repr_html_and_frame():
    r = kt.nps(SCORES)
    assert repr(r) == "<NPS 33.3 points, 95% CI [-15.5, 68.9] (adjusted_wald), n=12>"
    html = r._repr_html_()
    assert "<table" in html and "adjusted_wald" in html
    frame = r.to_frame()
    assert list(frame.columns) == ["kpi", "estimate", "ci_low", "ci_high", "confidence_level",
                                   "method", "unit", "n", "n_excluded"]


@settings(max_examples=150, deadline=None)
@given(
    pro=st.integers(0, 300), pas=st.integers(0, 300), det=st.integers(0, 300),
    method=st.sampled_from(["adjusted_wald", "wald"]),
    level=st.floats(0.5, 0.995),
)
def test_nps_interval_properties(pro, pas, det, method, level):
    assume(pro + pas + det >= 10)
    r = kt.nps_from_counts(pro, pas, det, method=method, confidence_level=level)
    wider = kt.nps_from_counts(pro, pas, det, method=method,
                               confidence_level=min(level + 0.004, 0.999))
    assert -100 <= r.ci_low <= r.ci_high <= 100
    if method == "wald":
        assert r.ci_low - 1e-9 <= r.estimate <= r.ci_high + 1e-9
    assert wider.ci_low <= r.ci_low + 1e-12 and wider.ci_high >= r.ci_high - 1e-12


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=10, max_size=200), st.randoms())
def test_shuffling_answers_changes_nothing(scores, rnd):
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    a, b = kt.nps(scores), kt.nps(shuffled)
    assert (a.estimate, a.ci_low, a.ci_high) == pytest.approx((b.estimate, b.ci_low, b.ci_high))


# ----------------------------------------------------------------------- comparisons


def _counts(counts):
    """An NPS result from (promoters, passives, detractors): how compare_nps takes counts."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return kt.nps_from_counts(*counts)


def test_compare_nps_reads_a_tuple_as_scores_like_nps():
    """(9, 10, 3) is three answers in nps and in compare_nps alike (0.1 read counts here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        c = kt.compare_nps((9, 10, 3), (10, 10, 10, 9), method="wald")
        single = kt.nps((9, 10, 3))
    assert c.estimate_a == pytest.approx(single.estimate) == pytest.approx(100 / 3)
    assert c.n_a == 3 and c.estimate_b == 100.0 and c.n_b == 4
    with pytest.raises(DataValidationError, match="outside 0–10"):
        kt.compare_nps((40, 30, 30), (50, 30, 20))


def test_compare_nps_wald_equals_two_sample_z_written_out():
    a, b = (40, 30, 30), (50, 30, 20)
    c = kt.compare_nps(_counts(a), _counts(b), method="wald")
    va = (0.4 + 0.3 - 0.1**2) / 100
    vb = (0.5 + 0.2 - 0.3**2) / 100
    se = math.sqrt(va + vb)
    assert c.difference == pytest.approx(20.0)
    assert (c.ci_low, c.ci_high) == pytest.approx((100 * (0.2 - Z95 * se), 100 * (0.2 + Z95 * se)))
    assert c.statistic == pytest.approx(0.2 / se)
    assert c.pvalue == pytest.approx(2 * stats.norm.sf(0.2 / se))


def test_competitor_comparison_from_published_counts():
    ours = np.repeat([10, 8, 4], [60, 25, 15])
    competitor = kt.nps_from_percentages(400, 45, 20)
    c = kt.compare_nps(competitor, ours, label_a="Competitor", label_b="Us")
    assert c.estimate_a == pytest.approx(25.0) and c.estimate_b == pytest.approx(45.0)
    assert c.n_a == 400 and c.n_b == 100
    assert "Us − Competitor" in repr(c)


@pytest.mark.filterwarnings("ignore::kpitools.core.errors.SmallSampleWarning")
@settings(max_examples=80, deadline=None)
@given(a=st.tuples(st.integers(1, 200), st.integers(0, 200), st.integers(1, 200)),
       b=st.tuples(st.integers(1, 200), st.integers(0, 200), st.integers(1, 200)),
       method=st.sampled_from(["adjusted_wald", "wald"]))
def test_compare_nps_swap_negates_and_agrees_with_its_interval(a, b, method):
    ab = kt.compare_nps(_counts(a), _counts(b), method=method)
    ba = kt.compare_nps(_counts(b), _counts(a), method=method)
    assert ab.difference == pytest.approx(-ba.difference)
    assert ab.ci_low == pytest.approx(-ba.ci_high) and ab.ci_high == pytest.approx(-ba.ci_low)
    assert ab.pvalue == pytest.approx(ba.pvalue)
    assert 0 <= ab.pvalue <= 1
    excludes_zero = ab.ci_low > 0 or ab.ci_high < 0
    if abs(ab.pvalue - 0.05) > 1e-9:
        assert excludes_zero == (ab.pvalue < 0.05)


def test_paired_nps_uses_per_respondent_changes():
    before = [10, 9, 8, 7, 6, 3, 9, 10, 5, 8, 7, 9]
    after = [10, 10, 9, 9, 7, 6, 9, 10, 8, 9, 9, 9]
    c = kt.compare_nps(before, after, paired=True)

    def score(s):
        return 1 if s >= 9 else (0 if s >= 7 else -1)

    d = np.array([score(y) - score(x) for x, y in zip(before, after, strict=True)], dtype=float)
    se = d.std(ddof=1) / math.sqrt(len(d))
    assert c.difference == pytest.approx(100 * d.mean())
    assert c.ci_low == pytest.approx(100 * (d.mean() - Z95 * se))
    assert c.pvalue == pytest.approx(2 * stats.norm.sf(d.mean() / se))
    assert c.test == "paired_nps_z"
    with pytest.raises(DataValidationError, match="same length"):
        kt.compare_nps([1, 2, 3], [1, 2], paired=True)


# --------------------------------------------------------------------------- CSAT


def test_csat_top2_box_with_labels_and_wilson():
    answers = ["Very satisfied", "satisfied", "neutral", 5, 4, 2, 1, 5, 4, 3, "dissatisfied", 5]
    r = kt.csat(answers)
    k, n = 7, 12
    centre = (k + Z95**2 / 2) / (n + Z95**2)
    half = Z95 / (n + Z95**2) * math.sqrt(k * (n - k) / n + Z95**2 / 4)
    assert r.estimate == pytest.approx(100 * k / n)
    assert (r.ci_low, r.ci_high) == pytest.approx((100 * (centre - half), 100 * (centre + half)))
    assert r.unit == "%" and r.method == "wilson"


def test_csat_configurable_scale_and_positive_set():
    ratings = [10, 9, 8, 7, 6, 5, 10, 9, 3, 8]
    r = kt.csat(ratings, scale=(1, 10), positive=(8, 9, 10))
    assert r.estimate == pytest.approx(60.0)
    with pytest.raises(DataValidationError, match=r"1 value outside 1–5 \(row 0: 10\)"):
        kt.csat(ratings[:1] + [1] * 10)
    with pytest.raises(DataValidationError, match=r"not a number \(row 2: 'great'\)"):
        kt.csat(["satisfied", 4, "great"] + [3] * 9)


def test_csat_mean_uses_student_t():
    ratings = [5, 4, 4, 3, 5, 2, 4, 5, 3, 4, 1, 5]
    r = kt.csat(ratings, statistic="mean")
    res = stats.ttest_1samp(ratings, 0).confidence_interval(0.95)
    assert r.estimate == pytest.approx(np.mean(ratings))
    assert (r.ci_low, r.ci_high) == pytest.approx((res.low, res.high))
    assert r.kpi == "csat_mean" and r.unit == "score"


def test_compare_csat_newcombe_and_test_choice():
    a = [5, 4, 4, 3, 5, 2, 4, 5, 3, 4, 1, 5] * 10
    b = [5, 5, 4, 4, 5, 3, 4, 5, 4, 5, 2, 5] * 10
    c = kt.compare_csat(a, b)
    ka, kb = sum(x >= 4 for x in a), sum(x >= 4 for x in b)
    low, high = kt.stats.diff_proportions_ci(ka, len(a), kb, len(b))  # baseline first
    assert c.difference == pytest.approx(100 * (kb / len(b) - ka / len(a)))
    assert c.unit == "percentage points" and c.measure == "difference"
    assert (c.ci_low, c.ci_high) == pytest.approx((100 * low, 100 * high))
    chi2 = stats.chi2_contingency([[kb, len(b) - kb], [ka, len(a) - ka]], correction=False)
    assert c.test == "two_proportion_z" and c.pvalue == pytest.approx(chi2.pvalue)
    m = kt.compare_csat(a, b, statistic="mean")
    welch = stats.ttest_ind(b, a, equal_var=False)
    assert m.pvalue == pytest.approx(welch.pvalue) and m.test == "welch_t"
    assert "mann_whitney_pvalue" in m.details


# ---------------------------------------------------------------------------- CES


def test_ces_variants_are_explicit():
    scores = [7, 6, 5, 5, 3, 2, 7, 6, 4, 5, 1, 2]
    with pytest.raises(TypeError, match="variant"):
        kt.ces(scores)  # never guessed
    with pytest.raises(ValueError, match="variant='B' is not valid"):
        kt.ces(scores, variant="B")
    net = kt.ces(scores, variant="effort_1_7_net")
    high, low = sum(s >= 5 for s in scores), sum(s <= 2 for s in scores)
    assert net.estimate == pytest.approx(100 * (high - low) / len(scores))
    assert net.unit == "points"
    top = kt.ces(scores, variant="ease_1_7_top_box")
    assert top.estimate == pytest.approx(100 * high / len(scores)) and top.unit == "%"
    mean = kt.ces(scores, variant="ease_1_7_mean")
    assert mean.estimate == pytest.approx(np.mean(scores)) and mean.method == "t"
    with pytest.raises(DataValidationError, match="outside 1–5"):
        kt.ces(scores, variant="effort_1_5_mean")


# ------------------------------------------------------------------------ SERVQUAL


def _servqual_frame(n=40, seed=5):
    rng = np.random.default_rng(seed)
    data = {}
    for item in ("r1", "r2", "a1", "a2"):
        e = rng.integers(4, 8, n)
        data[f"e_{item}"] = e
        data[f"p_{item}"] = np.clip(e - rng.integers(0, 3, n), 1, 7)
    return pd.DataFrame(data)


def test_servqual_gaps_alpha_and_weights():
    df = _servqual_frame()
    items = {"reliability": [("e_r1", "p_r1"), ("e_r2", "p_r2")],
             "assurance": [("e_a1", "p_a1"), ("e_a2", "p_a2")]}
    out = kt.servqual(df, items)
    rel_gap = ((df.p_r1 - df.e_r1) + (df.p_r2 - df.e_r2)) / 2
    as_gap = ((df.p_a1 - df.e_a1) + (df.p_a2 - df.e_a2)) / 2
    rel = out.set_index("dimension").loc["reliability"]
    assert rel.estimate == pytest.approx(rel_gap.mean())
    ci = stats.ttest_1samp(rel_gap, 0).confidence_interval(0.95)
    assert (rel.ci_low, rel.ci_high) == pytest.approx((ci.low, ci.high))
    assert rel.pvalue == pytest.approx(stats.ttest_1samp(rel_gap, 0).pvalue)
    # Cronbach's alpha from the covariance matrix: k/(k-1) (1 - trace(C)/sum(C))
    cov = np.cov(np.vstack([df.p_r1 - df.e_r1, df.p_r2 - df.e_r2]))
    alpha = 2 * (1 - np.trace(cov) / cov.sum())
    assert rel.cronbach_alpha == pytest.approx(alpha)
    overall = out.set_index("dimension").loc["overall"]
    assert overall.estimate == pytest.approx(((rel_gap + as_gap) / 2).mean())
    weighted = kt.servqual(df, items, weights={"reliability": 75, "assurance": 25})
    w_overall = weighted.set_index("dimension").loc["overall"]
    assert w_overall.estimate == pytest.approx((0.75 * rel_gap + 0.25 * as_gap).mean())
    with pytest.raises(ValueError, match="sum to 100"):
        kt.servqual(df, items, weights={"reliability": 50, "assurance": 25})


def test_servqual_excludes_incomplete_respondents_and_counts_them():
    df = _servqual_frame().astype(float)
    df.loc[3, "p_r1"] = np.nan
    out = kt.servqual(df, {"reliability": [("e_r1", "p_r1"), ("e_r2", "p_r2")]})
    rel = out.set_index("dimension").loc["reliability"]
    assert rel.n == 39 and rel.n_excluded == 1
    df.loc[4, "e_r2"] = 9
    with pytest.raises(DataValidationError, match=r"column 'e_r2': 1 value outside 1–7 \(row 4"):
        kt.servqual(df, {"reliability": [("e_r1", "p_r1"), ("e_r2", "p_r2")]})


@pytest.mark.parametrize("a,b", [((40, 30, 30), (50, 30, 20)), ((10, 5, 5), (3, 2, 15)),
                                 ((30, 40, 30), (30, 40, 30)), ((12, 10, 8), (20, 6, 4)),
                                 ((200, 100, 100), (180, 90, 130))])
def test_compare_nps_score_pvalue_inverts_its_interval(a, b):
    c = kt.compare_nps(_counts(a), _counts(b), method="score")
    assert c.method == "score" and c.test == "nps_score_inverted"
    excludes_zero = c.ci_low > 0 or c.ci_high < 0
    assert excludes_zero == (c.pvalue < 0.05)
    if c.pvalue < 1:
        # at confidence level 1 − p the interval just touches 0
        low, high = kt.stats.nps_diff_ci(a, b, method="score",
                                         confidence_level=1 - c.pvalue)
        assert min(abs(low), abs(high)) == pytest.approx(0, abs=1e-6)
    swapped = kt.compare_nps(_counts(b), _counts(a), method="score")
    assert swapped.pvalue == pytest.approx(c.pvalue, abs=1e-9)
    assert (swapped.ci_low, swapped.ci_high) == pytest.approx((-c.ci_high, -c.ci_low))
