"""Utilisation and productivity on engines (`kpitools.engines.agents`): the work per agent by
hand, and what is refused. The equality with pandas is in the engine matrix (`test_matrix`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_frames import CONVERTERS

import kpitools as kt
from kpitools.core.errors import DataValidationError, SmallSampleWarning

pytestmark = pytest.mark.filterwarnings(f"ignore::{SmallSampleWarning.__module__}."
                                        f"{SmallSampleWarning.__name__}")

HOURS = pd.DataFrame({"agent_id": ["A1", "A2", "A3"], "period": ["2026Q3"] * 3,
                      "available_hours": [3.0, 1.0, 2.0]})


def _calls() -> pd.DataFrame:
    """Team a: A1 talks 1 h and wraps up 0.5 h (no hold recorded), A2 talks 0.5 h; team b:
    A3's one answered call has no talk time (excluded from the numerator, counted)."""
    return pd.DataFrame({
        "team": ["a", "a", "b"], "agent": ["A1", "A2", "A3"],
        "answered_at": pd.to_datetime(["2026-07-01 10:00", "2026-07-01 11:00",
                                       "2026-07-02 09:00"]),
        "talk_seconds": [3600.0, 1800.0, np.nan], "hold_seconds": [np.nan, 0.0, 0.0],
        "acw_seconds": [1800.0, 0.0, 0.0]})


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb", "pyarrow"])
def test_utilisation_by_hand(engine):
    got = kt.summarize(CONVERTERS[engine](_calls()), kpi="utilisation", by="team",
                       availability=HOURS, n_resamples=99)
    # a: (1.5 + 0.5) handle hours over (3 + 1) available hours; b: no handle time counted
    assert got["estimate"].tolist() == pytest.approx([50.0, 0.0], abs=1e-12)
    assert got["n"].tolist() == [2, 1] and got["n_excluded"].tolist() == [0, 1]
    assert "missing talk time" in got.attrs["excluded"]["reason"].iloc[0]


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_productivity_by_hand(engine):
    tickets = pd.DataFrame({
        "team": ["a", "a", "a", "b"], "agent": ["A1", "A1", None, "A2"],
        "resolved_at": pd.to_datetime(["2026-07-01", "2026-07-02", "2026-07-03", None])})
    got = kt.summarize(CONVERTERS[engine](tickets), kpi="productivity", by="team",
                       availability=HOURS)
    # a: A1 resolved 2 in 3 hours, the third resolution has no agent (excluded);
    # b: A2 resolved none in 1 hour
    assert got["estimate"].tolist() == pytest.approx([2 / 3, 0.0], abs=1e-12)
    assert got["n"].tolist() == [2, 0] and got["n_excluded"].tolist() == [1, 0]


def test_what_the_engines_refuse_names_the_reason():
    polars = CONVERTERS["polars"]
    calls = _calls()
    with pytest.raises(TypeError, match="needs the option availability="):
        kt.summarize(polars(calls), kpi="utilisation")
    with pytest.raises(DataValidationError, match="1 handle times that are not finite"):
        kt.summarize(polars(calls.assign(acw_seconds=[np.inf, 0.0, 0.0])), kpi="utilisation",
                     availability=HOURS)
    with pytest.raises(DataValidationError, match="1 negative handle times"):
        kt.summarize(polars(calls.assign(acw_seconds=[-4000.0, 0.0, 0.0])),
                     kpi="utilisation", availability=HOURS)
    with pytest.raises(TypeError, match="'talk_seconds' is String"):
        kt.summarize(polars(calls.astype({"talk_seconds": str})), kpi="utilisation",
                     availability=HOURS)
    tickets = pd.DataFrame({"agent": ["A1"], "resolved_at": ["2026-07-01"]})
    with pytest.raises(TypeError, match="'resolved_at' is String"):
        kt.summarize(polars(tickets), kpi="productivity", availability=HOURS)


def test_an_availability_table_on_an_engine_is_read_too():
    calls = CONVERTERS["duckdb"](_calls())
    on_engine = kt.summarize(calls, kpi="utilisation", availability=CONVERTERS["polars"](HOURS),
                             n_resamples=99)
    in_pandas = kt.summarize(calls, kpi="utilisation", availability=HOURS, n_resamples=99)
    assert on_engine["estimate"].tolist() == in_pandas["estimate"].tolist()
