"""Frequency weights: ``kt.summarize(..., weight=w)`` and ``kt.compare(..., weight=w)``.

Each row of a weighted table stands for ``w`` answers with its values (a ``GROUP BY`` with
``count(*)``). The reference is always the same call on the rows repeated ``w`` times
(``df.loc[df.index.repeat(df[w])]``) through the row-level pandas path, never numbers of
the code under test: random small tables (hypothesis) for the answer-scale KPIs, the sample
surveys as a counts table on every engine, and the refusals (weights that are not whole
numbers ≥ 0, KPIs that take no weights, weights with aggregated input, options that need the
answers one by one).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_frames import CONVERTERS, spark_frame
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import kpitools as kt
from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.datasets import load_surveys

NUMBERS = ["estimate", "ci_low", "ci_high", "confidence_level", "n", "n_excluded"]
COMPARE_NUMBERS = ["estimate_a", "estimate_b", "difference", "ci_low", "ci_high",
                   "confidence_level", "statistic", "pvalue", "pvalue_adjusted", "n_a", "n_b"]
#: Columns of a comparison that hold labels (compared as values, like the keys).
COMPARE_LABELS = ["group_a", "group_b"]

#: kpi → (its answers, its options): each KPI's own scale.
SCALES: dict[str, tuple[list[Any], dict[str, Any]]] = {
    "nps": (list(range(11)), {}),
    "csat": ([1, 2, 3, 4, 5], {}),
    "csat_mean": ([1, 2, 3, 4, 5], {}),
    "ces": (list(range(1, 8)), {"variant": "ease_1_7_mean"}),
    "yes_share": (["yes", "no", "Y", "n"], {}),
}


def expanded(table: pd.DataFrame, weight: str = "w") -> pd.DataFrame:
    """The rows repeated ``weight`` times (the weight column dropped)."""
    return (table.loc[table.index.repeat(table[weight])].drop(columns=weight)
            .reset_index(drop=True))


def outcome(call: Callable[[], pd.DataFrame]) -> tuple[Any, list[str]]:
    """The result of ``call`` (or the error it raised) and its warnings' categories."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: Any = call()
        except (DataValidationError, ValueError, TypeError) as err:
            result = err
    return result, sorted(w.category.__name__ for w in caught)


def normalised(table: pd.DataFrame, labels: list[str], numbers: list[str]) -> pd.DataFrame:
    """Labels (keys, compared groups) as Python values with None for a missing one, the
    numbers as float (an int64 ``n`` and a float one compare equal), the rest as text."""
    out = {}
    for name in table.columns:
        column = table[name]
        if name in labels:
            out[name] = pd.Series([None if pd.isna(v) else v for v in column], dtype=object)
        elif name in numbers:
            out[name] = column.to_numpy(dtype=float)
        else:
            out[name] = column.astype(str).to_numpy()
    return pd.DataFrame(out)


def assert_same(got: Any, want: Any, labels: list[str], numbers: list[str]) -> None:
    """The same table (groups in the same order, numbers to 1e-9), or the same error."""
    if isinstance(want, Exception):
        assert type(got) is type(want), (got, want)
        return
    assert not isinstance(got, Exception), got
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(normalised(got, labels, numbers),
                                  normalised(want, labels, numbers),
                                  check_exact=False, rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------- random small tables


@st.composite
def weighted_tables(draw: st.DrawFn, kpi: str, levels: int = 0) -> pd.DataFrame:
    """A table of 1–20 rows: ``team`` (1–3 labels, sometimes missing), an ``answer`` on the
    KPI's scale (some missing), a weight ``w`` of 0–5 and, with ``levels``, a ``quarter``
    of 2–``levels`` labels."""
    answers, _ = SCALES[kpi]
    n = draw(st.integers(1, 20))

    def column(values: list[Any]) -> list[Any]:
        return draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))

    teams = ["a", "b", "c"][:draw(st.integers(1, 3))] + ([None] if draw(st.booleans())
                                                         else [])
    missing = None if isinstance(answers[0], str) else np.nan
    table = pd.DataFrame({"team": column(teams), "answer": column([*answers, missing]),
                          "w": column(list(range(6)))})
    if levels:
        table["quarter"] = column(["Q1", "Q2", "Q3"][:draw(st.integers(2, levels))])
    return table


@pytest.mark.parametrize("kpi", list(SCALES))
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_summarize_with_weights_equals_the_expanded_rows(kpi, data):
    table = data.draw(weighted_tables(kpi))
    _, options = SCALES[kpi]
    by = data.draw(st.sampled_from([["team"], []]))
    # not a whole table of weight 0: its expanded rows are an empty frame, which the pandas
    # rows summarise as no row (nps) or one row without answers (csat), and every engine
    # frame as one row without answers (nor method: no answer was classified)
    assume(by or (table["w"] > 0).any())
    got, got_warnings = outcome(lambda: kt.summarize(table, kpi, "answer", by, weight="w",
                                                     **options))
    want, want_warnings = outcome(lambda: kt.summarize(expanded(table), kpi, "answer", by,
                                                       **options))
    assert_same(got, want, by, NUMBERS)
    assert got_warnings == want_warnings


@pytest.mark.parametrize("kpi", list(SCALES))
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_compare_with_weights_equals_the_expanded_rows(kpi, data):
    table = data.draw(weighted_tables(kpi, levels=3))
    _, options = SCALES[kpi]
    by = data.draw(st.sampled_from([["team"], []]))
    adjust = data.draw(st.sampled_from(["holm", "benjamini_hochberg"]))
    baseline = data.draw(st.sampled_from([None, "Q1"]))

    def run(frame: pd.DataFrame, **weight: str) -> pd.DataFrame:
        return kt.compare(frame, kpi, "answer", group="quarter", by=by or None,
                          baseline=baseline, adjust=adjust, **weight, **options)

    got, got_warnings = outcome(lambda: run(table, weight="w"))
    want, want_warnings = outcome(lambda: run(expanded(table)))
    assert_same(got, want, [*by, *COMPARE_LABELS], COMPARE_NUMBERS)
    assert got_warnings == want_warnings


# ------------------------------------------------------- the sample surveys as counts


def survey_counts(keys: list[str], column: str) -> pd.DataFrame:
    """The sample surveys (some answers and a team missing) counted by ``keys`` and the
    answer: one row per combination with its number of rows, ``w``; and a team whose
    rows all have weight 0 (no answers: not a group)."""
    surveys = load_surveys()
    surveys.loc[surveys.index[5::89], column] = np.nan
    surveys.loc[surveys.index[::7], "team"] = None
    counts = (surveys.groupby([*keys, column], dropna=False).size().rename("w")
              .reset_index())
    ghost = counts.head(3).assign(team="Ghost", w=0)
    return pd.concat([counts, ghost], ignore_index=True)


def test_counts_of_the_sample_surveys_equal_the_surveys():
    counts = survey_counts(["quarter", "team"], "nps")
    assert (counts["w"] > 1).any() and (counts["w"] == 0).any()
    got = kt.summarize(counts, "nps", "nps", ["quarter", "team"], weight="w")
    want = kt.summarize(expanded(counts), "nps", "nps", ["quarter", "team"])
    assert_same(got, want, ["quarter", "team"], NUMBERS)
    assert "Ghost" not in set(got["team"])
    assert got["n"].sum() + got["n_excluded"].sum() == counts["w"].sum()


ENGINES = ["polars", "polars_lazy", "pyarrow", "duckdb", "duckdb_table"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kpi, column, options", [
    ("nps", "nps", {}),
    ("csat_mean", "csat", {}),
    ("ces", "ces", {"variant": "effort_1_7_net"}),
])
def test_weighted_engine_frames_equal_weighted_pandas(engine, kpi, column, options):
    counts = survey_counts(["quarter", "team"], column)
    frame = CONVERTERS[engine](counts.copy())
    keys = ["quarter", "team"]
    want = kt.summarize(counts, kpi, column, keys, weight="w", **options)
    assert_same(kt.summarize(frame, kpi, column, keys, weight="w", **options), want, keys,
                NUMBERS)
    assert_same(want, kt.summarize(expanded(counts), kpi, column, keys, **options), keys,
                NUMBERS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        want = kt.compare(counts, kpi, column, group="quarter", by="team", weight="w",
                          **options)
        got = kt.compare(CONVERTERS[engine](counts.copy()), kpi, column, group="quarter",
                         by="team", weight="w", **options)
        rows = kt.compare(expanded(counts), kpi, column, group="quarter", by="team",
                          **options)
    assert len(want) > 0
    assert_same(got, want, ["team", *COMPARE_LABELS], COMPARE_NUMBERS)
    assert_same(want, rows, ["team", *COMPARE_LABELS], COMPARE_NUMBERS)


@pytest.mark.spark
def test_weighted_spark_frame_equals_weighted_pandas(spark):
    counts = survey_counts(["channel"], "nps")
    want = kt.summarize(counts, "nps", "nps", "channel", weight="w")
    got = kt.summarize(spark_frame(spark, counts), "nps", "nps", "channel", weight="w")
    assert_same(got, want, ["channel"], NUMBERS)


def test_nps_bootstrap_summary_equals_the_expanded_rows():
    """The NPS bootstrap of a summary resamples each group's counts: the same from the
    weights as from the rows."""
    counts = survey_counts(["team"], "nps")
    got = kt.summarize(counts, "nps", "nps", "team", weight="w", method="bootstrap")
    want = kt.summarize(expanded(counts), "nps", "nps", "team", method="bootstrap")
    assert_same(got, want, ["team"], NUMBERS)


def test_yes_no_flags_of_tickets_take_weights_without_ticket_ids():
    table = pd.DataFrame({"team": ["a", "a", "b", "b", "b", "c", "c"],
                          "escalated": [True, False, True, False, None, True, False],
                          "w": [7, 30, 2, 40, 3, 12, 25]})
    for kpi in ("escalation_rate", "yes_share"):
        value = None if kpi == "escalation_rate" else "escalated"
        got = kt.summarize(table, kpi, value, "team", weight="w")
        want = kt.summarize(expanded(table), kpi, value, "team")
        assert_same(got, want, ["team"], NUMBERS)
        got = kt.compare(table, kpi, value, group="team", weight="w")
        want = kt.compare(expanded(table), kpi, value, group="team")
        assert len(want) == 3
        assert_same(got, want, COMPARE_LABELS, COMPARE_NUMBERS)
    with_ids = table.assign(ticket_id=range(len(table)))
    with pytest.raises(ValueError, match="ticket id column 'ticket_id'"):
        kt.summarize(with_ids, "escalation_rate", by="team", weight="w")


def test_answers_without_a_group_are_left_out_and_counted():
    table = pd.DataFrame({"quarter": ["Q1", None, "Q2", "Q1", None],
                          "nps": [10, 9, 3, 7, 0], "w": [40, 3, 35, 20, 0]},
                         index=["r1", "r2", "r3", "r4", "r5"])
    with pytest.warns(UserWarning, match=r"3 answers \(weight 'w'\) have no quarter .*"
                                         r"\(rows \['r2'\]\)"):
        got = kt.compare(table, "nps", "nps", group="quarter", weight="w")
    with pytest.warns(UserWarning, match="3 rows have no quarter"):
        want = kt.compare(expanded(table), "nps", "nps", group="quarter")
    assert_same(got, want, COMPARE_LABELS, COMPARE_NUMBERS)


def test_a_refused_answer_of_weight_0_is_not_there():
    table = pd.DataFrame({"nps": [10, 3, 11, 8], "w": [5, 2, 0, 4]})
    assert_same(kt.summarize(table, "nps", "nps", weight="w"),
                kt.summarize(expanded(table), "nps", "nps"), [], NUMBERS)


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("weights, shown", [
    ([3, -1, 2], "-1"),
    ([3, 1.5, 2], "1.5"),
    ([3, None, 2], "missing"),
    ([3, "x", 2], "'x'"),
    ([3, np.inf, 2], "inf"),
])
def test_invalid_weights_name_the_column_the_value_and_the_row(weights, shown):
    table = pd.DataFrame({"nps": [9, 3, 10], "w": weights}, index=["r1", "r2", "r3"])
    with pytest.raises(DataValidationError) as err:
        kt.summarize(table, "nps", "nps", weight="w")
    text = str(err.value)
    assert "column 'w'" in text and shown in text and "1 row" in text
    assert "(row r2:" in text  # the row label of the pandas frame
    assert err.value.column == "w" and err.value.rows == ["r2"]
    with pytest.raises(DataValidationError) as err:
        kt.compare(table.assign(quarter=["Q1", "Q2", "Q1"]), "nps", "nps", group="quarter",
                   weight="w")
    assert "column 'w'" in str(err.value) and shown in str(err.value)


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb"])
@pytest.mark.parametrize("weights, shown", [
    ([3, -1, 2, -1], "-1 in 2 rows"),
    ([3, 0.5, 2, 1], "0.5 in 1 row"),
    ([3, None, 2, 1], "missing in 1 row"),
    (["3", "x", "2", "1"], "'x' in 1 row"),
])
def test_invalid_weights_on_engines_name_the_column_and_the_values(engine, weights, shown):
    table = pd.DataFrame({"nps": [9, 3, 10, 7], "w": weights})
    with pytest.raises(DataValidationError) as err:
        kt.summarize(CONVERTERS[engine](table), "nps", "nps", weight="w")
    text = str(err.value)
    assert "column 'w'" in text and shown in text and engine.split("_")[0] in text


def test_refused_answers_with_weights_are_counted_in_answers():
    table = pd.DataFrame({"nps": [10, 11, 3], "w": [2, 3, 1]}, index=["r1", "r2", "r3"])
    with pytest.raises(DataValidationError, match=r"11 in 3 answers.*\(row r2: 11\)"):
        kt.summarize(table, "nps", "nps", weight="w")


def test_what_does_not_take_weights_is_refused():
    table = pd.DataFrame({"team": ["a", "b"], "quarter": ["Q1", "Q2"], "nps": [9, 3],
                          "w": [2, 1], "p": [1, 0], "d": [0, 1], "pa": [1, 0]})
    with pytest.raises(TypeError, match=r"kpi='frt' does not take weight=.*nps, enps"):
        kt.summarize(table, "frt", weight="w")
    with pytest.raises(TypeError, match=r"kpi='fcr' does not take weight=.*yes_share"):
        kt.compare(table, "fcr", group="quarter", weight="w")
    counts = {"promoters": "p", "passives": "pa", "detractors": "d"}
    with pytest.raises(TypeError, match="aggregated input"):
        kt.summarize(table, "nps", by="team", counts=counts, weight="w")
    with pytest.raises(TypeError, match="aggregated input"):
        kt.compare(table, "nps", group="quarter", counts=counts, weight="w")
    with pytest.raises(ValueError, match="weight='nps' cannot also be the value column"):
        kt.summarize(table, "nps", "nps", weight="nps")
    with pytest.raises(ValueError, match="weight='team' cannot also be a `by` column"):
        kt.summarize(table, "nps", "nps", "team", weight="team")
    with pytest.raises(ValueError, match="weight='quarter' cannot also be the group column"):
        kt.compare(table, "nps", "nps", group="quarter", weight="quarter")
    with pytest.raises(DataValidationError, match="column 'absent': weight column not found"):
        kt.summarize(table, "nps", "nps", weight="absent")


def test_what_needs_the_answers_one_by_one_is_refused_with_the_reason():
    counts = survey_counts(["quarter"], "nps")
    with pytest.raises(TypeError, match="weighted rows are counted, not resampled"):
        kt.compare(counts, "nps", "nps", group="quarter", method="bootstrap", weight="w")
    with pytest.raises(TypeError, match="weighted rows are counted, not paired"):
        kt.compare(counts, "nps", "nps", group="quarter", paired=True, weight="w")
