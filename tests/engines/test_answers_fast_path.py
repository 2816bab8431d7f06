"""The in-memory answer counts (`kpitools.engines.statistics._answers_here`) against the
engines' ``GROUP BY`` (``memory.MAX_ROWS = -1``): whole-number answers taken as NumPy, the
key columns of the entries converted only when `SufficientStatistics.frequencies` is read,
Polars Categorical keys (with missing keys) sorted by code point, Enum and integer keys
beside them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from kpitools.engines import memory, statistics


def _frame(seed: int, rows: int, answers: str) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    team = np.array(["b", "a", "é", "B", "ab", None], dtype=object)[rng.integers(0, 6, rows)]
    score: list = rng.integers(0, 11, rows).tolist()
    if answers == "missing":
        score = [None if i % 7 == 0 else v for i, v in enumerate(score)]
    return pl.DataFrame({
        "team": pl.Series(team.tolist(), dtype=pl.Categorical),
        "q": pl.Series(rng.choice(["Q2", "Q1", "Q3"], rows).tolist(),
                       dtype=pl.Enum(["Q3", "Q1", "Q2"])),
        "n": rng.integers(-2, 3, rows),
        "score": pl.Series(score, dtype=pl.Int8 if answers == "int8" else pl.Int64),
    })


def _both(frame, monkeypatch, **options):
    here = statistics.sufficient_statistics(frame, **options)
    with monkeypatch.context() as m:
        m.setattr(memory, "MAX_ROWS", -1)
        there = statistics.sufficient_statistics(frame, **options)
    return here, there


@pytest.mark.parametrize("answers", ["int64", "int8", "missing"])
@pytest.mark.parametrize("engine", ["polars", "polars_lazy", "pyarrow"])
@pytest.mark.parametrize("by", [["team", "q"], ["q", "team"], ["n", "team"], "q", None])
def test_fast_path_equals_the_engine(engine, by, answers, monkeypatch):
    frame = _frame(3, 500, answers)
    native = {"polars": frame, "polars_lazy": frame.lazy(), "pyarrow": frame.to_arrow()}
    here, there = _both(native[engine], monkeypatch, kpi="nps", value="score", by=by)
    pd.testing.assert_frame_equal(here.groups, there.groups)
    columns = [*here.keys, "group", "value", "count"]
    pd.testing.assert_frame_equal(
        here.frequencies.sort_values(columns).reset_index(drop=True),
        there.frequencies.sort_values(columns).reset_index(drop=True))
    pd.testing.assert_frame_equal(here.excluded.sort_values("count").reset_index(drop=True),
                                  there.excluded.sort_values("count").reset_index(drop=True))
    pd.testing.assert_frame_equal(statistics.statistics_table(here),
                                  statistics.statistics_table(there))


def test_whole_answers_typed_as_pandas_converts_them():
    frame = pl.DataFrame({"t": ["a", "b", "a"], "s": pl.Series([9, 3, 10], dtype=pl.UInt8)})
    for native in (frame, frame.to_arrow()):
        got = statistics._answers_here(native, ["t"], "s")
        assert got is not None
        assert got.distinct.dtype == np.uint8 and got.distinct.tolist() == [9, 10, 3]


def test_key_columns_of_the_entries_made_when_read():
    frame = pl.DataFrame({"t": pl.Series(["b", None, "a", "b"], dtype=pl.Categorical),
                          "s": [9, 3, 10, 0]})
    got = statistics._answers_here(frame.lazy(), ["t"], "s")
    assert got is not None
    assert got.groups["t"].tolist()[:2] == ["a", "b"] and pd.isna(got.groups["t"].iloc[2])
    keys = got.keys_at(np.arange(len(got.counts)))["t"]
    assert keys.dtype == object
    assert sorted(keys.dropna().tolist()) == ["a", "b", "b"] and keys.isna().sum() == 1


def test_summaries_of_an_empty_frame_equal_the_engine(monkeypatch):
    frame = pa.table({"t": pa.array([], pa.string()), "s": pa.array([], pa.int64())})
    here, there = _both(frame, monkeypatch, kpi="nps", value="s", by="t")
    pd.testing.assert_frame_equal(here.groups, there.groups)
    pd.testing.assert_frame_equal(statistics.statistics_table(here),
                                  statistics.statistics_table(there))
