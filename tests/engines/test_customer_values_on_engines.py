"""NRR and CLV on engines (`kpitools.engines.customers`, the starting customers' values):
equal to pandas on every engine, summaries and comparisons; what is refused, with its
number of rows; intervals worked out by hand; and the order of the rows making no
difference (the bootstrap resamples the customers in the order of their values,
`kpitools.kpis.customers.kpi_from_values`)."""

from __future__ import annotations

import math
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from engine_frames import CONVERTERS, engine_of, spark_frame
from hypothesis import given, settings
from hypothesis import strategies as st

import kpitools as kt
from kpitools import datasets
from kpitools.core.errors import DataValidationError, SmallSampleWarning

pytestmark = pytest.mark.filterwarnings(f"ignore::{SmallSampleWarning.__module__}."
                                        f"{SmallSampleWarning.__name__}")

NUMBERS = ["estimate", "ci_low", "ci_high", "confidence_level", "n", "n_excluded"]
TEXT = ["kpi", "method", "unit"]
COMPARE_NUMBERS = ["estimate_a", "estimate_b", "difference", "ci_low", "ci_high",
                   "statistic", "pvalue", "pvalue_adjusted", "n_a", "n_b", "confidence_level"]
COMPARE_TEXT = ["group_a", "group_b", "kpi", "measure", "alternative", "method", "test",
                "unit", "p_adjust_method", "p_adjust_scope"]
ENGINES = [name for name in CONVERTERS if name != "pandas"]
#: The start of 2025Q3, the period of most cases (and its month 2025-08).
Q3 = pd.Timestamp("2025-07-01")


def _messy_customers() -> pd.DataFrame:
    """The sample customers with ends before their start, missing start dates and missing
    expansion amounts (read as 0)."""
    data = datasets.load_customers()
    back = data.index[::50]
    data.loc[back, "end_date"] = data.loc[back, "start_date"] - pd.Timedelta("3D")
    data.loc[data.index[7::77], "start_date"] = pd.NaT
    data.loc[data.index[3::61], "expansion_mrr"] = np.nan
    return data


def _missing_teams() -> pd.DataFrame:
    """`_messy_customers` with a few rows without a team (a group of their own)."""
    data = _messy_customers()
    data["team"] = data["team"].astype(object)
    data.loc[data.index[::97], "team"] = None
    return data


TABLES = {"messy": _messy_customers, "missing_teams": _missing_teams}

#: (id, table, kpi, by, options)
SUMMARY_CASES = [
    ("nrr_segments_quarter", "messy", "nrr", ["segment"],
     {"period": "2025Q3", "n_resamples": 299}),
    ("nrr_teams_month_less", "missing_teams", "nrr", ["team"],
     {"period": "2025-08", "n_resamples": 299, "alternative": "less",
      "confidence_level": 0.9}),
    ("nrr_whole_quarter_greater", "messy", "nrr", [],
     {"period": "2025Q3", "n_resamples": 299, "alternative": "greater", "random_state": 11}),
    ("clv_delta_segments_quarter", "messy", "clv", ["segment"],
     {"period": "2025Q3", "margin": 0.7}),
    ("clv_bootstrap_teams_quarter", "messy", "clv", ["team"],
     {"period": "2025Q3", "method": "bootstrap", "n_resamples": 299, "random_state": 7}),
    ("clv_bootstrap_segments_first_quarter", "messy", "clv", ["segment"],
     {"period": "2025Q1", "method": "bootstrap", "n_resamples": 299, "margin": 0.5}),
]

#: (id, table, kpi, group, by, options)
COMPARE_CASES = [
    ("nrr_segments", "messy", "nrr", "segment", [], {"period": "2025Q3", "n_resamples": 299}),
    ("nrr_teams_by_segment_greater", "messy", "nrr", "team", ["segment"],
     {"period": "2025Q3", "n_resamples": 299, "alternative": "greater", "random_state": 3}),
    ("clv_segments_month", "messy", "clv", "segment", [],
     {"period": "2025-08", "n_resamples": 299, "margin": 0.6}),
    ("clv_teams_quarter_less", "messy", "clv", "team", [],
     {"period": "2025Q3", "n_resamples": 299, "alternative": "less"}),
]


def _summary(frame, kpi, by, options) -> pd.DataFrame:
    return kt.summarize(frame, kpi=kpi, by=by or None, invalid="exclude", **options)


def _compare(frame, kpi, group, by, options) -> pd.DataFrame:
    return kt.compare(frame, kpi=kpi, group=group, by=by or None, invalid="exclude",
                      **options)


def assert_same_table(got: pd.DataFrame, want: pd.DataFrame, by: list[str]) -> None:
    assert list(got.columns) == list(want.columns) and len(got) == len(want) > 0
    for key in by:  # same groups in the same order (a missing key compares as None)
        assert ([None if pd.isna(v) else str(v) for v in got[key]]
                == [None if pd.isna(v) else str(v) for v in want[key]])
    for col in TEXT:
        assert got[col].tolist() == want[col].tolist(), col
    np.testing.assert_allclose(got[NUMBERS].to_numpy(dtype=float),
                               want[NUMBERS].to_numpy(dtype=float),
                               rtol=1e-9, atol=1e-9, equal_nan=True)


def assert_same_comparison(got: pd.DataFrame, want: pd.DataFrame, by: list[str]) -> None:
    assert list(got.columns) == list(want.columns) and len(got) == len(want) > 0
    for col in [*by, *COMPARE_TEXT]:
        assert got[col].astype(str).tolist() == want[col].astype(str).tolist(), col
    np.testing.assert_allclose(got[COMPARE_NUMBERS].to_numpy(dtype=float),
                               want[COMPARE_NUMBERS].to_numpy(dtype=float),
                               rtol=1e-9, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", SUMMARY_CASES, ids=[c[0] for c in SUMMARY_CASES])
def test_summary_on_engine_equals_pandas(case, engine):
    _, table, kpi, by, options = case
    data = TABLES[table]()
    want = _summary(data, kpi, by, options)
    got = _summary(CONVERTERS[engine](data), kpi, by, options)
    assert_same_table(got, want, by)
    # the excluded rows (ends before starts, missing starts) listed with their numbers
    listed = got.attrs["excluded"]
    assert set(listed["column"]) == set(want.attrs["excluded"]["column"])
    assert all(f"on {engine_of(engine)})" in reason for reason in listed["reason"])
    assert int(got["n_excluded"].sum()) > 0


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", COMPARE_CASES, ids=[c[0] for c in COMPARE_CASES])
def test_compare_on_engine_equals_pandas(case, engine):
    _, table, kpi, group, by, options = case
    data = TABLES[table]()
    want = _compare(data, kpi, group, by, options)
    got = _compare(CONVERTERS[engine](data), kpi, group, by, options)
    assert_same_comparison(got, want, by)


def test_text_amounts_are_read_as_pandas_reads_them():
    data = _messy_customers()
    data["mrr"] = data["mrr"].map(repr)  # numbers as text: pandas reads them as numbers
    want = _summary(data, "nrr", ["segment"], {"period": "2025Q3", "n_resamples": 299})
    got = _summary(CONVERTERS["polars"](data), "nrr", ["segment"],
                   {"period": "2025Q3", "n_resamples": 299})
    assert_same_table(got, want, ["segment"])


def test_no_churn_in_a_group_is_refused_as_on_pandas():
    # no customer of the Enterprise Desk team left in August 2025: the simple CLV is unbounded
    data = _messy_customers()
    for frame in (data, CONVERTERS["duckdb"](data)):
        with pytest.raises(ValueError, match="no customer churned in the period"):
            _summary(frame, "clv", ["team"], {"period": "2025-08"})


# ----------------------------------------------------------------------------- by hand


def _hand_customers() -> pd.DataFrame:
    """Customers of 2026Q3: C1 stays and expands 100 → 120; C2 is lost (50 → 0); C3
    contracts 50 → 40; C4 stays at 80 (it leaves after the period); C5 is new (not counted);
    C6 has no start date (excluded)."""
    return pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
        "start_date": pd.to_datetime(["2025-01-10", "2024-03-01", "2025-06-01",
                                      "2025-02-01", "2026-07-05", None]),
        "end_date": pd.to_datetime([None, "2026-08-15", None, "2026-10-05", None, None]),
        "mrr": [100.0, 50.0, 50.0, 80.0, 70.0, 999.0],
        "expansion_mrr": [20.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "contraction_mrr": [0.0, 0.0, 10.0, 0.0, 0.0, 0.0],
    })


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb", "pyarrow"])
def test_nrr_and_clv_by_hand(engine):
    frame = CONVERTERS[engine](_hand_customers())
    got = kt.summarize(frame, kpi="nrr", period="2026Q3", n_resamples=99)
    # (120 + 0 + 40 + 80) / (100 + 50 + 50 + 80) = 240 / 280
    assert got["estimate"].iloc[0] == pytest.approx(100 * 240 / 280, rel=1e-12)
    assert got[["n", "n_excluded"]].iloc[0].tolist() == [4, 1]
    assert got[["method", "unit"]].iloc[0].tolist() == ["bootstrap", "%"]
    assert "(1 row on" in got.attrs["excluded"]["reason"].iloc[0]
    value = kt.summarize(frame, kpi="clv", period="2026Q3", margin=0.5)
    # revenue per quarter 3 × (100, 50, 50, 80): mean 210; one lost of four: churn 1/4
    assert value["estimate"].iloc[0] == pytest.approx(0.5 * 210 / 0.25, rel=1e-12)
    assert value[["method", "unit"]].iloc[0].tolist() == ["delta", "money"]


def _constant_ratio(ratio: float, n: int = 40, segment: str = "a") -> pd.DataFrame:
    """``n`` customers of 2026Q3, none lost, each with end MRR = ``ratio`` × start MRR."""
    mrr = 100.0 * (1 + np.arange(n) % 7)
    return pd.DataFrame({
        "customer_id": [f"{segment}{i}" for i in range(n)], "segment": segment,
        "start_date": pd.Timestamp("2025-01-01"), "end_date": pd.NaT, "mrr": mrr,
        "expansion_mrr": (ratio - 1) * mrr, "contraction_mrr": 0.0})


@pytest.mark.parametrize("engine", ["polars", "duckdb_table"])
def test_intervals_by_hand(engine):
    # every customer keeps 110 % of its MRR: every resample's NRR is 110 %, so is the CI
    got = kt.summarize(CONVERTERS[engine](_constant_ratio(1.1)), kpi="nrr", period="2026Q3",
                       n_resamples=199)
    assert got[["estimate", "ci_low", "ci_high"]].iloc[0].tolist() == pytest.approx(
        [110.0] * 3, rel=1e-12)
    # b keeps 120 %, a 100 %: every resampled difference is 20 points, none on the other
    # side of 0 (p = 0)
    both = pd.concat([_constant_ratio(1.0, segment="a"), _constant_ratio(1.2, segment="b")],
                     ignore_index=True)
    cmp = kt.compare(CONVERTERS[engine](both), kpi="nrr", group="segment", period="2026Q3",
                     n_resamples=199)
    assert cmp[["difference", "ci_low", "ci_high"]].iloc[0].tolist() == pytest.approx(
        [20.0] * 3, rel=1e-12)
    assert cmp["pvalue"].iloc[0] == 0.0 and cmp["unit"].iloc[0] == "percentage points"
    # CLV by the delta method: 40 customers of MRR 100 (300 a quarter), 4 of them lost:
    # churn p = 0.1, CLV = 0.5 × 300 / 0.1 = 1500; revenue constant, so
    # Var(log CLV) = Var(churned) / (n p²) with Var(churned) = n/(n − 1) · p(1 − p)
    data = _constant_ratio(1.0).assign(mrr=100.0, expansion_mrr=0.0)
    data.loc[:3, "end_date"] = pd.Timestamp("2026-08-01")
    n, p = 40, 0.1
    se = math.sqrt(n / (n - 1) * p * (1 - p) / n) / p
    z = NormalDist().inv_cdf(0.975)
    got = kt.summarize(CONVERTERS[engine](data), kpi="clv", period="2026Q3", margin=0.5)
    assert got[["estimate", "ci_low", "ci_high"]].iloc[0].tolist() == pytest.approx(
        [1500.0, 1500.0 * math.exp(-z * se), 1500.0 * math.exp(z * se)], rel=1e-9)


# -------------------------------------------------------------------------- refusals


def _starting(data: pd.DataFrame) -> pd.Index:
    """The rows active at the start of 2025Q3, by their dates."""
    end = data["end_date"]
    return data.index[(data["start_date"] < Q3) & (end.isna() | (end >= Q3))]


def test_missing_or_negative_revenues_are_refused_with_their_number_of_rows():
    data = datasets.load_customers()
    starting = _starting(data)
    # three starting customers with the same dates and no MRR: one representative row on
    # the engine, three rows in the message; a new customer without MRR is not read
    data.loc[starting[:3], ["start_date", "end_date", "mrr"]] = [
        pd.Timestamp("2024-01-01"), pd.NaT, np.nan]
    data.loc[starting[3], "mrr"] = -5.0
    later = data.index[data["start_date"] >= pd.Timestamp("2025-10-01")]
    data.loc[later[:2], "mrr"] = np.nan
    for engine in ("duckdb", "polars_lazy"):
        with pytest.raises(DataValidationError) as err:
            kt.summarize(CONVERTERS[engine](data), kpi="nrr", period="2025Q3")
        text = str(err.value)
        assert "column 'mrr'" in text
        assert "4 monthly revenues are missing, not numbers or negative" in text
        assert f"rows of a {engine_of(engine)} frame are not numbered" in text
    with pytest.raises(DataValidationError, match="4 monthly revenues"):
        kt.summarize(data, kpi="nrr", period="2025Q3")
    text = data.astype({"mrr": object})
    text.loc[starting[3], "mrr"] = "n/a"  # not a number
    with pytest.raises(DataValidationError, match="4 monthly revenues are missing, not "):
        kt.summarize(CONVERTERS["polars"](text.astype({"mrr": str})), kpi="clv",
                     period="2025Q3")


def test_negative_expansion_and_contraction_are_refused():
    data = datasets.load_customers()
    starting = _starting(data)
    data.loc[starting[:2], "expansion_mrr"] = -1.0
    frame = CONVERTERS["pyarrow"](data)
    with pytest.raises(DataValidationError, match=r"column 'expansion_mrr': 2 negative "
                                                  r"amounts; rows of a pyarrow frame"):
        kt.summarize(frame, kpi="nrr", period="2025Q3")
    data = datasets.load_customers()
    data.loc[starting[5:8], "contraction_mrr"] = -3.0
    with pytest.raises(DataValidationError, match="'contraction_mrr': 3 negative amounts"):
        kt.summarize(CONVERTERS["polars"](data), kpi="clv", period="2025Q3")
    # a comparison refuses the first pair's group with negative amounts, with its own rows
    first = data.loc[starting[5:8], "segment"].astype(str).min()  # the segments sorted
    n_first = int((data.loc[starting[5:8], "segment"] == first).sum())
    for frame in (data, CONVERTERS["polars"](data)):
        with pytest.raises(DataValidationError, match=f"'contraction_mrr': {n_first} negative"):
            kt.compare(frame, kpi="clv", group="segment", period="2025Q3")


def test_refused_revenues_count_in_their_own_group_only():
    # the bad MRR is in rows without a segment: pandas leaves them out of the comparison
    # (warning) and refuses them in the summary, where they form their own group
    data = datasets.load_customers()
    data["segment"] = data["segment"].astype(object)
    bad = _starting(data)[:3]
    data.loc[bad, ["mrr", "segment"]] = [np.nan, None]
    options = {"group": "segment", "period": "2025Q3", "n_resamples": 199}
    with pytest.warns(UserWarning, match="3 rows have no segment"):
        want = kt.compare(data, kpi="nrr", **options)
    with pytest.warns(UserWarning, match="3 rows have no segment .*duckdb frame"):
        got = kt.compare(CONVERTERS["duckdb"](data), kpi="nrr", **options)
    assert_same_comparison(got, want, [])
    for frame in (data, CONVERTERS["duckdb"](data)):
        with pytest.raises(DataValidationError, match="3 monthly revenues"):
            kt.summarize(frame, kpi="nrr", by="segment", period="2025Q3")


def test_what_the_engines_refuse_names_the_reason():
    data = datasets.load_customers()
    frame = CONVERTERS["polars"](data)
    with pytest.raises(DataValidationError, match="starting MRR is zero; NRR is undefined"):
        kt.summarize(CONVERTERS["duckdb"](data.assign(mrr=0.0, expansion_mrr=0.0)),
                     kpi="nrr", period="2025Q3")
    with pytest.raises(DataValidationError, match="column 'mrr': column not found"):
        kt.summarize(CONVERTERS["polars"](data.drop(columns="mrr")), kpi="clv",
                     period="2025Q3")
    with pytest.raises(TypeError, match="kpi='clv' has a two-sided interval only"):
        kt.summarize(frame, kpi="clv", period="2025Q3", alternative="less")
    with pytest.raises(TypeError, match=r"kpi='nrr' does not take the option\(s\) method="):
        kt.summarize(frame, kpi="nrr", period="2025Q3", method="bootstrap")
    with pytest.raises(TypeError, match="does not take the option"):
        kt.compare(frame, kpi="nrr", group="segment", period="2025Q3", margin=0.5)
    with pytest.raises(ValueError, match="is a week, not a whole number of months"):
        kt.summarize(frame, kpi="clv", period="2025-W30")
    with pytest.raises(TypeError, match="needs the option period="):
        kt.summarize(frame, kpi="nrr")
    with pytest.raises(DataValidationError, match="1 repeated ids"):
        kt.summarize(CONVERTERS["polars"](pd.concat([data, data.iloc[:1]])), kpi="nrr",
                     period="2025Q3")
    with pytest.raises(DataValidationError, match="no usable values for customers at the "
                                                  "start of 2021Q1"):
        kt.compare(frame, kpi="nrr", group="segment", period="2021Q1")
    before = kt.summarize(frame, kpi="nrr", by="segment", period="2021Q1")
    assert before["n"].tolist() == [0, 0, 0] and before["estimate"].isna().all()


# --------------------------------------------------------------- the order of the rows


@st.composite
def _customer_tables(draw):
    """A small table of customers of 2026Q3 (two segments; the first two rows lost, one of
    each segment, so that CLV is defined) and an order of its rows."""
    n = draw(st.integers(4, 30))
    cents = st.integers(0, 40_000)
    rows = draw(st.lists(st.tuples(st.integers(1, 200_000), cents, cents, st.booleans(),
                                   st.integers(0, 3), st.sampled_from(["a", "b"])),
                         min_size=n, max_size=n))
    mrr, expansion, contraction, lost, start, segment = (list(c) for c in zip(*rows,
                                                                               strict=True))
    lost[0] = lost[1] = True
    segment[0], segment[1] = "a", "b"
    starts = pd.to_datetime(["2024-05-01", "2025-11-20", "2026-06-30", "2026-08-01"])
    data = pd.DataFrame({
        "customer_id": [f"C{i}" for i in range(n)], "segment": segment,
        "start_date": starts[start].where(np.arange(n) >= 2, starts[0]),
        "end_date": pd.to_datetime(np.where(lost, "2026-09-10", None)),
        "mrr": np.array(mrr) / 100, "expansion_mrr": np.array(expansion) / 100,
        "contraction_mrr": np.minimum(contraction, mrr) / 100})
    return data, draw(st.permutations(range(n)))


@settings(max_examples=12, deadline=None)
@given(_customer_tables())
def test_the_order_of_the_rows_makes_no_difference(table):
    data, order = table
    shuffled = data.iloc[list(order)].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        for kpi, options in (("nrr", {"n_resamples": 199, "alternative": "less"}),
                             ("clv", {"method": "bootstrap", "n_resamples": 199,
                                      "margin": 0.8}),
                             ("clv", {})):
            want = getattr(kt, kpi)(data, "2026Q3", **options)
            got = getattr(kt, kpi)(shuffled, "2026Q3", **options)
            assert (got.estimate, got.ci_low, got.ci_high, got.n) == (
                want.estimate, want.ci_low, want.ci_high, want.n)
            on_engine = kt.summarize(CONVERTERS["polars"](shuffled), kpi=kpi,
                                     period="2026Q3", **options)
            assert on_engine[["estimate", "ci_low", "ci_high"]].iloc[0].tolist() == [
                want.estimate, want.ci_low, want.ci_high]
        for kpi in ("nrr", "clv"):
            want = kt.compare(data, kpi=kpi, group="segment", period="2026Q3",
                              n_resamples=199)
            got = kt.compare(shuffled, kpi=kpi, group="segment", period="2026Q3",
                             n_resamples=199)
            pd.testing.assert_frame_equal(got, want)


# ---------------------------------------------------------------------------- PySpark


@pytest.mark.slow
@pytest.mark.spark
def test_spark_equals_pandas_for_nrr_and_clv(spark):
    data = _messy_customers()
    frame = spark_frame(spark, data)
    for case_id in ("nrr_segments_quarter", "clv_bootstrap_segments_first_quarter"):
        _, _, kpi, by, options = next(c for c in SUMMARY_CASES if c[0] == case_id)
        got = _summary(frame, kpi, by, options)
        assert_same_table(got, _summary(data, kpi, by, options), by)
        assert all("on pyspark)" in reason for reason in got.attrs["excluded"]["reason"])
    for case_id in ("nrr_teams_by_segment_greater", "clv_segments_month"):
        _, _, kpi, group, by, options = next(c for c in COMPARE_CASES if c[0] == case_id)
        assert_same_comparison(_compare(frame, kpi, group, by, options),
                               _compare(data, kpi, group, by, options), by)
