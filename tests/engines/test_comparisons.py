"""The weighted comparisons of `kpitools.engines.comparisons` equal the row-level ones.

A frequency table (distinct values and their numbers of rows) is the same sample as the rows
it counts: the Hodges–Lehmann shift and interval, the Mann–Whitney test and the median from
the table equal `hodges_lehmann`, `mann_whitney_test` and `np.quantile` on the rows, on
random samples with and without ties and for every alternative.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from engine_frames import CONVERTERS

import kpitools as kt
from kpitools import datasets
from kpitools.engines.comparisons import (
    weighted_hodges_lehmann,
    weighted_mann_whitney,
    weighted_quantile,
)
from kpitools.stats.means import mann_whitney_test
from kpitools.stats.quantiles import hodges_lehmann

ALTERNATIVES = ["two-sided", "less", "greater"]


def _table(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, counts = np.unique(rows, return_counts=True)
    return values, counts


def _samples(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    kind = seed % 3
    if kind == 0:  # durations in whole seconds: many ties
        return (rng.integers(0, 400, rng.integers(1, 300)).astype(float),
                rng.integers(50, 500, rng.integers(1, 300)).astype(float))
    if kind == 1:  # small continuous samples: the exact interval (no ties, n·m ≤ 2500)
        return rng.exponential(60.0, rng.integers(2, 40)), rng.exponential(80.0,
                                                                           rng.integers(2, 40))
    # minutes from seconds (the unit conversion of the KPIs), heavily tied
    return (rng.integers(0, 30, rng.integers(1, 2000)) / 60.0,
            rng.integers(0, 40, rng.integers(1, 2000)) / 60.0)


@pytest.mark.parametrize("seed", range(24))
def test_hodges_lehmann_and_mann_whitney_from_tables_equal_the_rows(seed):
    a, b = _samples(seed)
    xa, ca = _table(a)
    yb, wb = _table(b)
    for alternative in ALTERNATIVES:
        for level in (0.95, 0.8):
            want = hodges_lehmann(a, b, confidence_level=level, alternative=alternative)
            got = weighted_hodges_lehmann(xa, ca, yb, wb, confidence_level=level,
                                          alternative=alternative)
            assert got[3] == want[3]
            np.testing.assert_allclose(got[:3], want[:3], rtol=1e-12, atol=1e-12)
        want_mw = mann_whitney_test(a, b, alternative=alternative)
        got_mw = weighted_mann_whitney(xa, ca, yb, wb, alternative=alternative)
        np.testing.assert_allclose(got_mw, (want_mw.statistic, want_mw.pvalue), rtol=1e-12,
                                   atol=1e-15)


@pytest.mark.parametrize("seed", range(12))
def test_weighted_quantile_equals_numpy(seed):
    rows = _samples(seed)[0]
    values, counts = _table(rows)
    for q in (0.5, 0.1, 0.9, 0.37):
        assert weighted_quantile(values, counts, q) == pytest.approx(np.quantile(rows, q),
                                                                     rel=1e-15, abs=1e-15)


def test_rows_without_a_group_are_left_out_with_their_number():
    surveys = datasets.load_surveys()
    surveys.loc[surveys.index[:7], "quarter"] = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        want = kt.compare(surveys, kpi="csat_mean", value="csat", group="quarter")
        got = kt.compare(CONVERTERS["duckdb"](surveys), kpi="csat_mean", value="csat",
                         group="quarter")
    texts = [str(w.message) for w in caught]
    assert any("7 rows have no quarter" in t and "(rows [0, 1, 2, 3, 4])" in t
               for t in texts)  # pandas names the rows
    assert any("7 rows have no quarter" in t and "duckdb frame are not numbered" in t
               for t in texts)
    np.testing.assert_allclose(got[["difference", "pvalue"]].to_numpy(float),
                               want[["difference", "pvalue"]].to_numpy(float), rtol=1e-9)


def test_a_cell_without_usable_values_raises_as_pandas():
    surveys = datasets.load_surveys()
    surveys.loc[surveys["quarter"] == surveys["quarter"].iloc[0], "csat"] = None
    frame = CONVERTERS["polars"](surveys)
    with pytest.raises(kt.DataValidationError, match="no usable values for CSAT of a"):
        kt.compare(surveys, kpi="csat_mean", value="csat", group="quarter")
    with pytest.raises(kt.DataValidationError, match="no usable values for CSAT of a"):
        kt.compare(frame, kpi="csat_mean", value="csat", group="quarter")


def test_what_needs_the_rows_is_refused_with_the_reason():
    tickets = CONVERTERS["polars_lazy"](datasets.load_tickets())
    with pytest.raises(TypeError, match="bootstrap resamples the rows in their order"):
        kt.compare(tickets, kpi="frt", group="channel", statistic="mean")
    with pytest.raises(TypeError, match="bootstrap resamples the rows in their order"):
        kt.compare(tickets, kpi="frt", group="channel", statistic="quantile", q=0.9)
    with pytest.raises(TypeError, match="business_hours="):
        kt.compare(tickets, kpi="frt", group="channel", business_hours=object())
    surveys = CONVERTERS["duckdb"](datasets.load_surveys())
    with pytest.raises(TypeError, match="pairing needs the rows"):
        kt.compare(surveys, kpi="nps", value="nps", group="quarter", paired=True)
    with pytest.raises(ValueError, match="'hodges_lehmann'"):
        kt.compare(tickets, kpi="frt", group="channel", method="wilcoxon")
    with pytest.raises(KeyError, match="group column 'absent'"):
        kt.compare(surveys, kpi="nps", value="nps", group="absent")


def test_unknown_options_are_refused_as_on_pandas():
    surveys = datasets.load_surveys()
    with pytest.raises(TypeError) as want:
        kt.compare(surveys, kpi="csat_mean", value="csat", group="quarter", test="z")
    with pytest.raises(TypeError) as got:
        kt.compare(CONVERTERS["pyarrow"](surveys), kpi="csat_mean", value="csat",
                   group="quarter", test="z")
    assert str(got.value) == str(want.value)


def test_frequency_table_equals_the_rows_it_counts():
    """The compared table of an engine frame: one row per cell and distinct value."""
    from kpitools.engines import comparison_input

    df = pd.DataFrame({"g": ["x", "x", "x", "y", "y"], "csat": [5, 5, 2, 4, None]})
    got = comparison_input(CONVERTERS["polars"](df), "csat_mean", "csat", "g", None)
    table = got.table.sort_values(["g", got.value]).reset_index(drop=True)
    assert table.to_dict("list") == {
        "g": ["x", "x", "y"], got.value: [2.0, 5.0, 4.0], "__kpitools_count": [1, 2, 1]}


def test_repeated_ticket_ids_are_refused_on_an_engine():
    tickets = datasets.load_tickets()
    tickets.loc[tickets.index[:3], "ticket_id"] = tickets["ticket_id"].iloc[3]
    with pytest.raises(kt.DataValidationError, match="'ticket_id': 3 repeated ids"):
        kt.summarize(CONVERTERS["duckdb"](tickets), kpi="escalation_rate", by="team")
    with pytest.raises(kt.DataValidationError, match="3 repeated ids"):
        kt.compare(CONVERTERS["polars"](tickets), kpi="reopen_rate", group="team")
