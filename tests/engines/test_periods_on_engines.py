"""Period labels on every engine (`kpitools.engines.with_periods`) equal
`kpitools.period_labels` on pandas: quarters, months, ISO weeks and years, across year ends,
with missing times, dates, time zones; and a KPI compared between quarters on an engine."""

from __future__ import annotations

import datetime as dt
import warnings

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from engine_frames import spark_frame
from hypothesis import given, settings
from hypothesis import strategies as st

import kpitools as kt
from kpitools import datasets, engines
from kpitools.tables.periods import period_labels

KINDS = ["quarter", "month", "week", "year"]


def _frames(df: pd.DataFrame) -> dict[str, object]:
    table = pa.Table.from_pandas(df, preserve_index=False)
    con = duckdb.connect()
    con.register("frame_t", df)
    con.execute("CREATE TABLE t AS SELECT * FROM frame_t")
    return {"polars": pl.from_arrow(table), "polars_lazy": pl.from_arrow(table).lazy(),
            "pyarrow": table, "duckdb_relation": duckdb.connect().from_arrow(table),
            "duckdb_table": con.table("t")}


def _labels(frame: object, kind: str) -> list[object]:
    """The labels ``with_periods`` gives, in row order, missing as None."""
    out = engines.with_periods(frame, "t", kind, name="p")
    values = engines.frames.as_lazy(out).sort("x").select("p").collect().to_pandas()["p"]
    return [None if pd.isna(v) else v for v in values]

#: Times around the year ends where ISO weeks and calendar years part (53-week years too)
_EDGES = [dt.datetime(y, m, d, h) for y in (2015, 2020, 2021, 2026, 2027)
          for m, d in ((12, 28), (12, 29), (12, 31), (1, 1), (1, 3), (1, 4))
          for h in (0, 23)]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.one_of(
    st.none(), st.sampled_from(_EDGES),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2040, 12, 31))),
    min_size=1, max_size=40))
def test_labels_equal_pandas_on_every_engine(times):
    df = pd.DataFrame({"t": pd.to_datetime(pd.Series(times, dtype=object)).astype(
        "datetime64[us]"), "x": np.arange(len(times))})
    for kind in KINDS:
        want = [None if v is None else v for v in period_labels(df["t"], kind)]
        for engine, frame in _frames(df).items():
            assert _labels(frame, kind) == want, (engine, kind)


def test_dates_and_pandas_frames():
    df = pd.DataFrame({"t": [dt.date(2025, 12, 29), dt.date(2026, 4, 1), None]})
    frame = pl.DataFrame({"t": df["t"].tolist()}, schema={"t": pl.Date})
    got = engines.with_periods(frame, "t", "week")["week"].to_list()
    assert got == ["2026-W01", "2026-W14", None]
    stamps = pd.DataFrame({"t": pd.to_datetime(["2026-07-15", None]), "n": [1, 2]})
    out = engines.with_periods(stamps, "t", "month", name="m")
    assert out["m"].tolist() == ["2026-07", None] and "m" not in stamps.columns


def test_time_zones_label_in_their_own_calendar():
    """23:30 UTC on 31 March is 1 April in Tokyo: Polars and Arrow label it as pandas does
    (the zone of the column); DuckDB in the zone of its connection."""
    times = pd.Series(pd.to_datetime(["2026-03-31 23:30", "2026-06-30 12:00"]).tz_localize(
        "UTC").tz_convert("Asia/Tokyo"))
    want = period_labels(times, "quarter").tolist()
    assert want == ["2026Q2", "2026Q2"]
    df = pd.DataFrame({"t": times})
    table = pa.Table.from_pandas(df, preserve_index=False)
    assert engines.with_periods(pl.from_arrow(table), "t")["quarter"].to_list() == want
    assert engines.with_periods(table, "t").column("quarter").to_pylist() == want
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    got = engines.with_periods(con.from_arrow(table), "t").select("quarter").fetchall()
    assert [r[0] for r in got] == want
    con.execute("SET TimeZone = 'UTC'")
    got = engines.with_periods(con.from_arrow(table), "t").select("quarter").fetchall()
    assert [r[0] for r in got] == ["2026Q1", "2026Q2"]


def test_bad_columns_are_named():
    frame = pl.DataFrame({"t": ["2026-01-01"], "n": [1]})
    with pytest.raises(KeyError, match="'when' not in the data"):
        engines.with_periods(frame, "when")
    with pytest.raises(TypeError, match="column 't' is String on a polars frame"):
        engines.with_periods(frame, "t")
    with pytest.raises(ValueError, match="kind"):
        engines.with_periods(frame, "t", "fortnight")


def test_a_kpi_compared_between_quarters_on_duckdb_equals_pandas():
    """The question the labels exist for: is FRT better than last quarter? — asked of a
    DuckDB table that has only timestamps."""
    tickets = datasets.load_tickets()
    con = duckdb.connect()
    con.register("frame_t", tickets)
    con.execute("CREATE TABLE t AS SELECT * FROM frame_t")
    labelled = engines.with_periods(con.table("t"), "created_at")
    want_rows = tickets.assign(quarter=period_labels(tickets["created_at"]))
    quarters = sorted(want_rows["quarter"].dropna().unique())[-2:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = kt.compare(labelled, kpi="frt", group="quarter", baseline=quarters[0],
                         levels=quarters)
        want = kt.compare(want_rows, kpi="frt", group="quarter", baseline=quarters[0],
                          levels=quarters)
    columns = ["group_a", "group_b", "estimate_a", "estimate_b", "difference", "pvalue"]
    pd.testing.assert_frame_equal(got[columns].reset_index(drop=True),
                                  want[columns].reset_index(drop=True), check_dtype=False,
                                  rtol=1e-9)


@pytest.mark.spark
def test_spark_quarters_and_months_and_no_weeks(spark):
    df = pd.DataFrame({"t": pd.to_datetime(["2025-12-29 10:00", "2026-04-01 00:00", None])})
    frame = spark_frame(spark, df)
    for kind in ("quarter", "month", "year"):
        got = [row[kind] for row in engines.with_periods(frame, "t", kind).collect()]
        assert got == period_labels(df["t"], kind).tolist()
    with pytest.raises(TypeError, match="ISO week"):
        engines.with_periods(frame, "t", "week")
