"""Durations on engines: the faster routes give the numbers, groups and order of the former.

- A PyArrow table with dictionary-encoded keys has both passes of the rank-exact frequency
  table counted by Polars; its groups keep the dictionary's order (Arrow's, not Polars'
  first-seen order), equal to the full frequency table counted by Arrow, also with unused
  and unsorted categories, missing keys and several chunks; chunks with differing
  dictionaries are refused by Arrow in both modes, as before.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from kpitools import engines
from kpitools.engines import statistics

COLUMNS = ["estimate", "ci_low", "ci_high", "n", "n_excluded"]


def _tickets(seed: int, rows: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    team = rng.choice(np.array(["d", "b", "a", "c"], dtype=object), rows)
    seconds = np.where(team == "b", rng.integers(0, 6, rows) * 60,
                       np.round(60 * rng.lognormal(3.0, 1.5, rows))).astype(np.int64)
    start = (np.datetime64("2026-01-01T00:00:00", "ns")
             + rng.integers(0, 90 * 86400, rows).astype("timedelta64[s]"))
    end = start + seconds.astype("timedelta64[s]")
    end[rng.random(rows) < 0.05] = np.datetime64("NaT")
    team[rng.random(rows) < 0.02] = None
    team[0] = "one"
    cats = ["zz", "d", "one", "b", "a", "c", "unused"]  # neither sorted nor first-seen
    return pd.DataFrame({"team": pd.Categorical(team, categories=cats),
                         "channel": rng.choice(["mail", "chat"], rows),
                         "created_at": start, "first_response_at": end})


def _tables(frame, **options):
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in ("full", "ranks"):
            stats = engines.sufficient_statistics(frame, confidence_level=0.95,
                                                  frequencies=mode, **options)
            out.append((stats, engines.statistics_table(stats, confidence_level=0.95)))
    return out


@pytest.mark.parametrize("chunks", ["one", "same dictionary", "different dictionaries"])
@pytest.mark.parametrize("by", [["team"], ["team", "channel"]])
def test_arrow_dictionary_keys_keep_their_order(chunks, by):
    df = _tickets(3)
    table = pa.Table.from_pandas(df, preserve_index=False)
    if chunks == "same dictionary":
        table = pa.concat_tables([table.slice(0, 1500), table.slice(1500)])
    elif chunks == "different dictionaries":
        other = pa.Table.from_pandas(
            df.iloc[1500:].assign(team=df["team"].iloc[1500:].cat.reorder_categories(
                sorted(df["team"].cat.categories))), preserve_index=False)
        table = pa.concat_tables([table.slice(0, 1500), other])
    routed = statistics._arrow_key_dtypes(table, by)
    assert (routed is None) == (chunks == "different dictionaries")
    if routed is None:  # Arrow refuses to group them, in both modes (as before)
        for mode in ("full", "ranks"):
            with pytest.raises(pa.ArrowNotImplementedError, match="differing dictionaries"):
                engines.sufficient_statistics(table, kpi="frt", by=by, frequencies=mode,
                                              confidence_level=0.95)
        return
    (_, full), (stats, ranked) = _tables(table, kpi="frt", by=by)
    assert "exact_for" in stats.details
    for key in by:
        assert full[key].astype(object).tolist() == ranked[key].astype(object).tolist()
        assert full[key].dtype == ranked[key].dtype
    for col in COLUMNS:
        np.testing.assert_array_equal(full[col].to_numpy(), ranked[col].to_numpy(),
                                      err_msg=col)
    assert full.attrs["excluded"].equals(ranked.attrs["excluded"])
    if by == ["team"]:  # the dictionary's order, missing keys last
        teams = ranked["team"].astype(object).tolist()
        assert teams[:-1] == ["d", "one", "b", "a", "c"] and pd.isna(teams[-1])
