"""`kt.compare` in one vectorised pass equals the pair-by-pair loop (issue 13, item 1).

The loop (``_compare_within`` calling each KPI's registered ``compare`` once per pair) is the
reference: it runs the per-comparison functions (`compare_nps`, `compare_csat`,
`compare_yes_share`, `compare_proportion_kpi`, Welch's test through scipy). The vectorised
path (the KPI's ``compare_groups`` hook) must give the same frame — columns, dtypes, rows in
the same order, numbers to 1e-12, the same test chosen per row (z or Fisher), the same
attrs — and the same errors and small-sample warnings, on random data with many groups,
empty cells, one-category cells, small counts, one-sided alternatives and several
confidence levels.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.grouping import frames
from kpitools.kpis.catalogue import get_kpi

LEVELS = (0.8, 0.9, 0.95, 0.99)
ALTERNATIVES = ("two-sided", "greater", "less")
QUARTERS = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]


def _loop(data: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """`kt.compare` with the vectorised path switched off: the per-pair reference."""
    original = frames._compare_cells
    frames._compare_cells = lambda *a, **k: None  # type: ignore[assignment]
    try:
        return kt.compare(data, **kwargs)
    finally:
        frames._compare_cells = original  # type: ignore[assignment]


def _vectorised(data: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """`kt.compare`, asserting that the vectorised path produced the result."""
    taken = []
    original = frames._compare_cells

    def spy(*args: Any, **kw: Any) -> Any:
        out = original(*args, **kw)
        taken.append(out is not None)
        return out

    frames._compare_cells = spy  # type: ignore[assignment]
    try:
        result = kt.compare(data, **kwargs)
    finally:
        frames._compare_cells = original  # type: ignore[assignment]
    assert taken == [True], "the vectorised path was not taken"
    return result


def _same(data: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    with warnings.catch_warnings(record=True) as w_fast:
        warnings.simplefilter("always")
        fast = _vectorised(data, **kwargs)
    with warnings.catch_warnings(record=True) as w_loop:
        warnings.simplefilter("always")
        slow = _loop(data, **kwargs)
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12, atol=1e-12)
    assert fast["test"].tolist() == slow["test"].tolist()  # z or Fisher, row by row
    assert fast.attrs == slow.attrs
    # the loop warns once per comparison; Python shows each distinct message once
    assert _messages(w_fast) == _messages(w_loop)
    return fast


def _messages(caught: list[warnings.WarningMessage]) -> list[str]:
    seen: dict[str, None] = {}
    for w in caught:
        if issubclass(w.category, SmallSampleWarning):
            seen.setdefault(str(w.message))
    return list(seen)


def _survey(seed: int, n_teams: int = 14) -> pd.DataFrame:
    """Teams × quarters with 0–60 answers per cell; some cells all one category, some with
    every answer a promoter or a 5, missing answers, a channel key with missing values."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_teams):
        for q in QUARTERS:
            size = int(rng.choice([0, 1, 3, 8, 25, 60]))
            kind = rng.integers(0, 6)
            if kind == 0:
                nps = np.full(size, 10)
                csat = np.full(size, 5)
            elif kind == 1:
                nps = np.full(size, int(rng.integers(0, 11)))
                csat = np.full(size, int(rng.integers(1, 6)))
            else:
                nps = rng.integers(0, 11, size)
                csat = rng.integers(1, 6, size)
            ces = rng.integers(1, 8, size)
            for i in range(size):
                rows.append({"team": f"team {t:03d}", "quarter": q, "nps": float(nps[i]),
                             "csat": float(csat[i]), "ces": float(ces[i]),
                             "flag": bool(rng.random() < 0.3),
                             "channel": rng.choice(["email", "phone", None])})
    df = pd.DataFrame(rows)
    missing = rng.random(len(df)) < 0.05
    df.loc[missing, "nps"] = np.nan
    df.loc[rng.random(len(df)) < 0.05, "csat"] = np.nan
    return df


def _without_empty_cells(df: pd.DataFrame, column: str, keys: list[str]) -> pd.DataFrame:
    """Drop the cells whose answers are all missing (the loop raises for those, tested
    separately), keeping cells that lack a quarter altogether."""
    usable = df[column].notna().groupby([df[k] for k in [*keys, "quarter"]],
                                        dropna=False).transform("any")
    return df[usable.to_numpy()]


def _with_baseline(df: pd.DataFrame, baseline: str, keys: list[str]) -> pd.DataFrame:
    """Only the by groups that have the baseline level (the loop raises for the others)."""
    has = (df["quarter"] == baseline).groupby([df[k] for k in keys],
                                              dropna=False).transform("any")
    return df[has.to_numpy()]


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return _survey(1)


@pytest.mark.parametrize("kpi", ["nps", "enps"])
@pytest.mark.parametrize("method", ["adjusted_wald", "wald"])
@pytest.mark.parametrize("alternative", ALTERNATIVES)  # one-sided: make test only
def test_nps_equals_the_loop(survey: pd.DataFrame, kpi: str, method: str,
                             alternative: str) -> None:
    data = _without_empty_cells(survey, "nps", ["team"])
    # every confidence level across the parameters, with a baseline and without
    level = LEVELS[(ALTERNATIVES.index(alternative) + 3 * (method == "wald")) % len(LEVELS)]
    if kpi == "nps":
        out = _same(_with_baseline(data, "2025Q1", ["team"]), kpi=kpi, value="nps",
                    group="quarter", baseline="2025Q1", by="team", method=method,
                    alternative=alternative, confidence_level=level)
    else:
        out = _same(data, kpi=kpi, value="nps", group="quarter", by="team", method=method,
                    alternative=alternative, confidence_level=level)
    assert out["team"].nunique() > 8


@pytest.mark.parametrize("alternative", ALTERNATIVES)  # one-sided: make test only
def test_nps_score_method_equals_the_loop(survey: pd.DataFrame, alternative: str) -> None:
    """Tango score intervals combined by MOVER, and the test that inverts them."""
    data = _without_empty_cells(survey, "nps", ["team"])
    data = data[data["team"].isin(sorted(set(data["team"]))[:5])]
    out = _same(data, kpi="nps", value="nps", group="quarter", by="team", method="score",
                alternative=alternative, confidence_level=0.9)
    assert set(out["test"]) == {"nps_score_inverted"}


@pytest.mark.parametrize("adjust", ["holm", "benjamini_hochberg", "bonferroni", "none"])
@pytest.mark.parametrize("scope", ["by", pytest.param("table", marks=pytest.mark.slow)])
def test_adjustment_per_family_equals_the_loop(survey: pd.DataFrame, adjust: str,
                                               scope: str) -> None:
    data = _without_empty_cells(survey, "nps", ["team"])
    out = _same(data, kpi="nps", value="nps", group="quarter", by="team", adjust=adjust,
                adjust_scope=scope)
    assert (out["p_adjust_method"] == adjust).all()


def test_two_keys_with_missing_values_levels_and_no_by(survey: pd.DataFrame) -> None:
    data = _without_empty_cells(survey, "nps", ["team", "channel"])
    _same(data, kpi="nps", value="nps", group="quarter", by=["team", "channel"])
    _same(data, kpi="nps", value="nps", group="quarter", by="channel",
          levels=["2025Q4", "2025Q2", "2025Q3"])
    _same(_with_baseline(data, "2025Q3", ["team"]), kpi="nps", value="nps", group="quarter",
          baseline="2025Q3", levels=["2025Q4", "2025Q1"], by="team")
    _same(data, kpi="nps", value="nps", group="quarter")
    categorical = data.assign(team=data["team"].astype("category"),
                              quarter=pd.Categorical(data["quarter"], categories=QUARTERS[::-1]))
    _same(_with_baseline(categorical, "2025Q1", ["team"]), kpi="nps", value="nps",
          group="quarter", baseline="2025Q1", by="team")
    numeric = data.assign(quarter=data["quarter"].str[-1].astype(int))
    _same(numeric, kpi="nps", value="nps", group="quarter", by="team")


@pytest.mark.parametrize("test", ["auto", "z", "fisher"])
@pytest.mark.parametrize("alternative", ALTERNATIVES)  # one-sided: make test only
def test_csat_top_box_equals_the_loop_with_the_same_test_choice(
        survey: pd.DataFrame, test: str, alternative: str) -> None:
    data = _without_empty_cells(survey, "csat", ["team"])
    out = _same(data, kpi="csat", value="csat", group="quarter", by="team", test=test,
                alternative=alternative, confidence_level=0.9 if test == "z" else 0.95)
    if test == "auto":  # both tests are reached
        assert {"fisher_exact", "two_proportion_z"} <= set(out["test"])
        _same(data, kpi="csat", value="csat", group="quarter", by="team", positive=[5],
              method="wald", alternative=alternative)


@pytest.mark.parametrize("alternative", ALTERNATIVES)  # one-sided: make test only
def test_means_welch_equals_the_loop(survey: pd.DataFrame, alternative: str) -> None:
    data = _without_empty_cells(survey, "csat", ["team"])
    counts = data.dropna(subset=["csat"]).groupby(["team", "quarter"]).size()
    two_or_more = counts[counts >= 2].reset_index()[["team", "quarter"]]
    data = data.merge(two_or_more, on=["team", "quarter"])
    _same(data, kpi="csat_mean", value="csat", group="quarter", by="team",
          alternative=alternative, confidence_level=LEVELS[ALTERNATIVES.index(alternative)])
    ces = data.merge(data.groupby(["team", "quarter"]).size().reset_index()[["team",
                                                                           "quarter"]])
    for variant in ("effort_1_7_net", "ease_1_7_mean", "ease_1_7_top_box"):
        _same(ces, kpi="ces", value="ces", group="quarter", by="team", variant=variant,
              alternative=alternative)


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_yes_share_equals_the_loop(survey: pd.DataFrame, alternative: str) -> None:
    _same(survey, kpi="yes_share", value="flag", group="quarter", by="team",
          alternative=alternative)


@pytest.mark.slow
@pytest.mark.parametrize("kpi", ["fcr", "escalation_rate", "reopen_rate", "resolution_rate"])
def test_ticket_proportions_equal_the_loop(kpi: str) -> None:
    tickets = kt.datasets.load_sample_data().tickets
    tickets = tickets.assign(month=tickets["created_at"].dt.month)
    _same(tickets, kpi=kpi, group="month", by="team", alternative="less", baseline=10)
    if kpi == "fcr":
        _same(tickets, kpi=kpi, group="month", by="priority", definition="contacts")


@pytest.mark.slow
@pytest.mark.parametrize("kpi", ["abandonment_rate", "answer_rate", "service_level"])
def test_call_proportions_equal_the_loop(kpi: str) -> None:
    calls = kt.datasets.load_sample_data().calls
    calls = calls.assign(month=calls["offered_at"].dt.month)
    _same(calls, kpi=kpi, group="month", by="team", alternative="greater")


def _same_error(data: pd.DataFrame, **kwargs: Any) -> None:
    errors = []
    for run in (kt.compare, lambda d, **k: _loop(d, **k)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            with pytest.raises((DataValidationError, ValueError)) as info:
                run(data, **kwargs)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]


def test_a_cell_without_usable_answers_raises_as_the_loop(survey: pd.DataFrame) -> None:
    data = survey.copy()
    emptied = (data["team"] == "team 003") & (data["quarter"] == "2025Q2")
    data = pd.concat([data, pd.DataFrame({"team": ["team 003"], "quarter": ["2025Q2"]})])
    data.loc[emptied.reindex(data.index, fill_value=False).to_numpy(), "nps"] = np.nan
    data = data.reset_index(drop=True)
    _same_error(data, kpi="nps", value="nps", group="quarter", by="team")
    _same_error(data.assign(csat=data["nps"].clip(1, 5)), kpi="csat_mean", value="csat",
                group="quarter", by="team")
    # a by group without the baseline, and a bad value: the loop's errors
    _same_error(survey[~((survey["team"] == "team 000") & (survey["quarter"] == "2025Q1"))],
                kpi="nps", value="nps", group="quarter", by="team", baseline="2025Q1")
    bad = _without_empty_cells(survey, "nps", ["team"]).copy()
    bad.iloc[5, bad.columns.get_loc("nps")] = 12.0
    _same_error(bad, kpi="nps", value="nps", group="quarter", by="team")


@pytest.mark.slow
def test_options_not_vectorised_fall_back_to_the_loop(survey: pd.DataFrame) -> None:
    data = _without_empty_cells(survey, "nps", ["team"])
    data = data[data["team"].isin(["team 001", "team 002", "team 004"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        fast = kt.compare(data, kpi="nps", value="nps", group="quarter", by="team",
                          method="bootstrap")
        slow = _loop(data, kpi="nps", value="nps", group="quarter", by="team",
                     method="bootstrap")
    pd.testing.assert_frame_equal(fast, slow)


def test_many_groups_take_the_vectorised_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 teams × 4 quarters are compared in one vectorised pass: neither the
    pair-by-pair loop nor the KPI's own comparison function is called (that loop took about
    5 ms per comparison, 15 s here). Speed itself is measured in benchmarks/, not here."""
    rng = np.random.default_rng(3)
    n = 400_000
    data = pd.DataFrame({"team": pd.Categorical.from_codes(rng.integers(0, 1000, n),
                                                           [f"t{i}" for i in range(1000)]),
                         "quarter": rng.choice(QUARTERS, n), "nps": rng.integers(0, 11, n)})

    def no_loop(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the pair-by-pair loop was used")

    monkeypatch.setattr(frames, "_compare_by_loop", no_loop)
    monkeypatch.setattr(frames, "_compare_within", no_loop)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        out = kt.compare(data, kpi="nps", value="nps", group="quarter", by="team")
    assert len(out) == 1000 * 6  # every pair of the 4 quarters within each team
    assert out["pvalue_adjusted"].between(0, 1).all()


def test_too_many_cells_go_pair_by_pair(survey: pd.DataFrame,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    data = _without_empty_cells(survey, "nps", ["team"])
    data = data[data["team"].isin(["team 001", "team 002"])]
    monkeypatch.setattr(frames, "_MAX_CELLS", 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        assert frames._compare_cells(get_kpi("nps"), data, "nps",
                                     "quarter", None, None, ["team"], 0.95, "holm",
                                     {}) is None
        fast = kt.compare(data, kpi="nps", value="nps", group="quarter", by="team")
        slow = _loop(data, kpi="nps", value="nps", group="quarter", by="team")
    pd.testing.assert_frame_equal(fast, slow)


KEY_TYPES: dict[str, Callable[[np.random.Generator, int], Any]] = {
    "int": lambda rng, n: rng.integers(0, 5, n),
    "float with NaN": lambda rng, n: np.where(rng.random(n) < 0.2, np.nan,
                                              rng.integers(0, 5, n).astype(float)),
    "datetime": lambda rng, n: pd.Timestamp("2024-01-01")
    + pd.to_timedelta(rng.integers(0, 4, n), unit="D"),
    "bool": lambda rng, n: rng.random(n) < 0.5,
    "mixed objects": lambda rng, n: np.array([["a", 1, 2.5, None][i]
                                              for i in rng.integers(0, 4, n)], dtype=object),
    "categorical, unobserved": lambda rng, n: pd.Categorical(rng.choice(["x", "y"], n),
                                                             categories=["z", "y", "x"]),
}


@pytest.mark.parametrize("kind", list(KEY_TYPES))
def test_key_and_level_types_equal_the_loop(kind: str) -> None:
    """The by groups in the loop's order with the loop's dtypes, for every kind of key;
    the compared column of the same kinds."""
    rng = np.random.default_rng(7)
    n = 2000
    data = pd.DataFrame({"q": rng.choice(["Q1", "Q2", "Q3"], n), "nps": rng.integers(0, 11, n),
                         "k": KEY_TYPES[kind](rng, n)})
    _same(data, kpi="nps", value="nps", group="q", by="k")
    _same(data, kpi="nps", value="nps", group="q", by=["k"], baseline="Q2",
          levels=["Q3", "Q1"])
    if kind != "float with NaN":  # rows without a level are left out with a warning
        _same(data.assign(q=KEY_TYPES[kind](rng, n), k=data["q"]), kpi="nps", value="nps",
              group="q", by="k")


def test_categorical_levels_with_unobserved_categories_equal_the_loop() -> None:
    """A categorical ``group`` is coded by its own codes (unobserved categories included in
    the numbering, left out of the levels): the same pairs, order, dtypes and errors as the
    loop, with ``levels`` and ``baseline`` naming observed and unobserved categories."""
    rng = np.random.default_rng(12)
    n = 1500
    data = pd.DataFrame({
        "q": pd.Categorical(rng.choice(["Q3", "Q1", "Q2"], n),
                            categories=["Q4", "Q3", "Q2", "Q1", "Q0"]),
        "team": rng.choice(["a", "b", "c"], n), "nps": rng.integers(0, 11, n)})
    _same(data, kpi="nps", value="nps", group="q", by="team")
    _same(data, kpi="nps", value="nps", group="q", by="team", baseline="Q2")
    _same(data, kpi="nps", value="nps", group="q", by="team", levels=["Q4", "Q1", "Q3"])
    _same(data, kpi="nps", value="nps", group="q", by="team", baseline="Q1",
          levels=["Q0", "Q2"])
    only_two = data[data["q"] != "Q3"]  # a whole observed level gone: fewer rows kept
    _same(only_two, kpi="nps", value="nps", group="q", by="team", levels=["Q1", "Q2"])
    with pytest.raises(ValueError, match="baseline='Q4' is not a level"):
        kt.compare(data, kpi="nps", value="nps", group="q", by="team", baseline="Q4")
