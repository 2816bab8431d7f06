"""`kpis.common.group_table` builds its table with one constructor: equal to the former
build (a copy of the group columns, then each estimate column set in turn) in values,
dtypes, column index and attrs, for every kind of key."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools.core.results import as_excluded_rows
from kpitools.kpis import common
from kpitools.kpis.common import ESTIMATE_COLUMNS, group_table

CALLS = []


def _former_group_table(groups, columns, excluded=None):
    CALLS.append(1)
    table = groups.reset_index(drop=True).copy()
    for name in ESTIMATE_COLUMNS:
        table[name] = columns[name]
    table.attrs["excluded"] = as_excluded_rows(excluded)
    return table


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_column_type=True,
                                  check_index_type=True)
    assert got.columns.dtype == want.columns.dtype
    assert got.columns.name == want.columns.name
    assert got.attrs.keys() == want.attrs.keys()
    for key in want.attrs:
        got_v, want_v = got.attrs[key], want.attrs[key]
        if isinstance(want_v, pd.DataFrame):
            pd.testing.assert_frame_equal(got_v, want_v)
        else:
            assert got_v == want_v


def _groups(rng: np.random.Generator, kind: int, n: int) -> pd.DataFrame:
    cols = {
        0: {},
        1: {"team": pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["c", "a", "b"])},
        2: {"site": rng.integers(-5, 5, n), "team": rng.choice(["x", "y"], n).astype(object)},
        3: {"day": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 9, n), "D"),
            "flag": rng.random(n) < 0.5},
        4: {"region": pd.array(rng.choice(["n", "s", None], n), dtype="string"),
            "w": pd.Series(rng.integers(0, 3, n), dtype="Int64")},
    }[kind]
    return pd.DataFrame(cols, index=pd.RangeIndex(n) if kind != 3 else np.arange(n) * 2)


@pytest.mark.parametrize("seed", range(15))
@pytest.mark.parametrize("text_min", [common._CONSTANT_TEXT_MIN, 0])
def test_group_table_equals_the_former_build(monkeypatch, seed, text_min):
    # text_min=0: the repeated text columns are built by `constant_text` at every size
    monkeypatch.setattr(common, "_CONSTANT_TEXT_MIN", text_min)
    rng = np.random.default_rng(900 + seed)
    n = int(rng.integers(0, 30)) if seed % 5 else 0
    groups = _groups(rng, seed % 5, n)
    if seed % 3 == 0:
        groups.attrs["source"] = {"name": "x"}
    if seed % 7 == 6:
        groups.columns.name = "keys"
    columns = {"kpi": "nps", "estimate": rng.random(n), "ci_low": rng.random(n),
               "ci_high": rng.random(n), "confidence_level": 0.95, "method": "wilson",
               "unit": "points", "n": rng.integers(0, 9, n), "n_excluded": np.zeros(n, int)}
    excluded = None if seed % 2 else pd.DataFrame({"row": [1], "column": ["s"],
                                                   "value": [3], "reason": ["bad"]})
    got = group_table(groups, columns, excluded)
    want = _former_group_table(groups, columns, excluded)
    _same(got, want)
    if groups.attrs:
        got.attrs["source"]["name"] = "changed"
        assert groups.attrs["source"]["name"] == "x"  # a deep copy, as DataFrame.copy


@pytest.mark.filterwarnings("ignore::kpitools.core.errors.SmallSampleWarning")
@pytest.mark.parametrize("kpi", ["nps", "csat"])
def test_summaries_equal_with_the_former_group_table(monkeypatch, kpi):
    rng = np.random.default_rng(3)
    rows = 3000
    data = pd.DataFrame({"team": pd.Categorical(rng.choice(["a", "b", "c"], rows)),
                         "customer_id": rng.integers(0, 50, rows),
                         "score": rng.integers(0, 11, rows).astype(float)})
    data.loc[::97, "score"] = np.nan
    value = "score" if kpi == "nps" else "rating"
    data["rating"] = np.clip(data["score"] // 2, 1, 5)
    for by in (None, "team", ["team", "customer_id"]):
        got = kt.summarize(data, kpi=kpi, value=value, by=by)
        with monkeypatch.context() as m:
            current = common.group_table
            for module in list(sys.modules.values()):  # every module that imported it
                if getattr(module, "group_table", None) is current:
                    m.setattr(module, "group_table", _former_group_table)
            CALLS.clear()
            want = kt.summarize(data, kpi=kpi, value=value, by=by)
            assert CALLS or by is None  # the former build made ``want``
        _same(got, want)


def test_constant_text_columns_at_many_groups_equal_the_broadcast():
    # 5,000 groups: over `_CONSTANT_TEXT_MIN`, the kpi/method/unit columns come from
    # ``pyarrow.repeat``; the same values, dtype and missing-value marker as pandas' broadcast
    assert common._CONSTANT_TEXT_MIN <= 5_000
    n = 5_000
    groups = pd.DataFrame({"customer_id": np.arange(n) * 3})
    columns = {"kpi": "nps", "estimate": np.linspace(-100, 100, n), "ci_low": -1.0,
               "ci_high": 1.0, "confidence_level": 0.95, "method": "adjusted_wald",
               "unit": "points", "n": np.ones(n, int), "n_excluded": np.zeros(n, int)}
    got = group_table(groups, columns)
    _same(got, _former_group_table(groups, columns))
    assert got["method"].iloc[-1] == "adjusted_wald"
    assert got["kpi"].dtype == pd.Series(["x"]).dtype


@pytest.mark.filterwarnings("ignore::kpitools.core.errors.SmallSampleWarning")
@pytest.mark.parametrize("kpi", ["nps", "csat"])
def test_summaries_with_thousands_of_groups_equal_the_former_build(monkeypatch, kpi):
    # int keys over a wide range (direct addressing), many small groups, some all excluded
    rng = np.random.default_rng(11)
    rows = 12_000
    data = pd.DataFrame({"customer_id": 10 * rng.integers(0, 4_000, rows),
                         "score": rng.integers(0, 11, rows).astype(float)})
    data.loc[data["customer_id"] % 70 == 0, "score"] = np.nan
    data["rating"] = np.clip(data["score"] // 2, 1, 5)
    value = "score" if kpi == "nps" else "rating"
    got = kt.summarize(data, kpi=kpi, value=value, by="customer_id")
    assert len(got) > common._CONSTANT_TEXT_MIN
    assert (got["n"] == 0).any()  # groups whose every answer is missing stay in the table
    with monkeypatch.context() as m:
        current = common.group_table
        for module in list(sys.modules.values()):
            if getattr(module, "group_table", None) is current:
                m.setattr(module, "group_table", _former_group_table)
        want = kt.summarize(data, kpi=kpi, value=value, by="customer_id")
    _same(got, want)
    counts = data.groupby("customer_id")["score"].agg(["count", "size"])
    np.testing.assert_array_equal(got["n"], counts["count"])
    np.testing.assert_array_equal(got["n_excluded"], counts["size"] - counts["count"])
