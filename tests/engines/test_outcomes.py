"""KPIs decided row by row on engines (`kpitools.engines.outcomes`): the same rows, errors
and refusals as pandas, on random tables as well as the sample data of the matrix."""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from engine_frames import CONVERTERS

import kpitools as kt
from kpitools import datasets
from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.kpis import catalogue

NUMBERS = ["estimate", "ci_low", "ci_high", "n", "n_excluded"]


def _random_calls(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    offered = pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 86_400 * 30, n),
                                                           unit="s")
    wait = rng.choice([-3.0, 0.0, 2.0, 4.9, 5.0, 19.0, 20.0, 20.5, 31.0, 300.0, np.nan,
                       np.inf], n)
    answered = offered + pd.to_timedelta(np.where(np.isfinite(wait), wait, 7.0), unit="s")
    answered = answered.where(rng.random(n) > 0.25)  # abandoned calls
    early = rng.random(n) < 0.05
    answered = answered.where(~early, offered - pd.Timedelta("1s"))
    return pd.DataFrame({"team": rng.choice(["a", "b", "c", None], n),
                         "offered_at": offered, "answered_at": answered,
                         "wait_seconds": wait})


def _random_tickets(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    created = pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 86_400 * 60, n),
                                                           unit="s")
    resolved = created + pd.to_timedelta(rng.integers(-86_400, 86_400 * 20, n), unit="s")
    return pd.DataFrame({"team": rng.choice(["a", "b", None], n),
                         "created_at": pd.Series(created).where(rng.random(n) > 0.05),
                         "resolved_at": pd.Series(resolved).where(rng.random(n) > 0.2)})


def _same(table: pd.DataFrame, frame, kpi: str, by: list[str], options: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        want = kt.summarize(table, kpi=kpi, by=by, **options)
        got = kt.summarize(frame, kpi=kpi, by=by, **options)
    assert list(got.columns) == list(want.columns)
    assert got["team"].astype(str).tolist() == want["team"].astype(str).tolist()
    np.testing.assert_allclose(got[NUMBERS].to_numpy(float), want[NUMBERS].to_numpy(float),
                               rtol=1e-9, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("options", [
    {"kpi": "service_level"},
    {"kpi": "service_level", "threshold_seconds": 5, "short_abandon_seconds": 5,
     "denominator": "answered"},
    {"kpi": "abandonment_rate", "short_abandon_seconds": 4.9},
    {"kpi": "answer_rate"},
], ids=["sl", "sl_5s_answered", "abandon_short", "answer"])
def test_calls_equal_pandas_on_random_tables(seed, options):
    """Waits at and around the thresholds, NaN and infinite waits, answers before offers."""
    table = _random_calls(seed)
    rest = {k: v for k, v in options.items() if k != "kpi"} | {"invalid": "exclude"}
    for engine in ("polars_lazy", "duckdb"):
        _same(table, CONVERTERS[engine](table.copy()), options["kpi"], ["team"], rest)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("as_of", [None, "2026-02-01", "2026-03-20 12:00"])
def test_resolution_rate_equals_pandas_on_random_tables(seed, as_of):
    table = _random_tickets(seed)
    for engine in ("polars", "pyarrow", "duckdb"):
        _same(table, CONVERTERS[engine](table.copy()), "resolution_rate", ["team"],
              {"invalid": "exclude", "as_of": as_of})


def _message_counts(err: BaseException) -> str:
    """The problem without the row labels pandas adds."""
    return re.split(r" \(rows | \(missing|; rows of a", str(err))[0]


@pytest.mark.parametrize("kpi, options", [
    ("resolution_rate", {}),
    ("service_level", {}),
    ("service_level", {"invalid": "exclude", "missing": "raise"}),
])
def test_refused_rows_raise_as_pandas_with_the_number_of_rows(kpi, options):
    name = "tickets" if kpi == "resolution_rate" else "calls"
    table = _random_tickets(1) if name == "tickets" else _random_calls(1)
    with pytest.raises(DataValidationError) as want:
        kt.summarize(table, kpi=kpi, by="team", **options)
    with pytest.raises(DataValidationError) as got:
        kt.summarize(CONVERTERS["polars"](table), kpi=kpi, by="team", **options)
    assert _message_counts(got.value) == _message_counts(want.value)
    assert "rows of a polars frame are not numbered" in str(got.value)


def test_a_team_without_any_wait_is_refused_as_in_pandas():
    table = datasets.load_calls()
    table["wait_seconds"] = table["wait_seconds"].astype(float)
    first = table["team"].astype(str) == str(table["team"].iloc[0])
    table.loc[first, "wait_seconds"] = np.nan
    with pytest.raises(DataValidationError, match="no waiting time for any answered call"
                       ) as want:
        kt.summarize(table, kpi="service_level", by="team")
    with pytest.raises(DataValidationError, match="no waiting time for any answered call"
                       ) as got:
        kt.summarize(CONVERTERS["duckdb"](table), kpi="service_level", by="team")
    assert _message_counts(got.value) == _message_counts(want.value)


def test_repeated_ids_tz_and_text_timestamps_are_refused():
    calls = datasets.load_calls()
    calls.loc[calls.index[1], "call_id"] = calls["call_id"].iloc[0]
    with pytest.raises(DataValidationError, match="1 repeated ids"):
        kt.summarize(CONVERTERS["polars"](calls), kpi="answer_rate")
    tickets = datasets.load_tickets()
    with pytest.raises(TypeError, match="tz= on a pyarrow frame"):
        kt.summarize(CONVERTERS["pyarrow"](tickets), kpi="resolution_rate", tz="UTC")
    text = CONVERTERS["polars"](tickets.astype({"resolved_at": str}))
    with pytest.raises(TypeError, match="'resolved_at' is String"):
        kt.summarize(text, kpi="resolution_rate")
    with pytest.raises(ValueError, match="reads its columns by role"):
        kt.summarize(CONVERTERS["polars"](tickets), kpi="fcr", value="contacts")


def test_what_cannot_run_on_an_engine_says_why_and_what_to_do(monkeypatch):
    # every registered KPI runs on engines; one registered without sufficient statistics
    # (a user's own) is refused with the reason and what to do instead
    monkeypatch.setattr(catalogue, "_REGISTRY", dict(catalogue._REGISTRY))
    catalogue.register_kpi(dataclasses.replace(catalogue.get_kpi("csat_mean"),
                                               name="own_kpi"))
    kpi, reason = "own_kpi", "it is not computed from sufficient statistics"
    frame = CONVERTERS["duckdb"](datasets.load_tickets())
    for call in (lambda: kt.summarize(frame, kpi=kpi),
                 lambda: kt.compare(frame, kpi=kpi, group="team")):
        with pytest.raises(TypeError) as err:
            call()
        text = str(err.value)
        assert reason in text and "on a duckdb frame" in text
        assert "collect the columns it reads to pandas" in text


def test_excluded_rows_are_listed_with_their_reason_and_number():
    table = _random_tickets(3)
    got = kt.summarize(CONVERTERS["polars"](table), kpi="resolution_rate", by="team",
                       invalid="exclude")
    listed = got.attrs["excluded"]
    missing = int(table["created_at"].isna().sum())
    line = listed[listed["reason"].str.startswith("missing timestamps")]
    assert len(line) == 1 and f"({missing} rows on polars)" in line["reason"].iloc[0]
    assert got["n_excluded"].sum() == sum(
        int(re.search(r"\((\d+) rows? on", r).group(1)) for r in listed["reason"])


def test_every_registered_kpi_runs_on_engines():
    from kpitools.engines import ENGINE_KPIS

    assert sorted(set(catalogue.kpi_names()) - set(ENGINE_KPIS)) == []
