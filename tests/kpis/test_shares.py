"""The yes/no share KPI (issue 9): booleans, 0/1 or yes/no words; Wilson CI, Newcombe
comparisons; summarize/compare, vectorised. Reference values from statsmodels and scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

import kpitools as kt
from kpitools.core.errors import DataValidationError
from kpitools.kpis.catalogue import catalogue
from kpitools.kpis.shares import compare_yes_share, yes_share

pytestmark = pytest.mark.filterwarnings("ignore::kpitools.core.errors.SmallSampleWarning")


@pytest.mark.parametrize("values", [
    [True] * 7 + [False] * 3,
    [1] * 7 + [0] * 3,
    [1.0] * 7 + [0.0] * 3,
    ["yes"] * 4 + ["Y", " y ", "TRUE"] + ["no", "N", "false"],
    pd.array([True] * 7 + [False] * 3, dtype="boolean"),
])
def test_every_spelling_gives_the_wilson_interval(values):
    r = yes_share(values)
    low, high = proportion_confint(7, 10, alpha=0.05, method="wilson")  # statsmodels
    assert (r.estimate, r.n, r.n_excluded, r.unit, r.method) == (70.0, 10, 0, "%", "wilson")
    assert r.ci_low == pytest.approx(100 * low, abs=1e-9)
    assert r.ci_high == pytest.approx(100 * high, abs=1e-9)
    assert (r.details["yes"], r.details["no"]) == (7, 3)


def test_own_labels_and_other_methods():
    r = yes_share(["Met", "met", "Breached", "MET"], true_labels=("Met",),
                  false_labels=["Breached"], method="clopper_pearson", confidence_level=0.9)
    low, high = proportion_confint(3, 4, alpha=0.1, method="beta")  # Clopper–Pearson
    assert r.estimate == 75.0
    assert (r.ci_low, r.ci_high) == pytest.approx((100 * low, 100 * high), abs=1e-9)
    with pytest.raises(DataValidationError, match=r"column 'sla': 1 values are not yes/no "
                                                   r"answers \(expected booleans, 0/1, met or "
                                                   r"breached\) \(row 1: 'yes'\)"):
        yes_share(pd.Series(["Met", "yes"], name="sla"), true_labels=("Met",),
                  false_labels=("Breached",))
    with pytest.raises(ValueError, match=r"labels \['x'\] are both true_labels and "
                                         "false_labels"):
        yes_share(["x"], true_labels=("x",), false_labels=("X",))


def test_unknown_labels_raise_naming_column_rows_and_values():
    s = pd.Series(["yes", "maybe", "no", 2, "yes"], index=[10, 11, 12, 13, 14], name="churned")
    with pytest.raises(DataValidationError,
                       match=r"column 'churned': 2 values are not yes/no answers \(expected "
                             r"booleans, 0/1, 1/t/true/y/yes or 0/f/false/n/no\) "
                             r"\(rows 11, 13: 'maybe', 2\)"):
        yes_share(s)
    r = yes_share(s, invalid="exclude")
    assert (r.n, r.n_excluded, r.estimate) == (3, 2, pytest.approx(200 / 3))
    assert r.excluded["row"].tolist() == [11, 13]
    assert r.excluded["value"].tolist() == ["maybe", 2]


def test_missing_values_are_excluded_and_counted():
    s = pd.Series(["y", None, "n", np.nan, "", "y"], name="satisfied")
    r = yes_share(s)
    assert (r.n, r.n_excluded, r.estimate) == (3, 3, pytest.approx(200 / 3))
    assert set(r.excluded["reason"]) == {"missing values"}
    assert r.excluded["row"].tolist() == [1, 3, 4]
    with pytest.raises(DataValidationError, match=r"missing='raise'"):
        yes_share(s, missing="raise")
    with pytest.raises(DataValidationError, match="no usable values"):
        yes_share(pd.Series([None, None], name="satisfied"))


def test_comparison_matches_statsmodels_newcombe_and_the_z_test():
    a = ["y"] * 48 + ["n"] * 32
    b = ["y"] * 56 + ["n"] * 14
    c = compare_yes_share(a, b)
    low, high = confint_proportions_2indep(56, 70, 48, 80, method="newcomb")  # b − a
    z, p = proportions_ztest([56, 48], [70, 80])
    assert c.difference == pytest.approx(100 * (56 / 70 - 48 / 80))
    assert (c.ci_low, c.ci_high) == pytest.approx((100 * low, 100 * high), abs=1e-9)
    assert (c.statistic, c.pvalue) == pytest.approx((z, p), rel=1e-9)
    assert (c.test, c.method, c.unit) == ("two_proportion_z", "newcombe", "percentage points")


def test_comparison_uses_fisher_for_small_expected_counts():
    a, b = [1] * 2 + [0] * 8, [1] * 7 + [0] * 3
    c = compare_yes_share(a, b)
    assert c.test == "fisher_exact"
    assert c.pvalue == pytest.approx(sps.fisher_exact([[2, 8], [7, 3]]).pvalue, rel=1e-9)


def test_registered_and_listed_in_the_catalogue():
    row = catalogue().set_index("kpi").loc["yes_share"]
    assert (row["unit"], row["difference_unit"], row["aggregated_input"]) == (
        "%", "percentage points", "proportion")
    assert "true_labels" in row["options"] and "test" in row["compare_options"]
    assert kt.yes_share is yes_share and kt.compare_yes_share is compare_yes_share


def _tickets(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    met = rng.choice(np.array(["Y", "N", None], dtype=object), size=n, p=[0.7, 0.25, 0.05])
    return pd.DataFrame({"priority": rng.choice(["P1", "P2", "P3"], size=n),
                         "quarter": rng.choice(["2026Q1", "2026Q2"], size=n),
                         "sla_met": met})


def test_summarize_equals_a_pandas_groupby_and_wilson_per_group():
    t = _tickets()
    out = kt.summarize(t, kpi="yes_share", value="sla_met", by="priority")
    for _, row in out.iterrows():
        part = t.loc[t["priority"] == row["priority"], "sla_met"]
        k, n = int((part == "Y").sum()), int(part.notna().sum())
        low, high = proportion_confint(k, n, method="wilson")
        assert (row["n"], row["n_excluded"]) == (n, int(part.isna().sum()))
        assert row["estimate"] == pytest.approx(100 * k / n)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((100 * low, 100 * high))
    assert out.attrs["excluded"]["row"].tolist() == t.index[t["sla_met"].isna()].tolist()
    with pytest.raises(ValueError, match="kpi='yes_share' needs value= naming the yes/no "
                                         "column"):
        kt.summarize(t, kpi="yes_share", by="priority")


def test_compare_by_group_equals_the_scalar_comparison():
    t = _tickets()
    out = kt.compare(t, kpi="yes_share", value="sla_met", group="quarter", by="priority")
    for _, row in out.iterrows():
        sub = t[t["priority"] == row["priority"]]
        c = compare_yes_share(sub.loc[sub.quarter == "2026Q1", "sla_met"],
                              sub.loc[sub.quarter == "2026Q2", "sla_met"])
        assert (row["difference"], row["ci_low"], row["ci_high"], row["pvalue"]) == \
            pytest.approx((c.difference, c.ci_low, c.ci_high, c.pvalue))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([True, False, None, "yes", "no", 1, 0]), min_size=1,
                max_size=60))
def test_shuffling_changes_nothing_and_the_interval_holds_the_estimate(values):
    codes = [v for v in values if v is not None]
    if not codes:
        return
    r = yes_share(pd.Series(values, dtype=object))
    s = yes_share(pd.Series(values[::-1], dtype=object))
    assert (r.estimate, r.ci_low, r.ci_high, r.n) == (s.estimate, s.ci_low, s.ci_high, s.n)
    assert 0 <= r.ci_low <= r.estimate <= r.ci_high <= 100
    assert r.n_excluded == len(values) - len(codes)
