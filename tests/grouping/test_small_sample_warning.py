"""The small-sample warning of `summarize` names a few groups and counts the rest (issue 13)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import kpitools as kt
from kpitools.core.errors import SmallSampleWarning


def _messages(data: pd.DataFrame, by) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kt.summarize(data, kpi="nps", value="score", by=by)
    return [str(w.message) for w in caught if issubclass(w.category, SmallSampleWarning)]


def test_many_small_groups_are_counted_and_the_first_five_named():
    teams = [f"t{i:04d}" for i in range(1_200)]
    data = pd.DataFrame({"team": np.repeat(teams, 2), "score": np.tile([9, 3], 1_200)})
    (msg,) = _messages(data, "team")
    assert msg.startswith("nps: 1,200 group(s) have fewer than 10 observations "
                          "(first: t0000, t0001, t0002, t0003, t0004 and 1,195 more)")
    assert "t0005" not in msg


def test_few_small_groups_are_all_named_as_before():
    data = pd.DataFrame({"team": ["a"] * 30 + ["b", "b", "c"] + ["d"] * 3,
                         "q": ["Q1"] * 36, "score": [9] * 36})
    (msg,) = _messages(data, ["team", "q"])
    assert msg == ("nps: 3 group(s) have fewer than 10 observations (b/Q1, c/Q1, d/Q1); "
                   "their intervals are unreliable")
