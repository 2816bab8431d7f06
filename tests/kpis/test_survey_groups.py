"""Issue 8 hardening of the survey KPIs in `kpitools.summarize`.

- A frame with a duplicate index (as after ``pd.concat``) and a missing answer: every survey
  KPI gives the same numbers as on a fresh RangeIndex, and lists the excluded rows with their
  original labels (this crashed with a raw pandas error before).
- ``csat_mean`` and every ``ces`` variant are vectorised: each group's row equals the
  single-sample function (`kpitools.csat`, `kpitools.ces`) on that group's rows, to 1e-12,
  including groups of 1 and 2 answers, constant groups and groups with missing answers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.core.validation import SMALL_SAMPLE_N
from kpitools.stats.intervals import NPS_METHODS, PROPORTION_METHODS

# (kpi, column, options) of every survey KPI path registered with summarize
SURVEY_PATHS = [
    ("nps", "score", {}),
    ("enps", "score", {}),
    ("csat", "csat", {}),
    ("csat_mean", "csat", {}),
    ("ces", "ces", {"variant": "effort_1_5_mean"}),
    ("ces", "ces7", {"variant": "effort_1_7_net"}),
    ("ces", "ces7", {"variant": "ease_1_7_mean"}),
    ("ces", "ces7", {"variant": "ease_1_7_top_box"}),
]
PATH_IDS = [f"{k}-{o.get('variant', c)}" for k, c, o in SURVEY_PATHS]


def concat_frame() -> pd.DataFrame:
    """Two survey files stacked with pd.concat: labels 0..29 appear twice."""
    rng = np.random.default_rng(8)

    def part(n: int) -> pd.DataFrame:
        return pd.DataFrame({
            "team": rng.choice(["north", "south"], n),
            "score": rng.integers(0, 11, n).astype(float),
            "csat": rng.integers(1, 6, n).astype(float),
            "ces": rng.integers(1, 6, n).astype(float),
            "ces7": rng.integers(1, 8, n).astype(float),
        })

    first, second = part(30), part(30)
    for frame, rows in ((first, [2, 5]), (second, [5, 17])):
        frame.loc[rows, ["score", "csat", "ces", "ces7"]] = np.nan
    return pd.concat([first, second])


@pytest.mark.parametrize(("kpi", "column", "options"), SURVEY_PATHS, ids=PATH_IDS)
def test_summarize_with_a_duplicate_index_equals_a_fresh_index(kpi, column, options):
    df = concat_frame()
    assert not df.index.is_unique
    flat = df.reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        got = kt.summarize(df, kpi=kpi, value=column, by="team", **options)
        want = kt.summarize(flat, kpi=kpi, value=column, by="team", **options)
    pd.testing.assert_frame_equal(got, want)
    # excluded rows: the original labels of the missing answers, in row order, each once
    missing_at = np.flatnonzero(df[column].isna().to_numpy())
    excluded = got.attrs["excluded"]
    assert excluded["row"].tolist() == df.index[missing_at].tolist() == [2, 5, 5, 17]
    assert excluded["reason"].eq("missing").all()
    assert got["n_excluded"].sum() == len(missing_at)
    assert got["n"].sum() + got["n_excluded"].sum() == len(df)


@pytest.mark.parametrize("variant", ["effort_1_5_mean", "ease_1_7_top_box"])
def test_single_sample_csat_and_ces_accept_a_duplicate_index(variant):
    s = pd.Series([4.0, np.nan, 5.0, 3.0, np.nan, 2.0], index=[0, 1, 2, 0, 1, 2], name="q")
    flat = s.reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        for got, want in ((kt.csat(s), kt.csat(flat)),
                          (kt.ces(s, variant=variant), kt.ces(flat, variant=variant))):
            assert (got.estimate, got.ci_low, got.ci_high, got.n) == (
                want.estimate, want.ci_low, want.ci_high, want.n)
            assert got.excluded["row"].tolist() == [1, 1]
            assert got.excluded["value"].isna().all()


def test_labelled_csat_answers_keep_their_given_text_in_the_excluded_list():
    s = pd.Series(["satisfied", "", "very satisfied", None], index=[0, 1, 0, 1], name="csat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        r = kt.csat(s)
    assert r.n == 2 and r.excluded["row"].tolist() == [1, 1]
    values = r.excluded["value"].tolist()
    assert values[0] == "" and pd.isna(values[1])


def test_a_bad_value_under_a_duplicate_index_is_named_by_its_label():
    df = concat_frame()
    df.iloc[35, df.columns.get_loc("csat")] = 9.0  # second file, label 5
    with pytest.raises(DataValidationError, match=r"column 'csat': 1 value outside 1–5 "
                                                  r"\(row 5: 9\.0\)") as info:
        kt.summarize(df, kpi="csat", value="csat", by="team")
    assert info.value.rows == [5] and info.value.values == [9.0]


def test_servqual_with_a_duplicate_index_counts_each_row_once():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({c: rng.integers(1, 8, 20).astype(float) for c in ("e1", "p1", "e2", "p2")})
    df.loc[4, "p1"] = np.nan
    items = {"reliability": [("e1", "p1"), ("e2", "p2")], "empathy": [("e2", "p1")]}
    stacked = pd.concat([df, df])
    got = kt.servqual(stacked, items)
    want = kt.servqual(stacked.reset_index(drop=True), items)
    pd.testing.assert_frame_equal(got, want)
    assert got["n"].tolist() == [38, 38, 38] and got["n_excluded"].tolist() == [2, 2, 2]


# --------------------------------------------------------------- vectorised means and CES


def many_groups(seed: int = 5, n_groups: int = 150) -> pd.DataFrame:
    """Groups of 1 to 14 answers on 1–7, some constant, some with missing answers."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 15, n_groups)
    sizes[:4] = [1, 2, 1, 2]
    team = np.repeat(np.arange(n_groups), sizes)
    x = rng.integers(1, 8, team.size).astype(float)
    for g in range(4, 30):  # constant groups (zero variance), at several values
        x[team == g] = 1 + g % 7
    x[rng.random(team.size) < 0.08] = np.nan
    x[team == 30] = np.nan  # a group with no usable answer
    x[np.flatnonzero(team == 31)[1:]] = np.nan  # one usable answer left
    order = rng.permutation(team.size)  # rows of a group are not adjacent
    return pd.DataFrame({"team": team[order], "q": x[order]})


def expected_per_group(df: pd.DataFrame, single) -> pd.DataFrame:
    """The per-group loop: the single-sample function on each group's rows."""
    rows = []
    for team, part in df.groupby("team", sort=True):
        values = part["q"]
        if values.notna().sum() == 0:
            rows.append((team, np.nan, np.nan, np.nan, 0, len(part)))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            # scipy's one-sided interval of a constant sample computes inf × 0 (a warning
            # from kpitools.stats.significance.mean_ci, not from the grouped path)
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
            try:
                r = single(values)
            except ValueError as err:  # a t interval needs 2 values: mean, no interval
                assert "at least 2 values" in str(err)
                clean = values.dropna()
                rows.append((team, float(clean.mean()), np.nan, np.nan, 1,
                             len(part) - 1))
                continue
        rows.append((team, r.estimate, r.ci_low, r.ci_high, r.n, r.n_excluded))
    return pd.DataFrame(rows, columns=["team", "estimate", "ci_low", "ci_high", "n",
                                       "n_excluded"])


def assert_matches_loop(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got["team"].tolist() == want["team"].tolist()
    for col in ("estimate", "ci_low", "ci_high"):
        np.testing.assert_allclose(got[col].to_numpy(dtype=float),
                                   want[col].to_numpy(dtype=float), rtol=1e-12, atol=1e-12,
                                   equal_nan=True, err_msg=col)
    assert got["n"].tolist() == want["n"].tolist()
    assert got["n_excluded"].tolist() == want["n_excluded"].tolist()


ALTERNATIVES = ["two-sided", "less", "greater"]


def summarize_quietly(df, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return kt.summarize(df, value="q", by="team", **kwargs)


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("level", [0.8, 0.95, 0.999])
def test_grouped_csat_mean_equals_csat_mean_per_group(alternative, level):
    df = many_groups()
    df["q"] = df["q"].clip(upper=5)
    got = summarize_quietly(df, kpi="csat_mean", confidence_level=level,
                            alternative=alternative)
    want = expected_per_group(df, lambda s: kt.csat(s, statistic="mean", method="t",
                                                    confidence_level=level,
                                                    alternative=alternative))
    assert_matches_loop(got, want)
    assert set(got["method"]) == {"t"} and set(got["unit"]) == {"score"}
    assert set(got["kpi"]) == {"csat_mean"}


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("variant", ["effort_1_5_mean", "ease_1_7_mean"])
def test_grouped_ces_mean_equals_ces_per_group(variant, alternative):
    df = many_groups(seed=6)
    if variant == "effort_1_5_mean":
        df["q"] = df["q"].clip(upper=5)
    got = summarize_quietly(df, kpi="ces", variant=variant, alternative=alternative)
    want = expected_per_group(df, lambda s: kt.ces(s, variant=variant,
                                                   alternative=alternative))
    assert_matches_loop(got, want)
    assert set(got["method"]) == {"t"} and set(got["unit"]) == {"score"}


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("method", [m for m in NPS_METHODS if m != "bootstrap"])
def test_grouped_ces_net_equals_ces_per_group(method, alternative):
    df = many_groups(seed=7)
    got = summarize_quietly(df, kpi="ces", variant="effort_1_7_net", method=method,
                            alternative=alternative)
    want = expected_per_group(df, lambda s: kt.ces(s, variant="effort_1_7_net",
                                                   method=method, alternative=alternative))
    assert_matches_loop(got, want)
    assert set(got["method"]) == {method} and set(got["unit"]) == {"points"}


def test_grouped_ces_net_bootstrap_equals_ces_per_group():
    df = many_groups(seed=9, n_groups=12)
    got = summarize_quietly(df, kpi="ces", variant="effort_1_7_net", method="bootstrap")
    want = expected_per_group(df, lambda s: kt.ces(s, variant="effort_1_7_net",
                                                   method="bootstrap"))
    assert_matches_loop(got, want)


@pytest.mark.parametrize(("method", "alternative"),
                         [(m, "two-sided") for m in PROPORTION_METHODS]
                         + [("wilson", "less"), ("wilson", "greater"),
                            ("clopper_pearson", "greater")])
def test_grouped_ces_top_box_equals_ces_per_group(method, alternative):
    df = many_groups(seed=10)
    got = summarize_quietly(df, kpi="ces", variant="ease_1_7_top_box", method=method,
                            alternative=alternative)
    want = expected_per_group(df, lambda s: kt.ces(s, variant="ease_1_7_top_box",
                                                   method=method, alternative=alternative))
    assert_matches_loop(got, want)
    assert set(got["method"]) == {method} and set(got["unit"]) == {"%"}


def test_default_ces_methods_are_recorded():
    df = many_groups(seed=11, n_groups=20)
    for variant, method in (("effort_1_7_net", "adjusted_wald"),
                            ("ease_1_7_top_box", "wilson"), ("ease_1_7_mean", "t")):
        out = summarize_quietly(df, kpi="ces", variant=variant)
        assert set(out["method"]) == {method}


def test_a_group_of_one_answer_has_its_mean_and_no_interval():
    # csat_mean used to stop with "a t interval needs at least 2 values" for such a group
    df = pd.DataFrame({"team": ["a"] * 12 + ["b"], "q": [1, 2, 3, 4, 5] * 2 + [4, 4, 2]})
    out = summarize_quietly(df, kpi="csat_mean").set_index("team")
    assert out.loc["b", "estimate"] == 2.0 and out.loc["b", "n"] == 1
    assert np.isnan(out.loc["b", "ci_low"]) and np.isnan(out.loc["b", "ci_high"])


def test_excluded_rows_and_small_sample_warning_are_as_in_the_loop():
    df = many_groups(seed=12, n_groups=40)
    df.index = df.index * 10 + 7  # labels that are not positions
    with pytest.warns(SmallSampleWarning, match=r"ces: \d+ group\(s\) have fewer than "
                                                f"{SMALL_SAMPLE_N} observations") as record:
        out = kt.summarize(df, kpi="ces", value="q", by="team", variant="ease_1_7_mean")
    assert len([w for w in record if issubclass(w.category, SmallSampleWarning)]) == 1
    small = out[(out["n"] > 0) & (out["n"] < SMALL_SAMPLE_N)]["team"]
    message = str(record[0].message)
    # the first five small groups are named, the rest counted (issue 13)
    assert f"ces: {len(small)} group(s)" in message
    assert all(f"{t}" in message for t in small[:5])
    if len(small) > 5:
        assert f"and {len(small) - 5} more" in message
    excluded = out.attrs["excluded"]
    missing = df[df["q"].isna()]
    assert excluded["row"].tolist() == missing.index.tolist()
    assert excluded["column"].eq("q").all() and excluded["reason"].eq("missing").all()
    per_group = missing.groupby("team").size()
    got = out.set_index("team")["n_excluded"]
    assert got[got > 0].to_dict() == per_group.to_dict()


@pytest.mark.parametrize(("kpi", "options"), [("csat_mean", {}),
                                              ("ces", {"variant": "ease_1_7_mean"})])
def test_a_mean_has_only_the_t_method(kpi, options):
    df = many_groups(seed=13, n_groups=5).fillna(3)
    with pytest.raises(ValueError, match=r"method='wilson' is not valid"):
        kt.summarize(df, kpi=kpi, value="q", by="team", method="wilson", **options)


def test_ces_without_a_variant_is_never_guessed():
    df = many_groups(seed=14, n_groups=5)
    with pytest.raises(TypeError, match="ces needs variant="):
        kt.summarize(df, kpi="ces", value="q", by="team")


def test_missing_raise_is_honoured_by_the_grouped_means():
    df = many_groups(seed=15, n_groups=5)
    with pytest.raises(DataValidationError, match=r"column 'q': \d+ missing value"):
        kt.summarize(df, kpi="csat_mean", value="q", by="team", missing="raise",
                     scale=(1, 7))
