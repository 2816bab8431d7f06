"""The DataFrame layer must equal the count-level core, keep every row accounted for, and
keep its schema (pingouin's test_pandas idea)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpitools as kt
from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.core.results import ESTIMATE_COLUMNS
from kpitools.grouping.frames import COMPARE_COLUMNS


def survey_frame(n=1200, seed=11):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "team": rng.choice(["north", "south", "east"], n),
        "quarter": rng.choice(["2026Q1", "2026Q2", "2026Q3"], n),
        "score": rng.integers(0, 11, n).astype(float),
        "csat": rng.integers(1, 6, n),
        "ces": rng.integers(1, 8, n),
    })
    df.loc[[i for i in (3, 50, 700) if i < n], "score"] = np.nan
    return df


def test_summarize_schema_is_group_columns_then_estimate_columns():
    out = kt.summarize(survey_frame(), kpi="nps", value="score", by=["team", "quarter"])
    assert list(out.columns) == ["team", "quarter", *ESTIMATE_COLUMNS]
    assert ESTIMATE_COLUMNS == ("kpi", "estimate", "ci_low", "ci_high", "confidence_level",
                                "method", "unit", "n", "n_excluded")
    assert len(out) == 9
    assert out[["team", "quarter"]].equals(
        out[["team", "quarter"]].sort_values(["team", "quarter"]).reset_index(drop=True))


@pytest.mark.parametrize("method", ["adjusted_wald", "wald"])
def test_summarize_nps_equals_the_single_sample_function_per_group(method):
    df = survey_frame()
    out = kt.summarize(df, kpi="nps", value="score", by=["team", "quarter"], method=method)
    assert len(out) == 9  # 3 teams × 3 quarters, each checked below
    for row in out.itertuples():
        sub = df[(df.team == row.team) & (df.quarter == row.quarter)]["score"]
        r = kt.nps(sub, method=method)
        assert (row.estimate, row.ci_low, row.ci_high) == pytest.approx(
            (r.estimate, r.ci_low, r.ci_high))
        assert (row.n, row.n_excluded) == (r.n, r.n_excluded)


def test_summarize_counts_every_excluded_row_and_lists_them():
    df = survey_frame()
    out = kt.summarize(df, kpi="nps", value="score", by="team")
    assert out["n_excluded"].sum() == 3
    assert out["n"].sum() + out["n_excluded"].sum() == len(df)
    assert sorted(out.attrs["excluded"]["row"]) == [3, 50, 700]


def test_summarize_csat_equals_csat_per_group_and_ces_goes_through_the_registry():
    df = survey_frame()
    out = kt.summarize(df, kpi="csat", value="csat", by="team")
    assert len(out) == 3
    for row in out.itertuples():
        r = kt.csat(df[df.team == row.team]["csat"])
        assert (row.estimate, row.ci_low, row.ci_high) == pytest.approx(
            (r.estimate, r.ci_low, r.ci_high))
    ces = kt.summarize(df, kpi="ces", value="ces", by="team", variant="ease_1_7_mean")
    assert len(ces) == 3
    for row in ces.itertuples():
        assert row.estimate == pytest.approx(df[df.team == row.team]["ces"].mean())


def test_missing_group_keys_form_their_own_group_and_categoricals_work():
    df = survey_frame()
    df.loc[:29, "team"] = None
    out = kt.summarize(df, kpi="nps", value="score", by="team")
    assert out["team"].isna().sum() == 1
    assert out["n"].sum() + out["n_excluded"].sum() == len(df)
    df["team"] = df["team"].astype("category")
    cat = kt.summarize(df, kpi="nps", value="score", by="team")
    assert cat["n"].tolist() == out["n"].tolist()


def test_group_with_only_missing_values_has_nan_estimate_not_an_error():
    df = pd.DataFrame({"team": ["a"] * 12 + ["b"] * 2, "score": [9.0] * 12 + [np.nan] * 2})
    out = kt.summarize(df, kpi="nps", value="score", by="team")
    b = out.set_index("team").loc["b"]
    assert b.n == 0 and b.n_excluded == 2 and np.isnan(b.estimate)


def test_small_groups_warn_once_naming_them():
    df = pd.DataFrame({"team": ["a"] * 20 + ["tiny"] * 3, "score": [9] * 23})
    with pytest.warns(SmallSampleWarning, match=r"1 group\(s\) have fewer than 10.*tiny"):
        kt.summarize(df, kpi="nps", value="score", by="team")


def test_bad_value_in_a_grouped_column_names_it():
    df = survey_frame()
    df["score"] = df["score"].astype(object)
    df.loc[17, "score"] = "n/a"
    with pytest.raises(DataValidationError, match=r"column 'score': 1 value not a number "
                                                  r"\(row 17: 'n/a'\)"):
        kt.summarize(df, kpi="nps", value="score", by="team")


def test_unknown_kpi_and_columns_are_clear_errors():
    df = survey_frame()
    with pytest.raises(ValueError, match="kpi='npss' is not a known KPI; choose one of"):
        kt.summarize(df, kpi="npss", value="score")
    with pytest.raises(DataValidationError, match="column 'scor'"):
        kt.summarize(df, kpi="nps", value="scor")
    with pytest.raises(KeyError, match="grouping column"):
        kt.summarize(df, kpi="nps", value="score", by="region")


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_shuffling_rows_changes_nothing(seed):
    df = survey_frame(n=300, seed=seed % 7)
    shuffled = df.sample(frac=1.0, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        a = kt.summarize(df, kpi="nps", value="score", by=["team", "quarter"])
        b = kt.summarize(shuffled, kpi="nps", value="score", by=["team", "quarter"])
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------------ compare


def test_compare_against_baseline_equals_compare_nps_and_adjusts_within_by_groups():
    df = survey_frame()
    out = kt.compare(df, kpi="nps", value="score", group="quarter", baseline="2026Q1",
                     by="team")
    assert list(out.columns) == ["team", *COMPARE_COLUMNS]
    assert len(out) == 6
    for row in out.itertuples():
        a = df[(df.team == row.team) & (df.quarter == "2026Q1")]["score"]
        b = df[(df.team == row.team) & (df.quarter == row.group_b)]["score"]
        c = kt.compare_nps(a, b)
        assert (row.difference, row.ci_low, row.ci_high, row.pvalue) == pytest.approx(
            (c.difference, c.ci_low, c.ci_high, c.pvalue))
        assert row.estimate_b - row.estimate_a == pytest.approx(row.difference)
    for _, part in out.groupby("team"):
        p = np.sort(part["pvalue"].to_numpy())
        expected_min = min(1.0, 2 * p[0])  # Holm with two tests: smallest p times 2
        assert part["pvalue_adjusted"].min() == pytest.approx(expected_min)
        assert (part["pvalue_adjusted"] >= part["pvalue"]).all()


def test_compare_without_baseline_makes_every_pair():
    out = kt.compare(survey_frame(), kpi="csat", value="csat", group="team",
                     adjust="benjamini_hochberg")
    pairs = list(zip(out.group_a, out.group_b, strict=True))
    assert pairs == [("east", "north"), ("east", "south"),
                                                    ("north", "south")]
    assert set(out.p_adjust_method) == {"benjamini_hochberg"}
    # a difference of two percentages is in percentage points (0.1 said "%" for CSAT)
    assert set(out.unit) == {"percentage points"} and set(out.method) == {"newcombe"}


def test_swapping_baseline_negates_the_difference():
    df = survey_frame()
    ab = kt.compare(df, kpi="nps", value="score", group="team", baseline="east",
                    levels=["east", "north"])
    ba = kt.compare(df, kpi="nps", value="score", group="team", baseline="north",
                    levels=["north", "east"])
    assert ab.difference[0] == pytest.approx(-ba.difference[0])
    assert ab.ci_low[0] == pytest.approx(-ba.ci_high[0])


def test_compare_errors():
    df = survey_frame()
    with pytest.raises(ValueError, match=r"baseline='2025Q4' is not a level of 'quarter'"):
        kt.compare(df, kpi="nps", value="score", group="quarter", baseline="2025Q4")
    with pytest.raises(ValueError, match="adjust='sidak' is not valid"):
        kt.compare(df, kpi="nps", value="score", group="quarter", adjust="sidak")


def test_summaries_with_excluded_rows_can_be_concatenated_and_merged():
    # pandas compares DataFrame.attrs on concat/merge; the excluded table must not break it
    df = survey_frame()
    a = kt.summarize(df, kpi="nps", value="score", by="team")
    b = kt.summarize(df.iloc[:600], kpi="nps", value="score", by="team")
    both = pd.concat([a, b], ignore_index=True)
    assert len(both) == 6
    merged = a.merge(b, on="team", suffixes=("_all", "_first"))
    assert len(merged) == 3
    # == compares whole tables and gives one bool (what pandas needs when it compares attrs):
    # equal for a copy, unequal for another table (a excludes rows 3, 50, 700; b only 3, 50)
    assert a.attrs["excluded"] == a.attrs["excluded"].copy()
    assert (a.attrs["excluded"] == b.attrs["excluded"]) is False
    assert len(b.attrs["excluded"]) == 2


def test_grouped_bootstrap_equals_the_single_sample_bootstrap():
    df = survey_frame(n=400)
    out = kt.summarize(df, kpi="nps", value="score", by="team", method="bootstrap")
    assert len(out) == 3
    for row in out.itertuples():
        r = kt.nps(df[df.team == row.team]["score"], method="bootstrap")
        assert (row.ci_low, row.ci_high) == (r.ci_low, r.ci_high)
