"""Parquet folders and .duckdb files summarised in DuckDB, equal to pandas."""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools import datasets, engines
from kpitools.core.errors import SmallSampleWarning

NUMBERS = ["estimate", "ci_low", "ci_high", "n", "n_excluded"]


def _same(got: pd.DataFrame, want: pd.DataFrame, key: str) -> None:
    assert got[key].astype(str).tolist() == want[key].astype(str).tolist()
    np.testing.assert_allclose(got[NUMBERS].to_numpy(dtype=float),
                               want[NUMBERS].to_numpy(dtype=float), rtol=1e-9, atol=1e-9,
                               equal_nan=True)


def _summaries(tables: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return (engines.summarize(tables["surveys"], kpi="nps", value="nps", by="team"),
                engines.summarize(tables["tickets"], kpi="frt", by="team"))


@pytest.fixture(scope="module")
def reference():
    surveys, tickets = datasets.load_surveys(), datasets.load_tickets()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return (surveys, tickets, kt.summarize(surveys, kpi="nps", value="nps", by="team"),
                kt.summarize(tickets, kpi="frt", by="team"))


def test_parquet_folder_file_and_partitioned_table(tmp_path, reference):
    surveys, tickets, nps, frt = reference
    surveys.to_parquet(tmp_path / "surveys.parquet")
    for quarter, part in tickets.assign(q=tickets["created_at"].dt.quarter).groupby("q"):
        folder = tmp_path / "tickets" / f"q={quarter}"
        folder.mkdir(parents=True)
        part.drop(columns="q").to_parquet(folder / "part.parquet")
    tables = engines.duckdb_tables(tmp_path)
    assert sorted(tables) == ["surveys", "tickets"]
    assert engines.engine_name(tables["tickets"]) == "duckdb"
    got_nps, got_frt = _summaries(tables)
    _same(got_nps, nps, "team")
    _same(got_frt, frt, "team")


def test_duckdb_file(tmp_path, reference):
    surveys, tickets, nps, frt = reference
    path = tmp_path / "service.duckdb"
    con = duckdb.connect(str(path))
    con.register("s", surveys)
    con.register("t", tickets)
    con.execute("CREATE TABLE surveys AS SELECT * FROM s")
    con.execute("CREATE TABLE tickets AS SELECT * FROM t")
    con.close()
    got_nps, got_frt = _summaries(engines.duckdb_tables(path))
    _same(got_nps, nps, "team")
    _same(got_frt, frt, "team")


def test_nothing_to_read_says_where(tmp_path):
    with pytest.raises(FileNotFoundError, match="no Parquet files"):
        engines.duckdb_tables(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        engines.duckdb_tables(tmp_path / "absent")
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(ValueError, match="a .duckdb file"):
        engines.duckdb_tables(tmp_path / "x.csv")
