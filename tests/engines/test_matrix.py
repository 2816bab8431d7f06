"""The engine test matrix: every engine KPI on every engine equals `kt.summarize` on pandas.

The reference is the row-level pandas path of `kpitools.summarize` (an independent
computation: it sorts and counts the rows itself); the engines compute sufficient statistics
(`kpitools.engines`) and the KPI from them. Equal to 1e-9 on the sample data.
"""

from __future__ import annotations

import functools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from engine_frames import CONVERTERS, engine_of, spark_frame

import kpitools as kt
from kpitools import datasets, engines
from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.kpis.targets import GroupTargets

NUMBERS = ["estimate", "ci_low", "ci_high", "confidence_level", "n", "n_excluded"]
#: Agents' available hours per quarter (utilisation, productivity).
AVAILABILITY = datasets.load_agent_availability()


def _surveys() -> pd.DataFrame:
    data = datasets.load_surveys()
    data.loc[data.index[::97], "team"] = None  # a missing key is its own group
    data.loc[data.index[5::89], "nps"] = None  # missing answers are excluded and counted
    return data


#: (id, table, kpi, value, by, options): every KPI of `engines.ENGINE_KPIS`.
CASES = [
    ("nps", "surveys", "nps", "nps", ["team"], {}),
    ("nps_two_keys_wald", "surveys", "nps", "nps", ["team", "quarter"], {"method": "wald"}),
    ("enps", "surveys", "enps", "nps", ["channel"], {}),
    ("csat", "surveys", "csat", "csat", ["team"], {}),
    ("csat_top1_greater", "surveys", "csat", "csat", ["quarter"],
     {"positive": (5,), "alternative": "greater"}),
    ("csat_mean", "surveys", "csat_mean", "csat", ["team"], {}),
    ("ces_mean", "surveys", "ces", "ces", ["team"], {"variant": "ease_1_7_mean"}),
    ("ces_net", "surveys", "ces", "ces", ["channel"], {"variant": "effort_1_7_net"}),
    ("ces_top_box", "surveys", "ces", "ces", [], {"variant": "ease_1_7_top_box"}),
    ("yes_share", "tickets", "yes_share", "escalated", ["team"], {}),
    ("escalation_rate", "tickets", "escalation_rate", None, ["team"], {}),
    ("reopen_rate_value_agresti", "tickets", "reopen_rate", "reopened", ["channel"],
     {"method": "agresti_coull"}),
    ("conversion_rate", "complaint_tickets", "conversion_rate", None, ["team"], {}),
    ("frt_median", "tickets", "frt", None, ["team"], {}),
    ("frt_hours_99", "tickets", "frt", None, ["channel"],
     {"unit": "hours", "confidence_level": 0.99}),
    ("resolution_p90", "tickets", "resolution_time", None, ["priority"],
     {"statistic": "quantile", "q": 0.9}),
    ("aht", "calls", "aht", None, ["team"], {}),
    ("asa_p80", "calls", "asa", None, [], {"statistic": "quantile", "q": 0.8}),
    ("wait_value_minutes", "calls", "asa", "wait_seconds", ["team"], {"unit": "minutes"}),
    # rows decided from several columns (`kpitools.engines.outcomes`), with missing values,
    # negative durations and waits, answers before offers, missing keys
    ("fcr", "messy_tickets", "fcr", None, ["team"], {}),
    ("fcr_contacts_wald", "tickets", "fcr", None, ["channel"],
     {"definition": "contacts", "method": "wald"}),
    ("resolution_rate", "messy_tickets", "resolution_rate", None, ["team"],
     {"invalid": "exclude"}),
    ("resolution_rate_as_of", "messy_tickets", "resolution_rate", None, ["priority"],
     {"invalid": "exclude", "as_of": "2024-12-01"}),
    ("abandonment_rate", "messy_calls", "abandonment_rate", None, ["team"],
     {"invalid": "exclude"}),
    ("answer_rate_short_abandons", "messy_calls", "answer_rate", None, [],
     {"short_abandon_seconds": 5, "invalid": "exclude"}),
    ("service_level", "calls", "service_level", None, ["team"], {}),
    ("service_level_30s_answered", "messy_calls", "service_level", None, ["team"],
     {"threshold_seconds": 30, "denominator": "answered", "invalid": "exclude"}),
    ("ticket_volume", "messy_tickets", "ticket_volume", None, ["team"], {}),
    ("resolved_volume_period_days", "messy_tickets", "resolved_volume", None,
     ["quarter", "channel"], {"exposure": "period_days", "period_column": "quarter"}),
    ("resolved_volume_exposure_score", "tickets", "resolved_volume", None, ["channel"],
     {"exposure": 30.0, "method": "score"}),
    # SLA attainment: scalar and per-priority targets, open tickets past them (as_of)
    ("frt_sla_60min", "messy_tickets", "frt_sla", None, ["team"], {"target": 60}),
    ("resolution_sla_by_priority", "messy_tickets", "resolution_sla", None, ["channel"],
     {"target": {"urgent": "4h", "high": "8h"}, "target_by": "priority",
      "invalid": "exclude"}),
    ("resolution_sla_as_of_default", "messy_tickets", "resolution_sla", None, ["team"],
     {"target": GroupTargets("priority", {"urgent": "4h", "high": "8h"}, default="48h"),
      "as_of": "2026-10-01", "invalid": "exclude", "method": "wald"}),
    ("frt_sla_as_of_hours", "tickets", "frt_sla", None, [],
     {"target": 1.5, "target_unit": "hours", "as_of": "2026-10-01"}),
    # complaints per 1,000 customers: a base as a number, or a column of bases per team
    ("complaints_per_1000", "complaint_tickets", "complaints_per_1000", "complaint",
     ["channel"], {"customers": 5000}),
    ("complaints_base_column_score", "complaint_tickets", "complaints_per_1000",
     "complaint", ["team"], {"customers": "customer_base", "method": "score"}),
    # customers and employees of a period: ends before starts, missing starts, a month
    ("churn_rate", "messy_customers", "churn_rate", None, ["segment"],
     {"period": "2025Q3", "invalid": "exclude"}),
    ("crr_month_two_keys_wald", "messy_customers", "crr", None, ["team", "segment"],
     {"period": "2025-08", "invalid": "exclude", "method": "wald"}),
    ("customer_growth", "customers", "customer_growth", None, ["team"], {"period": "2025Q3"}),
    ("employee_turnover", "agents", "employee_turnover", None, ["team"],
     {"period": "2025Q3", "method": "score"}),
    ("churn_before_any_customer", "customers", "churn_rate", None, ["segment"],
     {"period": "2019Q1"}),
    ("nrr", "messy_customers", "nrr", None, ["segment"],
     {"period": "2025Q3", "invalid": "exclude", "n_resamples": 299}),
    ("clv_delta_margin", "customers", "clv", None, ["team"], {"period": "2025Q3",
                                                             "margin": 0.7}),
    ("clv_bootstrap_month", "customers", "clv", None, [],
     {"period": "2025-08", "method": "bootstrap", "n_resamples": 299}),
    # the backlog: tickets open at a moment, or at each group's latest creation (missing
    # creations, resolutions before creations and a missing team left out and counted)
    ("backlog_at_by_team", "messy_tickets", "backlog", None, ["team"],
     {"at": "2026-03-10 15:00", "invalid": "exclude"}),
    ("backlog_latest_by_channel", "messy_tickets", "backlog", None, ["channel"],
     {"invalid": "exclude"}),
    ("backlog_latest_two_keys_score", "messy_tickets", "backlog", None, ["team", "priority"],
     {"invalid": "exclude", "method": "score"}),
    ("backlog_latest_whole_table", "messy_tickets", "backlog", None, [],
     {"invalid": "exclude", "alternative": "greater"}),
    ("backlog_at_aware", "tickets", "backlog", None, ["priority"],
     {"at": "2026-03-02 15:30+02:00"}),
    # agents' work over their available time (calls without agent or talk time, idle agents)
    ("utilisation", "messy_calls", "utilisation", None, ["team"],
     {"availability": AVAILABILITY, "period": "2025Q3", "n_resamples": 499}),
    ("utilisation_whole_greater", "calls", "utilisation", None, [],
     {"availability": AVAILABILITY, "n_resamples": 299, "random_state": 7,
      "alternative": "greater"}),
    ("productivity", "messy_tickets", "productivity", None, ["team"],
     {"availability": AVAILABILITY, "period": "2025Q3"}),
    ("productivity_bootstrap", "tickets", "productivity", None, ["channel"],
     {"availability": AVAILABILITY, "method": "bootstrap_agents", "n_resamples": 299}),
    # next issue avoidance: each contact's follow-up found in the whole table
    ("nia_by_team", "messy_tickets", "nia", None, ["team"], {"days": 3}),
    ("nia_as_of_two_keys_wald", "messy_tickets", "nia", None, ["channel", "priority"],
     {"as_of": "2026-06-30", "method": "wald"}),
    ("nia_whole_table_30_days", "tickets", "nia", None, [], {"days": 30}),
]

def _few_surveys() -> pd.DataFrame:
    """Small cells: the comparisons warn (fewer than 30 answers)."""
    return datasets.load_surveys().iloc[::25].reset_index(drop=True)


def _talk_only_calls() -> pd.DataFrame:
    """Calls without hold and after-call work: AHT from talk time alone, with its note."""
    return datasets.load_calls().drop(columns=["hold_seconds", "acw_seconds"])


def _messy_tickets() -> pd.DataFrame:
    """Tickets with missing keys, creation times and FCR flags, resolutions before their
    creation, and a quarter label."""
    data = datasets.load_tickets()
    data["quarter"] = data["created_at"].dt.to_period("Q").astype(str)
    data.loc[data.index[::53], "created_at"] = pd.NaT
    back = data.index[7::61]
    data.loc[back, "resolved_at"] = data.loc[back, "created_at"] - pd.Timedelta("2h")
    data["first_contact_resolved"] = data["first_contact_resolved"].astype(object)
    data.loc[data.index[3::41], "first_contact_resolved"] = None
    data.loc[data.index[::97], "team"] = None
    return data


def _messy_calls() -> pd.DataFrame:
    """Calls with missing waits and keys, answers before their offer, and a quarter."""
    data = datasets.load_calls()
    data["quarter"] = data["offered_at"].dt.to_period("Q").astype(str)
    data["wait_seconds"] = data["wait_seconds"].astype(float)
    data.loc[data.index[::71], "wait_seconds"] = np.nan
    early = data.index[5::83]
    data.loc[early, "answered_at"] = data.loc[early, "offered_at"] - pd.Timedelta("1s")
    data.loc[data.index[::97], "team"] = None
    return data


def _messy_customers() -> pd.DataFrame:
    """Customers with ends before their start and missing start dates."""
    data = datasets.load_customers()
    back = data.index[::50]
    data.loc[back, "end_date"] = data.loc[back, "start_date"] - pd.Timedelta("3D")
    data.loc[data.index[7::77], "start_date"] = pd.NaT
    return data


def _complaint_tickets() -> pd.DataFrame:
    """Tickets with a complaint flag as text (yes / no / Y, some missing), each team's
    customer base in a column (missing on some rows, one value per team), and a conversion
    flag (some missing)."""
    data = datasets.load_tickets()
    data["complaint"] = np.where(data["escalated"], "yes", "no").astype(object)
    data.loc[data.index[::37], "complaint"] = None
    data.loc[data.index[5::101], "complaint"] = "Y"
    bases = {team: 1000.0 + 700.0 * i for i, team in enumerate(sorted(data["team"].unique()))}
    data["customer_base"] = data["team"].map(bases)
    data.loc[data.index[::13], "customer_base"] = np.nan
    data["converted"] = pd.array(data.index % 3 == 0, dtype="boolean")  # sales calls won
    data.loc[data.index[2::29], "converted"] = pd.NA
    return data


TABLES = {"surveys": _surveys, "tickets": datasets.load_tickets, "calls": datasets.load_calls,
          "few_surveys": _few_surveys, "talk_only_calls": _talk_only_calls,
          "messy_tickets": _messy_tickets, "messy_calls": _messy_calls,
          "complaint_tickets": _complaint_tickets, "customers": datasets.load_customers,
          "messy_customers": _messy_customers, "agents": datasets.load_agents}


@functools.cache
def _table(name: str) -> pd.DataFrame:
    return TABLES[name]()


@functools.cache
def _case_reference(case_id: str) -> pd.DataFrame:
    _, name, kpi, value, by, options = next(c for c in CASES if c[0] == case_id)
    return _reference(_table(name), kpi, value, by, options)


def _reference(table: pd.DataFrame, kpi, value, by, options) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return kt.summarize(table, kpi=kpi, value=value, by=by, **options)


def _engine(frame, kpi, value, by, options) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return engines.summarize(frame, kpi=kpi, value=value, by=by, **options)


def assert_same_table(got: pd.DataFrame, want: pd.DataFrame, by: list[str]) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for key in by:  # same groups in the same order (a missing key compares as None)
        assert ([None if pd.isna(v) else str(v) for v in got[key]]
                == [None if pd.isna(v) else str(v) for v in want[key]])
    for col in ("kpi", "method", "unit"):
        assert got[col].tolist() == want[col].tolist(), col
    np.testing.assert_allclose(got[NUMBERS].to_numpy(dtype=float),
                               want[NUMBERS].to_numpy(dtype=float),
                               rtol=1e-9, atol=1e-9, equal_nan=True)


def test_the_matrix_has_every_engine_kpi():
    assert sorted(set(engines.ENGINE_KPIS) - {c[2] for c in CASES}) == []


@pytest.mark.parametrize("engine", list(CONVERTERS))
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_engine_equals_pandas(case, engine):
    case_id, name, kpi, value, by, options = case
    want = _case_reference(case_id)
    got = _engine(CONVERTERS[engine](_table(name).copy()), kpi, value, by, options)
    assert_same_table(got, want, by)
    assert got.attrs["engine"] == engine_of(engine)


def test_excluded_rows_are_counted_and_listed_with_their_reason():
    table = _surveys()
    got = _engine(CONVERTERS["polars"](table), "nps", "nps", ["team"], {})
    missing = int(table["nps"].isna().sum())
    assert got["n_excluded"].sum() == missing
    listed = got.attrs["excluded"]
    assert len(listed) == 1 and listed["column"].tolist() == ["nps"]
    assert f"({missing} rows on polars)" in listed["reason"].iloc[0]


def test_refused_values_name_the_column_the_values_and_their_rows():
    table = datasets.load_surveys()[["team", "nps"]].copy()
    table.loc[table.index[:3], "nps"] = 11
    table.loc[table.index[3], "nps"] = -1
    with pytest.raises(DataValidationError) as err:
        engines.summarize(CONVERTERS["duckdb"](table), kpi="nps", value="nps", by="team")
    text = str(err.value)
    assert "'nps'" in text and "11 in 3 rows" in text and "-1 in 1 row" in text
    assert "duckdb" in text


def test_negative_durations_raise_or_are_excluded():
    table = datasets.load_tickets()
    swap = table.index[:2]
    table.loc[swap, "first_response_at"] = table.loc[swap, "created_at"] - pd.Timedelta("1h")
    frame = CONVERTERS["polars"](table)
    with pytest.raises(DataValidationError, match="2 rows with negative durations"):
        engines.summarize(frame, kpi="frt", by="team")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = kt.summarize(table, kpi="frt", by="team", invalid="exclude")
    got = _engine(frame, "frt", None, ["team"], {"invalid": "exclude"})
    assert_same_table(got, want, ["team"])


def test_what_needs_the_rows_is_refused_with_the_reason():
    frame = CONVERTERS["polars"](datasets.load_tickets())
    with pytest.raises(TypeError, match="bootstrap interval depends on the order"):
        engines.summarize(frame, kpi="frt", statistic="mean")
    with pytest.raises(TypeError, match="paired=True on a polars frame"):
        kt.compare(CONVERTERS["polars"](_table("surveys")), kpi="nps", value="nps",
                   group="quarter", paired=True)
    text = CONVERTERS["polars"](datasets.load_tickets().astype({"created_at": str}))
    with pytest.raises(TypeError, match="'created_at' is String"):
        engines.summarize(text, kpi="frt")


def test_sufficient_statistics_of_each_family_by_hand():
    df = pd.DataFrame({"g": ["a", "a", "a", "b", "b"], "score": [10, 7, 0, 9, None]})
    stats = engines.sufficient_statistics(CONVERTERS["polars_lazy"](df), kpi="nps",
                                          value="score", by="g")
    assert stats.family == "nps"
    assert stats.groups[["promoters", "passives", "detractors", "n_excluded"]].to_numpy(
    ).tolist() == [[1, 1, 1, 0], [1, 0, 0, 1]]
    csat = pd.DataFrame({"g": ["a"] * 4, "csat": [5, 4, 2, 4]})
    stats = engines.sufficient_statistics(CONVERTERS["pyarrow"](csat), kpi="csat_mean",
                                          value="csat", by="g")
    assert stats.family == "mean"
    # mean 3.75, squared deviations 1.5625 + 0.0625 + 3.0625 + 0.0625 = 4.75 (by hand)
    assert stats.groups[["n", "mean", "m2"]].to_numpy().tolist() == [[4, 3.75, 4.75]]


@pytest.mark.spark
def test_spark_local_mode_nps_and_frt(spark):
    """Not slow-marked, so PySpark runs in `make test` (CI); marked ``spark`` so that
    `make test-fast` leaves it out: the JVM start and Spark's first query take ~45 s.
    The same session also compares one mean KPI and one duration KPI (`kt.compare`)."""
    surveys, tickets = _surveys(), datasets.load_tickets()
    for table, kpi, value in ((surveys, "nps", "nps"), (tickets, "frt", None)):
        want = _reference(table, kpi, value, ["team"], {})
        got = _engine(spark_frame(spark, table), kpi, value, ["team"], {})
        assert_same_table(got, want, ["team"])
        assert got.attrs["engine"] == "pyspark"
    for case_id in ("csat_mean_quarters_by_team", "frt_channels"):
        case = next(c for c in COMPARE_MATRIX if c[0] == case_id)
        want, want_warnings = _compare_case(case, "pandas")
        got, got_warnings = _compare_case(case, "pyspark", spark)
        assert_same_comparison(got, want, case[5])
        assert got_warnings == want_warnings


@pytest.mark.slow
@pytest.mark.spark
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_spark_equals_pandas(case, spark):
    case_id, name, kpi, value, by, options = case
    want = _case_reference(case_id)
    got = _engine(spark_frame(spark, _table(name)), kpi, value, by, options)
    assert_same_table(got, want, by)


COMPARE_CASES = [
    ("nps_quarters", "surveys", "nps", "nps", "quarter", ["team"], {}),
    ("csat_channels", "surveys", "csat", "csat", "channel", [], {"positive": (5,)}),
    ("escalated_priority", "tickets", "yes_share", "escalated", "priority", [], {}),
]
COMPARE_NUMBERS = ["estimate_a", "estimate_b", "difference", "ci_low", "ci_high",
                   "statistic", "pvalue", "pvalue_adjusted", "n_a", "n_b"]


@functools.cache
def _compare_reference(case_id: str) -> pd.DataFrame:
    _, name, kpi, value, group, by, options = next(c for c in COMPARE_CASES
                                                   if c[0] == case_id)
    return kt.compare(_table(name), kpi=kpi, value=value, group=group, by=by or None,
                      **options)


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb"])
@pytest.mark.parametrize("case", COMPARE_CASES, ids=[c[0] for c in COMPARE_CASES])
def test_compare_from_engine_counts_equals_the_rows(case, engine):
    case_id, name, kpi, value, group, by, options = case
    table = _table(name)
    want = _compare_reference(case_id)
    counts_table, counts = engines.aggregated_table(CONVERTERS[engine](table.copy()), kpi,
                                                    value, [*by, group], **options)
    got = kt.compare(counts_table, kpi=kpi, group=group, by=by or None, counts=counts)
    assert got[["group_a", "group_b", "method", "test"]].astype(str).equals(
        want[["group_a", "group_b", "method", "test"]].astype(str))
    np.testing.assert_allclose(got[COMPARE_NUMBERS].to_numpy(dtype=float),
                               want[COMPARE_NUMBERS].to_numpy(dtype=float),
                               rtol=1e-9, atol=1e-9, equal_nan=True)


def test_means_have_no_count_table():
    with pytest.raises(TypeError, match="not a count KPI"):
        engines.aggregated_table(CONVERTERS["polars"](_table("surveys")), "csat_mean", "csat")


def test_small_groups_warn_as_summarize_does():
    table = _table("surveys").head(30)
    with pytest.warns(SmallSampleWarning) as want:
        kt.summarize(table, kpi="nps", value="nps", by="team")
    with pytest.warns(SmallSampleWarning) as got:
        engines.summarize(CONVERTERS["duckdb"](table.copy()), kpi="nps", value="nps",
                          by="team")
    assert str(got[0].message) == str(want[0].message)


def test_category_order_is_kept_where_the_engine_has_one():
    df = pd.DataFrame({"team": pd.Categorical(["b", "a", "c"] * 20, categories=["c", "b", "a"]),
                       "nps": [9, 3, 7] * 20})
    order = {}
    for engine in CONVERTERS:
        got = _engine(CONVERTERS[engine](df), "nps", "nps", ["team"], {})
        order[engine] = got["team"].astype(str).tolist()
        by_team = dict(zip(order[engine], got["estimate"], strict=True))
        assert by_team == {"a": -100.0, "b": 100.0, "c": 0.0}  # 9 → promoter, 3 → detractor
    assert order["pandas"] == order["pyarrow"] == ["c", "b", "a"]  # the categories' order
    assert order["polars"] == order["polars_lazy"] == order["duckdb"] == ["a", "b", "c"]


#: (id, table, kpi, value, group, by, options): `kt.compare` of every KPI family on every
#: engine — means (Welch from moments), CES in each variant, durations (Hodges–Lehmann and
#: Mann–Whitney from frequency tables, or Welch for the mean) and the count KPIs.
COMPARE_MATRIX = [
    ("csat_mean_quarters_by_team", "surveys", "csat_mean", "csat", "quarter", ["team"], {}),
    ("csat_mean_baseline_less", "surveys", "csat_mean", "csat", "channel", [],
     {"baseline": "email", "alternative": "less", "confidence_level": 0.9}),
    ("ces_mean", "surveys", "ces", "ces", "channel", [], {"variant": "ease_1_7_mean"}),
    ("ces_net_by_team", "surveys", "ces", "ces", "quarter", ["team"],
     {"variant": "effort_1_7_net"}),
    ("ces_top_box", "surveys", "ces", "ces", "quarter", [], {"variant": "ease_1_7_top_box"}),
    ("nps_by_channel_bonferroni", "surveys", "nps", "nps", "quarter", ["channel"],
     {"adjust": "bonferroni"}),
    ("csat_table_scope", "surveys", "csat", "csat", "quarter", ["team"],
     {"adjust_scope": "table"}),
    ("yes_share", "tickets", "yes_share", "escalated", "priority", [], {}),
    ("escalation_rate_by_channel", "tickets", "escalation_rate", None, "priority",
     ["channel"], {}),
    ("frt_channels", "tickets", "frt", None, "channel", [], {}),
    ("frt_by_channel_hours", "tickets", "frt", None, "priority", ["channel"],
     {"unit": "hours", "alternative": "greater"}),
    ("resolution_time", "tickets", "resolution_time", None, "team", [], {}),
    ("aht_teams", "calls", "aht", None, "team", [], {}),
    ("asa_mean_welch", "calls", "asa", None, "team", [],
     {"statistic": "mean", "method": "welch"}),
    ("wait_value", "calls", "asa", "wait_seconds", "team", [], {"unit": "minutes"}),
    ("small_csat_mean", "few_surveys", "csat_mean", "csat", "quarter", ["team"], {}),
    ("small_ces_net", "few_surveys", "ces", "ces", "quarter", ["channel"],
     {"variant": "effort_1_7_net"}),
    ("small_csat", "few_surveys", "csat", "csat", "quarter", ["team"], {}),
    ("aht_talk_time_alone", "talk_only_calls", "aht", None, "team", [], {}),
    ("fcr_by_team", "tickets", "fcr", None, "channel", ["team"], {}),
    ("resolution_rate_as_of", "messy_tickets", "resolution_rate", None, "priority", [],
     {"invalid": "exclude", "as_of": "2024-12-01"}),
    ("abandonment_rate", "calls", "abandonment_rate", None, "team", [], {}),
    ("answer_rate_fisher", "messy_calls", "answer_rate", None, "quarter", [],
     {"short_abandon_seconds": 5, "test": "fisher", "invalid": "exclude"}),
    ("service_level_quarters_by_team", "messy_calls", "service_level", None, "quarter",
     ["team"], {"threshold_seconds": 30, "invalid": "exclude"}),
    ("ticket_volume_channels", "messy_tickets", "ticket_volume", None, "channel", [], {}),
    ("resolved_volume_period_days", "messy_tickets", "resolved_volume", None, "quarter",
     ["team"], {"exposure": "period_days", "period_column": "quarter",
                "alternative": "greater"}),
    ("complaints_channels", "complaint_tickets", "complaints_per_1000", "complaint",
     "channel", [], {"customers": 5000}),
    ("complaints_teams_base_column", "complaint_tickets", "complaints_per_1000", "complaint",
     "team", [], {"customers": "customer_base", "alternative": "less"}),
    ("churn_segments", "messy_customers", "churn_rate", None, "segment", [],
     {"period": "2025Q3", "invalid": "exclude"}),
    ("crr_teams_by_segment", "customers", "crr", None, "team", ["segment"],
     {"period": "2025Q3", "alternative": "greater"}),
    ("customer_growth_segments", "customers", "customer_growth", None, "segment", [],
     {"period": "2025-09"}),
    ("employee_turnover_teams", "agents", "employee_turnover", None, "team", [],
     {"period": "2025Q3"}),
    ("nrr_segments", "customers", "nrr", None, "segment", [],
     {"period": "2025Q3", "n_resamples": 299}),
    ("backlog_channels", "messy_tickets", "backlog", None, "channel", [],
     {"invalid": "exclude"}),
    ("backlog_at_channels_by_priority", "messy_tickets", "backlog", None, "channel",
     ["priority"], {"at": "2025-11-04 16:30", "invalid": "exclude", "alternative": "greater"}),
    # a group column with missing values: the warning counts the rows left out
    ("backlog_teams", "messy_tickets", "backlog", None, "team", [], {"invalid": "exclude"}),
    ("resolved_volume_teams", "messy_tickets", "resolved_volume", None, "team", [], {}),
    ("utilisation_teams", "messy_calls", "utilisation", None, "team", [],
     {"availability": AVAILABILITY, "period": "2025Q3", "n_resamples": 299}),
    ("productivity_teams", "messy_tickets", "productivity", None, "team", [],
     {"availability": AVAILABILITY}),
    ("nia_channels", "messy_tickets", "nia", None, "channel", [], {"days": 3}),
    ("nia_quarters_by_team", "messy_tickets", "nia", None, "quarter", ["team"],
     {"alternative": "less"}),
]
COMPARE_TEXT = ["kpi", "group_a", "group_b", "measure", "alternative", "method", "test",
                "unit", "p_adjust_method", "p_adjust_scope"]


def _compare_case(case, engine, spark=None):
    """The comparison and its warnings (category, message) on one engine."""
    _, name, kpi, value, group, by, options = case
    table = _table(name).copy()
    frame = spark_frame(spark, table) if engine == "pyspark" else CONVERTERS[engine](table)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = kt.compare(frame, kpi=kpi, value=value, group=group, by=by or None, **options)
    return out, [(w.category.__name__, str(w.message)) for w in caught]


@functools.cache
def _compare_matrix_reference(case_id):
    return _compare_case(next(c for c in COMPARE_MATRIX if c[0] == case_id), "pandas")


def assert_same_comparison(got: pd.DataFrame, want: pd.DataFrame, by: list[str]) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 0
    for col in [*by, *COMPARE_TEXT]:  # same rows in the same order, same labels
        assert got[col].astype(str).tolist() == want[col].astype(str).tolist(), col
    np.testing.assert_allclose(got[COMPARE_NUMBERS + ["confidence_level"]].to_numpy(float),
                               want[COMPARE_NUMBERS + ["confidence_level"]].to_numpy(float),
                               rtol=1e-9, atol=1e-9, equal_nan=True)
    assert got.attrs["adjustment_family"] == want.attrs["adjustment_family"]
    assert got.attrs.get("notes", []) == want.attrs.get("notes", [])


@pytest.mark.parametrize("engine", list(CONVERTERS))
@pytest.mark.parametrize("case", COMPARE_MATRIX, ids=[c[0] for c in COMPARE_MATRIX])
def test_compare_on_engine_equals_pandas(case, engine):
    want, want_warnings = _compare_matrix_reference(case[0])
    got, got_warnings = _compare_case(case, engine)
    assert_same_comparison(got, want, case[5])
    assert _unnumbered(got_warnings) == _unnumbered(want_warnings)


def _unnumbered(caught: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The warnings with the rows they name left out: pandas numbers them, an engine says
    its rows are not numbered (the number of rows must agree)."""
    return [(kind, re.sub(r" \(rows (\[[^]]*\]|of an? \w+ frame are not numbered)\)$", "",
                          text)) for kind, text in caught]
