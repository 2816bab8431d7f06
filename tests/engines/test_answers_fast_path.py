"""The in-memory answer counts (`kpitools.engines.statistics._answers_here`) against the
engines' ``GROUP BY`` (``memory.MAX_ROWS = -1``): whole-number answers taken as NumPy, the
key columns of the entries converted only when `SufficientStatistics.frequencies` is read,
Polars Categorical keys (with missing keys) sorted by code point, Enum and integer keys
beside them."""

from __future__ import annotations

import narwhals as nw
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


def _assert_same_statistics(here, there) -> None:
    """The groups, frequencies (in any order), excluded values and KPI table are equal."""
    pd.testing.assert_frame_equal(here.groups, there.groups)
    columns = [*here.keys, "group", "value", "count"]
    pd.testing.assert_frame_equal(
        here.frequencies.sort_values(columns).reset_index(drop=True),
        there.frequencies.sort_values(columns).reset_index(drop=True))
    pd.testing.assert_frame_equal(here.excluded.sort_values("count").reset_index(drop=True),
                                  there.excluded.sort_values("count").reset_index(drop=True))
    pd.testing.assert_frame_equal(statistics.statistics_table(here),
                                  statistics.statistics_table(there))


@pytest.mark.parametrize("answers", ["int64", "int8", "missing"])
@pytest.mark.parametrize("engine", ["polars", "polars_lazy", "pyarrow"])
@pytest.mark.parametrize("by", [["team", "q"], ["q", "team"], ["n", "team"], "q", None])
def test_fast_path_equals_the_engine(engine, by, answers, monkeypatch):
    frame = _frame(3, 500, answers)
    native = {"polars": frame, "polars_lazy": frame.lazy(), "pyarrow": frame.to_arrow()}
    here, there = _both(native[engine], monkeypatch, kpi="nps", value="score", by=by)
    _assert_same_statistics(here, there)


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


def _duckdb_relation(seed: int, rows: int):
    import duckdb

    rng = np.random.default_rng(seed)
    team = np.array(["b", "a", "é", "B", "ab", None], dtype=object)[rng.integers(0, 6, rows)]
    score = [None if i % 9 == 0 else int(v) for i, v in enumerate(rng.integers(0, 11, rows))]
    table = pa.table({"team": pa.array(team.tolist(), pa.string()),
                      "level": pa.array(team.tolist(), pa.string()).dictionary_encode(),
                      "n": rng.integers(-2, 3, rows), "score": pa.array(score, pa.int64()),
                      "w": rng.integers(0, 4, rows)})
    con = duckdb.connect()
    con.register("source", table)
    con.execute("CREATE TYPE level AS ENUM ('é', 'b', 'ab', 'a', 'B')")
    con.execute("CREATE TABLE t AS SELECT * REPLACE (CAST(level AS level) AS level) "
                "FROM source")
    return con, con.table("t")


@pytest.mark.parametrize("weight", [None, "w"])
@pytest.mark.parametrize("by", [["team", "n"], ["level", "team"], "level", None])
def test_engine_counts_coded_from_arrow_equal_their_pandas_conversion(by, weight,
                                                                       monkeypatch):
    """A DuckDB ``GROUP BY`` brought back as Arrow and coded there (text, ENUM and integer
    keys, missing keys and answers, weights summing to 0) gives the statistics of the same
    table converted to pandas first (the route before)."""
    con, rel = _duckdb_relation(5, 800)
    options = {"kpi": "nps", "value": "score", "by": by, "weight": weight}
    here = statistics.sufficient_statistics(rel, **options)
    with monkeypatch.context() as m:
        m.setattr(statistics, "_answers_here", lambda *args, **kwargs: None)
        there = statistics.sufficient_statistics(rel, **options)
    _assert_same_statistics(here, there)
    assert here.groups[["promoters", "passives", "detractors", "n_excluded"]].to_numpy().sum(
    ) == (800 if weight is None else int(con.execute("SELECT sum(w) FROM t").fetchone()[0]))
    con.close()


def test_frequency_codes_with_weights_sum_them_and_drop_zero_sums():
    frame = pl.DataFrame({"t": pl.Series(["a", "b", "a", "c"], dtype=pl.Categorical),
                          "s": [9, 9, 9, 3]})
    eager = nw.from_native(frame, eager_only=True)
    got = memory.frequency_codes(eager, ["t", "s"], np.array([2.0, 5.0, 1.0, 0.0]))
    assert got is not None and got.counts.dtype == np.int64
    t_codes, s_codes = got.columns()
    t_part, s_part = got.parts
    teams = memory.values_of_codes(eager, "t", t_codes, t_part).cast(pl.String).to_list()
    scores = memory.values_of_codes(eager, "s", s_codes, s_part).to_list()
    counted = sorted(zip(teams, scores, got.counts.tolist(), strict=True))
    assert counted == [("a", 9, 3), ("b", 9, 5)]
