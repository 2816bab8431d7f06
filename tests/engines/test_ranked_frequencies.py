"""Durations on an engine from the rank-exact frequency table (``frequencies="ranks"``).

The two-pass table (buckets, then exact values in the buckets holding the ranks read) must
give the numbers of the full frequency table, which `tests/engines/test_matrix.py` checks
against ``kt.summarize`` on pandas: random data with ties, missing keys and durations, open
tickets, groups of one, groups whose rows are all excluded, and large offsets.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from engine_frames import CONVERTERS, spark_frame

from kpitools import engines

COLUMNS = ["estimate", "ci_low", "ci_high", "n", "n_excluded"]


def _tickets(seed: int, rows: int = 3000, offset_days: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    team = rng.choice(np.array(["a", "b", "c", "d", "e", None], dtype=object), rows,
                      p=[0.4, 0.3, 0.15, 0.1, 0.03, 0.02])
    # ties: a few distinct durations in some teams; a wide spread in others
    seconds = np.where(team == "b", rng.integers(0, 6, rows) * 60,
                       np.round(60 * rng.lognormal(3.0, 1.5, rows))).astype(np.int64)
    start = (np.datetime64("2026-01-01T00:00:00", "ns") + np.timedelta64(offset_days, "D")
             + rng.integers(0, 90 * 86400, rows).astype("timedelta64[s]"))
    end = start + seconds.astype("timedelta64[s]")
    end[rng.random(rows) < 0.05] = np.datetime64("NaT")  # open tickets
    start[rng.random(rows) < 0.01] = np.datetime64("NaT")  # missing start
    team[:1] = "one"  # a group of one
    end[team == "e"] = np.datetime64("NaT")  # a group with every row excluded
    return pd.DataFrame({"team": team, "created_at": start, "first_response_at": end})


def _both(frame, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        level = options.pop("confidence_level", 0.95)
        alternative = options.get("alternative", "two-sided")
        out = []
        for mode in ("full", "ranks"):
            stats = engines.sufficient_statistics(frame, confidence_level=level,
                                                  frequencies=mode, **options)
            out.append((stats, engines.statistics_table(stats, confidence_level=level,
                                                        alternative=alternative)))
    return out


def _assert_same(full: pd.DataFrame, ranked: pd.DataFrame) -> None:
    assert full["team"].tolist() == ranked["team"].tolist()
    for col in COLUMNS:
        np.testing.assert_array_equal(full[col].to_numpy(), ranked[col].to_numpy(),
                                      err_msg=col)
    assert full.attrs["excluded"].equals(ranked.attrs["excluded"])


OPTIONS = [
    {"kpi": "frt", "by": "team"},
    {"kpi": "frt", "by": "team", "statistic": "quantile", "q": 0.9},
    {"kpi": "frt", "by": "team", "statistic": "quantile", "q": 0.1, "alternative": "less"},
    {"kpi": "frt", "by": "team", "confidence_level": 0.8, "alternative": "greater"},
    {"kpi": "frt", "by": "team", "unit": "seconds", "confidence_level": 0.99},
]


@pytest.mark.parametrize("engine", ["polars", "polars_lazy", "pyarrow", "duckdb", "pandas"])
@pytest.mark.parametrize("seed", [1, 2])
def test_ranked_equals_full_frequency_table(engine, seed):
    table = _tickets(seed, offset_days=36500 * (seed - 1))  # 2126 for the second seed
    frame = CONVERTERS[engine](table)
    for options in OPTIONS:
        (_, full), (stats, ranked) = _both(frame, **dict(options))
        _assert_same(full, ranked)
        if engine != "pandas":  # pandas keeps the full table (no join here)
            assert "exact_for" in stats.details, (engine, options)


def _assert_ranked_aht_by_team_and_queue_equals_full(frame):
    """Mean handle time in minutes by team and queue: the rank-exact table gives the same
    summary as the full frequency table."""
    (_, full), (stats, ranked) = _both(frame, kpi="aht", value="minutes",
                                       value_unit="minutes", by=["team", "queue"])
    assert "exact_for" in stats.details
    for col in COLUMNS:
        np.testing.assert_array_equal(full[col].to_numpy(), ranked[col].to_numpy())


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb"])
def test_ranked_on_a_duration_column_and_two_keys(engine):
    rng = np.random.default_rng(7)
    rows = 4000
    table = pd.DataFrame({
        "team": rng.choice(["x", "y"], rows),
        "queue": rng.choice(np.array(["p", "q", None], dtype=object), rows),
        # large values and ties, in minutes with fractions; a few missing
        "minutes": np.where(rng.random(rows) < 0.03, np.nan,
                            np.round(rng.lognormal(8.0, 2.0, rows), 2)),
    })
    _assert_ranked_aht_by_team_and_queue_equals_full(CONVERTERS[engine](table))


def test_ranked_table_is_smaller_and_refuses_another_level():
    rng = np.random.default_rng(3)
    rows = 20_000
    start = (np.datetime64("2026-01-01", "ns")
             + rng.integers(0, 90 * 86400 * 10**6, rows).astype("timedelta64[us]"))
    end = start + np.round(rng.lognormal(20.0, 1.0, rows)).astype("timedelta64[us]")
    table = pd.DataFrame({"team": rng.choice(["a", "b"], rows), "created_at": start,
                          "first_response_at": end})
    frame = CONVERTERS["polars_lazy"](table)
    (full_stats, full), (stats, ranked) = _both(frame, kpi="frt", by="team")
    _assert_same(full, ranked)
    assert len(stats.frequencies) < len(full_stats.frequencies) / 5
    with pytest.raises(ValueError, match="confidence_level=0.95"):
        engines.statistics_table(stats, confidence_level=0.9)
    with pytest.raises(ValueError, match="frequencies"):
        engines.sufficient_statistics(frame, kpi="frt", by="team", frequencies="some")


def test_missing_raise_and_negative_raise_as_before():
    table = _tickets(4)
    table.loc[5, "first_response_at"] = table.loc[5, "created_at"] - pd.Timedelta("1min")
    frame = CONVERTERS["duckdb"](table)
    for options in ({"invalid": "raise"}, {"missing": "raise"}):
        errors = []
        for mode in ("full", "ranks"):
            with pytest.raises(Exception) as info:
                engines.sufficient_statistics(frame, kpi="frt", by="team",
                                              frequencies=mode, **options)
            errors.append((type(info.value), str(info.value)))
        assert errors[0] == errors[1]


@pytest.mark.spark
def test_ranked_equals_full_on_spark(spark):
    frame = spark_frame(spark, _tickets(5, rows=1500))
    (_, full), (stats, ranked) = _both(frame, kpi="frt", by="team")
    _assert_same(full, ranked)
    assert "exact_for" in stats.details


def _many_teams(seed: int, rows: int = 6000) -> pd.DataFrame:
    """Many small teams (a few rows each, some of one row), ties, open tickets, missing
    keys and starts, a team whose rows are all open."""
    table = _tickets(seed, rows)
    rng = np.random.default_rng(seed + 100)
    names = np.array([f"t{i:04d}" for i in range(rows // 6)] + [None], dtype=object)
    table["team"] = names[rng.integers(0, names.size, rows)]
    table.loc[table["team"] == "t0007", "first_response_at"] = pd.NaT
    return table


@pytest.mark.parametrize("engine", ["polars", "polars_lazy", "pyarrow", "duckdb"])
@pytest.mark.parametrize("seed", [1, 2])
def test_many_small_groups_listed_equal_full(monkeypatch, engine, seed):
    from kpitools.engines import memory, statistics

    frame = CONVERTERS[engine](_many_teams(seed))
    calls = []
    listed = statistics._listed_frequencies

    def spy(*args, **kwargs):
        out = listed(*args, **kwargs)
        calls.append(out is not None)
        return out
    monkeypatch.setattr(statistics, "_listed_frequencies", spy)
    monkeypatch.setattr(statistics, "_MIN_SAMPLED", 0)  # the sample of a small frame
    monkeypatch.setattr(memory, "MAX_ROWS", -1)  # the engines' queries, not NumPy's counts
    for options in OPTIONS:
        (_, full), (stats, ranked) = _both(frame, **dict(options))
        _assert_same(full, ranked)
        assert "exact_for" in stats.details
    if engine != "duckdb":  # a 1 % system sample of a small table may be empty
        assert calls and all(calls)


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb"])
def test_many_small_groups_listed_with_two_keys_and_nan_refused(monkeypatch, engine):
    from kpitools.engines import statistics

    monkeypatch.setattr(statistics, "_many_groups", lambda *args: True)
    rng = np.random.default_rng(11)
    rows = 3000
    table = pd.DataFrame({
        "team": rng.choice([f"t{i}" for i in range(300)], rows),
        "queue": rng.choice(np.array(["p", "q", None], dtype=object), rows),
        "minutes": np.where(rng.random(rows) < 0.03, np.nan,
                            np.round(rng.lognormal(3.0, 2.0, rows), 1)),
    })
    _assert_ranked_aht_by_team_and_queue_equals_full(CONVERTERS[engine](table))


def test_many_groups_judged_on_a_sample():
    from kpitools.engines import statistics

    rng = np.random.default_rng(5)
    rows = 2_000_000  # a 1 % DuckDB system sample: whole vectors of 2,048 rows
    few = pd.DataFrame({"team": rng.choice(["a", "b", "c"], rows), "v": np.ones(rows)})
    many = few.assign(team=rng.integers(0, rows // 10, rows).astype(str))
    for engine in ("polars_lazy", "duckdb"):
        judged = []
        for table in (few, many):
            frame = engines.frames.as_lazy(CONVERTERS[engine](table))
            judged.append(statistics._many_groups(frame.to_native(), ["team"],
                                                  engine.split("_")[0]))
        assert judged == [False, True], engine
