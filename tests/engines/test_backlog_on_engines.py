"""The backlog on engines (`kpitools.engines.backlog`): the counts by hand, the rows left
out with their reason, what it refuses, and the pandas KPI on random tables. The sample
data of the engine matrix is in `test_matrix`."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from engine_frames import CONVERTERS, spark_frame

import kpitools as kt
from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.engines import sufficient_statistics

pytestmark = pytest.mark.filterwarnings(f"ignore::{SmallSampleWarning.__module__}."
                                        f"{SmallSampleWarning.__name__}")

NUMBERS = ["estimate", "ci_low", "ci_high", "n", "n_excluded"]
ENGINES = ["polars", "polars_lazy", "pyarrow", "duckdb", "duckdb_table"]
#: the exact (Garwood) upper limit of a count of 0 at 95 %: −ln(0.025) = ln 40
UPPER_OF_ZERO = math.log(40.0)


def _tickets() -> pd.DataFrame:
    """Seven tickets of two teams whose backlog is worked out by hand in the tests.

    a: T1 09:00–11:00, T2 10:00 (unresolved), T3 08:00–09:00 the next day, T4 no creation;
    b: T5 12:00 (unresolved), T6 16:00 resolved at 12:30 (before its creation), T7
    14:00–15:00 — all on 2026-07-01 unless said.
    """
    stamps = pd.to_datetime
    return pd.DataFrame({
        "ticket_id": ["T1", "T2", "T3", "T4", "T5", "T6", "T7"],
        "team": ["a", "a", "a", "a", "b", "b", "b"],
        "created_at": stamps(["2026-07-01 09:00", "2026-07-01 10:00", "2026-07-02 08:00",
                              None, "2026-07-01 12:00", "2026-07-01 16:00",
                              "2026-07-01 14:00"]),
        "resolved_at": stamps(["2026-07-01 11:00", None, "2026-07-02 09:00",
                               "2026-07-01 10:00", None, "2026-07-01 12:30",
                               "2026-07-01 15:00"]),
    })


def _summary(frame, **options) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return kt.summarize(frame, kpi="backlog", **options)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_tickets_open_at_a_moment_by_hand(engine):
    frame = CONVERTERS[engine](_tickets())
    # 12:00 — a: T1 resolved at 11:00, T2 open, T3 not yet created (T4 left out);
    # b: T5 created at 12:00 exactly (open: created ≤ at), T7 not yet created (T6 left out)
    got = _summary(frame, by="team", at="2026-07-01 12:00", invalid="exclude")
    assert got["n"].tolist() == [1, 1] and got["estimate"].tolist() == [1.0, 1.0]
    assert got["n_excluded"].tolist() == [1, 1]
    # 11:00 — T1 resolved at 11:00 exactly is closed (at < resolved fails): a has T2 only
    got = _summary(frame, by="team", at="2026-07-01 11:00", invalid="exclude")
    assert got["n"].tolist() == [1, 0]
    assert got["ci_high"].iloc[1] == pytest.approx(UPPER_OF_ZERO, rel=1e-12)
    assert got["ci_low"].iloc[1] == 0.0
    # 2026-07-03: only the two unresolved tickets (T2, T5)
    got = _summary(frame, at="2026-07-03", invalid="exclude")
    assert got["n"].tolist() == [2] and got["n_excluded"].tolist() == [2]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_default_moment_is_each_groups_latest_creation(engine):
    frame = CONVERTERS[engine](_tickets())
    got = _summary(frame, by="team", invalid="exclude")
    # a at 07-02 08:00 (T3's creation): T2 and T3 (created then, resolved at 09:00) open;
    # b at 16:00 — the creation of T6, a row left out, still sets the moment (as pandas
    # reads it) — T5 open, T7 resolved at 15:00
    assert got["n"].tolist() == [2, 1]
    # the whole table at 07-02 08:00: T2, T3 and T5
    assert _summary(frame, invalid="exclude")["n"].tolist() == [3]
    stats = sufficient_statistics(frame, "backlog", by="team", invalid="exclude")
    assert stats.family == "rate" and stats.groups["exposure"].tolist() == [1.0, 1.0]
    assert stats.groups["rows"].tolist() == [4, 3]
    assert stats.details["unit"] == "count" and stats.details["method"] == "exact"


@pytest.mark.parametrize("engine", ENGINES)
def test_rows_left_out_are_counted_with_their_reason(engine):
    got = _summary(CONVERTERS[engine](_tickets()), by="team", invalid="exclude")
    listed = got.attrs["excluded"]
    name = {"polars_lazy": "polars", "duckdb_table": "duckdb"}.get(engine, engine)
    reasons = sorted(zip(listed["column"], listed["reason"], strict=True))
    assert reasons == [
        ("created_at", f"missing timestamps (1 row on {name})"),
        ("resolved_at", f"resolved_at before created_at (negative duration) (1 row on {name})"),
    ]
    assert got["n_excluded"].sum() == 2


def test_refused_rows_raise_as_pandas_with_the_number_of_rows():
    data = pd.concat([_tickets(), _tickets().iloc[[5]]], ignore_index=True)  # T6 twice
    frame = CONVERTERS["polars"](data)
    with pytest.raises(DataValidationError) as want:
        kt.summarize(data, kpi="backlog")
    with pytest.raises(DataValidationError) as got:
        kt.summarize(frame, kpi="backlog")
    text = str(got.value)
    assert text.startswith(str(want.value).split(" (rows")[0])
    assert "2 resolved_at before created_at" in text
    assert "rows of a polars frame are not numbered" in text
    with pytest.raises(DataValidationError, match=r"1 missing timestamps \(missing='raise'\)"):
        kt.summarize(frame, kpi="backlog", invalid="exclude", missing="raise")


def test_repeated_ids_count_as_often_as_they_appear_as_in_pandas():
    data = pd.concat([_tickets(), _tickets().iloc[[1]]], ignore_index=True)  # T2 twice
    want = _summary(data, by="team", at="2026-07-01 12:00", invalid="exclude")
    got = _summary(CONVERTERS["duckdb"](data), by="team", at="2026-07-01 12:00",
                   invalid="exclude")
    assert want["n"].tolist() == got["n"].tolist() == [2, 1]


def test_what_the_engines_refuse_names_the_reason():
    data = _tickets()
    polars = CONVERTERS["polars"]
    with pytest.raises(TypeError, match="'created_at' is String"):
        kt.summarize(polars(data.astype({"created_at": str})), kpi="backlog")
    with pytest.raises(TypeError, match="timestamp_format= on a polars frame.*parse them"):
        kt.summarize(polars(data), kpi="backlog", timestamp_format="%Y-%m-%d %H:%M")
    with pytest.raises(TypeError, match="open at one moment.*kpitools.backlog gives"):
        kt.summarize(polars(data), kpi="backlog", at=["2026-07-01", "2026-07-02"])
    with pytest.raises(TypeError, match="open at one moment"):  # pandas refuses it too
        kt.summarize(data, kpi="backlog", at=["2026-07-01", "2026-07-02"])
    with pytest.raises(ValueError, match="reads its columns by role"):
        kt.summarize(polars(data), kpi="backlog", value="created_at")
    with pytest.raises(TypeError, match="freq"):  # not an option of the KPI
        kt.summarize(polars(data), kpi="backlog", freq="h")
    import polars as pl

    dated = pl.from_pandas(data).with_columns(pl.col("created_at").dt.date())
    with pytest.raises(TypeError, match="holds dates and 'resolved_at' timestamps"):
        kt.summarize(dated, kpi="backlog")
    waits = pl.from_pandas(data).with_columns(pl.col("resolved_at") - pl.col("created_at"))
    with pytest.raises(TypeError, match="'resolved_at' is Duration.*timestamps"):
        kt.summarize(waits, kpi="backlog")


def test_an_aware_column_next_to_a_naive_one_is_refused_as_in_pandas():
    data = _tickets()
    data["created_at"] = data["created_at"].dt.tz_localize("UTC")
    with pytest.raises(DataValidationError, match="time-zone mix") as want:
        kt.summarize(data, kpi="backlog")
    with pytest.raises(DataValidationError, match="time-zone mix") as got:
        kt.summarize(CONVERTERS["pyarrow"](data), kpi="backlog")
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("engine", ["polars", "pyarrow", "duckdb"])
def test_dates_count_as_their_midnights(engine):
    import pyarrow as pa

    data = _tickets().assign(created_at=lambda d: d["created_at"].dt.normalize(),
                             resolved_at=lambda d: d["resolved_at"].dt.normalize())
    table = pa.Table.from_pandas(data, preserve_index=False)
    dated = table.set_column(2, "created_at", table["created_at"].cast(pa.date32())
                             ).set_column(3, "resolved_at",
                                          table["resolved_at"].cast(pa.date32()))
    frame = {"polars": lambda t: __import__("polars").from_arrow(t), "pyarrow": lambda t: t,
             "duckdb": lambda t: __import__("duckdb").connect().from_arrow(t)}[engine](dated)
    for options in ({"at": "2026-07-01 12:00"}, {"at": "2026-07-02"}, {}):
        want = _summary(data, by="team", invalid="exclude", **options)
        got = _summary(frame, by="team", invalid="exclude", **options)
        assert got["n"].tolist() == want["n"].tolist(), options


def _random_tickets(seed: int, tz: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 500
    created = pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 86_400 * 30, n),
                                                           unit="s")
    resolved = created + pd.to_timedelta(rng.integers(-3_600, 86_400 * 4, n), unit="s")
    data = pd.DataFrame({"team": pd.Categorical(rng.choice(["a", "b", "c", None], n)),
                         "channel": rng.choice(["chat", "email"], n),
                         "created_at": pd.Series(created).where(rng.random(n) > 0.05),
                         "resolved_at": pd.Series(resolved).where(rng.random(n) > 0.2)})
    if tz is not None:
        for column in ("created_at", "resolved_at"):
            data[column] = data[column].dt.tz_localize(tz)
    return data


def _same(table: pd.DataFrame, frame, by: list[str], options: dict) -> None:
    want = _summary(table, by=by or None, **options)
    got = _summary(frame, by=by or None, **options)
    assert list(got.columns) == list(want.columns)
    for key in by:
        assert got[key].astype(str).tolist() == want[key].astype(str).tolist()
    assert got["method"].tolist() == want["method"].tolist()
    np.testing.assert_allclose(got[NUMBERS].to_numpy(float), want[NUMBERS].to_numpy(float),
                               rtol=1e-9, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("tz", [None, "Europe/Paris"])
@pytest.mark.parametrize("at", [None, "2026-01-20 12:00", "2026-01-20 12:00+05:00",
                                pd.NaT, "2025-12-01"])
def test_equals_pandas_on_random_tables(seed, tz, at):
    """Resolutions before creations, missing times and teams, aware and naive moments."""
    table = _random_tickets(seed, tz)
    options = {"invalid": "exclude", "method": "score" if seed else "exact"}
    if at is not None:
        options["at"] = at
    for engine in ENGINES:
        for by in (["team"], ["team", "channel"], []):
            _same(table, CONVERTERS[engine](table.copy()), by, options)


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb", "pyarrow"])
def test_compare_equals_pandas(engine):
    """The rate ratio of two counts (exposure 1), each cell at its own latest creation
    or at one moment."""
    table = _random_tickets(4)
    for options in ({}, {"at": "2026-01-20 12:00", "alternative": "less"}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            want = kt.compare(table, kpi="backlog", group="channel", by="team",
                              invalid="exclude", **options)
            got = kt.compare(CONVERTERS[engine](table.copy()), kpi="backlog",
                             group="channel", by="team", invalid="exclude", **options)
        assert got[["team", "group_a", "group_b", "method"]].astype(str).equals(
            want[["team", "group_a", "group_b", "method"]].astype(str))
        numbers = ["estimate_a", "estimate_b", "difference", "ci_low", "ci_high", "pvalue",
                   "n_a", "n_b"]
        np.testing.assert_allclose(got[numbers].to_numpy(float),
                                   want[numbers].to_numpy(float), rtol=1e-9, atol=1e-9,
                                   equal_nan=True)


@pytest.mark.slow
@pytest.mark.spark
def test_spark_equals_pandas_with_time_zones_and_comparisons(spark):
    """Spark's timestamps are instants shown in the session's zone (UTC here): naive and
    aware moments, the whole table's latest creation (a first query), a comparison."""
    table = _random_tickets(5)
    frame = spark_frame(spark, table)
    for by in (["team"], []):
        for at in (None, "2026-01-20 12:00", "2026-01-20 12:00+05:00"):
            options = {"invalid": "exclude"} | ({} if at is None else {"at": at})
            _same(table, frame, by, options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        want = kt.compare(table, kpi="backlog", group="channel", invalid="exclude")
        got = kt.compare(frame, kpi="backlog", group="channel", invalid="exclude")
    assert got["difference"].tolist() == pytest.approx(want["difference"].tolist(), rel=1e-12)
    assert got[["n_a", "n_b"]].to_numpy().tolist() == want[["n_a", "n_b"]].to_numpy().tolist()
