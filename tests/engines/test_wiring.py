"""kt.summarize and kt.compare take frames of other engines (through kpitools.engines).

`kpitools/grouping/frames.py` hands a non-pandas frame to `kpitools.engines`: summarize from
the sufficient statistics computed on the frame's engine, compare from its table of counts.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from engine_frames import CONVERTERS

import kpitools as kt
from kpitools import datasets
from kpitools.core.errors import SmallSampleWarning

NUMBERS = ["estimate", "ci_low", "ci_high", "n", "n_excluded"]


@pytest.mark.parametrize("engine", ["polars", "polars_lazy", "pyarrow", "duckdb"])
def test_summarize_any_frame(engine):
    surveys = datasets.load_surveys()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        want = kt.summarize(surveys, kpi="csat", by=["team", "quarter"])
        got = kt.summarize(CONVERTERS[engine](surveys), kpi="csat", by=["team", "quarter"])
    assert list(got.columns) == list(want.columns)
    np.testing.assert_allclose(got[NUMBERS].to_numpy(dtype=float),
                               want[NUMBERS].to_numpy(dtype=float), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb"])
def test_compare_any_frame(engine):
    surveys = datasets.load_surveys()
    want = kt.compare(surveys, kpi="nps", value="nps", group="quarter", by="channel")
    got = kt.compare(CONVERTERS[engine](surveys), kpi="nps", value="nps", group="quarter",
                     by="channel")
    cols = ["estimate_a", "estimate_b", "difference", "ci_low", "ci_high", "pvalue",
            "pvalue_adjusted", "n_a", "n_b"]
    np.testing.assert_allclose(got[cols].to_numpy(dtype=float),
                               want[cols].to_numpy(dtype=float), rtol=1e-9, atol=1e-9)


def test_aggregated_input_on_an_engine_frame_is_refused():
    frame = CONVERTERS["polars"](datasets.load_surveys())
    with pytest.raises(TypeError, match="collect the"):
        kt.summarize(frame, kpi="csat", successes="a", trials="b")
