"""Many small groups on Polars from group numbers (`_coded_frequencies`) against the lists.

`kpitools.engines.statistics._coded_frequencies` gives each row its group's number in
Polars and reads the values at the ranks in NumPy; it must give the table of the list path
(`_listed_frequencies` with Polars ``sort`` lists) it replaces: the same keys, statuses,
values and counts, hence the same summaries, excluded rows, warnings and errors. Random
tickets with ties, zeros, negative durations, open tickets, missing starts and keys, groups
of one row and groups whose rows are all excluded; keys as text, Categorical, Enum, two
keys; values up to 2⁶².
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest

from kpitools import engines
from kpitools.core.errors import DataValidationError
from kpitools.engines import memory, statistics


def _tickets(seed: int, rows: int, n_teams: int, *, negative: bool = False,
             huge: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = np.array([f"t{i:05d}" for i in range(n_teams)] + [None], dtype=object)
    team = names[rng.integers(0, names.size, rows)]
    team[:1] = "one"  # a group of one row
    spread = rng.integers(0, 3, rows)
    seconds = np.where(spread == 0, rng.integers(0, 4, rows) * 60,  # ties and zeros
                       np.round(60 * rng.lognormal(3.0, 1.5, rows))).astype(np.int64)
    if negative:
        seconds[rng.random(rows) < 0.03] *= -1
    start = (np.datetime64("2026-01-01T00:00:00", "ns")
             + rng.integers(0, 90 * 86400, rows).astype("timedelta64[s]"))
    end = start + seconds.astype("timedelta64[s]")
    if huge:  # microseconds up to about 2**62 (us timestamps)
        start = start.astype("datetime64[us]")
        end = start + (rng.integers(0, 2**62, rows) // 4).astype("timedelta64[us]")
    end[rng.random(rows) < 0.05] = np.datetime64("NaT")  # open tickets
    start[rng.random(rows) < 0.01] = np.datetime64("NaT")  # missing starts
    end[team == "t00003"] = np.datetime64("NaT")  # a group with every row excluded
    return pd.DataFrame({"team": team, "queue": rng.choice(np.array(["p", "q", None],
                                                                     dtype=object), rows),
                         "created_at": start, "first_response_at": end})


def _run(frame, monkeypatch, coded: bool, **options):
    """(sufficient statistics, summary, warnings) through the coded path or the lists."""
    with monkeypatch.context() as m:
        m.setattr(statistics, "_many_groups", lambda *args: True)
        m.setattr(memory, "MAX_ROWS", -1)  # the Polars queries, not NumPy's counts
        calls: list[bool] = []
        real = statistics._coded_frequencies

        def spy(*args, **kwargs):
            out = real(*args, **kwargs) if coded else (False, None)
            calls.append(out[0])
            return out
        m.setattr(statistics, "_coded_frequencies", spy)
        level = options.pop("confidence_level", 0.95)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stats = engines.sufficient_statistics(frame, confidence_level=level,
                                                  frequencies="ranks", **options)
            table = engines.summarize(frame, confidence_level=level, **options)
        assert calls and all(calls) == coded
    return stats, table, [(w.category, str(w.message)) for w in caught]


def _frequencies(stats) -> pd.DataFrame:
    fr = stats.frequencies
    return fr.sort_values(["group", "value", "count"], kind="stable").reset_index(drop=True)


def _assert_equal(frame, monkeypatch, **options) -> None:
    got = _run(frame, monkeypatch, True, **dict(options))
    want = _run(frame, monkeypatch, False, **dict(options))
    pd.testing.assert_frame_equal(got[0].groups, want[0].groups)
    pd.testing.assert_frame_equal(_frequencies(got[0]), _frequencies(want[0]))
    pd.testing.assert_frame_equal(got[0].excluded, want[0].excluded)
    assert got[0].details == want[0].details
    pd.testing.assert_frame_equal(got[1], want[1])
    assert got[1].attrs["excluded"].equals(want[1].attrs["excluded"])
    assert got[2] == want[2]


def _as(table: pd.DataFrame, keys: str) -> pl.LazyFrame:
    frame = pl.from_pandas(table)
    if keys == "categorical":
        frame = frame.with_columns(pl.col("team").cast(pl.Categorical))
    elif keys == "enum":
        levels = sorted(set(table["team"].dropna()))[::-1]  # not in the order of the text
        frame = frame.with_columns(pl.col("team").cast(pl.Enum(levels)))
    return frame.lazy()


OPTIONS = [
    {"kpi": "frt", "by": "team"},
    {"kpi": "frt", "by": "team", "statistic": "quantile", "q": 0.9},
    {"kpi": "frt", "by": "team", "statistic": "quantile", "q": 0.1, "alternative": "less"},
    {"kpi": "frt", "by": "team", "confidence_level": 0.8, "alternative": "greater"},
    {"kpi": "frt", "by": ["team", "queue"], "unit": "seconds", "confidence_level": 0.99},
]


@pytest.mark.parametrize("keys", ["text", "categorical", "enum"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coded_equals_lists(monkeypatch, keys, seed):
    frame = _as(_tickets(seed, rows=4000, n_teams=600), keys)
    for options in OPTIONS:
        _assert_equal(frame, monkeypatch, **options)


@pytest.mark.parametrize("keys", ["text", "categorical"])
def test_coded_negative_durations_excluded_or_refused(monkeypatch, keys):
    frame = _as(_tickets(7, rows=3000, n_teams=400, negative=True), keys)
    _assert_equal(frame, monkeypatch, kpi="frt", by="team", invalid="exclude")
    for coded in (True, False):
        with pytest.raises(DataValidationError, match="negative durations") as err:
            _run(frame, monkeypatch, coded, kpi="frt", by="team")
        assert "negative durations" in str(err.value)
    messages = set()
    for coded in (True, False):
        with pytest.raises(DataValidationError) as err:
            _run(frame, monkeypatch, coded, kpi="frt", by="team", missing="raise",
                 invalid="exclude")
        messages.add(str(err.value))
    assert len(messages) == 1


def test_coded_values_up_to_2_to_the_62(monkeypatch):
    frame = _as(_tickets(5, rows=3000, n_teams=300, huge=True), "categorical")
    _assert_equal(frame, monkeypatch, kpi="frt", by="team")
    _assert_equal(frame, monkeypatch, kpi="frt", by=["team", "queue"])


def test_coded_one_row_groups_and_every_row_excluded(monkeypatch):
    table = _tickets(9, rows=500, n_teams=500)
    table.loc[table.index[::2], "first_response_at"] = pd.NaT
    for keys in ("text", "categorical"):
        _assert_equal(_as(table, keys), monkeypatch, kpi="frt", by="team")
    none_usable = table.assign(first_response_at=pd.NaT)
    _assert_equal(_as(none_usable, "categorical"), monkeypatch, kpi="frt", by="team")


def test_coded_eager_polars_and_no_rows(monkeypatch):
    table = _tickets(4, rows=2000, n_teams=300)
    _assert_equal(pl.from_pandas(table), monkeypatch, kpi="frt", by="team")
    _assert_equal(_as(table.iloc[:0], "categorical"), monkeypatch, kpi="frt", by="team")


def test_values_at_ranks_against_a_sort():
    rng = np.random.default_rng(3)
    for n_groups, rows, top in [(1, 50, 10), (50, 3000, 2**20), (2000, 20000, 2**62),
                                (10, 5000, 3)]:
        codes = rng.integers(0, n_groups, rows)
        x = rng.integers(0, top, rows, dtype=np.int64)
        n = np.bincount(codes, minlength=n_groups)
        use = np.flatnonzero(n > 0)
        ranks = np.sort(np.stack([rng.integers(0, k, 5) for k in n[use]]), axis=1)
        got = statistics._values_at_ranks(x, codes, n, use, ranks)
        order = np.lexsort((x, codes))
        start = (np.cumsum(n) - n)[use]
        np.testing.assert_array_equal(got, x[order][start[:, None] + ranks])
