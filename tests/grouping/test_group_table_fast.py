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
def test_group_table_equals_the_former_build(seed):
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
