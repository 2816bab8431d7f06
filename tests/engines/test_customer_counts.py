"""Customer and workforce KPIs on engines (`kpitools.engines.customers`): what they refuse,
and the counts by hand. The equality with pandas is in the engine matrix (`test_matrix`)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from engine_frames import CONVERTERS
from hypothesis import given, settings
from hypothesis import strategies as st

import kpitools as kt
from kpitools import datasets
from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.engines import sufficient_statistics


def _customers() -> pd.DataFrame:
    """Five customers of 2026Q3 whose counts are known: two at the start (one lost in the
    period), one new and still there, one new and gone, one after the period."""
    return pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4", "C5"],
        "segment": ["a", "a", "b", "b", "b"],
        "start_date": pd.to_datetime(["2025-01-10", "2024-03-01", "2026-07-05",
                                      "2026-08-01", "2026-10-02"]),
        "end_date": pd.to_datetime([None, "2026-08-15", None, "2026-09-01", None]),
    })


pytestmark = pytest.mark.filterwarnings(f"ignore::{SmallSampleWarning.__module__}."
                                        f"{SmallSampleWarning.__name__}")


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb", "pyarrow"])
def test_the_counts_of_a_period_by_hand(engine):
    stats = sufficient_statistics(CONVERTERS[engine](_customers()), "crr", by="segment",
                                  period="2026Q3")
    got = stats.groups.set_index("segment")
    # a: C1 stays, C2 is lost; b: C3 new and stays, C4 new and left, C5 after the period
    assert got.loc["a", ["start", "end", "new", "new_all", "lost", "left_all"]].tolist() == [
        2, 1, 0, 0, 1, 1]
    assert got.loc["b", ["start", "end", "new", "new_all", "lost", "left_all"]].tolist() == [
        0, 1, 1, 2, 0, 1]
    table = kt.summarize(CONVERTERS[engine](_customers()), kpi="crr", by="segment",
                         period="2026Q3")
    assert table["estimate"].tolist()[0] == 50.0  # (E − N) / S = (1 − 0) / 2
    assert pd.isna(table["estimate"].iloc[1]) and table["n_excluded"].iloc[1] == 3


def test_an_end_before_the_start_is_refused_with_its_number_of_rows():
    data = _customers()
    data.loc[[0, 2], "end_date"] = pd.Timestamp("2020-01-01")
    with pytest.raises(DataValidationError, match="end_date") as err:
        kt.summarize(CONVERTERS["duckdb"](data), kpi="churn_rate", period="2026Q3")
    assert "2 " in str(err.value) and "duckdb frame" in str(err.value)
    got = kt.summarize(CONVERTERS["duckdb"](data), kpi="churn_rate", period="2026Q3",
                       invalid="exclude")
    assert got["n_excluded"].tolist() == [2]
    assert "(2 rows on duckdb)" in got.attrs["excluded"]["reason"].iloc[0]


def test_what_the_engines_refuse_names_the_reason():
    data = _customers()
    polars = CONVERTERS["polars"]
    with pytest.raises(TypeError, match="needs the option period="):
        kt.summarize(polars(data), kpi="churn_rate")
    with pytest.raises(DataValidationError, match="time-zone naive"):
        kt.summarize(polars(data.assign(start_date=data["start_date"].dt.tz_localize("UTC"),
                                        end_date=data["end_date"].dt.tz_localize("UTC"))),
                     kpi="churn_rate", period="2026Q3")
    with pytest.raises(DataValidationError, match="1 repeated ids"):
        kt.summarize(polars(pd.concat([data, data.iloc[:1]])), kpi="crr", period="2026Q3")
    with pytest.raises(TypeError, match="'start_date' is String"):
        kt.summarize(polars(data.astype({"start_date": str})), kpi="crr", period="2026Q3")


def test_dates_without_times_count_as_the_timestamps_do():
    import polars as pl

    data = datasets.load_customers()
    want = kt.summarize(data, kpi="churn_rate", by="segment", period="2025Q3")
    dated = pl.from_pandas(data).with_columns(pl.col("start_date").cast(pl.Date),
                                              pl.col("end_date").cast(pl.Date))
    got = kt.summarize(dated, kpi="churn_rate", by="segment", period="2025Q3")
    assert got["n"].tolist() == want["n"].tolist()
    assert got["estimate"].tolist() == pytest.approx(want["estimate"].tolist(), abs=1e-12)


@st.composite
def _customer_tables(draw: st.DrawFn) -> pd.DataFrame:
    """Up to 25 customers in 2 segments starting and ending on any of 40 days around 2026Q3
    (some never end, some start missing, some end before they start)."""
    n = draw(st.integers(1, 25))
    day = st.integers(0, 39).map(lambda d: pd.Timestamp("2026-06-10") + pd.Timedelta(days=3 * d))
    starts = draw(st.lists(st.one_of(day, st.just(pd.NaT)), min_size=n, max_size=n))
    ends = draw(st.lists(st.one_of(day, st.just(pd.NaT)), min_size=n, max_size=n))
    segments = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
    return pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)], "segment": segments,
                         "start_date": pd.to_datetime(starts), "end_date": pd.to_datetime(ends)})


@settings(max_examples=40, deadline=None)
@given(_customer_tables(), st.sampled_from(["crr", "churn_rate", "customer_growth",
                                            "employee_turnover"]))
def test_any_customers_give_pandas_counts_on_engines(customers, kpi):
    data = customers.rename(columns={"customer_id": "agent_id"}) if (
        kpi == "employee_turnover") else customers
    options = {"by": "segment", "period": "2026Q3", "invalid": "exclude"}
    try:
        want = kt.summarize(data, kpi=kpi, **options)
    except DataValidationError as err:  # e.g. no employees in the period: refused alike
        with pytest.raises(DataValidationError, match=re.escape(str(err.problem)[:30])):
            kt.summarize(CONVERTERS["duckdb"](data), kpi=kpi, **options)
        return
    columns = ["n", "n_excluded", "estimate", "ci_low", "ci_high", "method"]
    for engine in ("polars_lazy", "duckdb"):
        got = kt.summarize(CONVERTERS[engine](data), kpi=kpi, **options)
        pd.testing.assert_frame_equal(got[columns], want[columns], check_dtype=False)
